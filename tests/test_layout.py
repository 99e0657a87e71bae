"""The house rules, checked: layers depend only downwards, no import circle, imports at the top
of a module unless a comment says why, no file over 400 lines, no function over 60 lines
unless a comment says why. A new module goes into the layer of its package (RANKS)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "w2sg"

# Bottom to top: a package imports only from packages of a lower rank (or from itself).
RANKS = {
    "errors": 0, "options": 0, "io": 1, "paths": 1, "provenance": 1, "presets": 1,
    "validate": 2,
    "stages": 3, "data": 4, "stats": 4, "setup": 5, "models": 6, "supervision": 6,
    "probes": 7, "overlap": 8, "interventions": 9, "selection": 9, "report": 10,
    "study": 11, "finetune": 11, "synth": 11, "sweep": 12, "benchmark": 13, "cli": 14,
    "__main__": 15,
}  # fmt: skip
MAX_FILE, MAX_FUNCTION = 400, 60


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "__pycache__" not in p.parts)


def _package(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return parts[0]


def _name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["w2sg", *parts])


def _target(module: str, name: str) -> str:
    """`from module import name`: the submodule when `name` is one, else the module."""
    candidate = SRC.joinpath(*f"{module}.{name}".split(".")[1:])
    if candidate.with_suffix(".py").is_file() or (candidate / "__init__.py").is_file():
        return f"{module}.{name}"
    return module


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(imported w2sg module, line, at module top) for each import of w2sg code."""
    tree = ast.parse(path.read_text())
    inner = {
        id(node)
        for fn in ast.walk(tree)
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(fn)
    }
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("w2sg"):
            out += [
                (_target(node.module, a.name), node.lineno, id(node) not in inner)
                for a in node.names
            ]
        elif isinstance(node, ast.Import):
            out += [(a.name, node.lineno, id(node) not in inner) for a in node.names
                    if a.name.startswith("w2sg")]  # fmt: skip
    return out


def test_every_package_has_a_rank() -> None:
    packages = {_package(p) for p in _modules()} - {"__init__"}
    assert packages <= set(RANKS), packages - set(RANKS)


def test_layers_depend_only_downwards() -> None:
    bad = []
    for path in _modules():
        here = _package(path)
        if here == "__init__":
            continue
        for name, line, _ in _imports(path):
            parts = name.split(".")
            there = parts[1] if len(parts) > 1 else "__init__"
            if there in ("__init__", "__version__", here):
                continue
            if RANKS[there] >= RANKS[here]:
                bad.append(
                    f"{path.relative_to(SRC)}:{line} imports {name} ({there} is not below {here})"
                )
    assert not bad, "\n".join(bad)


def test_no_import_circle() -> None:
    modules = {_name(p): p for p in _modules()}
    graph = {
        name: {n for n, _, top in _imports(path) if top and n in modules and n != name}
        for name, path in modules.items()
    }
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, stack: list[str]) -> bool:
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                cycle.extend([*stack[stack.index(nxt) :], nxt] if nxt in stack else [node, nxt])
                return True
            if state.get(nxt) is None and visit(nxt, [*stack, nxt]):
                return True
        state[node] = 2
        return False

    for name in graph:
        if state.get(name) is None and visit(name, [name]):
            break
    assert not cycle, " -> ".join(cycle)


def test_imports_inside_functions_say_why() -> None:
    bad = []
    for path in _modules():
        lines = path.read_text().splitlines()
        tree = ast.parse("\n".join(lines))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    text = " ".join(lines[node.lineno - 1 : node.end_lineno])
                    if "#" not in text:
                        bad.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert not bad, "imports inside functions without a comment saying why:\n" + "\n".join(bad)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_files_and_functions_are_short(path: Path) -> None:
    lines = path.read_text().splitlines()
    assert len(lines) <= MAX_FILE, f"{len(lines)} lines"
    for node in ast.walk(ast.parse("\n".join(lines))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        length = node.end_lineno - start + 1
        if length <= MAX_FUNCTION:
            continue
        above = lines[start - 2] if start >= 2 else ""
        assert above.lstrip().startswith("#"), (
            f"{node.name} is {length} lines; split it, or say why in a comment above it"
        )
