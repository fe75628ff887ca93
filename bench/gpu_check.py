"""Does the sandbox's --gpu mode reach the GPU? A check to run on any machine with one.

Usage, from the repository root (the package need not be installed: run as a module from
there, the checkout's `autograder` is imported; TensorFlow is optional):

    python3 -m bench.gpu_check [--framework auto|tensorflow|torch|cupy|none] [--json PATH]

Standard library and `autograder.sandbox` only, nothing else of bench/: it runs with the
machine's own python3, even with `-S` (no site-packages).

With TensorFlow: the real fork server, started with gpu=True as `autograder grade --gpu`
starts it, forks the student's process, which confines itself as in grading and runs one
notebook cell: a 64x64 matrix product (float64, small integers, so the exact answer is
known) and three Adam steps on '/GPU:0'.

Without TensorFlow, the same with another CUDA framework (PyTorch, else CuPy), done the way
the fork server does it: this process takes the student's process's environment and imports
the framework without touching CUDA; it forks; the child, in a private folder made as
grading makes one, confines itself with Policy(private_dir, gpu=True) and multiplies the
matrices on the GPU. The child sends back, as JSON through a pipe, what each defence came
to, what it could reach, and the product's digest.

Either way, the product is checked here against the same product in plain Python. When the
sandboxed run fails on a machine with a GPU, the same child is run once more without
confine(), which tells whether the sandbox is to blame.

No GPU (no /dev/nvidia* device files, or no CUDA framework): the child is still confined
with gpu=True, so the GPU rules are applied and reported, names one of its threads as CUDA
does when it starts, and multiplies on the CPU. --framework tensorflow takes TensorFlow's
path even then (the fork server's student process on the CPU).

Exit status: 0 when the sandboxed process computed the right product on the GPU, or, with no
GPU, when the confined child computed it on the CPU and could name its threads; 1 when the
sandboxed computation failed or gave a wrong answer while the same without the sandbox works
(or there is no GPU to blame); 2 when CUDA fails even without the sandbox (the machine's
fault, not the sandbox's). On failure it prints the CUDA error, what cuInit says, what the
confined process could reach, the kernel and the Landlock ABI.
"""

import argparse
import ctypes
import errno
import glob
import hashlib
import importlib
import importlib.util
import json
import os
import platform
import select
import signal
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

from autograder.sandbox import confine, landlock
from autograder.sandbox.environment import apply_in_child, child_environment

SIDE = 64  # the product's matrices are SIDE x SIDE
ADAM_STEPS = 3
FRAMEWORKS = ("tensorflow", "torch", "cupy")
PROBES = "autograder.labs.tf_intro.probes"  # the lab whose student process is forked
SECONDS = 300.0  # for one sandboxed run, CUDA's start-up included
OK, SANDBOX_FAILED, CUDA_FAILED = 0, 1, 2
THREAD_NAMES = "thread names (/proc/PID/task/TID/comm)"

# The student's notebook cell on the TensorFlow path. It prints one JSON line.
TENSORFLOW_CELL = f"""
import hashlib, json, os
import tensorflow as tf

gpus = tf.config.list_physical_devices("GPU")
with tf.device("/GPU:0" if gpus else "/CPU:0"):
    counting = tf.range({SIDE} * {SIDE}, dtype=tf.float64)
    a = tf.reshape(counting % 7, ({SIDE}, {SIDE}))
    b = tf.reshape(counting % 5, ({SIDE}, {SIDE}))
    product = tf.matmul(a, b)
    w = tf.Variable(0, dtype=tf.float32)
    optimizer = tf.keras.optimizers.Adam(0.1)
    for _ in range({ADAM_STEPS}):
        with tf.GradientTape() as tape:
            cost = w ** 2 - 10 * w + 25
        optimizer.apply_gradients(zip(tape.gradient(cost, [w]), [w]))
rows = json.dumps(product.numpy().tolist())
print(json.dumps({{
    "device": product.device,
    "device name": tf.config.experimental.get_device_details(gpus[0]).get("device_name", "")
    if gpus else "",
    "product sha256": hashlib.sha256(rows.encode()).hexdigest(),
    "w": float(w.numpy()),
    "w device": w.device,
    "TF_FORCE_GPU_ALLOW_GROWTH": os.environ.get("TF_FORCE_GPU_ALLOW_GROWTH"),
    "GPU memory peak bytes": tf.config.experimental.get_memory_info("GPU:0")["peak"]
    if gpus else None,
}}))
"""


