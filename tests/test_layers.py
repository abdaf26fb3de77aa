"""The layer contract, checked on the source: no module imports a higher layer, not even
inside a function, and nothing imports inside a function unless the allow-list below
says why (docs/contributing.md, "Layers").

``lint-imports`` (make lint) checks the same contract with import-linter, from the same
list in pyproject.toml. This test adds what import-linter cannot see: an import inside a
function is how a cycle between layers hid before, so every such import must be justified
here, entry by entry.
"""

from __future__ import annotations

import ast
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "caredesk"

# Imports inside functions that are allowed, each with its reason:
# (file, imported module) -> why it cannot be at the top of the file. "*" as the module
# allows every import in that file.
FUNCTION_IMPORTS_ALLOWED: dict[tuple[str, str], str] = {
    ("caredesk/cli.py", "*"): (
        "the command-line entry point: it parses arguments before Django is set up, so "
        "each command imports Django and the apps after django.setup()"
    ),
    ("caredesk/channels/email/cli.py", "caredesk.channels.email.commands"): (
        "``caredesk mail`` builds its parser before Django is set up; the commands (and "
        "the models they use) load when one runs"
    ),
    ("caredesk/imports/cli.py", "caredesk.imports.commands"): (
        "``caredesk import`` builds its parser before Django is set up; the command (and "
        "the models it uses) loads when it runs"
    ),
    ("caredesk/core/apps.py", "caredesk.core.events"): (
        "the app config is imported while apps load, before models are ready; the event "
        "module (which imports a model) loads when a test changes the wiring settings"
    ),
    ("caredesk/core/bulk.py", "django.db.backends.postgresql.base"): (
        "the PostgreSQL backend module imports psycopg; SQLite installs must not need it"
    ),
    ("caredesk/core/effects.py", "django_tasks_db.backend"): (
        "the database queue is one optional backend: imported only when it is the one in use"
    ),
    ("caredesk/core/effects.py", "django_tasks_db.compat"): (
        "the database queue is one optional backend: imported only when it is the one in use"
    ),
    ("caredesk/core/effects.py", "django_tasks_db.models"): (
        "the database queue is one optional backend: imported only when it is the one in use"
    ),
    ("caredesk/core/periodic.py", "django_tasks_db.models"): (
        "the database queue is one optional backend: imported only when it is the one in use"
    ),
    ("caredesk/enrichment/abuse.py", "profanity_check"): (
        "loads a scikit-learn model (seconds, tens of MB): only in the worker that scores"
    ),
    ("caredesk/core/apps.py", "caredesk.core.deadlines"): (
        "the app config is imported while apps load, before models are ready; the deadline "
        "registry (which resolves models) loads when a test changes the wiring settings"
    ),
}


@dataclass(frozen=True)
class Found:
    path: str
    line: int
    module: str
    text: str
    in_function: bool


