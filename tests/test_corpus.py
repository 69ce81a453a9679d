import json
from pathlib import Path

import pytest

from ingest.chunking import ChunkParams
from ingest.corpus import load_manifest, read_document
from ingest.pipeline import load_records, run_ingest, write_records
from reform_search.errors import CorpusError, DocumentError, IngestOutputMissing

ENTRY = {"id": "a", "city": "狛江市", "title": "t", "kind": "progress_report", "fiscal_years": [2022], "file": "a.txt"}


def _corpus(tmp_path: Path, docs: list[dict], files: dict[str, bytes]) -> Path:
    (tmp_path / "manifest.json").write_text(json.dumps({"format": 1, "documents": docs}, ensure_ascii=False), encoding="utf-8")
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    return tmp_path


@pytest.mark.parametrize(
    "change, needle",
    [
        ({"kind": "novel"}, "document 'a' (kind)"),
        ({"fiscal_years": [4]}, "fiscal year 4"),
        ({"file": "../etc/passwd"}, "inside the corpus folder"),
        ({"parser": "nope"}, "parser must be one of"),
        ({"id": "Bad Id"}, "(id)"),
    ],
)
def test_malformed_manifest_entry_is_named(tmp_path, change, needle):
    _corpus(tmp_path, [{**ENTRY, **change}], {})
    with pytest.raises(CorpusError) as e:
        load_manifest(tmp_path)
    assert needle in str(e.value)


def test_missing_field_and_duplicate_ids(tmp_path):
    bad = dict(ENTRY)
    del bad["city"]
    _corpus(tmp_path, [bad], {})
    with pytest.raises(CorpusError, match="document 'a' \\(city\\)"):
        load_manifest(tmp_path)
    _corpus(tmp_path, [ENTRY, ENTRY], {})
    with pytest.raises(CorpusError, match="appears twice"):
        load_manifest(tmp_path)


def test_not_json(tmp_path):
    (tmp_path / "manifest.json").write_text("{oops", encoding="utf-8")
    with pytest.raises(CorpusError, match="not valid JSON"):
        load_manifest(tmp_path)


@pytest.mark.parametrize(
    "data, reason",
    [(b"", "empty"), (b"\x89PNG\x00\x00\x01", "binary"), ("狛江市".encode("shift_jis"), "not UTF-8")],
)
def test_bad_files_are_named(tmp_path, data, reason):
    _corpus(tmp_path, [ENTRY], {"a.txt": data})
    meta = load_manifest(tmp_path)[0]
    with pytest.raises(DocumentError) as e:
        read_document(tmp_path, meta)
    assert reason in str(e.value) and "a.txt" in str(e.value)


def test_bad_document_does_not_stop_the_others(tmp_path):
    good = {**ENTRY, "id": "good", "file": "good.txt"}
    missing = {**ENTRY, "id": "missing", "file": "missing.txt"}
    binary = {**ENTRY, "id": "bin", "file": "bin.txt"}
    _corpus(tmp_path, [good, missing, binary], {"good.txt": "1. はじめに\nRPAを導入した。\n".encode(), "bin.txt": b"\x00\x01"})
    result = run_ingest(tmp_path, ChunkParams())
    assert [d.meta.id for d in result.documents] == ["good"]
    assert len(result.errors) == 2
    assert any("missing.txt" in e for e in result.errors) and any("bin.txt" in e for e in result.errors)
    out = tmp_path / "records"
    write_records(result, out)
    rec = load_records(out)
    assert [c.document_id for c in rec.chunks] == ["good"]
    assert rec.texts["good"].startswith("1. はじめに")


def test_records_missing_is_a_clear_error(tmp_path):
    with pytest.raises(IngestOutputMissing, match="reform-search ingest"):
        load_records(tmp_path / "nothing")


def test_shipped_manifest_is_valid():
    metas = load_manifest(Path(__file__).resolve().parent.parent / "corpora")
    assert {m.city for m in metas} == {"狛江市", "小平市", "昭島市", "西東京市"}
    assert len(metas) == 5