# -- what the answer must be --------------------------------------------------------------


def factors() -> tuple[list[list[float]], list[list[float]]]:
    a = [[float((i * SIDE + k) % 7) for k in range(SIDE)] for i in range(SIDE)]
    b = [[float((k * SIDE + j) % 5) for j in range(SIDE)] for k in range(SIDE)]
    return a, b


def plain_product() -> list[list[float]]:
    a, b = factors()
    columns = list(zip(*b, strict=True))
    return [[sum(x * y for x, y in zip(row, col, strict=True)) for col in columns] for row in a]


def digest(rows: list[list[float]]) -> str:
    """Exact: every entry is a small integer, which float64 holds exactly on any device."""
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def adam_reference(steps: int) -> float:
    """tf_keras's Adam(0.1) on (w - 5)^2 from 0, in float64."""
    w, m, v = 0.0, 0.0, 0.0
    lr, beta1, beta2, epsilon = 0.1, 0.9, 0.999, 1e-7
    for t in range(1, steps + 1):
        g = 2 * w - 10
        m += (g - m) * (1 - beta1)
        v += (g * g - v) * (1 - beta2)
        w -= lr * (1 - beta2**t) ** 0.5 / (1 - beta1**t) * m / (v**0.5 + epsilon)
    return w


# -- the machine --------------------------------------------------------------------------


def gpu_device_files() -> list[str]:
    return sorted(glob.glob("/dev/nvidia*"))


def installed_framework() -> str:
    """The first CUDA framework that can be imported, or "none"; imports nothing heavy."""
    for name in FRAMEWORKS:
        if importlib.util.find_spec(name) is not None:
            return name
    return "none"


def cuda_built(framework: str) -> bool:
    """Whether the framework was built for CUDA: asked without starting CUDA."""
    if framework == "torch":
        import torch

        return torch.version.cuda is not None
    return framework in ("tensorflow", "cupy")


def framework_version(framework: str) -> str:
    if framework == "none":
        return "none: plain Python on the CPU"
    if framework == "tensorflow":  # imported by the fork server only
        return "tensorflow (imported by the fork server)"
    module = importlib.import_module(framework)
    cuda = getattr(getattr(module, "version", None), "cuda", None)
    return f"{framework} {module.__version__}" + (f", CUDA {cuda} build" if cuda else "")


def cuda_driver_status() -> str:
    """cuInit through the driver library itself: its error name and text."""
    try:
        driver = ctypes.CDLL("libcuda.so.1")
    except OSError as error:
        return f"libcuda.so.1 could not be loaded ({error})"
    code = driver.cuInit(0)
    name, text = ctypes.c_char_p(), ctypes.c_char_p()
    driver.cuGetErrorName(code, ctypes.byref(name))
    driver.cuGetErrorString(code, ctypes.byref(text))
    status = f"cuInit: {code} {(name.value or b'?').decode()} ({(text.value or b'').decode()})"
    if code == 0:
        count = ctypes.c_int()
        driver.cuDeviceGetCount(ctypes.byref(count))
        status += f", {count.value} device(s)"
    return status


# -- the child on the fork path -----------------------------------------------------------


def errno_name(error: OSError) -> str:
    return errno.errorcode.get(error.errno or 0, str(error))


def attempt(action) -> str:
    try:
        action()
    except OSError as error:
        return errno_name(error)
    return "ok"


