"""The lexical side of a query: BM25 over fugashi tokens, with thesaurus expansion and feedback terms.

* Original query tokens score as plain BM25 (bm25s, the tokens the index was built with).
* Each thesaurus match (index.thesaurus) adds a *group*: per passage, the best-scoring of the
  phrases it expands to (like a Lucene SynonymQuery, so a group with many members does not
  outweigh one with few), times `expansion_weight`. Tokens already in the query are not added again.
* RM3-style feedback terms (index.fusion.feedback_terms) are added the same way, each its own group.
* `match_share`: the largest share of the query's IDF mass that one passage contains (query tokens
  unknown to the corpus count with the IDF of an unseen term) — how well the corpus speaks the
  query's words; index.fusion.adaptive_weights turns it into the lexical side's fusion weight.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from index.thesaurus import Expansion, Thesaurus, is_foreign, translation
from index.tokenize import JapaneseTokenizer
from ingest.normalize import fold


@dataclass(frozen=True)
class LexicalQuery:
    tokens: tuple[str, ...]  # content tokens of the query, in order (also those unknown to the corpus)
    groups: tuple[tuple[tuple[str, ...], ...], ...]  # per expansion: its phrases' tokens

    @property
    def known_groups(self) -> bool:
        return any(any(p) for p in self.groups)


def lucene_idf(df: int, n: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


class LexicalSide:
    """Scores passages for a query; holds the BM25 index, tokenizer and thesaurus (None = off)."""

    def __init__(self, bm25: Any, tokenizer: JapaneseTokenizer, thesaurus: Thesaurus | None) -> None:
        self.bm25 = bm25
        self.tokenizer = tokenizer
        self.thesaurus = thesaurus
        self.vocab: dict[str, int] = bm25.vocab_dict
        indptr = np.asarray(bm25.scores["indptr"])
        self.df = np.diff(indptr)
        self.n_docs = int(bm25.scores["num_docs"])
        # an English question's matches are asked for by encoding, ranking, answer shaping and
        # searched_as alike: tokenized and matched once
        self.expansions = lru_cache(maxsize=1024)(self._expansions)

    def idf(self, token: str) -> float:
        tid = self.vocab.get(token)
        return lucene_idf(int(self.df[tid]) if tid is not None else 0, self.n_docs)

    def parse(self, query: str) -> LexicalQuery:
        folded = fold(query)
        spans = self.tokenizer.spans(folded)
        tokens = tuple(t for _s, _e, t in spans)
        if self.thesaurus is None:
            return LexicalQuery(tokens, ())
        own = set(tokens)
        groups = []
        for exp in self._expand(folded, spans):
            phrases = []
            for phrase in exp.adds:
                toks = tuple(t for t in self.tokenizer.tokens(phrase) if t in self.vocab and t not in own)
                if toks and toks not in phrases:
                    phrases.append(toks)
            if phrases:
                groups.append(tuple(phrases))
        return LexicalQuery(tokens, tuple(groups))

    def _expand(self, folded: str, spans: Sequence[tuple[int, int, str]]) -> list[Expansion]:
        """Thesaurus matches of folded query text whose content-word spans are known."""
        assert self.thesaurus is not None
        return self.thesaurus.expand(folded.lower(), {s for s, _e, _t in spans}, {e for _s, e, _t in spans})

    def _expansions(self, query: str) -> tuple[Expansion, ...]:
        """The thesaurus matches of a query (none without a thesaurus)."""
        if self.thesaurus is None:
            return ()
        folded = fold(query)
        return tuple(self._expand(folded, self.tokenizer.spans(folded)))

    def dense_text(self, query: str) -> str:
        """What the encoder embeds for `query`: a query in Latin script (an English question over
        Japanese documents) gets the Japanese terms of its thesaurus matches appended
        (:func:`index.thesaurus.translation`); any other query is embedded as it is."""
        return translation(query, self.expansions(query)) if is_foreign(query) else query

    def _scores(self, tokens: Sequence[str]) -> np.ndarray:
        known = [t for t in tokens if t in self.vocab]
        if not known:
            return np.zeros(self.n_docs, dtype=np.float64)
        return np.asarray(self.bm25.get_scores(known), dtype=np.float64)

    def scores(self, q: LexicalQuery, expansion_weight: float,
               extra: Sequence[tuple[str, float]] = ()) -> np.ndarray:
        """BM25 of the query tokens + weighted best phrase of each expansion group + weighted extra terms."""
        total = self._scores(q.tokens)
        if expansion_weight > 0:
            for group in q.groups:
                best = np.max(np.stack([self._scores(p) for p in group]), axis=0)
                total = total + expansion_weight * best
        for token, weight in extra:
            if weight > 0 and token in self.vocab:
                total = total + weight * self._scores([token])
        return total

    def match_share(self, q: LexicalQuery, mask: np.ndarray | None = None) -> float:
        """Largest IDF-weighted share of the query's distinct tokens that one (allowed) passage contains."""
        distinct = sorted(set(q.tokens))
        if not distinct:
            return 0.0
        weights = {t: self.idf(t) for t in distinct}
        mass = sum(weights.values())
        covered = np.zeros(self.n_docs, dtype=np.float64)
        for t in distinct:
            if t in self.vocab:
                covered += weights[t] * (self._scores([t]) > 0)
        if mask is not None:
            covered = np.where(mask, covered, 0.0)
        return float(covered.max() / mass) if mass > 0 else 0.0

    def doc_tokens(self, text: str) -> list[str]:
        return self.tokenizer.tokens(text)