def contract() -> tuple[list[list[str]], set[tuple[str, str]]]:
    """The layers (top first; each a list of sibling packages) and the ignored edges."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers_contract,) = [c for c in config["contracts"] if c["type"] == "layers"]
    layers = [[name.strip() for name in layer.split("|")] for layer in layers_contract["layers"]]
    ignored = set()
    for line in layers_contract.get("ignore_imports", []):
        importer, imported = (part.strip() for part in line.split("->"))
        ignored.add((importer, imported))
    return layers, ignored


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module an ``from … import …`` names (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    package = module.split(".")
    if not is_package:
        package.pop()
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def is_module(name: str) -> bool:
    relative = Path(*name.split("."))
    return (ROOT / relative).with_suffix(".py").exists() or (
        ROOT / relative / "__init__.py"
    ).exists()


def imports(path: Path) -> list[Found]:
    return imports_in(
        path.read_text(), str(path.relative_to(ROOT)), module_name(path), path.name == "__init__.py"
    )


def imports_in(source: str, rel: str, module: str, is_package: bool = False) -> list[Found]:
    """Every import in ``source`` (the file ``rel``, module ``module``), with where it is."""
    tree = ast.parse(source, filename=rel)
    found: list[Found] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
            )
            if isinstance(child, ast.Import):
                for alias in child.names:
                    found.append(
                        Found(rel, child.lineno, alias.name, ast.unparse(child), in_function)
                    )
            elif isinstance(child, ast.ImportFrom):
                base = resolve(module, is_package, child)
                for alias in child.names:
                    full = f"{base}.{alias.name}"
                    target = full if is_module(full) else base
                    found.append(Found(rel, child.lineno, target, ast.unparse(child), in_function))
            visit(child, inside)

    visit(tree, False)
    unique = {(f.line, f.module): f for f in found}  # "from x import a, b": one import
    return list(unique.values())


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def layer_of(name: str, layers: list[list[str]]) -> tuple[int, str] | None:
    """(layer index, top is 0; the sibling package) of a module, or None outside them."""
    for index, layer in enumerate(layers):
        for package in layer:
            if name == package or name.startswith(package + "."):
                return index, package
    return None


def test_every_module_belongs_to_a_layer():
    layers, _ = contract()
    missing = [
        module_name(path)
        for path in modules()
        if module_name(path) != "caredesk" and layer_of(module_name(path), layers) is None
    ]
    assert not missing, f"modules in no layer of pyproject.toml's contract: {missing}"


def test_no_module_imports_a_higher_layer_not_even_inside_a_function():
    layers, ignored = contract()
    problems = []
    for path in modules():
        importer = module_name(path)
        mine = layer_of(importer, layers)
        if mine is None:
            continue
        for found in imports(path):
            theirs = layer_of(found.module, layers)
            if theirs is None or theirs[1] == mine[1]:
                continue
            if (importer, found.module) in ignored:
                continue
            if theirs[0] < mine[0]:
                why = f"{theirs[1]} is a higher layer than {mine[1]}"
            elif theirs[0] == mine[0]:
                why = f"{theirs[1]} and {mine[1]} share a layer and must stay independent"
            else:
                continue
            where = "inside a function" if found.in_function else "at the top"
            problems.append(f"{found.path}:{found.line}: {found.text}  ({why}; {where})")
    assert not problems, "imports against the layers:\n" + "\n".join(problems)


def test_no_imports_inside_functions_outside_the_allow_list():
    problems = []
    used = set()
    for path in modules():
        for found in imports(path):
            if not found.in_function:
                continue
            for key in ((found.path, found.module), (found.path, "*")):
                if key in FUNCTION_IMPORTS_ALLOWED:
                    used.add(key)
                    break
            else:
                problems.append(f"{found.path}:{found.line}: {found.text}")
    assert not problems, (
        "imports inside functions (move them to the top of the file; if one would make a "
        "cycle, the code is in the wrong layer — see docs/contributing.md):\n" + "\n".join(problems)
    )
    stale = sorted(set(FUNCTION_IMPORTS_ALLOWED) - used)
    assert not stale, f"allow-list entries that no longer match anything: {stale}"


def test_the_allow_list_and_the_ignored_edges_are_justified():
    assert all(reason.strip() for reason in FUNCTION_IMPORTS_ALLOWED.values())
    _, ignored = contract()
    assert not ignored, f"the layer contract ignores edges: {ignored}"


def test_the_checker_sees_imports_hidden_in_functions_and_relative_ones():
    """The walker itself: an upward import inside a method is found, with its line."""
    source = (
        "import os\n"
        "class Thing:\n"
        "    def hidden(self):\n"
        "        from caredesk.tickets.models import Ticket\n"
        "        return Ticket\n"
        "from . import clock\n"
    )
    top, hidden, relative = imports_in(source, "caredesk/core/probe.py", "caredesk.core.probe")
    assert (top.module, top.in_function) == ("os", False)
    assert (hidden.module, hidden.line, hidden.in_function) == ("caredesk.tickets.models", 4, True)
    assert hidden.text == "from caredesk.tickets.models import Ticket"
    assert relative.module == "caredesk.core.clock"
    layers, _ = contract()
    probe, ticket = layer_of("caredesk.core.probe", layers), layer_of(hidden.module, layers)
    assert probe is not None and ticket is not None and ticket[0] < probe[0]