def name_another_thread() -> str:
    """What CUDA does for each thread it starts: write the name to /proc/PID/task/TID/comm."""
    started, finish = threading.Event(), threading.Event()
    tids: list[int] = []

    def idle() -> None:
        tids.append(threading.get_native_id())
        started.set()
        finish.wait()

    thread = threading.Thread(target=idle)
    thread.start()
    started.wait()
    try:
        return attempt(lambda: Path(f"/proc/self/task/{tids[0]}/comm").write_text("gpu-check"))
    finally:
        finish.set()
        thread.join()


def reachable(private: Path) -> dict[str, str]:
    """What the confined process may touch that matters to CUDA, and two things it may not."""
    found = {THREAD_NAMES: name_another_thread()}
    for device in gpu_device_files():
        if not os.path.isdir(device):
            found[device] = attempt(lambda d=device: os.close(os.open(d, os.O_RDWR)))
    if os.path.isdir("/proc/driver/nvidia"):
        found["/proc/driver/nvidia"] = attempt(lambda: os.listdir("/proc/driver/nvidia"))
    elsewhere = Path(confine.reachable_temp_dir(), f"gpu-check-{os.getpid()}")
    found["own /proc/PID/comm (to be refused)"] = attempt(
        lambda: Path("/proc/self/comm").write_text("x")
    )
    found[f"{elsewhere.parent} (to be refused)"] = attempt(lambda: elsewhere.write_text("x"))
    attempt(lambda: elsewhere.unlink(missing_ok=True))
    found["private folder"] = attempt(lambda: Path(private, "note").write_text("x"))
    return found


def keep_cupy_kernels_in(folder: Path) -> None:
    """CuPy's compiled-kernel cache in the private folder, like everything a student writes.

    CuPy before 14.1 reads CUPY_CACHE_DIR when it compiles; from 14.1 its disk cache is
    made when cupy is imported (here, in the parent, under the parent's HOME), so it is
    replaced by one of the same kind in the folder.
    """
    os.environ["CUPY_CACHE_DIR"] = str(folder)
    import cupy.cuda.compiler as compiler

    backend = getattr(compiler, "_kernel_cache_backend", None)
    if backend is not None and hasattr(compiler, "_set_kernel_cache_backend"):
        compiler._set_kernel_cache_backend(type(backend)(str(folder)))


def multiply(framework: str, on_gpu: bool) -> dict:
    """The product on the GPU with the framework, or in plain Python when there is no GPU."""
    if not on_gpu or framework == "none":
        return {"device": "cpu", "device name": platform.machine(), "rows": plain_product()}
    if framework == "torch":
        import torch

        counting = torch.arange(SIDE * SIDE, dtype=torch.float64, device="cuda")
        product = (counting % 7).reshape(SIDE, SIDE) @ (counting % 5).reshape(SIDE, SIDE)
        name = torch.cuda.get_device_name(product.device)
        return {"device": str(product.device), "device name": name, "rows": product.tolist()}
    import cupy

    counting = cupy.arange(SIDE * SIDE, dtype=cupy.float64)
    product = (counting % 7).reshape(SIDE, SIDE) @ (counting % 5).reshape(SIDE, SIDE)
    properties = cupy.cuda.runtime.getDeviceProperties(product.device.id)
    return {
        "device": f"cuda:{product.device.id}",
        "device name": properties["name"].decode(),
        "rows": cupy.asnumpy(product).tolist(),
    }


