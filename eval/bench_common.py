"""What the benchmark modules share: the query set and how numbers are printed."""

from __future__ import annotations

import random
import resource

import numpy as np

QUERIES = [
    "RPAの導入", "他市のRPAの取組", "定型的なパソコン作業をソフトウェアロボットで自動化した事例",
    "公共施設の老朽化対策", "ペーパーレス化と電子決裁", "ふるさと納税の返礼品", "職員の人材育成",
    "窓口のキャッシュレス決済", "指定管理者制度の導入", "受益者負担の適正化", "事務事業の見直し",
    "電子申請の拡充", "AI-OCRの活用", "公民連携", "使用料の見直し", "行政評価",
]


def pct(xs: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(xs), p)) if xs else float("nan")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def line(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<44} {value:>14}  {note}", flush=True)


SUFFIXES = ("", "の事例", "の効果と課題", "について他市の状況", "の導入状況", "の今後の方針")


def distinct_queries(n: int) -> list[str]:
    """`n` different, realistic queries (single topics, then pairs of topics) with suffixes."""
    topics = list(QUERIES) + [f"{a}と{b}" for a in QUERIES for b in QUERIES if a != b]
    out = [t + s for s in SUFFIXES for t in topics]
    if n > len(out):
        raise ValueError(f"at most {len(out)} distinct queries")
    random.Random(0).shuffle(out)  # every slice has the same mix of short and long queries
    return out[:n]
