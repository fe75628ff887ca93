"""Confines the student's process before any student code runs.

Called once in the freshly forked, still single-threaded child (namespaces require one
thread). Each defence that the kernel refuses is skipped and reported, never silently:
the report goes into the submission's results. In order:

1. limits (setrlimit): CPU time, address space, processes, file size, open files, no core;
2. the network: a new, empty network namespace (only a loopback that is down);
3. the user: as root, a user id of its own (UID_BASE + pid), so the process limit counts
   only this submission and no signal reaches another process. A Python installed where
   other users can't look (such as under /root) is first shown to the child read-only
   through a private mount namespace. Not as root: a user namespace does the same job;
4. the filesystem (Landlock): the Python installation and system libraries read-only,
   writes only in the private directory, the grader's own package (hidden checks) never,
   no TCP, no signals or abstract unix sockets outside the process's own domain. With
   --gpu, also the GPU's device files (read, write, ioctl) and the names of the process's
   own threads (/proc/PID/task), which CUDA writes when it starts.
"""

import ctypes
import glob
import os
import resource
import signal
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autograder.sandbox import landlock

UID_BASE = 1_800_000_000  # + pid: unique among live children, far above real accounts

_CLONE_NEWNS, _CLONE_NEWUSER, _CLONE_NEWNET = 0x00020000, 0x10000000, 0x40000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_REMOUNT = 1, 2, 4, 32
_MS_BIND, _MS_REC, _MS_PRIVATE = 4096, 16384, 1 << 18
_MNT_DETACH = 2
_PR_SET_DUMPABLE = 4

_SYSTEM_READABLE = (
    "/usr",
    "/lib",
    "/lib64",
    "/etc/ld.so.cache",
    "/etc/localtime",
    "/etc/mime.types",
    "/dev/zero",
    "/dev/urandom",
    "/proc/cpuinfo",
    "/proc/meminfo",
    "/sys/devices/system/cpu",
)

_libc = ctypes.CDLL(None, use_errno=True)


# With --gpu: the driver's device files and what CUDA reads about the machine
_GPU_DEVICES = ("/dev/nvidia*", "/dev/dri")
_GPU_READABLE = ("/proc/driver/nvidia", "/sys/bus/pci", "/sys/devices")
_GPU_DEVICE_RIGHTS = landlock.READ | landlock.WRITE_FILE | landlock.IOCTL_DEV
# CUDA names the threads it starts by writing /proc/PID/task/TID/comm with truncation;
# refused, its initialisation fails with error 304 (OS call failed or not supported)
_THREAD_NAME_RIGHTS = landlock.READ | landlock.WRITE_FILE | landlock.TRUNCATE


@dataclass(frozen=True)
class Policy:
    private_dir: Path
    cpu_seconds: int = 1800
    memory_bytes: int = 4 << 30  # address space on top of what the process maps at fork
    processes: int = 256
    file_bytes: int = 64 << 20
    open_files: int = 256
    gpu: bool = False  # CUDA maps huge virtual ranges: no address-space limit then


def student_uid(pid: int) -> int:
    return UID_BASE + pid


def reachable_temp_dir() -> str:
    """Where to make private directories: a temp folder other users can pass through.

    The student's process runs as another user, and reaches its own folder by absolute
    path (tempfile, matplotlib's cache); a TMPDIR under /root (mode 700) would hide it.
    """
    for candidate in (tempfile.gettempdir(), "/tmp", "/var/tmp"):
        if os.path.isdir(candidate) and _first_closed_ancestor(candidate) is None:
            return candidate
    return tempfile.gettempdir()


def kill_student_processes(pid: int) -> None:
    """SIGKILL every process running as the child's own user: what it forked and hid too."""
    uid = str(student_uid(pid))
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="ascii", errors="replace") as status:
                owner = next(line.split()[1] for line in status if line.startswith("Uid:"))
            if owner == uid:
                os.kill(int(entry), signal.SIGKILL)
        except (OSError, StopIteration):
            continue  # already gone


