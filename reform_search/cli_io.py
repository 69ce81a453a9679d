"""Output helpers shared by the CLI modules (a leaf: imports nothing of the CLI)."""

from __future__ import annotations

import json
import sys
from typing import Any


def err(msg: str) -> None:
    """A message for people: stderr, so stdout stays machine-readable."""
    print(msg, file=sys.stderr, flush=True)


def print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=1))
