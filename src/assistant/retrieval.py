"""Hybrid retrieval: dense (FAISS) and lexical (BM25) rankings fused by reciprocal rank."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.answerability import Answerability
from assistant.chunking import Passage
from assistant.embedding import Embedder
from assistant.errors import InvalidQueryError, UnknownDocumentError
from assistant.index import Index
from assistant.language import detect_language
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
    """The query as retrieval understood it: with the conversation's earlier question for a follow-up."""
    reason: str = ""
    """Why `answerable` is what it is (`answerability.Decision.reason`): 'off-topic', 'content-free', …"""


class Retriever:
    def __init__(self, index: Index, embedder: Embedder, *, candidates: int = 40, rrf_k: int = 60,
                 abstain_threshold: float = 0.0, followup_blend: float = 0.0) -> None:
        self.index = index
        self.embedder = embedder
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.answerability = Answerability(index, min_confidence=abstain_threshold)
        self.followup_blend = followup_blend

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
        context = contextual_query(query, history)
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
        decision = self.answerability.decide(query, detect_language(query), hits, dense_all, lexical_all,
                                             lexical_weight=self.lexical_weight(context))
        return SearchResult(query, decision.answerable, hits, decision.confidence, context, decision.reason)

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


# Words that point back to an earlier turn: 'Und 2011?', 'Wer hat es unterzeichnet?', 'Where was that?'.
_FOLLOW_UP_CUES = frozenset(
    """und auch es sie er ihn ihm ihr ihre ihren sein seine seinen dies diese dieser dieses das dort damals
    davon dafür dabei dazu darauf daran darin daraus darunter damit danach hierzu hierbei jene jener
    deren dessen denn welche welcher
    and also it its they them their this that these those there then what about how about
    а и он она оно они его её их это этот эта там тогда тоже""".split()
)
_CONTENT = re.compile(r"\w{4,}")


def contextual_query(query: str, history: Sequence[str]) -> str:
    """Resolve an elliptical follow-up by prefixing what the conversation is about.

    A follow-up is short or points back ('Und 2011?', 'Who signed it?'); a full new question
    ('Wie viele Studenten hat die BSU in China?') starts a new topic and stands alone. The topic is
    the last full question plus the follow-ups asked since, capped so it cannot drown the new turn.
    """
    topic = ""
    for turn in history:
        topic = f"{topic} {turn}" if topic and _is_elliptical(turn) else turn
    if not topic or not _is_elliptical(query):
        return query
    return " ".join([*topic.split()[-40:], query])


def _is_elliptical(query: str) -> bool:
    words = [w.lower() for w in re.findall(r"\w+", query)]
    if len(_CONTENT.findall(query)) <= 3 or (words and words[0] in _FOLLOW_UP_CUES):
        return True
    return any(w in _FOLLOW_UP_CUES for w in words[1:] if w not in _COMMON_IN_FULL_QUESTIONS)


_COMMON_IN_FULL_QUESTIONS = frozenset({"und", "and", "и", "das", "die", "welche", "welcher", "what", "how", "this", "that"})


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
