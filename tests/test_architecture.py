"""The shape of the house: module-level imports form no cycle, the pipeline never imports the
server, and modules stay small enough to read in one sitting."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("backend", "workers")
# "Most modules under 300 lines": a little slack for a docstring, none for a second topic.
MAX_LINES = 330


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _runtime_imports(tree: ast.Module) -> list[tuple[str, list[str]]]:
    """(module, names) of the imports that run when the module is imported: top level and
    inside top-level `if`/`try`, not inside functions (lazy imports) nor under
    `if TYPE_CHECKING:`."""
    out: list[tuple[str, list[str]]] = []

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                out.extend((a.name, []) for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                out.append((node.module, [a.name for a in node.names]))
            elif isinstance(node, ast.If):
                if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)

    visit(tree.body)
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for target, names in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            for candidate in [f"{target}.{n}" for n in names] or [target]:
                hit = candidate if candidate in modules else target
                if hit in modules and hit != name:
                    edges[name].add(hit)
    return edges


def _package(module: str) -> str:
    """`workers.pipeline.stages` -> `workers.pipeline`; a top-level module is its own."""
    return ".".join(module.split(".")[:2])


def _packages() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for name, targets in _graph().items():
        mine = _package(name)
        edges.setdefault(mine, set())
        edges[mine] |= {_package(t) for t in targets if _package(t) != mine}
        for t in targets:
            edges.setdefault(_package(t), set())
    return edges


def _assert_acyclic(edges: dict[str, set[str]]) -> None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt):], nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            walk(node)


def test_module_imports_form_no_cycle() -> None:
    _assert_acyclic(_graph())


def test_packages_form_no_cycle() -> None:
    # The drawing of the house: workers' packages (types, graph, transport, pipeline, ...)
    # and backend's, each depending only on those below it.
    _assert_acyclic(_packages())


def test_the_pipeline_never_imports_the_server() -> None:
    for name, targets in _graph().items():
        if name.startswith("workers"):
            assert not [t for t in targets if t.startswith("backend")], name


def test_modules_stay_small() -> None:
    big = {name: n for name, path in _modules().items()
           if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not big, f"modules over {MAX_LINES} lines: {big}"
