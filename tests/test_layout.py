"""The tree shows the architecture: engine, views, checks, CLI; and no module imports itself
back.

Every ``import`` statement of the two packages counts, at the top of a module or inside a
function or an ``if TYPE_CHECKING:`` block alike: a cycle hidden behind a local import is
still a cycle for a reader.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd", "nn")
ENGINE = ("autograd.errors", "autograd.one_pass", "autograd.core", "autograd.ops",
          "autograd.define_op", "autograd.backprop", "autograd.validate", "autograd.files",
          "autograd.expression")


def module_files() -> dict[str, Path]:
    """Module name -> file, for every module of our packages (a package is its __init__)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imported_modules(name: str, path: Path, modules: set[str]) -> set[str]:
    """The modules of ours that `name` imports, by any import statement anywhere in it.

    ``from p import x`` is an import of ``p.x`` when that is a module, else of ``p``.
    Importing a submodule also runs its parent packages' __init__; those implicit
    imports are not edges (every module would then import its own package).
    """
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package, `level` steps up
                package = name.split(".") if is_package else name.split(".")[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join([*package, *([base] if base else [])])
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                if candidate in modules:
                    found.add(candidate)
                elif base in modules:
                    found.add(base)
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    files = module_files()
    names = set(files)
    return {name: imported_modules(name, path, names) for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of `graph` as a list of modules (first == last), or None. No recursion."""
    state: dict[str, str] = {}  # "open" while on the current path, "done" after
    for start in sorted(graph):
        if start in state:
            continue
        path = [start]
        iterators = [iter(sorted(graph[start]))]
        state[start] = "open"
        while iterators:
            following = next(iterators[-1], None)
            if following is None:
                state[path.pop()] = "done"
                iterators.pop()
            elif state.get(following) == "open":
                return path[path.index(following):] + [following]
            elif following not in state:
                state[following] = "open"
                path.append(following)
                iterators.append(iter(sorted(graph[following])))
    return None


def test_no_module_imports_itself_back():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_planted_cycle():
    graph = import_graph()
    graph["autograd.core"] = graph["autograd.core"] | {"autograd.ops"}  # ops imports core
    assert find_cycle(graph) == ["autograd.core", "autograd.ops", "autograd.core"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_local_and_type_checking_imports_count(tmp_path):
    source = ("from typing import TYPE_CHECKING\n"
              "if TYPE_CHECKING:\n    from autograd.ops import x\n"
              "def f():\n    from autograd.views import trace\n")
    path = tmp_path / "probe.py"
    path.write_text(source)
    found = imported_modules("autograd.core", path, set(module_files()))
    assert found == {"autograd.ops", "autograd.views.trace"}


def test_the_tree_shows_the_four_roles():
    names = set(module_files())
    views = {"trace", "stepper", "drawing", "network", "player"}
    checks = {"checking", "local_check", "hand_backward", "check_report", "strategies",
              "torch_check"}
    assert {f"autograd.views.{m}" for m in views} <= names
    assert {f"autograd.checks.{m}" for m in checks} <= names
    assert set(ENGINE) <= names
    assert {"nn.cli", "nn.cli.command", "nn.cli.common", "nn.cli.expressions",
            "nn.cli.training"} <= names
    # nothing else lies loose at the top of autograd/ (the public autograd.strategies
    # only re-exports autograd.checks.strategies)
    top = {n for n in names if n.count(".") == 1 and n.startswith("autograd.")}
    assert top == {*ENGINE, "autograd.views", "autograd.checks", "autograd.strategies"}
    assert (ROOT / "autograd" / "views" / "static").is_dir()


def test_the_engine_needs_only_the_standard_library_and_autograd_never_imports_nn():
    graph = import_graph()
    for name, imported in graph.items():
        if name.startswith("autograd"):
            assert not any(m == "nn" or m.startswith("nn.") for m in imported), name
    for name in ENGINE[:-1]:  # the parser reads the package's table of functions
        assert all(m in ENGINE for m in graph[name]), (name, graph[name])
        tree = ast.parse(module_files()[name].read_text())
        top_level = {alias.name.split(".")[0] for node in ast.walk(tree)
                     if isinstance(node, ast.Import) for alias in node.names}
        top_level |= {node.module.split(".")[0] for node in ast.walk(tree)
                      if isinstance(node, ast.ImportFrom) and node.module and not node.level}
        outside = top_level - set(sys.stdlib_module_names) - {"autograd", "__future__"}
        assert not outside, (name, outside)


@pytest.mark.parametrize("public", [
    "from autograd import Value, draw_graph, gradcheck, check_graph, backward_steps, player_html",
    "from autograd.strategies import expressions_and_inputs, values_in",
    "import autograd; autograd.strategies.values_in",
    "from nn import fit, MLP, save_training_player",
    "from nn.cli import main",
])
def test_public_imports_keep_working(public):
    exec(public, {})
