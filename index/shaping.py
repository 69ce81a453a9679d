"""Turning ranked rows into hits: highlights, line and page positions, initiative summaries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from index.answerability import STOPWORDS
from index.highlight import highlight_spans, line_numbers
from index.results import Hit, InitiativeRef, SourceRef
from index.thesaurus import japanese_terms_of
from ingest.normalize import fold


def _longest_first(terms: Iterable[str]) -> list[str]:
    return sorted(set(terms), key=lambda t: (-len(t), t))


class ShapingMixin:
    """Hit shaping for :class:`index.searcher.Searcher` (uses its meta, tokenizer and vectors)."""

    meta: Any
    tokenizer: Any
    lexical: Any
    translates: Any

    def _foreign_terms(self, query: str) -> list[str] | None:
        """An English question's Japanese terms (its thesaurus matches'), longest first, else None:
        its own words would only match Latin debris in the documents (Akishima City Free Wi-Fi)."""
        if not self.translates(query):
            return None
        return _longest_first(fold(t).lower() for t in japanese_terms_of(self.lexical.expansions(query)))

    def query_terms(self, query: str) -> list[str]:
        """Folded content words of the query, for picking answer sentences (single kana dropped);
        an English question's Japanese terms."""
        foreign = self._foreign_terms(query)
        if foreign is not None:
            return foreign
        terms = []
        folded = fold(query)
        for _s, _e, _tok in self.tokenizer.spans(folded):
            surface = folded[_s:_e].lower()
            if len(surface) >= 2 or (surface and ord(surface[0]) >= 0x4E00):
                terms.append(surface)
        return _longest_first(terms)

    def highlight_terms(self, query: str) -> list[str]:
        """What hits highlight of the query (:func:`terms_of`: compounds whole, no stray 化); an
        English question's Japanese terms."""
        foreign = self._foreign_terms(query)
        if foreign is not None:
            return foreign
        folded = fold(query)
        return terms_of(folded, [(s, e) for s, e, _t in self.tokenizer.spans(folded)])

    def initiative_summary(self, initiative_id: str | None) -> InitiativeRef | None:
        """What hits show of an initiative; None for no (or an unknown) id."""
        ini = self.meta.initiatives.get(initiative_id or "")
        if ini is None:
            return None
        return InitiativeRef(ini.id, ini.number, ini.title, ini.department, tuple(ini.ratings), ini.status,
                             ini.repeat_of)

    def hit(self, row: int, score: float, dense_score: float | None, lexical_score: float | None,
            terms: list[str]) -> Hit:
        chunk = self.meta.chunks[row]
        doc = self.meta.documents[chunk.document_id]
        original = self.meta.texts[chunk.document_id]
        text = original[chunk.char_start : chunk.char_end]
        line_start, line_end = line_numbers(original, chunk.char_start, chunk.char_end)
        return Hit(
            row=row,
            chunk_id=chunk.id,
            score=score,
            dense_score=dense_score,
            lexical_score=lexical_score,
            city=chunk.city,
            document_id=chunk.document_id,
            document_title=doc["title"],
            kind=doc["kind"],
            fiscal_year=list(doc["fiscal_years"]),
            heading_path=list(chunk.heading_path),
            title=chunk.title,
            initiative=self.initiative_summary(chunk.initiative_id),
            section_id=chunk.section_id,
            text=text,
            search_text=chunk.text,
            highlights=highlight_spans(text, terms, self._mapped(row)),
            source=SourceRef(doc["file"], chunk.char_start, chunk.char_end, line_start, line_end, chunk.page,
                             chunk.page_end),
            page=chunk.page,
            page_end=chunk.page_end,
        )

    # ---- comparison ----------------------------------------------------------------------



def _wordy(ch: str) -> bool:
    """A character that builds compounds: kanji, katakana (and ー), Latin letters, digits."""
    return ch.isalnum() and not ("\u3040" <= ch <= "\u309f") or ch == "ー"


def _kanji(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or ch in "々〆"


# Words that say what is asked rather than about what, never highlighted: the answerability
# stopwords (市, 取組, する, どう) and kana pieces of question phrasing (市によって, 市ごとに, 比べたい);
# a kana content word (ごみ, いじめ, ふるさと) stays a term.
_FILLER = STOPWORDS | frozenset("よっ よる ごと たい ください など ほか まで より ほど ぐらい くらい たち".split())


def terms_of(folded: str, spans: list[tuple[int, int]]) -> list[str]:
    """Highlight terms of a folded query from its token spans, longest first: words of two or more
    characters; a run of touching tokens (a compound such as 自動+化, 市+税, 見える+化) as a whole; a
    single kanji only when it stands alone (化 of 自動化 would light up every 効率化 and 強化); no
    question words or short kana (市 of 市ごと, する), unless the query has nothing else."""
    terms: list[str] = []
    runs: list[list[tuple[int, int]]] = []
    for s, e in spans:
        prev = runs[-1][-1] if runs else None
        touching = prev is not None and prev[1] == s
        suffix = touching and e - s == 1 and _kanji(folded[s]) and prev[1] - prev[0] >= 2  # 見える+化
        if touching and (suffix or (_wordy(folded[s]) and _wordy(folded[s - 1]))):
            runs[-1].append((s, e))
        else:
            runs.append([(s, e)])
    for run in runs:
        words = [folded[s:e].lower() for s, e in run]
        terms += [w for w in words if len(w) >= 2]
        if len(run) > 1:
            terms.append(folded[run[0][0] : run[-1][1]].lower())
        elif words[0] and len(words[0]) == 1 and _kanji(words[0]):
            terms.append(words[0])
    kept = [t for t in terms if t not in _FILLER] or terms
    return sorted(set(kept), key=lambda t: (-len(t), t))
