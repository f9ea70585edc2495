"""Dependencies run one way (README, "What is where"; DESIGN.md, layering).

Reads the source of every module of the project's packages with `ast` (migrations and tests
aside), builds the graph of the imports between the project's modules (absolute and
relative, at any depth of the file: an import inside a function is a dependency too) and
checks the layers, then that neither the packages nor the modules form a cycle.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Each package and the packages it may import; gfmd (settings, urls, home page) any of them.
LAYERS = {
    "core": set(),
    "imports": set(),
    "countries": {"core", "imports"},
    "practices": {"core", "imports", "countries"},
    "subscriptions": {"core", "imports", "countries", "practices"},
    "opendata": {"core", "imports", "countries", "practices", "subscriptions"},
    "gfmd": {"core", "imports", "countries", "practices", "subscriptions", "opendata"},
    # `make bench` (it has a settings module): on top of the site it measures.
    "benchmarks": {
        "core",
        "imports",
        "countries",
        "practices",
        "subscriptions",
        "opendata",
        "gfmd",
    },
}
# The project's packages: every folder of the root that is a Django app or the project.
FOUND_PACKAGES = {
    path.parent.name
    for path in [*ROOT.glob("*/apps.py"), *ROOT.glob("*/settings.py")]
    if (path.parent / "__init__.py").exists()
}
PACKAGES = set(LAYERS) & FOUND_PACKAGES


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_sources() -> dict[str, Path]:
    sources = {}
    for package in sorted(PACKAGES):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.relative_to(ROOT).parts:
                continue
            sources[module_name(path)] = path
    return sources


SOURCES = project_sources()


def package_of(module: str) -> str:
    return module.split(".", 1)[0]


def resolve(name: str) -> str | None:
    """The project module that `import name` loads last: `name`, or its nearest parent that is
    a module of ours; None for a name outside the project."""
    while name:
        if name in SOURCES:
            return name
        name = name.rpartition(".")[0]
    return None


def type_checking_only(tree: ast.AST) -> set[int]:
    """The nodes under `if TYPE_CHECKING:`: annotations only, never run, so no dependency."""
    return {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for statement in node.body
        for inner in ast.walk(statement)
    }


def imported_modules(module: str, path: Path) -> set[str]:
    """The project modules `module` imports when it runs (itself and its own parent packages
    aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    skipped = type_checking_only(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                stem = ".".join([*base, *([node.module] if node.module else [])])
            else:
                stem = node.module or ""
            # `from package import module` imports the module; `from module import name`
            # the module that defines the name.
            names = [f"{stem}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            target = resolve(name)
            if target and target != module and not module.startswith(f"{target}."):
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    return {module: imported_modules(module, path) for module, path in SOURCES.items()}


GRAPH = import_graph()


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle as a path `a -> b -> ... -> a`, or None (depth-first search)."""
    done: set[str] = set()
    stack: list[str] = []
    on_stack: set[str] = set()

    def visit(node: str) -> list[str] | None:
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target in on_stack:
                return [*stack[stack.index(target) :], target]
            if target not in done and (cycle := visit(target)):
                return cycle
        stack.pop()
        on_stack.discard(node)
        done.add(node)
        return None

    for node in sorted(graph):
        if node not in done and (cycle := visit(node)):
            return cycle
    return None


def test_every_package_has_a_layer():
    """A new app must say where it sits (and every package listed must exist)."""
    assert set(LAYERS) == FOUND_PACKAGES, "add the new app to LAYERS, with what it may import"


def test_every_package_is_read():
    """The reader finds the modules it should (a wrong root would pass every check)."""
    assert {package_of(module) for module in SOURCES} == PACKAGES
    assert "subscriptions.sending" in GRAPH["subscriptions.tasks"]  # `from x import module`
    assert "countries.models" in GRAPH["practices.models"]
    assert "countries.signals" in GRAPH["subscriptions.apps"]  # inside a function


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_layers(package):
    """Each package imports only the packages below it."""
    allowed = LAYERS[package] | {package}
    upward = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if package_of(module) == package
        for target in targets
        if package_of(target) not in allowed
    )
    assert not upward, f"{package} may import only {sorted(LAYERS[package])}:\n" + "\n".join(upward)


def test_no_cycle_between_packages():
    packages: dict[str, set[str]] = defaultdict(set)
    for module, targets in GRAPH.items():
        packages[package_of(module)] |= {
            package_of(target) for target in targets if package_of(target) != package_of(module)
        }
    cycle = find_cycle(packages)
    assert cycle is None, "packages import each other: " + " -> ".join(cycle)


def test_no_cycle_between_modules():
    cycle = find_cycle(GRAPH)
    assert cycle is None, "modules import each other: " + " -> ".join(cycle)


@pytest.mark.parametrize(
    ("graph", "cycle"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
        ({"a": {"b", "c"}, "b": {"c"}, "c": {"b"}}, ["b", "c", "b"]),
    ],
)
def test_find_cycle(graph, cycle):
    assert find_cycle(graph) == cycle


def test_relative_and_function_level_imports(tmp_path, monkeypatch):
    """`from . import x`, `from .x import y` and imports inside functions all count."""
    source = tmp_path / "countries" / "views.py"
    source.parent.mkdir()
    source.write_text(
        "from . import filters\n"
        "from .models import Country\n"
        "def view():\n"
        "    from practices.models import PracticeSubmission\n"
        "    import subscriptions.tasks\n"
    )
    monkeypatch.setitem(
        globals(),
        "SOURCES",
        {
            name: Path()
            for name in [
                "countries.filters",
                "countries.models",
                "practices.models",
                "subscriptions.tasks",
            ]
        },
    )
    assert imported_modules("countries.views", source) == {
        "countries.filters",
        "countries.models",
        "practices.models",
        "subscriptions.tasks",
    }
