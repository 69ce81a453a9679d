"""`reform-search serve` as a child process on a free loopback port (benchmarks and end-to-end tests)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(env: dict[str, str] | None = None, timeout: float = 600, log_to: Path | None = None) -> Iterator[str]:
    """Start the server with `env` added; yield its base URL once /readyz answers 200; stop it after.

    Its log goes to `log_to` (kept) or to a temporary file (removed afterwards).
    """
    import httpx

    port = free_port()
    # The server logs a line per request: into a file, never into an unread pipe (a full pipe blocks it).
    log = open(log_to, "wb") if log_to else tempfile.NamedTemporaryFile(
        prefix="reform-search-server-", suffix=".log", delete=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "reform_search.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout  # a guard against a hang, not a synchronization
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {Path(log.name).read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not become ready")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        if not log_to:
            Path(log.name).unlink(missing_ok=True)
