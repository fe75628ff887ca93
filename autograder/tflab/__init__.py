"""A toolkit for TensorFlow labs: the observation machinery every lab shares.

A lab imports it on both sides of the one rule (student code and hidden checks never
share a process). Nothing here names a lab, a part or a notebook's variable.

The student's side (imported by a lab's probes.py, before any student code runs):
    readers      values read without calling anything student code can patch; GUARDED
    recording    tape.gradient and every optimizer's apply_gradients, recorded; eager forced
    state        the student's own variables and optimizers, found wherever a function
                 reaches them, and reset in place
    capture      a function's locals when it returns, also when it raises
    flow         which variables receive a gradient from a function's output; which
                 variables a call changed, and by how much
    calls        a probe that calls a student function on arguments described in JSON
    fast_adam    tf_keras's Adam with a bit-identical short path, for labs that opt in

The grader's side (imported by a lab's checks; never imports TensorFlow):
    parsing      untrusted JSON checked into dataclasses, field by field
    observer     asking probes, the values they return, the fixtures of checks' conftest
    reference    numpy references: Keras's Adam in float32, softmax cross-entropy
"""
