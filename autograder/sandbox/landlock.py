"""A small ctypes binding to Linux Landlock: unprivileged, allow-list file and network rules.

Landlock restricts the calling thread and everything it starts afterwards; rules can be
added, never removed. See https://docs.kernel.org/userspace-api/landlock.html.
The system call numbers are the same on every architecture.
"""

import ctypes
import os
from dataclasses import dataclass, field

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

# Filesystem rights, with the ABI version that introduced each
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = (1 << n for n in range(8, 13))
REFER = 1 << 13  # ABI 2
TRUNCATE = 1 << 14  # ABI 3
IOCTL_DEV = 1 << 15  # ABI 5
_FS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}

READ = EXECUTE | READ_FILE | READ_DIR
WRITE = (
    WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_DIR | MAKE_REG | MAKE_SYM | MAKE_FIFO
    | MAKE_SOCK | REFER | TRUNCATE
)  # fmt: skip

NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1  # ABI 6


class LandlockError(OSError):
    pass


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _call(number: int, *args) -> int:
    result = _libc.syscall(ctypes.c_long(number), *args)
    if result < 0:
        errno = ctypes.get_errno()
        raise LandlockError(errno, os.strerror(errno))
    return result


def abi_version() -> int:
    """The kernel's Landlock ABI version; 0 when Landlock is missing or disabled."""
    try:
        return _call(_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    except LandlockError:
        return 0


@dataclass
class Ruleset:
    """Everything not allowed here is denied once `restrict_self` runs."""

    abi: int
    fd: int
    handled_fs: int
    # (path, rights) as granted, after masking to this kernel's ABI and to what a file takes
    rules: list[tuple[str, int]] = field(default_factory=list)
    kept_open: list[int] = field(default_factory=list)

    @classmethod
    def create(cls, abi: int) -> "Ruleset":
        handled_fs = _FS_BY_ABI[max(v for v in _FS_BY_ABI if v <= abi)]
        attr = _RulesetAttr(
            handled_access_fs=handled_fs,
            # no port rules are ever added: every TCP bind and connect is denied
            handled_access_net=(NET_BIND_TCP | NET_CONNECT_TCP) if abi >= 4 else 0,
            scoped=(SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL) if abi >= 6 else 0,
        )
        size = ctypes.sizeof(attr) if abi >= 6 else _RulesetAttr.scoped.offset
        fd = _call(_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
        return cls(abi, fd, handled_fs)

    def allow(self, path: str, access: int, *, keep_open: bool = False) -> None:
        """Allow `access` beneath `path` (a directory) or on it (a file).

        A rule belongs to the inode `path` has now. Most filesystems give a path the same
        inode for as long as the rule holds it, but procfs makes a new inode for a process's
        own entries (/proc/PID/...) whenever the kernel has evicted their dentry, under
        memory pressure for instance, and the rule would silently stop applying:
        `keep_open` keeps a descriptor on the path for the life of the process instead.
        """
        parent = os.open(path, os.O_PATH | os.O_CLOEXEC)
        added = False
        try:
            if not os.path.isdir(path):  # files take file rights only
                access &= EXECUTE | READ_FILE | WRITE_FILE | TRUNCATE | IOCTL_DEV
            rule = _PathBeneathAttr(allowed_access=access & self.handled_fs, parent_fd=parent)
            _call(_ADD_RULE, self.fd, _RULE_PATH_BENEATH, ctypes.byref(rule), ctypes.c_uint32(0))
            self.rules.append((path, rule.allowed_access))
            added = True
        finally:
            if added and keep_open:
                self.kept_open.append(parent)
            else:
                os.close(parent)

    def restrict_self(self) -> None:
        _call_prctl_no_new_privs()
        try:
            _call(_RESTRICT_SELF, self.fd, ctypes.c_uint32(0))
        finally:
            os.close(self.fd)

    def close(self) -> None:
        """Drop a ruleset that will not be applied, and the paths it kept open."""
        for fd in (self.fd, *self.kept_open):
            os.close(fd)
        self.kept_open.clear()


def _call_prctl_no_new_privs() -> None:
    if _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        errno = ctypes.get_errno()
        raise LandlockError(errno, os.strerror(errno))
