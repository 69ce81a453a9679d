"""The import graph stays one-way and acyclic, and modules stay small.

Data flows corpus → ingest → index → (search_api, eval) → the CLI; reform_search's settings,
errors and limits are the shared floor. Every import counts, also those inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("reform_search", "ingest", "index", "search_api", "eval")
FLOOR = ("reform_search.settings", "reform_search.errors", "reform_search.limits")
MAX_LINES = 400


def _stage(mod: str) -> int:
    if mod.startswith(FLOOR) or mod == "reform_search":
        return 0
    top = mod.split(".")[0]
    return {"ingest": 1, "index": 2, "search_api": 3, "eval": 3, "reform_search": 4}[top]


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            mod = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            out[mod.removesuffix(".__init__")] = path
    return out


def _graph(mods: dict[str, Path]) -> dict[str, set[str]]:
    def resolve(name: str) -> str | None:
        while name:
            if name in mods:
                return name
            name = name.rpartition(".")[0]
        return None

    graph: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        pkg = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                names = [base] + [f"{base}.{a.name}" for a in node.names]
            else:
                continue
            for name in names:
                target = resolve(name)
                if target and target != mod:
                    graph[mod].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                elif nxt in on:
                    low[v] = min(low[v], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def test_no_import_cycles() -> None:
    assert _cycles(_graph(_modules())) == []


def test_no_import_against_the_flow() -> None:
    graph = _graph(_modules())
    backward = [(m, t) for m, ts in graph.items() for t in ts if _stage(t) > _stage(m)]
    assert backward == []
    # eval measures the product from outside the web layer; the API does not import the eval
    assert [(m, t) for m, ts in graph.items() for t in ts
            if m.split(".")[0] == "search_api" and t.split(".")[0] == "eval"] == []


def test_modules_stay_small() -> None:
    long = {m: n for m, p in _modules().items() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_the_checker_sees_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]


def test_benchmarks_do_not_import_each_other() -> None:
    graph = _graph(_modules())
    benches = {m for m in graph if m.startswith("eval.bench_") and m != "eval.bench_common"}
    assert len(benches) >= 3
    assert [(m, t) for m in benches for t in graph[m] if t in benches] == []
    # only the runner knows them all
    assert {"eval.bench_search", "eval.bench_serving"} <= graph["eval.bench"]


def test_server_harness_is_written_once() -> None:
    """Tests and benchmarks start the server through search_api.launch, not a copy of it."""
    graph = _graph(_modules())
    assert "search_api.launch" in graph["eval.bench_serving"]
    support = (ROOT / "tests" / "support" / "server.py").read_text(encoding="utf-8")
    assert "subprocess.Popen" not in support and "from search_api.launch import" in support
