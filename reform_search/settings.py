"""The one Settings object (env prefix REFORM_SEARCH_), built lazily by get_settings()."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = "intfloat/multilingual-e5-small"
#: Build stages, in order, at which `fault` can stop a build (index.faults)
FAULT_STAGES = ("staging", "mid-embed", "before-manifest", "before-commit", "before-publish", "mid-publish",
                "after-publish")


@lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (Linux /proc/cpuinfo; elsewhere: no)."""
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def _default_cache() -> Path:
    return Path.home() / ".cache" / "reform-search"


class Settings(BaseSettings):
    """Every tunable of the service. Bad values are refused at construction."""

    model_config = SettingsConfigDict(env_prefix="REFORM_SEARCH_", extra="ignore", frozen=True)

    corpus_dir: Path = Field(default=REPO_ROOT / "corpora", description="Folder with manifest.json and texts")
    data_dir: Path = Field(default=REPO_ROOT / "var", description="Ingest records and index snapshots")
    cache_dir: Path = Field(default_factory=_default_cache, description="Materialized models (outside the repo)")

    model: str = Field(default=DEFAULT_MODEL, description="sentence-transformers name or path")
    query_prompt: str | None = Field(default=None, description="Prefix for queries; None = model default")
    document_prompt: str | None = Field(default=None, description="Prefix for passages; None = model default")
    torch_threads: int = Field(default=2, ge=1, le=64, description="Measured: 2 beats 1 on this 2-core VM (make bench)")
    encode_batch_size: int = Field(default=32, ge=1, le=1024)
    blas_threads: int = Field(
        default=1, ge=1, le=64,
        description="OpenBLAS threads (numpy's and FAISS's) once a Searcher is open: its products are small, and idle "
        "OpenBLAS threads spin on the cores torch's forward pass needs (API 1-client p50 71 -> 29 ms at 2 vs 1)",
    )
    model_dtype: Literal["auto", "float32", "bfloat16"] = Field(
        default="auto",
        description="auto: bfloat16 where the CPU has native bf16 (avx512_bf16/amx_bf16: ~3x faster than float32, "
        "cosine 0.9999, same eval scores), else float32 (emulated bf16 measured ~3x slower on an AVX2-only CPU)",
    )
    query_batch_size: int = Field(
        default=32, ge=1, le=256, description="Most queries of concurrent requests encoded in one forward pass"
    )
    query_batch_wait_ms: float = Field(
        default=2.0, ge=0, le=50, description="Under load, how long a batch waits for more queries (a lone query never waits)"
    )
    query_cache_size: int = Field(default=2048, ge=0, le=1_000_000, description="Query vectors kept in an LRU (0 = off)")
    search_on_batcher: bool = Field(
        default=True,
        description="API searches rank, shape and serialize on the batcher's worker after the encode (2 thread hand-offs, not 4)",
    )
    search_threads: int = Field(
        default=1, ge=1, le=64,
        description="Threads ranking and shaping API searches when not on the batcher (lexical mode always)",
    )

    chunk_target_chars: int = Field(default=700, ge=50, le=2000)
    chunk_max_chars: int = Field(default=1200, ge=80, le=3000)
    chunk_overlap_chars: int = Field(default=120, ge=0, le=500)

    embed_context: Literal["none", "title", "path"] = Field(
        default="title", description="What of the initiative's title/heading path is embedded with each chunk"
    )
    lexical_context: Literal["none", "title", "path"] = "title"
    sentence_weight: float = Field(
        default=0.5, ge=0, le=1,
        description="Share of a chunk's dense score that comes from its best sentence's cosine (index/sentences.py; "
        "0 = chunk vectors only, and `build` then skips the sentence index). 0 -> 0.5: dev nDCG@10 0.855 -> 0.865, test 0.756 -> 0.765",
    )
    translate_queries: bool = Field(
        default=True,
        description="A query in Latin script (English) is embedded with the Japanese terms of its thesaurus matches "
        "appended (dictionary-based query translation; the lexical side expands it either way)",
    )
    translate_neighbours: int = Field(
        default=3, ge=0, le=20,
        description="With translate_queries: an English question ranks with its nearest Japanese thesaurus terms (this many) "
        "appended too, for everyday words no rule covers (index/crosslingual.py; 0 = off)",
    )
    sentence_min_chars: int = Field(default=25, ge=1, le=1000, description="Shorter sentences are joined with the next (build time)")
    tokenizer_form: Literal["base", "surface"] = "base"
    tokenizer_drop_pos: tuple[str, ...] = ("補助記号", "記号", "空白", "助詞", "助動詞")

    bm25_k1: float = Field(default=1.2, gt=0, le=5)
    bm25_b: float = Field(default=0.75, ge=0, le=1)
    fusion: Literal["rrf", "convex"] = Field(
        default="convex", description="How the lexical and dense lists are combined: a weighted sum of min-max "
        "normalized scores, or reciprocal rank fusion (rrf_k); lexical_weight/dense_weight in both. convex: dev "
        "nDCG@10 0.834 -> 0.852, test 0.733 -> 0.749, other cities 0.715 -> 0.738",
    )
    rrf_k: int = Field(default=60, ge=1, le=1000)
    dense_weight: float = Field(default=1.0, ge=0, le=10)
    lexical_weight: float = Field(default=1.0, ge=0, le=10)
    thesaurus_weight: float = Field(
        default=0.8, ge=0, le=2,
        description="Weight of thesaurus expansions (index/data/thesaurus.txt) in BM25 queries (0 = off); dev-tuned "
        "(0.3/0.5/0.8/1.0). Re-tuned on the dev set with everyday wording, 194 rules: 0.5 -> 0.8 dev 0.799 -> 0.811, "
        "test 0.765 -> 0.767 (general-recognizer corpus 0.755 -> 0.761), other cities 0.767 -> 0.767",
    )
    thesaurus_path: Path | None = Field(default=None, description="Synonym file to use instead of the bundled thesaurus")
    adaptive_lexical_floor: float = Field(
        default=1.0, ge=0, le=1,
        description="Lexical fusion weight, as a share of lexical_weight, for a query no passage shares words with (1 = fixed weights)",
    )
    dense_prf_docs: int = Field(default=0, ge=0, le=50, description="Top fused passages fed back into the query vector (0 = off)")
    dense_prf_beta: float = Field(default=0.5, ge=0, le=5, description="Rocchio weight of the feedback centroid")
    lexical_prf_docs: int = Field(
        default=0, ge=0, le=50,
        description="Top fused passages RM3 terms are drawn from (0 = off). Not kept: with thesaurus 0.8, 0 -> 5 gave dev "
        "0.811 -> 0.818 and named test 0.767 -> 0.769, but general-recognizer test 0.761 -> 0.751, other cities 0.767 -> 0.767",
    )
    lexical_prf_terms: int = Field(default=10, ge=1, le=100, description="RM3 expansion terms added to the BM25 query")
    lexical_prf_weight: float = Field(default=0.3, ge=0, le=2, description="Weight of the best RM3 term (others scaled)")
    implicit_city_filter: bool = Field(
        default=True, description="A query naming corpus cities (「昭島市の…」) searches only those cities"
    )
    city_coverage_window: int = Field(
        default=30, ge=0, le=500, description="A city ranked within this many results is kept in the top k (0 = off)"
    )
    overfetch: int = Field(default=5, ge=1, le=50)
    compare_min_dense: float = Field(default=0.80, ge=-1, le=1, description="Cosine below which a passage is not a comparison cell")
    answer_min_confidence: float = Field(
        default=0.80, ge=-1, le=1, description="Cosine below which /answer says nothing was found, whatever the other evidence"
    )
    # Answerability (index/answerability.py): a logistic model over cheap evidence features,
    # calibrated on dev queries with `python -m eval.calibrate` (700-character chunks, sentence cosine;
    # coverage and agreement are reported but weigh 0 since compound terms joined).
    answer_bias: float = Field(default=-1.818, ge=-100, le=100, description="Answerability model: intercept")
    answer_w_coverage: float = Field(default=0.0, ge=-100, le=100, description="weight of the query-word coverage")
    answer_w_phrases: float = Field(default=0.803, ge=-100, le=100, description="weight of the word-pair coverage")
    answer_w_agreement: float = Field(default=0.0, ge=-100, le=100, description="weight of lexical/dense top-10 agreement")
    answer_w_cosine_z: float = Field(
        default=1.465, ge=-100, le=100, description="weight of the top passages' best sentence cosine, as a corpus z-score"
    )
    answer_w_compounds: float = Field(
        default=3.005, ge=-100, le=100,
        description="weight of the share of the question's compound terms the corpus writes (whole, reworded, or as pieces)",
    )
    answer_min_support: float = Field(
        default=0.195, ge=0, le=1, description="Answerability below which /answer says nothing was found"
    )
    compare_min_support: float = Field(
        default=0.0, ge=0, le=1,
        description="Answerability of a city's passages below which /compare leaves it out (0 = off). Off: the dev-calibrated "
        "threshold (python -m eval.calibrate prints it) makes short queries such as ペーパーレス化 lose cities with relevant "
        "passages (狛江市 5レスの推進); weak cities are flagged instead (compare_weak_share)",
    )
    compare_min_share: float = Field(
        default=0.35, ge=0, le=1,
        description="A city whose best passage scores under this share of the best city's best is left out of /compare "
        "(0 = off). A round value under the weakest share of an expected city on the seeds' first 15 dev cross-city queries "
        "(weakest 0.42) and the other municipalities' (27 cities, weakest 0.382); 0.4 loses 4 of 89 there. The 16 narrower dev "
        "queries added later (ev41-ev59) lose 1 of 38 expected cities (share 0.347) and still show 18 cities with nothing on "
        "the topic; 0.45 would drop 6 of those for 1 more expected city. Measured with convex fusion and applied only "
        "there, and only when no city is asked for (by filter or by name)",
    )
    compare_weak_share: float = Field(
        default=0.5, ge=0, le=1,
        description="A city of /compare whose best passage scores under this share of the best city's best is flagged as a "
        "weak match (shown, marked 関連弱; 0 = never; convex fusion only, as RRF scores are rank-based). Other municipalities: 18% of the 73 flagged cities' first passages "
        "are relevant, 60% of the others'; seeds dev: 0 of 1 flagged (0.65 flagged 4, 3 of them relevant); with the 16 narrower "
        "dev queries: 1 of 10 flagged first cells relevant, 82 of 103 unflagged (0.6: 4 of 17)",
    )
    ann_threshold: int = Field(
        default=50_000, ge=1, description="Above this many chunks FAISS uses HNSW (measured recall in make bench)"
    )

    scale_threshold: int = Field(
        default=500_000, ge=1, description="Above this many chunks FAISS uses the compressed scale index (make bench-scale)"
    )
    scale_index: Literal["hnsw_sq8", "ivf_sq8", "ivf_pq"] = Field(
        default="ivf_sq8", description="Compressed index above scale_threshold: IVF-SQ8, recall@10 0.960 at 1M (make bench-scale)"
    )

    executor: Literal["local", "ray"] = Field(default="local", description="Where ingest and embedding run")
    ray_address: str | None = Field(default=None, description="Ray cluster to join; unset = a local Ray for the build")
    ray_workers: int | None = Field(default=None, ge=1, le=4096, description="Embedding actors; unset = one per cluster CPU")
    ray_num_cpus: int | None = Field(default=None, ge=1, le=4096, description="CPUs of the local Ray; unset = all")
    ray_block_chunks: int = Field(default=256, ge=8, le=100_000, description="Chunks per Ray Data block (one actor call)")

    fault: str | None = Field(
        default=None, description="Crash tests only: '<stage>:pause' or '<stage>:exit' stops a build at a FAULT_STAGES stage"
    )
    snapshot_keep: int = Field(default=3, ge=2, le=100, description="Index snapshots kept (current and previous always)")
    admin_key: str | None = Field(default=None, description="If set, required (X-Admin-Key) by /admin endpoints")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    api_key: str | None = Field(default=None, description="If set, required as Bearer token or X-API-Key (not on health checks)")
    cors_origins: list[str] = Field(default_factory=list)
    public_url: str | None = Field(default=None, description="Base of the source links MCP tools return (default http://HOST:PORT)")
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=16 * 1024 * 1024)
    upload_max_bytes: int = Field(
        default=50 * 1024 * 1024, ge=1024, le=2 * 1024 * 1024 * 1024, description="Largest document POST /documents accepts"
    )
    body_discard_bytes: int = Field(
        default=64 * 1024 * 1024, ge=0, le=1024 * 1024 * 1024,
        description="An over-limit request body up to this size is read and dropped before the 413, so clients "
        "that send the whole body first (urllib, requests) get the 413; a larger one may see the connection cut",
    )
    llm_base_url: str | None = Field(default=None, description="OpenAI-compatible endpoint for generated answers")
    llm_model: str = "gpt-4o-mini"
    llm_api_key: str | None = None
    llm_timeout_s: float = Field(default=60.0, gt=0, le=600)

    @field_validator("model_dtype")
    @classmethod
    def _concrete_dtype(cls, v: str) -> str:
        return ("bfloat16" if cpu_has_native_bf16() else "float32") if v == "auto" else v

    @field_validator("model")
    @classmethod
    def _model_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("model must be a sentence-transformers name or path")
        return v.strip()

    @field_validator("fault")
    @classmethod
    def _fault_names_a_stage(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        stage, _, action = v.strip().partition(":")
        if stage not in FAULT_STAGES or action not in ("pause", "exit"):
            raise ValueError(f"fault must be '<stage>:pause' or '<stage>:exit' with a stage of {', '.join(FAULT_STAGES)}")
        return v.strip()

    @model_validator(mode="after")
    def _chunk_sizes_consistent(self) -> "Settings":
        if not self.chunk_target_chars <= self.chunk_max_chars:
            raise ValueError("chunk_target_chars must be <= chunk_max_chars")
        if self.chunk_overlap_chars >= self.chunk_target_chars:
            raise ValueError("chunk_overlap_chars must be < chunk_target_chars")
        return self

    @property
    def records_dir(self) -> Path:
        return self.data_dir / "records"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
