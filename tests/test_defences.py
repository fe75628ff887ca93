"""Attacks on the sandbox from student code. Each asserts that the attack failed, by its effect.

All attacks run as cells of student notebooks, in processes forked by a warm fork server,
exactly as in grading. Their outcomes also make the README's table of defences:
`AUTOGRADER_WRITE_README=1 pytest tests/test_defences.py` rewrites it, and
`test_the_readme_table_is_what_these_attacks_produced` keeps it honest.
"""

import hashlib
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder.notebook import to_python
from autograder.sandbox import landlock
from autograder.sandbox.confine import reachable_temp_dir, student_uid
from autograder.sandbox.forkserver import ForkServer
from autograder.sandbox.session import Limits, NotebookSession
from bench.hostile import Listener
from tests.conftest import ROOT

PROBES = "autograder.labs.tf_intro.probes"
HIDDEN_CHECK = ROOT / "autograder" / "labs" / "tf_intro" / "checks" / "check_train_step.py"
README = ROOT / "README.md"
CONFINED_READS = ROOT / "tests" / "scripts" / "confined_reads.py"
TABLE_START, TABLE_END = "<!-- defences:start -->", "<!-- defences:end -->"


@dataclass
class Outcome:
    attack: str
    defence: str
    result: str  # what happened, in words, for the table
    held: bool


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return status != "Z"