def child(framework: str, on_gpu: bool, confined: bool, private: Path, write_fd: int) -> None:
    """The student's process of the fork path. Never returns."""
    report: dict = {}
    try:
        os.setsid()  # a process group of its own, as the fork server gives it
        os.chdir(private)
        apply_in_child()
        os.environ.update(HOME=str(private), TMPDIR=str(private), MPLCONFIGDIR=str(private))
        tempfile.tempdir = None
        if confined:
            report["defences"] = confine.confine(confine.Policy(private, gpu=True))
        try:
            if framework == "cupy" and on_gpu:  # made as the student's user, who writes there
                keep_cupy_kernels_in(private / "cupy")
            product = multiply(framework, on_gpu)
            report |= {key: product[key] for key in ("device", "device name")}
            report["product sha256"] = digest(product["rows"])
        except Exception as error:  # noqa: BLE001 - the failure is the finding
            report["error"] = f"{type(error).__name__}: {error}"
        if on_gpu:
            report["CUDA driver"] = cuda_driver_status()
        report["access"] = reachable(private)
    except BaseException:  # noqa: BLE001 - reported through the pipe, whatever it is
        report["error"] = traceback.format_exc(limit=4)
    finally:
        try:
            os.write(write_fd, json.dumps(report).encode())
        finally:
            os._exit(0)


def run_forked(framework: str, on_gpu: bool, confined: bool) -> dict:
    """Fork the child in a fresh private folder; what it sent back."""
    with tempfile.TemporaryDirectory(
        prefix="autograder-gpu-check-", dir=confine.reachable_temp_dir()
    ) as private:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            child(framework, on_gpu, confined, Path(private), write_fd)
        os.close(write_fd)
        try:
            raw = read_until_closed(read_fd, SECONDS)
        finally:
            os.close(read_fd)
            end(pid)
    if raw is None:
        return {"error": f"no answer within {SECONDS:g} s"}
    try:
        return json.loads(raw)
    except ValueError:
        return {"error": f"the child sent no report (it died): {raw[:200]!r}"}


def read_until_closed(fd: int, seconds: float) -> bytes | None:
    chunks, deadline = [], time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if select.select([fd], [], [], left)[0]:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    return None


def end(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)  # whatever is left of its group
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
    if os.geteuid() == 0:  # then it ran as a user of its own
        confine.kill_student_processes(pid)


# -- the TensorFlow path: the real fork server and session ---------------------------------


def run_tensorflow() -> dict:
    from autograder.sandbox.forkserver import ForkServer
    from autograder.sandbox.session import Limits, NotebookSession

    server = ForkServer.start(gpu=True)
    limits = Limits(cell_seconds=SECONDS, total_seconds=2 * SECONDS)
    try:
        with tempfile.TemporaryDirectory(
            prefix="autograder-", dir=confine.reachable_temp_dir()
        ) as workdir:
            cells = [(1, TENSORFLOW_CELL)]
            with NotebookSession(cells, PROBES, Path(workdir), limits, True, server) as session:
                (cell,) = session.run_cells()
                report: dict = {"defences": dict(session.defences)}
                log = Path(workdir, "process.log").read_text(errors="replace")
    finally:
        server.close()
    if cell.status != "ok":
        error = cell.error or {}
        report["error"] = f"{error.get('type')}: {error.get('message')}"
        report["log"] = log[-3000:]
        return report
    report |= json.loads(cell.output.strip().splitlines()[-1])
    return report


# -- verdict ------------------------------------------------------------------------------


def judge(outcome: dict, expected: str, tensorflow: bool) -> tuple[bool, bool, str]:
    """(correct, ran on a GPU, in words)."""
    if "error" in outcome:
        return False, False, f"failed: {outcome['error']}"
    device = str(outcome.get("device", ""))
    on_gpu = "gpu" in device.lower() or "cuda" in device.lower()
    correct = outcome.get("product sha256") == expected
    name = f" ({outcome['device name']})" if outcome.get("device name") else ""
    words = f"{SIDE}x{SIDE} product on {device}{name}: {'correct' if correct else 'WRONG'}"
    if tensorflow:
        w, reference = outcome.get("w"), adam_reference(ADAM_STEPS)
        adam_right = isinstance(w, float) and abs(w - reference) < 1e-5
        correct = correct and adam_right
        verdict = "correct" if adam_right else f"WRONG, expected {reference:.7f}"
        words += f"; Adam, {ADAM_STEPS} steps: w = {w} on {outcome.get('w device')}: {verdict}"
    return correct, on_gpu, words