def confine(policy: Policy) -> dict[str, str]:
    """Apply every defence this kernel allows; return what each one came to."""
    report = {"limits": _set_limits(policy)}
    as_root = os.geteuid() == 0
    if as_root:
        report["network"] = _attempt(lambda: _unshare(_CLONE_NEWNET), "own network namespace")
        exposed = _attempt(lambda: _expose_hidden_installs(policy.private_dir), "")
    else:
        report["network"] = _attempt(_enter_user_and_network_namespaces, "own network namespace")
    # Landlock's rules are made while every path can still be opened, before the uid changes
    rules: list = []
    report["filesystem"] = _attempt(lambda: rules.append(_filesystem_rules(policy)), "")
    if not as_root:
        report["user"] = f"uid {os.getuid()}, the grader's own user (the grader is not root)"
    elif exposed.startswith("NOT APPLIED"):  # another user could not even import the stdlib
        report["user"] = f"{exposed} (Python could not be shown to another user)"
    else:
        report["user"] = _attempt(lambda: _become_student_user(policy, exposed), "")
    if rules:
        ruleset, description = rules[0]
        report["filesystem"] = _attempt(ruleset.restrict_self, description)
    return report


def _attempt(defence, done: str) -> str:
    try:
        outcome = defence()
    except OSError as error:
        return f"NOT APPLIED: {error.strerror or error}"
    return outcome or done


# -- limits ------------------------------------------------------------------------------


def _set_limits(policy: Policy) -> str:
    limits = {
        resource.RLIMIT_CPU: policy.cpu_seconds,
        resource.RLIMIT_NPROC: policy.processes,
        resource.RLIMIT_FSIZE: policy.file_bytes,
        resource.RLIMIT_NOFILE: policy.open_files,
        resource.RLIMIT_CORE: 0,
    }
    if not policy.gpu:
        limits[resource.RLIMIT_AS] = _mapped_bytes() + policy.memory_bytes
    for kind, value in limits.items():
        soft, hard = resource.getrlimit(kind)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(kind, (value, value))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write fails, it doesn't kill
    memory = (
        "no address-space limit (CUDA maps large ranges)"
        if policy.gpu
        else f"memory {policy.memory_bytes >> 20} MB beyond TensorFlow"
    )
    return (
        f"CPU {policy.cpu_seconds} s, {memory},"
        f" {policy.processes} processes, files {policy.file_bytes >> 20} MB,"
        f" {policy.open_files} open files"
    )


def _mapped_bytes() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


# -- namespaces and the user -------------------------------------------------------------


def _check(result: int) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))


def _unshare(flags: int) -> None:
    _check(_libc.unshare(flags))


def _mount(source, target, kind, flags: int, options=None) -> None:
    def encode(value):
        return None if value is None else os.fsencode(value)

    _check(_libc.mount(encode(source), encode(target), encode(kind), flags, encode(options)))


def _enter_user_and_network_namespaces() -> None:
    uid, gid = os.getuid(), os.getgid()
    _unshare(_CLONE_NEWUSER | _CLONE_NEWNET)
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
    Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")


def _become_student_user(policy: Policy, exposed: str) -> str:
    uid = student_uid(os.getpid())
    os.chown(policy.private_dir, uid, uid)
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    _check(_libc.prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0))  # keeps /proc/self readable to itself
    note = f"; {exposed} shown read-only" if exposed else ""
    return f"uid {uid}, unprivileged{note}"


def _expose_hidden_installs(private_dir: Path) -> str:
    """Bind the Python trees that other users can't reach into a private mount namespace.

    The blocking directory (say /root, mode 700) is covered with an empty tmpfs that holds
    only those trees, read-only; nothing else of it is visible to the child.
    """
    blocked: dict[str, list[str]] = {}
    for tree in _python_trees():
        blocker = _first_closed_ancestor(tree)
        if blocker is not None:
            blocked.setdefault(blocker, []).append(tree)
    if not blocked:
        return ""
    _unshare(_CLONE_NEWNS)
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    stage = tempfile.mkdtemp(prefix=".stage-", dir=private_dir)
    for blocker, trees in blocked.items():
        staged = []
        for number, tree in enumerate(trees):
            holder = os.path.join(stage, str(number))
            os.mkdir(holder)
            _mount(tree, holder, None, _MS_BIND | _MS_REC)
            staged.append((tree, holder))
        _mount("tmpfs", blocker, "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=0755,size=1m")
        for tree, holder in staged:
            os.makedirs(tree, mode=0o755, exist_ok=True)
            _mount(holder, tree, None, _MS_BIND | _MS_REC)
            _mount(None, tree, None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY)
            _check(_libc.umount2(os.fsencode(holder), _MNT_DETACH))
            os.rmdir(holder)
    os.rmdir(stage)
    return ", ".join(sorted(blocked))


