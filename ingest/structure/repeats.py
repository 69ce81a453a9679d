"""(再掲) entries: an initiative printed again under another heading, linked to its original.

Plans list a measure under every heading it serves and mark the copies ``(再掲)``; a copy
is the same measure, so search links it to the first printing (same title, marker removed).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from typing import TypeVar

from ingest.normalize import compact

K = TypeVar("K", bound=Hashable)
REPEAT = re.compile(r"\s*[(（]再掲[)）]\s*")


def is_repeat(title: str) -> bool:
    """Whether `title` carries a (再掲) marker anywhere."""
    return bool(REPEAT.search(title))


def strip_repeat(title: str) -> str:
    """`title` without its (再掲) marker."""
    return REPEAT.sub("", title).strip()


def repeat_key(title: str) -> str:
    """Comparable form of a title: compacted, (再掲) removed."""
    return compact(REPEAT.sub("", title))


def title_index(titled: Iterable[tuple[K, str]]) -> dict[str, K]:
    """Key of each original (non-再掲) title by :func:`repeat_key`; the first printing wins."""
    index: dict[str, K] = {}
    for key, title in titled:
        if not is_repeat(title):
            index.setdefault(repeat_key(title), key)
    return index


def repeat_of(key: K, title: str, index: dict[str, K]) -> K | None:
    """The original that the (再掲) entry `key` repeats, if `title` is a repeat and one is known."""
    if not is_repeat(title):
        return None
    orig = index.get(repeat_key(title))
    return orig if orig is not None and orig != key else None
