"""Request limits, defined once: the Searcher, the API schemas, the UI, the CLI and the MCP tools read them here.

A leaf module (imports nothing of the project), so every layer may import it.
"""

from __future__ import annotations

QUERY_MAX_CHARS = 1000  # a query or question; longer text is a document, not a query
ID_MAX_CHARS = 200  # initiative and document ids in paths

SEARCH_K_DEFAULT = 10
SEARCH_K_MAX = 100
UI_MORE_K = 30  # the UI's "more results" page
ANSWER_K_DEFAULT = 8
ANSWER_K_MAX = 50
SIMILAR_K_DEFAULT = 5
SIMILAR_K_MAX = 50
PER_CITY_DEFAULT = 3
PER_CITY_MAX = 20

# How many values one filter or the compare city list may carry.
CITIES_MAX = 50
YEARS_MAX = 50
KINDS_MAX = 20
RATINGS_MAX = 20

CHAT_MESSAGES_MAX = 200

# Text that is not blank: at least one character outside Python's whitespace (what str.strip() removes),
# spelled out so that the OpenAPI pattern (ECMA regex), pydantic (Rust regex) and the Searcher agree.
NON_BLANK = r"[^\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
