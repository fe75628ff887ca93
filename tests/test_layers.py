"""The package's layers: no import cycle, counting every import, and platform knowledge only
in autograder/lms/.

The import graph is read from the source, not from what Python happens to load: every
import statement anywhere in a module (inside functions, under TYPE_CHECKING) is an edge,
and importing a.b.c also imports the packages a and a.b, whose __init__ runs first.
"""

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

from autograder.lms.registry import PLATFORMS

PACKAGE = Path(__file__).resolve().parents[1] / "autograder"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, root: Path) -> set[str]:
    """Every module an import statement anywhere in the file names, with its parents."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            # `from a import b` imports a, and a.b when b is a module
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            parts = target.split(".")
            found |= {".".join(parts[:end]) for end in range(1, len(parts) + 1)}
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    files = {module_name(path, root): path for path in root.rglob("*.py")}
    return {
        name: {target for target in imported_modules(path, root) if target in files} - {name}
        for name, path in files.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def describe(component: list[str], graph: dict[str, set[str]]) -> str:
    members = set(component)
    return "\n".join(f"  {m} -> {', '.join(sorted(graph[m] & members))}" for m in component)


def test_no_module_of_the_package_imports_itself_back():
    graph = import_graph(PACKAGE)
    assert len(graph) > 80  # the whole package was read
    found = cycles(graph)
    assert not found, "import cycles (every import counted):\n" + "\n\n".join(
        describe(component, graph) for component in found
    )


def test_a_lazy_import_that_closes_a_cycle_is_found(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "low.py").write_text("from pkg.sub.high import thing\n")
    (package / "sub" / "high.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.other import x\n"
    )
    (package / "other.py").write_text("def f():\n    from .low import y\n")
    graph = import_graph(package)
    assert cycles(graph) == [["pkg.low", "pkg.other", "pkg.sub.high"]]
    (package / "other.py").write_text("def f():\n    pass\n")
    assert cycles(import_graph(package)) == []


def test_importing_a_module_counts_its_packages():
    graph = import_graph(PACKAGE)
    assert "autograder.lms" in graph["autograder.lms.registry"]  # the package's __init__
    assert "autograder.lms.canvas" in graph["autograder.lms.registry"]


# ---- platform knowledge ------------------------------------------------------------------

PLATFORM_NAME = re.compile("|".join(platform.name for platform in PLATFORMS), re.IGNORECASE)
# Where a platform's rules live: its module, the registry, and the runner beside its module.
PLATFORM_HOME = PACKAGE / "lms"


def _skipped_lines(source: str) -> set[int]:
    """Lines of docstrings and import statements: they name things, they hold no rule."""
    skipped: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            skipped |= set(range(node.lineno, node.end_lineno + 1))
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                if isinstance(body[0].value.value, str):
                    skipped |= set(range(body[0].lineno, body[0].end_lineno + 1))
    return skipped


def platform_mentions(path: Path) -> list[str]:
    """Each name or string in the code (comments, docstrings and imports aside) that names
    a platform."""
    source = path.read_text(encoding="utf-8")
    skipped = _skipped_lines(source)
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in (tokenize.NAME, tokenize.STRING):
            continue
        if token.start[0] in skipped:
            continue
        if PLATFORM_NAME.search(token.string):
            found.append(f"{path.name}:{token.start[0]}: {token.string}")
    return found


def test_platform_names_appear_in_code_only_under_lms():
    outside = [path for path in PACKAGE.rglob("*.py") if not path.is_relative_to(PLATFORM_HOME)]
    assert len(outside) > 60
    found = [
        f"{path.parent.relative_to(PACKAGE.parent)}/{mention}"
        for path in outside
        for mention in platform_mentions(path)
    ]
    assert not found, "platform knowledge outside autograder/lms/:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "code, named",
    [
        ('OWN = {"canvas-anonymous"}\n', True),
        ("from x import y\nif row.platform == moodle.KIND:\n    pass\n", True),
        ('def f():\n    """Reads a Blackboard download."""\n    return 1  # Gradescope\n', False),
        ("from autograder.lms.gradescope_autograder.command import bundle\n", False),
    ],
)
def test_the_platform_name_check_sees_code_and_not_prose(tmp_path, code, named):
    module = tmp_path / "module.py"
    module.write_text(code)
    assert bool(platform_mentions(module)) is named


# ---- the README's drawing of the layers -----------------------------------------------------

README = PACKAGE.parent / "README.md"
BESIDE = ("tflab/", "labs/")  # the labs and their toolkit sit beside the layers


def drawn_layers() -> list[list[str]]:
    """The modules of each line of the README's layer drawing, top to bottom."""
    text = README.read_text(encoding="utf-8")
    block = text[text.index("```\nautograder/\n") :].split("```\n")[1]
    lines = []
    for line in block.splitlines()[1:]:
        named = re.match(r"^  ([\w./]+(?:, [\w./]+)*)", line)
        if named is None or named[1].startswith(BESIDE):
            continue  # a description going on, a heading, or the labs beside the layers
        entry = named[1]
        modules = []
        for name in entry.split(", "):
            if name.endswith(".py"):
                modules.append("autograder." + name.removesuffix(".py").replace("/", "."))
            elif name.endswith("/") and (PACKAGE / name / "__init__.py").exists():
                package = "autograder." + name.rstrip("/").replace("/", ".")
                modules += [
                    f"{package}.{path.stem}"
                    for path in (PACKAGE / name).glob("*.py")
                    if path.name != "__init__.py"
                ]
        lines.append(modules)
    return lines


def test_the_readme_draws_every_module_below_what_it_imports():
    graph = import_graph(PACKAGE)
    packages = {module_name(path, PACKAGE) for path in PACKAGE.rglob("__init__.py")}
    lines = drawn_layers()
    drawn = [module for line in lines for module in line if module not in packages]
    layered = {
        name
        for name in graph
        if name not in packages
        and not name.startswith(("autograder.tflab", "autograder.labs", "autograder.scaffold"))
    }
    assert sorted(set(drawn)) == sorted(layered - {"autograder"})
    seen: set[str] = set()
    for line in lines:
        for module in line:
            above = graph[module] - packages - seen - set(line)
            assert not above, f"{module} imports {sorted(above)}, drawn below it"
        seen |= set(line)
