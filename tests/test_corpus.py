import json
from pathlib import Path

import pytest

from ingest.chunking import ChunkParams
from ingest.corpus import add_document, load_manifest, read_document
from ingest.pipeline import load_records, run_ingest, write_records
from reform_search.errors import CorpusError, DocumentError, IngestOutputMissing

ENTRY = {"id": "a", "city": "狛江市", "title": "t", "kind": "progress_report", "fiscal_years": [2022], "file": "a.txt"}


def _corpus(tmp_path: Path, docs: list[dict], files: dict[str, bytes]) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
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


def test_add_document_accepts_html_and_xlsx_and_ingest_records_the_format(tmp_path):
    from eval.format_samples import municipal_html, write_workbook

    corpus = _corpus(tmp_path / "corpus", [], {"plan.txt": "1. はじめに\nRPAを導入した。\n".encode()})
    raw = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    raw["documents"].append({**ENTRY, "id": "plan", "file": "plan.txt"})
    (corpus / "manifest.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    page = tmp_path / "kaikaku.html"
    page.write_bytes(municipal_html("shift_jis").encode("cp932"))
    book = write_workbook(tmp_path / "jisseki.xlsx")
    add_document(corpus, page, city="狛江市", kind="reform_plan", fiscal_years=[2024])
    add_document(corpus, book, city="狛江市", kind="progress_report", fiscal_years=[2024])
    assert (corpus / "jisseki.xlsx").read_bytes() == book.read_bytes()  # copied as is; the text is derived at ingest
    result = run_ingest(corpus, ChunkParams())
    assert not result.errors
    write_records(result, tmp_path / "records")
    rec = load_records(tmp_path / "records")
    shape = {d["id"]: (d["format"], d["pages"]) for d in rec.documents}
    assert shape == {"plan": ("text", 1), "kaikaku-2024": ("html", 1), "jisseki-2024": ("xlsx", 4)}
    assert rec.texts["kaikaku-2024"].startswith("第５次行財政改革推進計画\n")
    assert "\f【指標】\n指標名 | 基準値 | 目標値" in rec.texts["jisseki-2024"]
    for c in rec.chunks:
        quoted = rec.texts[c.document_id][c.char_start:c.char_end]
        assert quoted and quoted.strip()


@pytest.mark.parametrize(
    "name, data, reason",
    [("scan.pdf", b"%PDF-1.4\n", "truncated or corrupt PDF"), ("book.xlsx", b"PK\x03\x04broken", "corrupt .xlsx"),
     ("page.html", b"", "file is empty"), ("notes.docx", b"PK\x03\x04", "unsupported file type"),
     ("report.xlsx", b"%PDF-1.7\n%%EOF\n", "wrong extension")],
)
def test_add_document_leaves_the_corpus_untouched_on_a_bad_file(tmp_path, name, data, reason):
    corpus = _corpus(tmp_path / "corpus", [ENTRY], {"a.txt": "本文".encode()})
    before = {p.name: p.read_bytes() for p in corpus.iterdir()}
    src = tmp_path / name
    src.write_bytes(data)
    with pytest.raises(DocumentError, match=reason):
        add_document(corpus, src, city="狛江市", kind="other", fiscal_years=[2024])
    assert {p.name: p.read_bytes() for p in corpus.iterdir()} == before
