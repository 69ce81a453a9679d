"""Shared fixtures: a small real index (real model, FAISS, fugashi) built once per session."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from reform_search.settings import Settings

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = FIXTURES / "corpus"


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings for tests: fixture corpus, private data dir, the shared model cache."""
    return Settings(corpus_dir=overrides.pop("corpus_dir", CORPUS), data_dir=data_dir, **overrides)


def private_copy(root: Path, fixture_settings: Settings, **overrides: Any) -> Settings:
    """Settings over a copy of the fixture corpus and a data dir starting with a copy of its snapshot."""
    shutil.copytree(CORPUS, root / "corpus")
    shutil.copytree(fixture_settings.data_dir, root / "data")
    return make_settings(root / "data", corpus_dir=root / "corpus", **overrides)


@pytest.fixture(scope="session")
def encoder() -> Any:
    """The encoder the default settings serve with (dtype included), as the CLI and server load it."""
    from index.model import encoder_from_settings

    return encoder_from_settings(Settings())


@pytest.fixture(scope="session")
def fixture_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def built_index(fixture_settings: Settings, encoder: Any) -> Path:
    from index.publish import publish
    from ingest.chunking import ChunkParams
    from ingest.pipeline import load_records, run_ingest, write_records

    s = fixture_settings
    result = run_ingest(s.corpus_dir, ChunkParams(s.chunk_target_chars, s.chunk_max_chars, s.chunk_overlap_chars))
    assert not result.errors, result.errors
    write_records(result, s.records_dir)
    report = publish(load_records(s.records_dir), s, encoder=encoder)
    return report.path


@pytest.fixture(scope="session")
def searcher(fixture_settings: Settings, built_index: Path, encoder: Any) -> Any:
    from index.searcher import Searcher

    return Searcher.open(fixture_settings, encoder=encoder)
