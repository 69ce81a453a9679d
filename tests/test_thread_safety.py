"""Tokenization from many threads gives exactly what one thread gives.

A fugashi (MeCab) tagger parses into one lattice that the returned nodes point into: shared by
threads (the API's thread pool, the batcher, MCP) it returned another thread's words now and then
(11 of 2075 parses differed before each thread got its own tagger).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from index.tokenize import JapaneseTokenizer
from ingest.normalize import fold

TEXTS = [fold(t) for t in (
    "RPAの導入による定型業務の自動化", "公共施設等総合管理計画の改訂と施設の複合化", "ふるさと納税の返礼品の見直し",
    "窓口のキャッシュレス決済とオンライン申請", "職員の人材育成と女性管理職の登用", "使用料・手数料の適正化",
    "指定管理者制度の導入施設の評価", "事務事業評価の結果を予算に反映する仕組み", "行政評価委員会の外部評価",
    "電子決裁とペーパーレス化の推進", "会計年度任用職員の任用", "国民健康保険税の収納率向上",
)]


def test_concurrent_tokenization_matches_sequential() -> None:
    tok = JapaneseTokenizer()
    texts = TEXTS * 40
    expected = [tok.spans(t) for t in texts]
    for _ in range(5):
        with ThreadPoolExecutor(8) as ex:
            assert list(ex.map(tok.spans, texts)) == expected


def test_each_thread_has_its_own_tagger() -> None:
    tok = JapaneseTokenizer()
    mine = tok._tagger
    assert tok._tagger is mine
    with ThreadPoolExecutor(1) as ex:
        other = ex.submit(lambda: tok._tagger).result()
    assert other is not mine
