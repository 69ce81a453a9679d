"""Subcommands that need the index: model, build, search, compare, serve, eval."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from reform_search import limits
from reform_search.cli_io import err as _err
from reform_search.errors import ReformSearchError, Unavailable, UserError
from reform_search.settings import Settings


def _bounded(lo: int, hi: int) -> Any:
    """An argparse type: an integer in [lo, hi], so a bad --k is refused before the index loads."""
    def parse(v: str) -> int:
        if not v.lstrip("-").isdigit() or not lo <= int(v) <= hi:
            raise argparse.ArgumentTypeError(f"must be a whole number from {lo} to {hi}, not {v!r}")
        return int(v)
    return parse


def _text_arg(v: str) -> str:
    """An argparse type: a query or question within the limit and not blank."""
    if not v.strip():
        raise argparse.ArgumentTypeError("must not be empty or whitespace")
    if len(v) > limits.QUERY_MAX_CHARS:
        raise argparse.ArgumentTypeError(f"is {len(v)} characters; the limit is {limits.QUERY_MAX_CHARS}")
    return v


def _filters(args: argparse.Namespace) -> Any:
    from index.searcher import Filters

    return Filters(
        city=tuple(args.city or ()),
        kind=tuple(args.kind or ()),
        fiscal_year=tuple(args.year or ()),
        rating=tuple(args.rating or ()),
    )


def open_searcher(settings: Settings) -> Any:
    from index.searcher import Searcher

    t = time.perf_counter()
    s = Searcher.open(settings)
    _err(f"index loaded ({len(s.meta.chunks)} chunks) in {time.perf_counter() - t:.1f}s")
    return s


def cmd_model(args: argparse.Namespace, settings: Settings) -> int:
    from index.model import encoder_from_settings

    t = time.perf_counter()
    enc = encoder_from_settings(settings)
    _err(f"model {enc.name} at {enc.spec.path}: dimension {enc.dim}, {enc.dtype}, ready in {time.perf_counter() - t:.1f}s")
    print(enc.spec.path)
    return 0


def _embed_meter(step: float = 0.1) -> Any:
    """An embed_progress callback printing `embedding n/total` about every 10% (and at the end)."""
    shown = [-1.0]
    started = [0.0]
    last = [-1]

    def show(done: int, total: int) -> None:
        if total <= 0 or done == last[0]:
            return
        last[0] = done
        if done == 0:
            started[0] = time.perf_counter()
        share = done / total
        if done in (0, total) or share - shown[0] >= step:
            shown[0] = share
            rate = done / max(time.perf_counter() - started[0], 1e-9)
            _err(f"embedding {done}/{total} chunks" + (f" ({rate:.1f}/s)" if done else ""))

    return show


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from index.publish import publish
    from ingest.pipeline import load_records

    records = load_records(settings.records_dir)
    t = time.perf_counter()
    report = publish(records, settings, progress=_err, embed_progress=_embed_meter())
    split = ", ".join(f"{k} {v:.1f}s" for k, v in report.seconds.items())
    counts = report.manifest["counts"]
    _err(f"index with {report.chunks} chunks ({counts['embedded']} embedded, {counts['reused_vectors']} reused) "
         f"built in {time.perf_counter() - t:.1f}s ({split}) → {report.path}")
    _err("a running server picks it up with `reform-search reload`")
    return 0


def _hit_line(n: int, h: Any, width: int = 160) -> str:
    ini = h.initiative
    rating = ""
    if ini and ini.ratings:
        rating = " [" + " ".join(f"{r.year or ''}{':' if r.year else ''}{r.value}" for r in ini.ratings) + "]"
    from ingest.paging import page_label

    from index.display import excerpt, locate

    snippet = _highlighted(h.text, h.highlights, width)
    ex = excerpt(h.text, h.highlights, width)  # where the shown window is, not the whole passage
    line, _end, page, page_end = locate(h.text, ex.start, ex.end, h.source.line_start, h.page)
    where = f"{h.document_id} {page_label(page, page_end) + ' ' if page else ''}L{line}"
    return f"{n:2d}. {h.city} | {h.label}{rating}\n    {' > '.join(h.heading_path)}\n    {snippet}\n    ({where}, score {h.score:.4f})"


def _highlighted(text: str, spans: list[tuple[int, int]], width: int = 160) -> str:
    """The passage's display form (no markup, one line) cut to the `width` characters with the
    most matches, the matched terms in 【】."""
    from index.display import excerpt

    ex = excerpt(text, spans, width)
    shown, inside = ex.shown, ex.marked
    out = ["…"] if ex.before else []
    for i, ch in enumerate(shown):
        if inside[i] and (i == 0 or not inside[i - 1]):
            out.append("【")
        out.append(ch)
        if inside[i] and (i + 1 == len(shown) or not inside[i + 1]):
            out.append("】")
    return "".join(out) + ("…" if ex.after else "")


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    searcher = open_searcher(settings)
    filters = _filters(args)
    if args.queries:
        with open(args.queries, encoding="utf-8") as f:
            queries = [line.strip() for line in f if line.strip()]
        for q in queries:
            try:
                r = searcher.search(q, k=args.k, mode=args.mode, filters=filters)
                row = {"query": q, "took_ms": round(r.took_ms, 2), "results": [h.to_dict() for h in r.hits]}
            except ReformSearchError as e:
                row = {"query": q, "error": str(e), "results": []}
            print(json.dumps(row, ensure_ascii=False), flush=True)
        return 0
    if not args.query:
        raise UserError("give a query, or --queries FILE")
    r = searcher.search(args.query, k=args.k, mode=args.mode, filters=filters)
    if args.json:
        print(json.dumps([h.to_dict() for h in r.hits], ensure_ascii=False, indent=1))
        return 0
    for n, h in enumerate(r.hits, 1):
        print(_hit_line(n, h))
    _err(f"{len(r.hits)} results in {r.took_ms:.0f} ms")
    return 0


def cmd_compare(args: argparse.Namespace, settings: Settings) -> int:
    from index.qa import LEFT_OUT
    from index.results import WEAK_LABEL

    searcher = open_searcher(settings)
    r = searcher.compare(args.query, per_city=args.per_city, filters=_filters(args))
    if args.json:
        print(json.dumps({"query": args.query, "took_ms": round(r.took_ms, 2), "without_match": r.without_match,
                          "cities": [{"city": g.city, "strength": g.strength, "weak": g.weak,
                                      "results": [h.to_dict() for h in g.hits]} for g in r.groups]},
                         ensure_ascii=False, indent=1))
        return 0
    for g in r.groups:
        print(f"■ {g.city}" + (f"（{WEAK_LABEL}: 最も一致する市の{g.strength:.0%}）" if g.weak else ""))
        for n, h in enumerate(g.hits, 1):
            print(_hit_line(n, h, width=120))
    if not r.groups:
        print("該当する記述が見つかりませんでした")
    elif r.without_match:
        print(f"（{LEFT_OUT}: {'、'.join(r.without_match)}）")
    _err(f"{len(r.groups)} cities in {r.took_ms:.0f} ms")
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import logging

    import uvicorn

    from search_api.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    host = args.host or settings.host
    port = args.port or settings.port
    _err(f"serving on http://{host}:{port}/ (API docs at /docs, MCP at /mcp)")
    settings = settings.model_copy(update={"host": host, "port": port})  # MCP links and host checks follow
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
    return 0


def cmd_mcp(args: argparse.Namespace, settings: Settings) -> int:
    import threading

    from search_api.mcp import SearcherLoader, build_server

    loader = SearcherLoader(settings)
    threading.Thread(target=loader.preload, name="index-preload", daemon=True).start()
    _err(f"MCP server on stdio over {settings.index_dir} (stop with Ctrl-D or by closing the client)")
    build_server(loader, settings).run("stdio")
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from index.qa import extractive_answer
    from ingest.paging import page_label

    searcher = open_searcher(settings)
    a = extractive_answer(searcher, args.question, filters=_filters(args))
    if args.json:
        print(json.dumps({"question": a.question, "answerable": a.answerable, "answer": a.answer,
                          "confidence": a.confidence, "citations": [h.to_dict() for h in a.citations]},
                         ensure_ascii=False, indent=1))
        return 0
    print(a.answer)
    for n, h in enumerate(a.citations, 1):
        page = f"{page_label(h.page, h.page_end)} " if h.page else ""
        print(f"[{n}] {h.city} {h.document_title} {h.label} ({page}L{h.source.line_start}-{h.source.line_end})")
    _err(f"confidence {a.confidence:.3f}, {a.took_ms:.0f} ms")
    return 0 if a.answerable else 1


def _admin_call(settings: Settings, path: str) -> dict[str, Any]:
    import httpx

    headers = {"X-Admin-Key": settings.admin_key} if settings.admin_key else {}
    url = f"http://{settings.host}:{settings.port}{path}"
    try:
        r = httpx.post(url, headers=headers, timeout=300)
    except httpx.HTTPError as e:
        raise Unavailable(f"no server answered at {url} ({e}); it will load the current snapshot when started")
    if r.status_code in (401, 403):
        raise UserError(f"{url}: {r.status_code} {r.text[:500]}; set REFORM_SEARCH_ADMIN_KEY to the server's admin key")
    if r.status_code != 200:
        raise Unavailable(f"{url}: {r.status_code} {r.text[:500]}")
    return r.json()


def cmd_reload(args: argparse.Namespace, settings: Settings) -> int:
    out = _admin_call(settings, "/admin/reload")
    _err(f"serving snapshot {out['serving']['snapshot']} ({out['serving']['chunks']} chunks)")
    return 0


def cmd_rollback(args: argparse.Namespace, settings: Settings) -> int:
    from index.snapshots import SnapshotStore

    store = SnapshotStore(settings.index_dir)
    with store.lock():
        snap = store.rollback()
    _err(f"current snapshot is now {snap.name}")
    if args.no_reload:
        return 0
    try:
        cmd_reload(args, settings)
    except ReformSearchError as e:
        _err(f"note: {e}")
    return 0


def cmd_snapshots(args: argparse.Namespace, settings: Settings) -> int:
    from index.snapshots import SnapshotStore
    from index.store import read_manifest

    store = SnapshotStore(settings.index_dir)
    cur, prev = store.current(), store.previous()
    for snap in store.snapshots():
        try:
            m = read_manifest(snap)
            info = f"{m['counts']['chunks']} chunks, {m['model']['name']}, built {m['created']}"
        except ReformSearchError as e:
            info = f"unreadable: {e}"
        mark = "current " if snap == cur else "previous" if snap == prev else "        "
        print(f"{mark} {snap.name}  {info}")
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from eval.run import main as eval_main

    return eval_main(settings, args)


def _add_filter_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--city", action="append", help="only this city (repeatable)")
    p.add_argument("--kind", action="append", help="document kind (repeatable)")
    p.add_argument("--year", action="append", type=int, help="fiscal year, e.g. 2024 (repeatable)")
    p.add_argument("--rating", action="append", help="initiative rating, e.g. A (repeatable)")


def add_parsers(sub: Any) -> None:
    sub.add_parser("model", help="materialize/check the embedding model (offline)")
    sub.add_parser("build", help="build the search index from the ingest records")
    s = sub.add_parser("search", help="search the index")
    s.add_argument("query", nargs="?", type=_text_arg)
    s.add_argument("--k", type=_bounded(1, limits.SEARCH_K_MAX), default=limits.SEARCH_K_DEFAULT)
    s.add_argument("--mode", default="hybrid", choices=["hybrid", "dense", "lexical"])
    s.add_argument("--json", action="store_true")
    s.add_argument("--queries", help="file with one query per line; prints one JSON line per query")
    _add_filter_args(s)
    c = sub.add_parser("compare", help="comparable initiatives per city")
    c.add_argument("query", type=_text_arg)
    c.add_argument("--per-city", type=_bounded(1, limits.PER_CITY_MAX), default=limits.PER_CITY_DEFAULT)
    c.add_argument("--json", action="store_true")
    _add_filter_args(c)
    a = sub.add_parser("ask", help="answer a question with quotes from the sources")
    a.add_argument("question", type=_text_arg)
    a.add_argument("--json", action="store_true")
    _add_filter_args(a)
    v = sub.add_parser("serve", help="start the API and web UI")
    v.add_argument("--host", default=None, help="default 127.0.0.1 (REFORM_SEARCH_HOST)")
    v.add_argument("--port", type=int, default=None, help="default 8000 (REFORM_SEARCH_PORT)")
    sub.add_parser("mcp", help="MCP server on stdio for chat clients (HTTP: /mcp on `serve`)")
    sub.add_parser("reload", help="tell the running server to serve the current snapshot")
    rb = sub.add_parser("rollback", help="serve the previous snapshot again")
    rb.add_argument("--no-reload", action="store_true", help="only move the pointer")
    sub.add_parser("snapshots", help="list index snapshots")
    e = sub.add_parser("eval", help="evaluate retrieval and answers on the judged queries, per dev/test split")
    e.add_argument("--queries", help="one judged queries JSONL (default: every judged file of eval/, see eval/queries.py)")
    e.add_argument("--split", choices=["dev", "test", "all"], default=None,
                   help="one split only (default: dev and test, reported separately)")
    e.add_argument("--json", action="store_true", help="print metrics as JSON")
    e.add_argument("--no-baselines", action="store_true")
    e.add_argument("--no-english", action="store_true", help="skip the English versions of the queries (eval/queries_en.jsonl)")


COMMANDS = {
    "model": cmd_model,
    "build": cmd_build,
    "search": cmd_search,
    "compare": cmd_compare,
    "eval": cmd_eval,
    "ask": cmd_ask,
    "serve": cmd_serve,
    "mcp": cmd_mcp,
    "reload": cmd_reload,
    "rollback": cmd_rollback,
    "snapshots": cmd_snapshots,
}
