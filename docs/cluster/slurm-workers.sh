#!/bin/bash
# Grading workers as a Slurm job. On the login node (or any node the compute nodes reach),
# from the repository root, after `make setup` on a shared filesystem:
#
#   .venv/bin/dask scheduler --scheduler-file ~/grader-scheduler.json &
#   sbatch docs/cluster/slurm-workers.sh
#   .venv/bin/autograder grade SUBMISSIONS --out results --dask ~/grader-scheduler.json
#   scancel --name grader-workers; kill %1
#
# Every node runs one `dask worker` with one single-threaded worker process per CPU: one
# submission at a time per process, each with its own warm fork server. The workers use
# the same .venv as the client, so the versions match by construction.
#SBATCH --job-name=grader-workers
#SBATCH --nodes=4
#SBATCH --ntasks-per-node=1
#SBATCH --cpus-per-task=16
#SBATCH --mem-per-cpu=1G
#SBATCH --time=02:00:00

set -euo pipefail
srun .venv/bin/dask worker \
    --scheduler-file "$HOME/grader-scheduler.json" \
    --nworkers "$SLURM_CPUS_PER_TASK" \
    --nthreads 1 \
    --memory-limit 0 \
    --local-directory "${TMPDIR:-/tmp}"
