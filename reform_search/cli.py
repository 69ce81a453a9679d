"""`reform-search` console script: a thin translation from arguments to the stages."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import ValidationError

from reform_search.errors import Busy, ReformSearchError, Unavailable, UserError
from reform_search.cli_io import err as _err
from reform_search.cli_io import print_json as _print_json
from reform_search.settings import Settings, get_settings


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.chunking import ChunkParams
    from ingest.pipeline import run_ingest, write_records

    params = ChunkParams(settings.chunk_target_chars, settings.chunk_max_chars, settings.chunk_overlap_chars)
    _err(f"ingesting {settings.corpus_dir}")
    if settings.executor == "ray":  # one Ray task per document
        from index.executors import open_executor

        with open_executor(settings, progress=_err) as executor:
            result = executor.ingest(settings.corpus_dir, params, progress=_err)
    else:
        result = run_ingest(settings.corpus_dir, params, progress=_err)
    write_records(result, settings.records_dir)
    n_init = sum(len(d.initiatives) for d in result.documents)
    n_chunks = sum(len(d.chunks) for d in result.documents)
    _err(
        f"{len(result.documents)} documents, {n_init} initiatives, {n_chunks} chunks in {result.seconds:.2f}s "
        f"→ {settings.records_dir}"
    )
    for e in result.errors:
        _err(f"error: {e}")
    return 1 if result.errors else 0


def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    """Validate and add a document, ingest, and publish a snapshot serving it (progress on stderr)."""
    from pathlib import Path

    from index.intake import Stage, add_and_publish, describe
    from ingest.corpus import add_document
    from reform_search.errors import CorpusError, DocumentError

    meta = dict(city=args.city, kind=args.kind, fiscal_years=args.year or [], title=args.title, doc_id=args.id,
                parser=args.parser)
    if args.no_build:
        try:
            m = add_document(settings.corpus_dir, Path(args.file), source_url=args.url, **meta)
        except DocumentError:
            raise
        except CorpusError as e:
            raise CorpusError(describe(e, args.file)) from e
        _err(f"added {m.id} ({m.city}, {m.kind}, {list(m.fiscal_years)}) to {settings.corpus_dir}")
        _err("run `reform-search ingest && reform-search build` to index it")
        return 0

    def show(s: Stage) -> None:
        count = f" {s.done}/{s.total}" if s.total else ""
        _err(f"{s.name}{count}" + (f": {s.message}" if s.message else ""))

    r = add_and_publish(settings, Path(args.file), url=args.url, progress=show, **meta)
    for w in r.warnings:
        _err(f"warning: {w}")
    _err(f"added {r.document.id} ({r.document.city}, {r.document.kind}, {list(r.document.fiscal_years)}): "
         f"{r.initiatives} initiatives, {r.chunks} chunks ({r.embedded} embedded) in {r.seconds:.1f}s; "
         f"snapshot {r.snapshot} is current")
    _err("a running server picks it up with `reform-search reload`")
    return 0


def _initiative_json(i: Any) -> dict[str, Any]:
    d = i.to_dict()
    d["ratings"] = [{"year": r["year"], "value": r["value"], "label": r["label"]} for r in d["ratings"]]
    return d


def cmd_initiatives(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.pipeline import load_records

    records = load_records(settings.records_dir)
    items = [i for i in records.initiatives if not args.city or i.city in args.city]
    if args.city and not items:
        cities = sorted({i.city for i in records.initiatives})
        raise UserError(f"no initiatives for city {', '.join(args.city)}; known cities: {', '.join(cities)}")
    if args.json:
        _print_json([_initiative_json(i) for i in items])
        return 0
    for i in items:
        ratings = " ".join(f"{r.year or ''}:{r.value}" for r in i.ratings)
        print(f"{i.city}\t{i.number}\t{i.title}\t{i.department}\t{ratings}\t{' > '.join(i.heading_path)}")
    _err(f"{len(items)} initiatives")
    return 0


Command = Callable[[argparse.Namespace, Settings], int]


def _commands() -> dict[str, Command]:
    from reform_search import cli_search

    return {
        "ingest": cmd_ingest,
        "initiatives": cmd_initiatives,
        "add": cmd_add,
        **cli_search.COMMANDS,
    }


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="reform-search", description="Search Japanese municipal reform documents.")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("ingest", help="parse corpora/ into initiatives, sections and chunks")
    ini = sub.add_parser("initiatives", help="list the recognized initiatives")
    ini.add_argument("--city", action="append", help="only this city (repeatable)")
    ini.add_argument("--json", action="store_true", help="machine-readable output")
    add = sub.add_parser("add", help="add a document to the corpus (validated), then ingest and build")
    add.add_argument("file")
    add.add_argument("--city", required=True)
    add.add_argument("--kind", required=True, help="progress_report, department_policy, evaluation_report, reform_plan, other")
    add.add_argument("--year", action="append", type=int, help="fiscal year (repeatable), e.g. 2025")
    add.add_argument("--title")
    add.add_argument("--id", help="document id (default: from the file name and year)")
    add.add_argument("--parser", help="structure parser (default: generic)")
    add.add_argument("--url", help="source URL")
    add.add_argument("--no-build", action="store_true", help="only validate, copy and register")
    from reform_search import cli_search

    cli_search.add_parsers(sub)
    return p


# Exit codes by kind of error (argparse itself exits 2 on bad arguments, like a UserError).
EXIT_USER, EXIT_UNAVAILABLE, EXIT_BUSY = 2, 3, 4


def exit_code(e: ReformSearchError) -> int:
    """The exit code for a domain error: fix the arguments (2), fix the data or model (3), try again (4)."""
    if isinstance(e, Busy):
        return EXIT_BUSY
    return EXIT_UNAVAILABLE if isinstance(e, Unavailable) else EXIT_USER


def settings_problems(e: ValidationError) -> str:
    """Each refused setting by its environment variable, e.g. 'REFORM_SEARCH_PORT: Input should be ≤ 65535'."""
    parts = []
    for err in e.errors(include_url=False):
        where = f"REFORM_SEARCH_{str(err['loc'][0]).upper()}" if err["loc"] else "settings"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
    except ValidationError as e:
        _err(f"error: invalid setting: {settings_problems(e)}")
        return EXIT_USER
    try:
        return _commands()[args.command](args, settings)
    except ReformSearchError as e:
        _err(f"error: {e.explain()}")
        return exit_code(e)
    except KeyboardInterrupt:
        _err("interrupted")
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
