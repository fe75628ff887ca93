"""The benchmarks, each a module run from the repository root: `python -m bench.benchmark`,
`python -m bench.labs`, `python -m bench.cluster`, `python -m bench.soak`,
`python -m bench.compare_versions`, `python -m bench.gradescope_footprint`,
`python3 -m bench.gpu_check`. What they share is in `bench.common`; the hostile and broken
inputs (shared with the tests) in `bench.hostile`.

Nothing is imported here: `bench.gpu_check` runs with the standard library alone.
"""