def show(title: str, outcome: dict) -> None:
    print(title)
    for name, text in outcome.get("defences", {}).items():
        print(f"  {name}: {text}")
    if not outcome.get("defences"):
        print("  (no defences: not confined)" if "error" not in outcome else "  (no report)")
    for name, text in outcome.get("access", {}).items():
        print(f"  reach {name}: {text}")
    for name in ("CUDA driver", "TF_FORCE_GPU_ALLOW_GROWTH", "GPU memory peak bytes", "log"):
        if outcome.get(name) is not None:
            print(f"  {name}: {outcome[name]}")


def check(framework: str, gpu: bool) -> tuple[int, dict]:
    expected = digest(plain_product())
    tensorflow = framework == "tensorflow"
    sandboxed = run_tensorflow() if tensorflow else run_forked(framework, gpu, confined=True)
    correct, on_gpu, words = judge(sandboxed, expected, tensorflow)
    show("the sandboxed process (confined with Policy(gpu=True)):", sandboxed)
    print(f"  result: {words}")
    summary: dict = {"sandboxed": sandboxed, "correct": correct, "on GPU": on_gpu}
    if not gpu:
        print("no GPU on this machine: the --gpu rules were applied to a child on the CPU")
        if sandboxed.get("access", {}).get(THREAD_NAMES, "ok") != "ok":
            print("FAIL: the confined child could not name its threads, as CUDA must to start")
            return SANDBOX_FAILED, summary
        return (OK if correct else SANDBOX_FAILED), summary
    if correct and on_gpu:
        print("PASS: the sandboxed process computed the right result on the GPU")
        return OK, summary
    print("FAIL: the sandboxed process did not compute the right result on the GPU")
    if tensorflow:  # the fork server always confines: no run without the sandbox here
        print("=> for a run without the sandbox too: --framework torch (or cupy)")
        return SANDBOX_FAILED, summary
    unconfined = run_forked(framework, gpu, confined=False)
    summary["unconfined"] = unconfined
    correct, on_gpu, words = judge(unconfined, expected, tensorflow)
    show("the same child without the sandbox:", unconfined)
    print(f"  result: {words}")
    if correct and on_gpu:
        print("=> the sandbox keeps CUDA from working: see 'reach' and the CUDA errors above")
        return SANDBOX_FAILED, summary
    print("=> CUDA does not work here even without the sandbox")
    return CUDA_FAILED, summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--framework", choices=("auto", *FRAMEWORKS, "none"), default="auto")
    parser.add_argument("--json", type=Path, help="also write everything measured here")
    args = parser.parse_args(argv)
    devices = gpu_device_files()
    framework = installed_framework() if args.framework == "auto" else args.framework
    if framework != "tensorflow":  # before the import, as the fork server has it; TensorFlow's
        environment = child_environment(dict(os.environ), gpu=True)  # server sets its own
        os.environ.clear()
        os.environ.update(environment)
    gpu = bool(devices) and framework != "none" and cuda_built(framework)
    if args.framework == "auto" and not gpu:
        framework = "none"
    user = "root" if os.geteuid() == 0 else f"uid {os.geteuid()}, not root"
    print("The sandbox's --gpu mode, checked")
    print(f"  machine: Linux {platform.release()}, Landlock ABI {landlock.abi_version()}, {user}")
    print(f"  Python {platform.python_version()} at {sys.executable}")
    print(f"  GPU device files: {', '.join(devices) or 'none'}")
    print(f"  framework: {framework_version(framework)}")
    if not devices:
        print("no GPU on this machine (no /dev/nvidia* device files)")
    elif not gpu:
        print("no GPU on this machine that a CUDA framework here can use")
    status, summary = check(framework, gpu)
    if args.json:
        facts = {"kernel": platform.release(), "landlock abi": landlock.abi_version()}
        machine = {**facts, "devices": devices, "framework": framework, "gpu": gpu}
        args.json.write_text(json.dumps({**summary, "machine": machine, "status": status}))
    return status


if __name__ == "__main__":
    sys.exit(main())
