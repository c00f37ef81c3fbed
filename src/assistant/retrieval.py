"""Hybrid retrieval: dense (FAISS) and lexical (BM25) rankings fused by reciprocal rank."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.chunking import Passage
from assistant.embedding import Embedder
from assistant.errors import InvalidQueryError, UnknownDocumentError
from assistant.index import Index

__all__ = ["Hit", "Retriever", "SearchResult"]

MODES = ("hybrid", "dense", "lexical")


@dataclass(frozen=True)
class Hit:
    passage: Passage
    rank: int
    score: float


@dataclass(frozen=True)
class SearchResult:
    query: str
    answerable: bool
    hits: list[Hit]
    confidence: float = 0.0


class Retriever:
    def __init__(self, index: Index, embedder: Embedder, *, candidates: int = 40, rrf_k: int = 60,
                 abstain_threshold: float = 0.0) -> None:
        self.index = index
        self.embedder = embedder
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.abstain_threshold = abstain_threshold

    def search(
        self,
        query: str,
        *,
        k: int = 5,
        doc_id: str | None = None,
        mode: str = "hybrid",
        history: Sequence[str] = (),
    ) -> SearchResult:
        """Rank passages for `query`; `history` holds the earlier user turns of a conversation, oldest first."""
        query = query.strip()
        if not query:
            raise InvalidQueryError("the query is empty; ask a question, e.g. 'Wann wurde der Industriepark gegründet?'")
        if mode not in MODES:
            raise InvalidQueryError(f"unknown mode {mode!r}; choose one of: {', '.join(MODES)}")
        if doc_id is not None and doc_id not in self.index.doc_ids():
            raise UnknownDocumentError(doc_id, self.index.doc_ids())
        allowed = self._mask(doc_id)
        dense = self.dense_scores(query) if mode != "lexical" else None
        lexical = self.lexical_scores(query) if mode != "dense" else None
        if mode == "dense":
            scores = np.where(allowed, dense, -np.inf)
        elif mode == "lexical":
            scores = np.where(allowed, lexical, -np.inf)
        else:
            scores = _rrf([np.where(allowed, dense, -np.inf), np.where(allowed, lexical, -np.inf)],
                          depth=self.candidates, k=self.rrf_k)
        order = [int(i) for i in np.argsort(-scores, kind="stable")[:k] if np.isfinite(scores[i]) and scores[i] > 0 or mode != "hybrid"]
        hits = [Hit(self.index.passages[i], rank, float(scores[i])) for rank, i in enumerate(order[:k], start=1)]
        confidence = float(np.max(np.where(allowed, dense, -np.inf))) if dense is not None else 0.0
        return SearchResult(query, confidence >= self.abstain_threshold, hits, confidence)

    def dense_scores(self, query: str) -> np.ndarray:
        vector = self.embedder.embed_queries([query])
        n = len(self.index.passages)
        scores, ids = self.index.dense.search(vector, n)
        out = np.full(n, -np.inf, dtype=np.float32)
        valid = ids[0] >= 0
        out[ids[0][valid]] = scores[0][valid]
        return out

    def lexical_scores(self, query: str) -> np.ndarray:
        tokens = self.index.analyzer.analyze(query)
        if not tokens:
            return np.zeros(len(self.index.passages), dtype=np.float32)
        return np.asarray(self.index.bm25.get_scores(tokens), dtype=np.float32)

    def _mask(self, doc_id: str | None) -> np.ndarray:
        if doc_id is None:
            return np.ones(len(self.index.passages), dtype=bool)
        return np.array([p.doc_id == doc_id for p in self.index.passages])


def _rrf(rankings: list[np.ndarray], *, depth: int, k: int) -> np.ndarray:
    """Reciprocal rank fusion over the top `depth` of each ranking.

    RRF with k=60 as in Cormack et al. (2009); change it only with an eval run that shows why.
    """
    fused = np.zeros(len(rankings[0]), dtype=np.float64)
    for scores in rankings:
        order = np.argsort(-scores, kind="stable")[:depth]
        for rank, i in enumerate(order, start=1):
            if np.isfinite(scores[i]) and scores[i] > 0:
                fused[i] += 1.0 / (k + rank)
    return fused
