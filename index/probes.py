"""Probe questions: what the corpus gives generic municipal questions, per language.

Answerability's cosine z-score (index.answerability) and the cosine floors of answers and
comparisons are relative to these, so their scale is the corpus's own. Each language's
distribution is measured once per searcher, on first use (English only when an English
question arrives: it embeds the thesaurus' terms, index.crosslingual).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from index.memo import PerSearcher
from index.thesaurus import is_foreign

# Generic questions about municipal administration, written without looking at any corpus;
# their best cosines are the reference distribution of :attr:`Evidence.cosine_z`.
PROBES: tuple[str, ...] = (
    "市の財政状況と今後の見通し", "職員の働き方改革の取組", "行政手続のオンライン化", "公共施設の維持管理",
    "市民サービスの向上", "業務の効率化と委託", "地域の防災対策", "子育て支援の充実",
    "高齢者福祉の取組", "環境にやさしいまちづくり", "市民参加と協働の推進", "歳入の確保策",
    "組織の見直しと人員配置", "情報発信と広報", "近隣自治体との連携", "計画の進捗と評価",
    "市立病院の経営", "水道事業の料金", "観光振興の取組", "農業の振興",
)
# The same questions in English: an English question's cosines (multilingual e5, even with the
# thesaurus' Japanese terms appended) run lower than a Japanese one's, so its z-score is taken
# against these (index.thesaurus.is_foreign decides which set applies).
PROBES_EN: tuple[str, ...] = (
    "the city's financial situation and outlook", "work style reform for city staff", "putting administrative procedures online",
    "maintenance of public facilities", "improving services for residents", "streamlining work and outsourcing",
    "local disaster preparedness", "more support for child rearing", "welfare for older people",
    "environmentally friendly town planning", "citizen participation and collaboration", "securing revenue",
    "reviewing the organization and staffing", "public relations and information", "cooperation with neighboring municipalities",
    "progress and evaluation of the plan", "running the city hospital", "water utility charges", "promoting tourism",
    "promoting agriculture",
)
TOP = 5  # passages whose cosines the features read (an answer quotes from the first five)


def best_sentence(searcher: Any, hits: Sequence[Any], qvec: np.ndarray) -> float:
    """Best sentence cosine of the first :data:`TOP` hits; their own cosine without sentence vectors."""
    hits = hits[:TOP]
    if not hits:
        return 0.0
    if searcher.sentences is not None:
        best = searcher.sentences.best([h.row for h in hits], qvec)
        if (best > -1).any():
            return float(best.max())
    return max(searcher.dense_score(h.row, qvec) for h in hits)


class Distribution(NamedTuple):
    """What the probes of one language give: their best sentence cosines' mean and standard
    deviation, and their best passage cosines' mean."""

    mean: float
    std: float
    passage_mean: float


def distribution(searcher: Any, probes: Sequence[str]) -> Distribution:
    """What `probes` give on the searcher's corpus."""
    sentences, passages = [], []
    for p in probes:
        hits = searcher.search(p, k=TOP).hits
        sentences.append(best_sentence(searcher, hits, searcher.encode_query(p)))
        passages.append(max((h.dense_score or 0.0 for h in hits), default=0.0))
    return Distribution(statistics.fmean(sentences), statistics.pstdev(sentences), statistics.fmean(passages))


def cosine_shift(searcher: Any, question: str) -> float:
    """How much lower a passage cosine runs for a question in this language than in Japanese (0 for
    Japanese; about -0.02 for English on the seeds): the cosine floors (answer_min_confidence,
    compare_min_dense) were set on Japanese questions and move by this much."""
    if not is_foreign(question):
        return 0.0
    return min(0.0, probe_distribution(searcher, True).passage_mean - probe_distribution(searcher, False).passage_mean)


_JAPANESE: "PerSearcher[Distribution]" = PerSearcher(lambda searcher: distribution(searcher, PROBES))
_ENGLISH: "PerSearcher[Distribution]" = PerSearcher(lambda searcher: distribution(searcher, PROBES_EN))


def probe_distribution(searcher: Any, foreign: bool) -> Distribution:
    """The Japanese (`foreign` False) or English probes' distribution on this searcher, measured
    once, on first use (index.memo)."""
    return (_ENGLISH if foreign else _JAPANESE)(searcher)
