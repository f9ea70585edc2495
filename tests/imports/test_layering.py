"""The import machinery is the bottom layer: no module of `imports/` imports a project app."""

from __future__ import annotations

import ast
from pathlib import Path

import imports

PROJECT_APPS = {"countries", "practices", "subscriptions", "gfmd"}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_no_module_of_imports_imports_a_project_app():
    folder = Path(imports.__file__).parent
    found = {
        str(path.relative_to(folder)): sorted(imported_packages(path) & PROJECT_APPS)
        for path in folder.rglob("*.py")
    }

    assert {path: apps for path, apps in found.items() if apps} == {}
    assert "resources.py" in found and "admin.py" in found