def processes_of(uid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^Uid:\s+(\d+)", status, re.MULTILINE)
        zombie = re.search(r"^State:\s+Z", status, re.MULTILINE)
        if match and int(match.group(1)) == uid and not zombie:
            found.append(int(entry))
    return found


def processes_left(uid: int, seconds: float = 10.0) -> list[int]:
    """Processes of `uid` still running once SIGKILL has had time to land."""
    deadline = time.monotonic() + seconds
    while (found := processes_of(uid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def session_for(cells: list[str], workdir: Path, server: ForkServer, **limits) -> NotebookSession:
    return NotebookSession(
        [(number, to_python(source)) for number, source in enumerate(cells, start=1)],
        PROBES,
        workdir,
        Limits(**{"cell_seconds": 20.0, "total_seconds": 300.0, **limits}),
        forkserver=server,
    )


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Outcome]:
    """Run every attack once; return what each came to."""
    # Under /tmp and open to all, as the grader's own folders are: only the sandbox stops them
    base = Path(tempfile.mkdtemp(prefix="autograder-defences-"))
    base.chmod(0o755)
    try:
        return _run_attacks(base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _run_attacks(base: Path) -> dict[str, Outcome]:
    out = base / "out"
    out.mkdir()
    (out / "gradebook.sqlite").write_text("SECRET-GRADEBOOK")
    other = base / "other-submission"
    other.mkdir()
    (other / "notebook.ipynb").write_text("SECRET-OTHER-STUDENT")
    open_dir = base / "world-writable"
    open_dir.mkdir(mode=0o777)
    open_dir.chmod(0o777)  # file permissions alone would let anyone write here
    tcp = Listener(socket.AF_INET, ("127.0.0.1", 0))
    abstract = Listener(socket.AF_UNIX, f"\0autograder-test-{uuid.uuid4().hex}")
    bystander = subprocess.Popen(["sleep", "600"])
    server = ForkServer.start()
    results: dict[str, Outcome] = {}

    def record(attack: str, defence: str, held: bool, held_text: str, failed_text: str):
        results[attack] = Outcome(attack, defence, held_text if held else failed_text, held)

    (base / "neighbour").mkdir()
    neighbour = session_for(["x = 1"], base / "neighbour", server)
    neighbour.run_cells()
    neighbour_pid = neighbour._child.pid
    attack_cells = {
        "read_check": f"print(open({str(HIDDEN_CHECK)!r}).read())",
        "read_gradebook": f"print(open({str(out / 'gradebook.sqlite')!r}).read())",
        "read_other": f"print(open({str(other / 'notebook.ipynb')!r}).read())",
        "list_home": (
            "import os\nfor name, attempt in (('LISTED', lambda: os.listdir('/root')),\n"
            "        ('READ', lambda: open('/etc/passwd').read())):\n    try:\n"
            "        print(name, attempt())\n    except OSError as error:\n"
            "        print('REFUSED', type(error).__name__)"
        ),
        "write_out": f"open({str(out / 'pwned.txt')!r}, 'w').write('x')",
        "write_open_dir": f"open({str(open_dir / 'pwned.txt')!r}, 'w').write('x')",
        "tcp": (
            "import socket\ns = socket.create_connection(('127.0.0.1', "
            f"{tcp.address[1]}), timeout=3)\ns.sendall(b'hello')"
        ),
        "internet": "import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=3)",
        "abstract": (
            f"import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect({abstract.address!r})"
        ),
        "become_root": (
            "import os\ntry:\n    os.setuid(0)\nfinally:\n    print('UIDS', *os.getresuid())"
        ),
        "grader_environment": f"print(open('/proc/{os.getpid()}/environ').read())",
        "kill_bystander": f"import os\nos.kill({bystander.pid}, 9)",
        "kill_neighbour": f"import os\nos.kill({neighbour_pid}, 9)",
        "kill_server": "import os\nos.kill(os.getppid(), 9)",
        "hide_a_process": (
            "import os, time\npid = os.fork()\nif pid == 0:\n    os.setsid()\n"
            "    time.sleep(600)\n    os._exit(0)\nprint('HIDDEN', pid)"
        ),
        "memory": (
            "held = []\ntry:\n    for _ in range(80):\n        held.append(bytearray(100 << 20))\n"
            "finally:\n    print('MB', len(held) * 100)\n    del held"
        ),
        "fork_bomb": (
            "import os, time\nkids = 0\ntry:\n    for _ in range(600):\n"
            "        if os.fork() == 0:\n            time.sleep(5)\n            os._exit(0)\n"
            "        kids += 1\nfinally:\n    print('KIDS', kids)"
        ),
        "big_file": (
            "with open('big.bin', 'wb') as f:\n    for _ in range(100):\n"
            "        f.write(b'0' * (1 << 20))"
        ),
        "open_files": (
            "import os\nfiles = []\ntry:\n    for n in range(2000):\n"
            "        files.append(open(f'f{n}', 'w'))\nfinally:\n    print('OPEN', len(files))"
        ),
        "print_a_gigabyte": "line = 'x' * (1 << 20)\nfor _ in range(1024):\n    print(line)",
    }
    names = list(attack_cells)
    workdir = base / "attacker"
    workdir.mkdir()
    session = session_for(list(attack_cells.values()), workdir, server)
    try:
        session.run_cells()
        attacker_pid = session._child.pid
        reports = {name: session.reports[index] for index, name in enumerate(names)}
        hidden_pid = int(re.search(r"HIDDEN (\d+)", reports["hide_a_process"].output).group(1))
        hidden_was_alive = process_alive(hidden_pid)
    finally:
        session.close()
    leftovers = processes_left(student_uid(attacker_pid))

    def output(name: str) -> str:
        report = reports[name]
        return report.output + str(report.error)

    def denied(name: str, *secrets: str) -> bool:
        """The attack's read failed and none of the secrets reached the cell, in what it printed
        or in its error. Which exception the read raised depends on where the checkout lies
        (see the README), so it is not what makes the denial."""
        got = output(name)
        return reports[name].status == "error" and not any(secret in got for secret in secrets)

    check_text = HIDDEN_CHECK.read_text()
    record(
        "read the hidden checks",
        "Landlock",
        denied("read_check", "FIRST_STEP_TOLERANCE", check_text[:200]),
        "denied; the cell got none of the file",
        "READ",
    )
    record(
        "read the gradebook",
        "Landlock",
        denied("read_gradebook", "SECRET-GRADEBOOK"),
        "denied; the cell got none of the file",
        "READ",
    )
    record(
        "read another submission",
        "Landlock",
        denied("read_other", "SECRET-OTHER-STUDENT"),
        "denied; the cell got none of the file",
        "READ",
    )
    passwd = Path("/etc/passwd").read_text().splitlines()[0]
    record(
        "list /root, read /etc/passwd",
        "Landlock; /root covered by an empty tmpfs",
        not re.search(r"^(LISTED|READ) ", output("list_home"), re.MULTILINE)
        and "root:" not in output("list_home")
        and passwd not in output("list_home"),
        "denied; the cell got neither",
        "READ",
    )
    uids = re.search(r"UIDS (\d+) (\d+) (\d+)", output("become_root"))
    record(
        "become root again (setuid(0))",
        "own user id, no capabilities",
        reports["become_root"].status == "error"
        and uids is not None
        and 0 not in map(int, uids.groups()),
        "denied; still its own user id",
        "ROOT",
    )
    environment = Path(f"/proc/{os.getpid()}/environ").read_text(errors="replace").split("\0")
    record(
        "read the grader's environment (/proc/PID/environ)",
        "Landlock; own user id",
        denied("grader_environment", "PATH=", *(entry for entry in environment if len(entry) > 10)),
        "denied; the cell got none of it",
        "READ",
    )
    record(
        "write into the output folder",
        "Landlock",
        not (out / "pwned.txt").exists(),
        "denied; no file created",
        "WRITTEN",
    )
    record(
        "write into a world-writable folder",
        "Landlock",
        not (open_dir / "pwned.txt").exists(),
        "denied; no file created",
        "WRITTEN",
    )
    record(
        "TCP connection to a server on 127.0.0.1",
        "network namespace; Landlock (no TCP)",
        tcp.accepted == 0 and reports["tcp"].status == "error",
        "failed; the server saw no connection",
        "CONNECTED",
    )
    record(
        "connect to the internet",
        "network namespace; Landlock (no TCP)",
        reports["internet"].status == "error",
        "failed",
        "CONNECTED",
    )
    record(
        "abstract unix socket of the grader's machine",
        "network namespace; Landlock scope",
        abstract.accepted == 0 and reports["abstract"].status == "error",
        "failed; the socket saw no connection",
        "CONNECTED",
    )
    record(
        "kill a process of the grader's user",
        "own user id; Landlock signal scope",
        process_alive(bystander.pid),
        "denied; the process lives",
        "KILLED",
    )
    neighbour_ok = process_alive(neighbour_pid)
    neighbour.close()
    record(
        "kill another student's process",
        "own user id; Landlock signal scope",
        neighbour_ok,
        "denied; the process lives",
        "KILLED",
    )
    server_alive = server.process.poll() is None
    record(
        "kill the fork server (its parent)",
        "own user id; Landlock signal scope",
        server_alive and reports["kill_server"].status == "error",
        "denied; the server goes on forking",
        "KILLED",
    )
    megabytes = int(re.search(r"MB (\d+)", output("memory")).group(1))
    record(
        "allocate 8 GB in 100 MB steps",
        "address-space limit (4 GB above TensorFlow's)",
        megabytes < 4200 and "MemoryError" in output("memory"),
        "MemoryError below 4.2 GB; the next cells ran",
        f"got {megabytes} MB",
    )
    kids = int(re.search(r"KIDS (\d+)", output("fork_bomb")).group(1))
    record(
        "fork 600 processes",
        "process limit (256 for the student's user)",
        kids < 256,
        "stopped below 256 (BlockingIOError)",
        f"forked {kids}",
    )
    record(
        "hide a process in a new session, then end",
        "the grader kills every process of the student's user",
        hidden_was_alive and not process_alive(hidden_pid) and not leftovers,
        "killed with the submission",
        f"{len(leftovers)} processes left running",
    )
    size = (workdir / "big.bin").stat().st_size if (workdir / "big.bin").exists() else 0
    record(
        "write a 100 MB file in its own folder",
        "file-size limit (64 MB)",
        size <= 64 << 20 and reports["big_file"].status == "error",
        "stopped at 64 MB (OSError)",
        f"wrote {size >> 20} MB",
    )
    opened = int(re.search(r"OPEN (\d+)", output("open_files")).group(1))
    record(
        "open 2000 files",
        "open-file limit (256)",
        opened < 256,
        "stopped below 256 (OSError)",
        f"opened {opened}",
    )
    printed = len(reports["print_a_gigabyte"].output)
    record(
        "print a gigabyte",
        "output cap",
        printed < 10_000 and reports["print_a_gigabyte"].status == "ok",
        "cut to a few thousand characters",
        f"{printed} characters kept",
    )
    record(
        "any attack, then the rest of the notebook",
        "each attack confined to its cell",
        neighbour_ok and all(report.status != "killed" for report in reports.values()),
        "every later cell ran",
        "the process died",
    )
    tcp.close()
    abstract.close()
    bystander.kill()
    bystander.wait()
    server.close()
    return results


ATTACKS = [
    "read the hidden checks",
    "read the gradebook",
    "read another submission",
    "list /root, read /etc/passwd",
    "become root again (setuid(0))",
    "read the grader's environment (/proc/PID/environ)",
    "write into the output folder",
    "write into a world-writable folder",
    "TCP connection to a server on 127.0.0.1",
    "connect to the internet",
    "abstract unix socket of the grader's machine",
    "kill a process of the grader's user",
    "kill another student's process",
    "kill the fork server (its parent)",
    "allocate 8 GB in 100 MB steps",
    "fork 600 processes",
    "hide a process in a new session, then end",
    "write a 100 MB file in its own folder",
    "open 2000 files",
    "print a gigabyte",
    "any attack, then the rest of the notebook",
]


@pytest.mark.skipif(os.geteuid() != 0, reason="the attacks are written for a grader run as root")
@pytest.mark.parametrize("attack", ATTACKS)
def test_the_attack_fails(outcomes, attack):
    outcome = outcomes[attack]
    assert outcome.held, f"{attack}: {outcome.result}"


def table(outcomes: dict[str, Outcome]) -> str:
    kernel = f"Linux {platform.release()}, Landlock ABI {landlock.abi_version()}"
    lines = [
        f"Measured by `tests/test_defences.py` on {kernel}, grader run as root.",
        "",
        "| attack from a student's cell | defence | outcome |",
        "|---|---|---|",
    ]
    lines += [f"| {o.attack} | {o.defence} | {o.result} |" for o in outcomes.values()]
    return "\n".join(lines)


@pytest.mark.skipif(os.geteuid() != 0, reason="the table is measured with the grader as root")
def test_the_readme_table_is_what_these_attacks_produced(outcomes):
    produced = "\n" + table(outcomes) + "\n"
    if os.environ.get("AUTOGRADER_WRITE_README") == "1":
        readme = README.read_text()
        start, end = readme.index(TABLE_START) + len(TABLE_START), readme.index(TABLE_END)
        README.write_text(readme[:start] + produced + readme[end:])
    readme = README.read_text()
    written = readme[readme.index(TABLE_START) : readme.index(TABLE_END)]

    def rows(text: str) -> list[str]:  # the kernel named above the table may differ
        return [line for line in text.splitlines() if line.startswith("|")]

    assert rows(written) == rows(produced)


# -- the grader installed by pip, inside a site-packages the student may read ---------------


@pytest.fixture(scope="module")
def installed_grader():
    """A venv where pip installed this working tree as a regular (not editable) package.

    With `pip install -e .` the package stays in the checkout, outside every tree the student
    may read, so hiding it takes no rule at all. Here it lies inside the venv's site-packages,
    next to a neighbour package, and only the hiding rule keeps it from the student.
    """
    base = Path(tempfile.mkdtemp(prefix="autograder-installed-", dir=reachable_temp_dir()))
    base.chmod(0o755)  # open to all, as a venv is: only the sandbox may stop the student
    try:
        source = base / "source"
        skip = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
        shutil.copytree(ROOT / "autograder", source / "autograder", ignore=skip)
        for name in ("pyproject.toml", "README.md"):
            shutil.copy(ROOT / name, source / name)
        venv = base / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
        python = venv / "bin" / "python"
        site = subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile"]
        pip += ["--no-build-isolation", "--target", site, str(source)]
        subprocess.run(pip, capture_output=True, check=True)
        (Path(site) / "neighbour").mkdir()
        (Path(site) / "neighbour" / "__init__.py").write_text("VALUE = 42\n")
        yield python, Path(site)
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def installed_child(installed_grader) -> dict:
    """What a child confined by the installed grader could import and read."""
    python, site = installed_grader
    completed = subprocess.run(
        [python, CONFINED_READS],
        capture_output=True,
        text=True,
        check=False,
        cwd=site.parent,  # nowhere near the checkout, whose package must not be imported
        env={key: value for key, value in os.environ.items() if key != "PYTHONPATH"},
    )
    assert completed.returncode == 0, completed.stderr
    found = json.loads(completed.stdout)
    assert found["package"] == str(site / "autograder")  # the installed copy, not the checkout
    assert any(str(site).startswith(tree + "/") for tree in found["readable_trees"])
    assert "error" not in found["child"], found["child"]
    assert found["child"]["sandbox"]["filesystem"].startswith("Landlock")
    return found["child"]


def got_the_contents(outcome: str, path: Path) -> bool:
    """Whether the child read the file: it reports a read by the sha256 of the bytes it got,
    a failure by the exception's name, which depends on where the venv lies (see the README)."""
    return outcome == repr(hashlib.sha256(path.read_bytes()).hexdigest())


def test_an_installed_grader_package_is_unreadable_to_the_student(
    installed_grader, installed_child
):
    _, site = installed_grader
    checks = installed_child["checks"]
    assert sorted(checks) == sorted(path.name for path in HIDDEN_CHECK.parent.glob("*.py"))
    folder = site / "autograder" / "labs" / "tf_intro" / "checks"
    assert [name for name, got in checks.items() if got_the_contents(got, folder / name)] == []
    package = installed_child["package"]
    assert len(package) > 20  # every module, not just the checks
    readable = [path for path, got in package.items() if got_the_contents(got, Path(path))]
    assert readable == []


def test_the_student_still_imports_packages_installed_beside_the_grader(installed_child):
    assert installed_child["import_neighbour"] == "42"
    assert installed_child["read_neighbour"] == repr("VALUE = 42\n")
    assert installed_child["read_stdlib"].isdigit()
    # Python lists site-packages again after invalidate_caches, and to read metadata
    assert installed_child["import_neighbour_again"] == "42"
    assert installed_child["installed_version"] == repr("0.1.0")
