"""The package's layout: no import cycle (imports inside functions included), no private
name imported across modules, no module far over 500 lines."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "readiness"


def _modules():
    mods = {}
    for f in sorted(PACKAGE.rglob("*.py")):
        parts = list(f.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = f
    return mods


def _imports(mods):
    """{module: [(imported module, [names])]} for every import statement, wherever it stands."""
    out = {}
    for mod, f in mods.items():
        pkg = mod.split(".") if f.name == "__init__.py" else mod.split(".")[:-1]
        found = []
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = pkg[: len(pkg) - node.level + 1] if node.level else []
                name = ".".join(base + ([node.module] if node.module else []))
                names = [a.name for a in node.names]
                if name in mods:
                    found.append((name, names))
                found += [(f"{name}.{n}", []) for n in names if f"{name}.{n}" in mods]
            elif isinstance(node, ast.Import):
                found += [(a.name, []) for a in node.names if a.name in mods]
        out[mod] = found
    return out


def _cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_even_through_imports_inside_functions():
    mods = _modules()
    imports = _imports(mods)
    # a package importing its own submodules (its __init__ re-exporting) is not a cycle
    graph = {m: sorted({d for d, _ in deps if d != m and not d.startswith(m + ".") and not m.startswith(d + ".")})
             for m, deps in imports.items()}
    assert _cycles(graph) == []


def test_a_cycle_is_found_when_there_is_one():
    assert _cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c"]]


def test_no_private_name_is_imported_from_another_module():
    mods = _modules()
    offenders = [f"{m} imports {n} from {d}" for m, deps in _imports(mods).items() for d, names in deps
                 for n in names if n.startswith("_") and not n.startswith("__") and d != m]
    assert offenders == []


@pytest.mark.parametrize("path", sorted(str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")))
def test_no_module_is_far_over_500_lines(path):
    assert len((ROOT / path).read_text(encoding="utf-8").splitlines()) <= 550
