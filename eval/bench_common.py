"""What the benchmark modules share: the query set, how numbers are printed, a server process."""

from __future__ import annotations

import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(env: dict[str, str] | None = None, timeout: float = 180, log_to: Path | None = None) -> Iterator[str]:
    """`reform-search serve` on a free loopback port; yields its base URL. Its log is kept in `log_to`."""
    import httpx

    port = free_port()
    # The server logs a line per request: send it to a file, never to an unread pipe
    # (a full pipe blocks the server's event loop).
    log = open(log_to, "wb") if log_to else tempfile.NamedTemporaryFile(
        prefix="reform-search-server-", suffix=".log", delete=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "reform_search.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {Path(log.name).read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            raise RuntimeError("server did not become ready")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        if not log_to:
            Path(log.name).unlink(missing_ok=True)


SUFFIXES = ("", "の事例", "の効果と課題", "について他市の状況", "の導入状況", "の今後の方針")


def distinct_queries(n: int) -> list[str]:
    """`n` different, realistic queries (single topics, then pairs of topics) with suffixes."""
    topics = list(QUERIES) + [f"{a}と{b}" for a in QUERIES for b in QUERIES if a != b]
    out = [t + s for s in SUFFIXES for t in topics]
    if n > len(out):
        raise ValueError(f"at most {len(out)} distinct queries")
    random.Random(0).shuffle(out)  # every slice has the same mix of short and long queries
    return out[:n]