def _first_closed_ancestor(path: str) -> str | None:
    current = Path(path)
    for directory in reversed([current, *current.parents]):
        try:
            mode = os.stat(directory).st_mode
        except OSError:
            return None
        if not mode & stat.S_IXOTH:
            return str(directory)
    return None


def _python_trees() -> list[str]:
    """The installation's own directories: prefixes, and site-packages outside them."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    roots |= {entry for entry in sys.path if "site-packages" in entry or "dist-packages" in entry}
    resolved = sorted({os.path.realpath(root) for root in roots if os.path.isdir(root)})
    return [root for root in resolved if not any(_is_within(root, other) for other in resolved)]


def _is_within(path: str, other: str) -> bool:
    return path != other and path.startswith(other.rstrip("/") + "/")


# -- the filesystem ----------------------------------------------------------------------


def grader_packages() -> list[str]:
    """The grader's package, and every other copy of it Python could import from (a second
    install in a venv, as the Gradescope bundle makes): each holds hidden checks."""
    own = Path(__file__).resolve().parents[1]
    found = {str(own)}
    for entry in sys.path:
        copy = Path(entry or os.curdir) / own.name
        try:
            if (copy / "lab.py").is_file() and (copy / "labs").is_dir():
                found.add(str(copy.resolve()))
        except OSError:
            continue
    return sorted(found)


def _filesystem_rules(policy: Policy) -> tuple[landlock.Ruleset, str]:
    """The ruleset, ready to apply, and what it will do."""
    abi = landlock.abi_version()
    if abi == 0:
        raise OSError(0, "Landlock is not available on this kernel")
    ruleset = landlock.Ruleset.create(abi)
    hidden = grader_packages()
    for tree in _python_trees():
        for allowed in _allowed_parts(tree, hidden):
            ruleset.allow(allowed, landlock.READ)
        if any(_is_within(path, tree) for path in hidden):
            # Listing only, which the rest of the tree needs: Python lists site-packages to
            # import from it (after invalidate_caches) and to read package metadata
            ruleset.allow(tree, landlock.READ_DIR)
    for path in _SYSTEM_READABLE:
        if os.path.exists(path):
            ruleset.allow(path, landlock.READ)
    ruleset.allow(os.devnull, landlock.READ | landlock.WRITE)  # file rights only, for a file
    own = f"/proc/{os.getpid()}"  # its own entries, never /proc/self: that is whoever looks
    ruleset.allow(own, landlock.READ, keep_open=True)
    if policy.gpu:
        _allow_gpu(ruleset, own)
    ruleset.allow(str(policy.private_dir), landlock.READ | landlock.WRITE)
    extras = []
    if abi >= 4:
        extras.append("no TCP")
    if abi >= 6:
        extras.append("no signals or abstract sockets outside itself")
    gpu = (
        "; --gpu: the GPU's device files and its own threads' names writable" if policy.gpu else ""
    )
    return ruleset, (
        f"Landlock ABI {abi}: Python read-only, writes only in its private directory,"
        f" grader unreadable, {', '.join(extras) or 'no network or signal scoping'}{gpu}"
    )


def _allow_gpu(ruleset: landlock.Ruleset, own: str) -> None:
    for path in _GPU_READABLE:
        if os.path.exists(path):
            ruleset.allow(path, landlock.READ)
    for device in (d for pattern in _GPU_DEVICES for d in glob.glob(pattern)):
        ruleset.allow(device, _GPU_DEVICE_RIGHTS)
    ruleset.allow(f"{own}/task", _THREAD_NAME_RIGHTS, keep_open=True)


def _allowed_parts(tree: str, hidden: list[str]) -> list[str]:
    """`tree`, minus the hidden paths inside it, as the fewest paths that cover the rest."""
    inside = [path for path in hidden if path == tree or _is_within(path, tree)]
    if not inside:
        target = os.path.realpath(tree)
        if any(path == target or _is_within(path, target) for path in hidden):
            # A link to a folder that holds the hidden path (a venv's lib64 -> lib): a rule
            # on it would allow its whole target; what it reaches is judged where it lands
            return []
        return [tree]
    if tree in inside or not os.path.isdir(tree):
        return []
    parts = []
    for entry in os.scandir(tree):
        parts += _allowed_parts(entry.path, inside)
    return parts
