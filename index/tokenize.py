"""Japanese lexical tokenization with fugashi + unidic-lite (for BM25 and highlights)."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

from ingest.normalize import fold

DEFAULT_DROP_POS = ("補助記号", "記号", "空白", "助詞", "助動詞")
NOUN_PARTS = ("名詞", "形状詞", "接頭辞", "接尾辞")
_KANA = re.compile(r"[\u3040-\u309f]+")


@dataclass(frozen=True)
class TokenizerSpec:
    """What the lexical side was built with; recorded in the index manifest."""

    form: str = "base"  # "base" = dictionary form (orthBase), "surface" = as written
    drop_pos: tuple[str, ...] = DEFAULT_DROP_POS

    def describe(self) -> dict[str, Any]:
        return {
            "name": "fugashi",
            "fugashi": version("fugashi"),
            "dictionary": "unidic-lite",
            "dictionary_version": version("unidic-lite"),
            "form": self.form,
            "drop_pos": list(self.drop_pos),
        }


def _pron(word: Any) -> str:
    """A MeCab word's UniDic pronunciation, or its surface when it has none."""
    pron = getattr(word.feature, "pron", None)
    return pron if pron and pron != "*" else word.surface


class JapaneseTokenizer:
    """Folded text → content-word tokens. One-character words are kept (市, 課, 税 matter)."""

    def __init__(self, spec: TokenizerSpec = TokenizerSpec()) -> None:
        if spec.form not in ("base", "surface"):
            raise ValueError(f"tokenizer form must be 'base' or 'surface', not {spec.form!r}")
        self.spec = spec
        self._local = threading.local()

    @property
    def _tagger(self) -> Any:
        """This thread's tagger: a MeCab tagger parses into one lattice that its nodes point into,
        so a tagger shared by threads returns another thread's words now and then."""
        tagger = getattr(self._local, "tagger", None)
        if tagger is None:
            import fugashi

            tagger = self._local.tagger = fugashi.Tagger()
        return tagger

    def tokens(self, text: str) -> list[str]:
        """Tokens of any text (folded first)."""
        return [tok for _s, _e, tok in self.spans(fold(text))]

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, token) of content words in already-folded `text`."""
        return [(s, e, form) for s, e, form, pos1, _v in self._words(text) if pos1 not in self.spec.drop_pos]

    def reading(self, text: str) -> str:
        """The pronunciation of `text` in katakana (UniDic's pron: 西東京市 → ニシトーキョーシ);
        a word without one is kept as written."""
        return "".join(_pron(word) for word in self._tagger(text))

    def place_readings(self, name: str, parses: int = 5) -> list[str]:
        """Readings of a place name: the 1-best one, then, when UniDic reads its first word as a
        common word (国立 → コクリツ, a national institution), the place-name readings of that
        word in the `parses`-best parses (クニタチ). A first word already read as a place keeps
        its one reading, so 小平 never also reads as Obira (another town)."""
        best = [(w.surface, _pron(w), getattr(w.feature, "pos3", "")) for w in self._tagger(name)]
        out = ["".join(p for _s, p, _pos in best)]
        if not best or best[0][2] == "地名":
            return out
        # the n-best text output, not nbestToNodeList: fugashi asserts its set-up, which python -O drops
        for parse in self._tagger.nbest(name, parses).split("EOS"):
            cols = parse.strip().split("\n")[0].split("\t")
            if len(cols) > 4 and cols[0] == best[0][0] and cols[4].split("-")[2:3] == ["地名"]:
                alt = cols[1] + "".join(p for _s, p, _pos in best[1:])
                if alt not in out:
                    out.append(alt)
        return out

    def compounds(self, text: str, skip: frozenset[str] = frozenset()) -> list[tuple[str, list[tuple[str, str, bool]]]]:
        """Compound terms of already-folded `text`: maximal runs of two or more touching noun parts
        (nouns, adjectival nouns, prefixes, suffixes; not kana-only ones such as お, not tokens in
        `skip`), each as (its text, its parts as (surface, token, verbal)); a verbal noun (サ変:
        導入, 削減) can take an object (テレワーク導入 = テレワークを導入). 宿泊税, 議員定数,
        市営バス事業 name a topic; お金 does not."""
        out: list[tuple[str, list[tuple[str, str, bool]]]] = []
        run: list[tuple[int, int, str, bool]] = []
        for s, e, form, pos1, verbal in [*self._words(text), (-1, -1, "", "", False)]:
            part = pos1 in NOUN_PARTS and form not in skip and not _KANA.fullmatch(text[s:e])
            if part and run and run[-1][1] == s:
                run.append((s, e, form, verbal))
                continue
            if len(run) >= 2:
                out.append((text[run[0][0] : run[-1][1]], [(text[a:b], f, v) for a, b, f, v in run]))
            run = [(s, e, form, verbal)] if part else []
        return out

    def _words(self, text: str) -> list[tuple[int, int, str, str, bool]]:
        """(start, end, form, part of speech, verbal noun?) of every non-blank word of `text`."""
        out: list[tuple[int, int, str, str, bool]] = []
        pos = 0
        for word in self._tagger(text):
            s = text.find(word.surface, pos)
            if s < 0:
                continue
            pos = s + len(word.surface)
            if not word.surface.strip():
                continue
            form = word.surface
            if self.spec.form == "base" and getattr(word.feature, "orthBase", None):
                form = word.feature.orthBase
            verbal = str(getattr(word.feature, "pos3", "")).startswith("サ変")
            out.append((s, pos, form.lower(), word.feature.pos1, verbal))
        return out
