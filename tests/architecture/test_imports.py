"""The import structure stays as drawn: no cycles anywhere, and plugins use only the plugin API.

These read the source (with grimp, import-linter's graph builder, and Python's ``ast``) and import
nothing of the project, so they need neither torch nor the distributions installed: ``nox -s lint``
runs them beside ``lint-imports``, which checks the layers declared in the root ``pyproject.toml``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import grimp
import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCES = {
    "gan_core": REPO / "core" / "src",
    **{f"gan_plugin_{p.name}": p / "src" for p in sorted((REPO / "plugins").iterdir()) if (p / "src").is_dir()},
    "gan_plugin_example": REPO / "docs" / "example-plugin" / "src",
}
#: the plugin API: what a plugin may import from gan-core (docs/plugin-authors.md, "The plugin API")
PUBLIC = (
    "gan_core",
    "gan_core.augment",
    "gan_core.backbones",
    "gan_core.data",
    "gan_core.errors",
    "gan_core.hookspecs",
    "gan_core.losses",
    "gan_core.regularizers",
    "gan_core.testing",
)


@pytest.fixture(scope="module")
def graph() -> Iterator[grimp.ImportGraph]:
    """The import graph of this checkout's source folders (found first on ``sys.path``, whatever is installed)."""
    saved = list(sys.path)
    sys.path[:0] = [str(path) for path in SOURCES.values()]
    try:
        yield grimp.build_graph(*SOURCES, cache_dir=None)
    finally:
        sys.path[:] = saved


def _cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges.get(node, ()):
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_among_the_modules_of_core_and_plugins(graph: grimp.ImportGraph) -> None:
    """Every import counts: module level, inside functions, and under ``if TYPE_CHECKING``."""
    modules = {m for m in graph.modules if m.split(".")[0] in SOURCES}
    edges = {m: {n for n in graph.find_modules_directly_imported_by(m) if n in modules} for m in modules}
    assert _cycles(edges) == []


def _public_names() -> dict[str, set[str]]:
    """Each public module's ``__all__``, read from its source (the type stub's where the module exports
    lazily: ``gan_core/__init__.pyi``)."""
    names: dict[str, set[str]] = {}
    for module in PUBLIC:
        path = SOURCES["gan_core"] / Path(*module.split("."))
        source = (path / "__init__.py") if path.is_dir() else path.with_suffix(".py")
        if source.with_suffix(".pyi").exists():
            source = source.with_suffix(".pyi")
        tree = ast.parse(source.read_text())
        exported = next(
            node.value
            for node in tree.body
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets)
        )
        names[module] = set(ast.literal_eval(exported))
    return names


def _core_imports(roots: Sequence[Path]) -> Iterator[tuple[str, int, str, str | None]]:
    """``(file, line, module, name)`` for every import of gan_core in the files under ``roots``."""
    for root in roots:
        for file in sorted(root.rglob("*.py")):
            where = str(file.relative_to(REPO) if file.is_relative_to(REPO) else file)
            for node in ast.walk(ast.parse(file.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "gan_core":
                    for alias in node.names:
                        yield where, node.lineno, node.module, alias.name
                elif isinstance(node, ast.Import):
                    for alias in node.names:
                        if alias.name.split(".")[0] == "gan_core":
                            yield where, node.lineno, alias.name, None


def test_every_plugin_in_the_repository_imports_only_the_plugin_api() -> None:
    public = _public_names()
    plugin_sources = [path for name, path in SOURCES.items() if name != "gan_core"]
    offences = [
        f"{file}:{line}: {module}" + (f".{name}" if name else "")
        for file, line, module, name in _core_imports(plugin_sources)
        if module not in public
        or (name is not None and name not in public[module] and f"{module}.{name}" not in public)
    ]
    assert offences == []


def test_the_check_catches_a_private_import(tmp_path: Path) -> None:
    plugin = tmp_path / "bad.py"
    plugin.write_text("from gan_core._game import Game\nfrom gan_core import Game as G\nimport gan_core.config\n")
    found = [(module, name) for _, _, module, name in _core_imports([tmp_path])]
    public = _public_names()
    assert [(m, n) for m, n in found if m not in public or (n is not None and n not in public[m])] == [
        ("gan_core._game", "Game"),
        ("gan_core.config", None),
    ]


def test_the_public_names_exist_in_gan_core(graph: grimp.ImportGraph) -> None:
    assert set(PUBLIC) <= set(graph.modules)
    assert "Game" in _public_names()["gan_core"] and "GradientPenalty" in _public_names()["gan_core.regularizers"]
