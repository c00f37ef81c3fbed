"""Hybrid retrieval: dense (FAISS) and lexical (BM25) rankings fused by reciprocal rank."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.chunking import Passage
from assistant.conversation import Exchange, Resolution, common_nouns, resolve
from assistant.embedding import Embedder
from assistant.errors import InvalidQueryError, UnknownDocumentError
from assistant.index import Index
from assistant.settings import Settings

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
    context: str = ""
    """The query as retrieval searched it: for a follow-up, the resolved question with the earlier topic."""
    resolution: Resolution | None = None
    """How the turn was read in its conversation (None for a plain search)."""


class Retriever:
    def __init__(self, index: Index, embedder: Embedder, *, candidates: int = 40, rrf_k: int = 60,
                 abstain_threshold: float = 0.0, followup_blend: float = 0.0) -> None:
        self.index = index
        self.embedder = embedder
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.abstain_threshold = abstain_threshold
        self.followup_blend = followup_blend
        # German capitalises nouns like names; the documents' own usage tells them apart (conversation.py).
        self._common = common_nouns(p.text for p in index.passages)

    @classmethod
    def from_settings(cls, index: Index, embedder: Embedder, settings: Settings) -> Retriever:
        return cls(index, embedder, candidates=settings.candidates, rrf_k=settings.rrf_k,
                   abstain_threshold=settings.abstain_threshold, followup_blend=settings.followup_blend)

    def search(
        self,
        query: str,
        *,
        k: int = 5,
        doc_id: str | None = None,
        mode: str = "hybrid",
        history: Sequence[Exchange | str] = (),
    ) -> SearchResult:
        """Rank passages for `query`; `history` holds the earlier exchanges of a conversation, oldest first
        (a bare string is a question whose answer is unknown)."""
        query = query.strip()
        if not query:
            raise InvalidQueryError("the query is empty; ask a question, e.g. 'Wann wurde der Industriepark gegründet?'")
        if mode not in MODES:
            raise InvalidQueryError(f"unknown mode {mode!r}; choose one of: {', '.join(MODES)}")
        if doc_id is not None and doc_id not in self.index.doc_ids():
            raise UnknownDocumentError(doc_id, self.index.doc_ids())
        resolution = self.resolve(query, history) if history else None
        context = resolution.query if resolution else query
        # A follow-up stays in the conversation's document unless it names the other subject (resolve decides).
        allowed = self._mask(doc_id or (resolution.doc_id if resolution else None))
        dense = np.where(allowed, self.dense_scores(context), -np.inf) if mode != "lexical" else None
        lexical = np.where(allowed, self.lexical_scores(context), -np.inf) if mode != "dense" else None
        if mode == "dense":
            scores = dense
        elif mode == "lexical":
            scores = lexical
        else:
            rankings, weights = [dense, lexical], [1.0, self.lexical_weight(context)]
            if context != query and self.followup_blend > 0:
                # The follow-up's own words still count, so that 'Und 2011?' prefers passages about 2011.
                rankings += [np.where(allowed, self.dense_scores(query), -np.inf),
                             np.where(allowed, self.lexical_scores(query), -np.inf)]
                weights += [self.followup_blend, self.followup_blend * self.lexical_weight(query)]
            scores = _rrf(rankings, weights, depth=self.candidates, k=self.rrf_k)
        order = [int(i) for i in np.argsort(-scores, kind="stable")[:k] if np.isfinite(scores[i])]
        hits = [Hit(self.index.passages[i], rank, float(scores[i])) for rank, i in enumerate(order, start=1)]
        dense_all = dense if dense is not None else np.where(allowed, self.dense_scores(context), -np.inf)
        lexical_all = lexical if lexical is not None else np.where(allowed, self.lexical_scores(context), -np.inf)
        confidence = answer_confidence(dense_all, lexical_all, self.lexical_weight(context))
        answerable = confidence >= self.abstain_threshold and not _asked_year_missing(query, hits[:3])
        return SearchResult(query, answerable, hits, confidence, context, resolution)

    def resolve(self, message: str, history: Sequence[Exchange | str]) -> Resolution:
        exchanges = [e if isinstance(e, Exchange) else Exchange(e) for e in history]
        return resolve(message, exchanges, similarity=self._similarity, common=self._common)

    def _similarity(self, a: str, b: str) -> float:
        vectors = self.embedder.embed_queries([a, b])
        return float(vectors[0] @ vectors[1])

    def lexical_weight(self, query: str) -> float:
        """How far BM25 can be trusted for this query: the share of its words the German index knows.

        An English or Russian question shares only numbers and names with the German passages; a year
        alone ('2023') would otherwise pull every passage that mentions it up the fused ranking.
        """
        words = [t for t in self.index.analyzer.analyze(query) if not t.isdigit()]
        if not words:
            return 0.0
        vocabulary = self.index.bm25.vocab_dict
        return sum(t in vocabulary for t in words) / len(words)

    def dense_scores(self, query: str) -> np.ndarray:
        vector = self.embedder.embed_queries([query])
        n = len(self.index.passages)
        # Exact search scores every passage (confidence and follow-up blending use them all); an approximate
        # index is there because n is large, so it only fills the fusion's candidate depth, the rest is -inf.
        depth = n if self.index.manifest.get("ann", "flat") == "flat" else min(n, 4 * self.candidates)
        scores, ids = self.index.dense.search(vector, depth)
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


def peakedness(scores: np.ndarray, *, depth: int = 50) -> float:
    """How far the best dense score stands above the crowd: (top - mean) / std over the top `depth`.

    Raw cosine is not comparable across languages (Russian questions score ~0.05 lower than German
    ones for the same passage); a question the documents answer makes one passage stand out.
    """
    top = np.sort(scores[np.isfinite(scores)])[::-1][:depth]
    if len(top) < 3 or top.std() == 0:
        return 0.0
    return float((top[0] - top.mean()) / top.std())


def answer_confidence(dense: np.ndarray, lexical: np.ndarray, lexical_weight: float) -> float:
    """Evidence that the documents answer the question: the best passage standing out, densely and,
    as far as BM25 can be trusted for the question's language, lexically.

    The 0.3 mix and the threshold in Settings were chosen on the dev set's unanswerable questions
    (eval/README.md reports the operating point); change them only with an eval run.
    """
    return peakedness(dense) + 0.3 * lexical_weight * peakedness(lexical)


_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def _asked_year_missing(query: str, hits: Sequence[Hit]) -> bool:
    """A question about a year that none of the best passages mentions is about something else.

    ('Wie hoch war der Handelsumsatz im Jahr 2015?' when the text gives 2014 and 2016.)
    """
    text = " ".join(h.passage.text for h in hits)
    return any(year not in text for year in _YEAR.findall(query))


def _rrf(rankings: list[np.ndarray], weights: list[float], *, depth: int, k: int) -> np.ndarray:
    """Weighted reciprocal rank fusion over the top `depth` of each ranking.

    Cormack et al. (2009) use k=60; on our question set k=10 was as good or better at every passage size
    (eval/README.md, "Tuning"), because with ~300 passages the top ranks carry nearly all the signal.
    Passages outside every top `depth` keep a tiny dense-order score so that k > depth still ranks.
    """
    fused = np.zeros(len(rankings[0]), dtype=np.float64)
    for scores, weight in zip(rankings, weights):
        order = np.argsort(-scores, kind="stable")
        for rank, i in enumerate(order[:depth], start=1):
            if np.isfinite(scores[i]) and scores[i] > 0:
                fused[i] += weight / (k + rank)
    tail = np.argsort(-rankings[0], kind="stable")
    for rank, i in enumerate(tail, start=1):
        if fused[i] == 0 and np.isfinite(rankings[0][i]):
            fused[i] = 1e-9 / rank
    fused[~np.isfinite(rankings[0])] = -np.inf
    return fused
