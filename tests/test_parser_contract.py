"""One contract every structure parser and the general recognizer keep, on every seed and fixture.

Spans lie inside the text and slice back to non-blank original text; no two units
(initiatives, sections) claim the same characters; every non-blank line of the search form
is covered by some unit (nothing dropped); ids are unique and stable across runs; chunks
stay within the size bounds and their offsets quote the source.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from ingest.chunking import ChunkParams
from ingest.corpus import load_manifest, read_document
from ingest.normalize import clean
from ingest.parsers import get_parser
from ingest.pipeline import ingest_document
from ingest.records import DocumentMeta

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT / "corpora"
RECOGNIZER = ROOT / "tests" / "fixtures" / "recognizer"
PARAMS = ChunkParams()


def _cases() -> list[tuple[str, DocumentMeta, str]]:
    cases = []
    for meta in load_manifest(CORPORA):
        text = read_document(CORPORA, meta)
        cases.append((f"{meta.id}[{meta.parser}]", meta, text))
        cases.append((f"{meta.id}[general]", replace(meta, parser=None), text))
    expected = json.loads((RECOGNIZER / "expected.json").read_text(encoding="utf-8"))
    for name, e in sorted(expected.items()):
        meta = DocumentMeta(id=Path(name).stem.replace("_", "-"), city="テスト市", title=name, kind="other",
                            fiscal_years=tuple(e.get("fiscal_years") or [2023]), file=name)
        cases.append((f"{name}[general]", meta, (RECOGNIZER / name).read_text(encoding="utf-8")))
    return cases


CASES = _cases()


@pytest.fixture(scope="module", params=CASES, ids=[c[0] for c in CASES])
def parsed(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    _, meta, text = request.param
    return meta, text, get_parser(meta.parser)(text, clean(text), meta)


def _units(doc):  # type: ignore[no-untyped-def]
    return [(i.id, i.spans) for i in doc.initiatives] + [(s.id, s.spans) for s in doc.sections]


def test_spans_inside_text_and_non_blank(parsed) -> None:  # type: ignore[no-untyped-def]
    _, text, doc = parsed
    for uid, spans in _units(doc):
        assert spans, uid
        for s, e in spans:
            assert 0 <= s < e <= len(text), (uid, s, e)
            assert text[s:e].strip(), (uid, s, e)


def test_no_two_units_claim_the_same_text(parsed) -> None:  # type: ignore[no-untyped-def]
    _, _, doc = parsed
    owner: dict[int, str] = {}
    for uid, spans in _units(doc):
        for s, e in spans:
            for pos in range(s, e):
                prev = owner.setdefault(pos, uid)
                # one unit may list overlapping spans of its own (a list entry and its detail page)
                assert prev == uid, f"{uid} and {prev} both claim offset {pos}"


def test_every_line_is_kept(parsed) -> None:  # type: ignore[no-untyped-def]
    meta, text, doc = parsed
    if meta.parser is not None:
        pytest.skip("named parsers may leave out layout debris; the general recognizer keeps everything")
    covered = bytearray(len(text))
    for _, spans in _units(doc):
        for s, e in spans:
            covered[s:e] = b"\x01" * (e - s)
    c = clean(text)
    missing = []
    for i, ch in enumerate(c.text):
        if not ch.isspace() and not covered[c.starts[i]]:
            missing.append(i)
    assert not missing, f"{len(missing)} characters dropped, e.g. {c.text[missing[0]:missing[0] + 30]!r}"


def test_ids_unique_and_stable(parsed) -> None:  # type: ignore[no-untyped-def]
    meta, text, doc = parsed
    ids = [uid for uid, _ in _units(doc)]
    assert len(ids) == len(set(ids))
    again = get_parser(meta.parser)(text, clean(text), meta)
    assert [uid for uid, _ in _units(again)] == ids
    assert [(i.number, i.title) for i in again.initiatives] == [(i.number, i.title) for i in doc.initiatives]


def test_initiatives_have_number_and_title(parsed) -> None:  # type: ignore[no-untyped-def]
    _, _, doc = parsed
    for i in doc.initiatives:
        assert i.number.strip() and i.title.strip(), i.id
        assert "\n" not in i.title, i.id


def test_chunks_within_bounds_and_quote_the_source(parsed) -> None:  # type: ignore[no-untyped-def]
    meta, text, _ = parsed
    records = ingest_document(meta, text, PARAMS)
    assert records.chunks
    c = clean(text)
    for ch in records.chunks:
        assert 0 < len(ch.text) <= PARAMS.maximum, ch.id
        assert 0 <= ch.char_start < ch.char_end <= len(text), ch.id
        # the chunk is the search form of exactly the quoted original range
        quoted = "".join(c.text[i] for i in range(len(c.text)) if ch.char_start <= c.starts[i] < ch.char_end)
        assert "".join(ch.text.split()) == "".join(quoted.split()), ch.id
