"""Scrambled multi-column PDF pages: give each result paragraph back to its item.

Text extraction of a page with several item blocks side by side often prints all the item
headers first and the column texts afterwards.  Text printed right under a header belongs
to it; the rest ("free" paragraphs) comes in item order after the page's headers, so it is
aligned to that page's items (a *cluster*) by a monotone best match on shared, idf-weighted
character bigrams (:func:`align`).  :func:`walk` does the bookkeeping over a document's
lines, classified by the caller into :class:`Step` kinds.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

_RUN = re.compile(r"[\w\u3040-\u30ff\u3400-\u9fff]+")
CONNECTIVE = re.compile(r"^(?:また|なお|さらに|加えて|併せて|引き続き|引続き)")
POLITE_END = re.compile(r"す。$")
BULLETS = tuple("・▽▼●○■□◆◇【※(（「〔")
# Alignment costs, in units of one shared distinctive bigram (idf ≈ 4).
SWITCH_COST = 4.0
STAY_COST = 4.0
SKIP_COST = 6.0
CONTINUATION_COST = 12.0

# Step kinds (see :func:`walk`).
HEAD, LABEL, BREAK, STRUCT, SHORT, TEXT = "head", "label", "break", "struct", "short", "text"


def bigrams(text: str) -> set[str]:
    """Character bigrams inside runs of word characters."""
    return {run[i: i + 2] for run in _RUN.findall(text) for i in range(len(run) - 1)}


def idf_weights(texts: Iterable[str]) -> dict[str, float]:
    """log(N / lines containing the bigram): words common in the document say little about an item."""
    texts = list(texts)
    df = Counter(b for t in texts for b in bigrams(t))
    return {b: math.log(len(texts) / c) for b, c in df.items()}


def align(paras: list[tuple[str, bool]], profiles: list[set[str]], idf: dict[str, float]) -> list[int]:
    """Monotone assignment of paragraphs (text, follows a break) to items (their bigram profiles).

    A paragraph scores the idf-weighted bigrams it shares with an item. A break before a
    paragraph usually means the next item starts; a paragraph opening with a connective
    (また…) continues the previous one; every item normally has some text, so skipping one
    costs too.
    """
    k = len(profiles)
    if not paras or not k:
        return []
    score = [[sum(idf.get(b, 0.0) for b in bigrams(p) & prof) for prof in profiles] for p, _ in paras]

    def move(a: int, b: int, text: str, marked: bool) -> float:
        if a == b:
            return -STAY_COST if marked and not CONNECTIVE.match(text) else 0.0
        if CONNECTIVE.match(text):
            return -CONTINUATION_COST
        return -(0.0 if marked else SWITCH_COST) - SKIP_COST * (b - a - 1)

    best = [[score[0][i] - SKIP_COST * i for i in range(k)]]
    back: list[list[int]] = [list(range(k))]
    for j in range(1, len(paras)):
        text, marked = paras[j]
        row, ptr = [], []
        for i in range(k):
            prev = max(range(i + 1), key=lambda a: (best[j - 1][a] + move(a, i, text, marked), a))
            row.append(best[j - 1][prev] + move(prev, i, text, marked) + score[j][i])
            ptr.append(prev)
        best.append(row)
        back.append(ptr)
    i = max(range(k), key=lambda x: (best[-1][x] - SKIP_COST * (k - 1 - x), -x))
    out = []
    for j in range(len(paras) - 1, -1, -1):
        out.append(i)
        i = back[j][i]
    return out[::-1]


@dataclass(frozen=True)
class Step:
    """How the caller reads one line.

    ``head``: an item header (`item` its key, `text` what identifies it); ``label``: a field
    line of the header just read (`text` its value; elsewhere read as `otherwise`);
    ``break``: a marker between result paragraphs (a year mark); ``struct``: a heading or
    layout debris; ``short``: a caption-like line (text inside a paragraph); ``text``: prose.
    """

    kind: str
    item: str = ""
    text: str = ""
    otherwise: str = TEXT


@dataclass
class Walked:
    """What :func:`walk` found: per item its lines and paragraphs, and the lines of no item."""

    lines: dict[str, list[int]] = field(default_factory=dict)  # header, labels, paragraphs
    labels: dict[str, str] = field(default_factory=dict)  # label values, concatenated
    paragraphs: dict[str, list[str]] = field(default_factory=dict)
    orphans: list[tuple[int, str]] = field(default_factory=list)  # (line, the item it sits among)


def walk(texts: list[str], steps: list[Step], description: Callable[[str], object] = POLITE_END.search,
         bullets: tuple[str, ...] = BULLETS) -> Walked:
    """Assign detail-page lines to items; paragraphs end at 。 or before a bullet.

    A paragraph right after a header (and its labels) is that item's.  After a break or a
    `description` paragraph (the plan, in polite form: no result, kept as an orphan) text is
    free; the free paragraphs are aligned (:func:`align`) to the page's *cluster* of headers
    when the next header after them opens a new cluster.  An orphan line goes with the
    cluster's last header, or, when structural or before any text of the page, with the next
    header (after the last header: with the last).
    """
    out = Walked()
    idf = idf_weights(texts)
    profile: dict[str, str] = {}
    pending: list[int] = []  # orphans waiting for the next header
    cluster: list[str] = []
    free: list[tuple[list[int], str, bool]] = []
    para: list[int] = []
    fixed, target, between, in_label, marked = False, "", True, False, True

    def orphan(i: int, structural: bool = False) -> None:
        nonlocal between
        if structural or between or not cluster:
            between = True
            pending.append(i)
        else:
            out.orphans.append((i, cluster[-1]))

    def give(item: str, idx: list[int], text: str) -> None:
        out.lines[item].extend(idx)
        out.paragraphs.setdefault(item, []).append(text)

    def flush() -> None:
        nonlocal fixed, marked
        if not para:
            return
        text = "".join(texts[i] for i in para)
        if description(text) or not cluster:
            for i in para:
                orphan(i)
            fixed, marked = False, True
        elif fixed and target:
            give(target, para[:], text)
        else:
            free.append((para[:], text, marked))
            marked = False
        para.clear()

    def close_cluster() -> None:
        profiles = [bigrams(profile[it]) for it in cluster]
        for (idx, text, _), k in zip(free, align([(t, m) for _, t, m in free], profiles, idf)):
            give(cluster[k], idx, text)
        cluster.clear()
        free.clear()

    for i, (text, st) in enumerate(zip(texts, steps)):
        kind = st.kind
        if kind == HEAD:
            flush()
            if not fixed:
                close_cluster()
            out.lines.setdefault(st.item, []).append(i)
            profile[st.item] = st.text + " "
            cluster.append(st.item)
            out.orphans.extend((p, st.item) for p in pending)
            pending.clear()
            fixed, target, between, in_label = True, st.item, False, True
            continue
        if kind == LABEL and in_label and target:
            out.lines[target].append(i)
            out.labels[target] = out.labels.get(target, "") + st.text
            profile[target] += st.text
            continue
        in_label = False
        kind = st.otherwise if kind == LABEL else kind
        if kind == BREAK:
            flush()
            orphan(i)
            fixed, marked = False, True
        elif kind == STRUCT:
            flush()
            orphan(i, structural=True)
        elif kind == SHORT and not para:
            orphan(i, structural=True)
        else:
            if para and text.startswith(bullets):
                flush()
            para.append(i)
            if text.endswith("。"):
                flush()
    flush()
    close_cluster()
    last = next(reversed(out.lines), "")
    out.orphans.extend((p, last) for p in pending)
    return out
