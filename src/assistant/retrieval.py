"""Retrieval stages: follow-up resolution, candidates from both rankings, fusion (the answerability decision
that follows them is `assistant.answerability`).

Each stage is a small class with one method, `run(query)`, that fills in its part of the `Query` travelling
through the engine (`assistant.engine.Engine` holds them in order). A reranker is one more such class.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from assistant.answerability import is_content_free
from assistant.chunking import Passage
from assistant.conversation import Exchange, Resolution, common_nouns, named_subject, resolve, subjects, url_slug
from assistant.embedding import Embedder
from assistant.glossary import Glossary
from assistant.index import Index
from assistant.language import detect_language
from assistant.settings import Settings

__all__ = [
    "MODES", "Candidates", "FollowUps", "Fusion", "Hit", "Query", "SearchResult", "Stage", "rrf",
]

MODES = ("hybrid", "dense", "lexical")
# A number a question may ask about: a year, an ordinal ('88.', '85-й'), a count; one digit is too common to narrow.
_NUMBER = re.compile(r"\d{2,}")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
# An ordinal as the documents write it ('der 88. Einwohner', 'am 17. Januar') and as a question asks it ('Und der
# 88.?', 'the 88th', 'А 85-й резидент?', '86-м'): the 85th resident is not where '85 Einwohner' were counted.
_ORDINAL_IN_TEXT = re.compile(r"\b(\d{1,3})\.\s+(?=\w)")
_ORDINAL_ASKED = re.compile(r"\b(\d{1,3})(?:\.(?!\d)|st\b|nd\b|rd\b|th\b|-?(?:й|я|е|го|му|м|х|ми)\b)", re.IGNORECASE)


def _numbers_in(text: str) -> set[str]:
    """The numbers a text states ('2022', '85') and its ordinals as the documents write them ('88.')."""
    return set(_NUMBER.findall(text)) | {f"{n}." for n in _ORDINAL_IN_TEXT.findall(text)}


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
    resolution: Resolution | None = None
    """How the turn was read in its conversation (None for a plain search)."""


@dataclass
class Query:
    """One question on its way through the stages; each stage reads what earlier ones filled in.

    Score arrays have one entry per passage of the index; -inf marks a passage that is not a candidate
    (filtered out, or outside an approximate index's reach).
    """

    text: str
    k: int
    mode: str = "hybrid"
    history: tuple[Exchange | str, ...] = ()
    """The conversation's earlier exchanges, oldest first (a bare string: a question whose answer is unknown)."""
    allowed: np.ndarray | None = None
    doc_id: str | None = None
    """The document the asker chose; without one, a follow-up stays in the conversation's document."""
    resolution: Resolution | None = None
    context: str = ""
    """The question as understood: `text`, or for a follow-up the conversation's topic plus `text`."""
    rankings: list[tuple[np.ndarray, float]] = field(default_factory=list)
    """(scores, weight) of each ranking to fuse; the first is the dense ranking of `context`."""
    dense: np.ndarray | None = None
    sentences: np.ndarray | None = None
    """Each passage's best sentence similarity to `context` (None when the index stores no sentence vectors)."""
    lexical: np.ndarray | None = None
    lexical_weight: float = 0.0
    scores: np.ndarray | None = None
    """The ranking so far (higher is better): fusion writes it, rerankers may rewrite it."""
    years_ranking: int | None = None
    """Where in `rankings` the ranking by an English or Russian question's own years is (`Candidates._years`)."""
    without_years: np.ndarray | None = None
    """The fusion without that ranking: whether a passage about the asked year is among the best ones is for the
    ranking to say before it is lifted for the year (`answerability`'s year check)."""
    answerable: bool = True
    confidence: float = 0.0
    reason: str = ""

    def top(self, n: int, scores: np.ndarray | None = None) -> list[int]:
        """Indices of the best `n` candidates, best first (of `scores` when given, else of the ranking)."""
        scores = self.scores if scores is None else scores
        assert scores is not None, "no ranking yet: the fusion stage has not run"
        order = np.argsort(-scores, kind="stable")[:n]
        return [int(i) for i in order if np.isfinite(scores[i])]


class Stage(Protocol):
    """One step of the engine: reads and fills in fields of the query."""

    def run(self, query: Query) -> None: ...


# -- follow-ups ------------------------------------------------------------------------------------


class FollowUps:
    """Read a turn in its conversation (`assistant.conversation`): a follow-up ('Und 2011?', 'How big is its
    dealer network there?') becomes one readable question, searched together with the earlier topic and,
    unless the turn names the other subject, inside the conversation's document."""

    def __init__(self, index: Index, embedder: Embedder) -> None:
        self.index = index
        self.embedder = embedder
        # German capitalises nouns like names; the documents' own usage tells them apart.
        self.common = common_nouns(p.text for p in index.passages)
        self._docs = {doc_id: np.array([p.doc_id == doc_id for p in index.passages]) for doc_id in index.doc_ids()}
        # What each document is about ('Kasachstan', 'China'), from its own words, for "stay in the conversation's
        # document unless the turn names the other subject".
        self.subjects = subjects({d: [p.text for p in index.passages if p.doc_id == d] for d in index.doc_ids()},
                                 {d: [url_slug(n.url or "") for n in index.footnotes.get(d, {}).values()]
                                  for d in index.doc_ids()})

    def run(self, query: Query) -> None:
        if not query.history or is_content_free(query.text):  # '???' continues nothing
            query.context = query.text
            self._narrow(query, named_subject(query.text, self.subjects))
            return
        exchanges = [e if isinstance(e, Exchange) else Exchange(e) for e in query.history]
        resolution = resolve(query.text, exchanges, similarity=self._similarity, common=self.common,
                             subjects=self.subjects)
        query.resolution = resolution
        query.context = resolution.query
        # A standalone turn that names one document's subject ('… mit kasachischen Hochschulen …') is about that
        # document, as a follow-up is about the conversation's.
        self._narrow(query, resolution.doc_id if resolution.followup else named_subject(query.text, self.subjects))

    def _narrow(self, query: Query, doc_id: str | None) -> None:
        if doc_id in self._docs and query.doc_id is None:
            allowed = self._docs[doc_id]
            query.allowed = allowed if query.allowed is None else query.allowed & allowed

    def _similarity(self, a: str, b: str) -> float:
        vectors = self.embedder.embed_queries([a, b])
        return float(vectors[0] @ vectors[1])


# -- candidates ------------------------------------------------------------------------------------


class Candidates:
    """The dense, the sentence and the lexical ranking of the question (and, for a follow-up, of its own words).

    The sentence ranking scores each passage by its best sentence (max-pooled sentence vectors): a question
    about one detail matches the sentence that states it more closely than the passage averaging it with its
    neighbours (eval/README.md, "Recall techniques").

    The dense ranking reads each passage in its context: its vector plus `context_weight` × the vector of the
    sentence before it, so that a passage opening mid-thought ('BelVitunifarm wird sich an diesem Projekt
    beteiligen') is found by what the previous sentence names (the project). `Query.dense`, which the
    answerability calibrates its cosine floors on, keeps the plain passage similarity.

    Exact search scores every passage. An approximate index (hnsw, ivf) is there because the corpus is
    large, so it only fills the fusion's candidate depth; the passages BM25 puts in its top `depth` are
    then scored exactly from the stored vectors, so that a passage only BM25 finds is still a candidate
    of the dense ranking and of the fusion.
    """

    def __init__(self, index: Index, embedder: Embedder, settings: Settings, *,
                 glossary: Glossary | None = None) -> None:
        self.index = index
        self.embedder = embedder
        self.glossary = glossary or Glossary.load(index.analyzer.vocabulary)
        self.depth = settings.candidates
        self.followup_blend = settings.followup_blend
        self.sentence_weight = settings.sentence_weight
        self.number_weight = settings.number_weight
        self.stated = self._stated_numbers()
        owner = index.sentence_owner
        # first sentence row of each passage, for max-pooling with np.maximum.reduceat
        self.sentence_starts = np.searchsorted(owner, np.arange(len(index.passages)))
        sentence_vectors = index.sentence_vectors
        if sentence_vectors is None or not len(owner) or not np.all(np.bincount(owner, minlength=len(index.passages))):
            sentence_vectors = None  # a synthetic index (the scale benchmark's): passages only
        self.has_sentences = sentence_vectors is not None
        self.sentences = self.has_sentences and self.sentence_weight > 0
        self.exact = index.manifest.get("ann", "flat") == "flat"
        self.context_vectors = None
        if sentence_vectors is not None and settings.context_weight > 0:
            self.context_vectors = self._in_context(sentence_vectors, settings.context_weight)

    def _in_context(self, sentence_vectors: np.ndarray, weight: float) -> np.ndarray:
        """Each passage's vector plus `weight` × the vector of its document's previous sentence, renormalised.

        Built from the stored vectors when the index loads. Embedding each passage together with that sentence
        (and the title and heading) moved the same questions into the top 5, but embeds every passage twice
        and took the build past its 2 minutes (eval/README.md, "Recall techniques").
        """
        passages = self.index.passages
        previous = self.sentence_starts - 1  # the row of the last sentence of the passage before
        same_document = np.array([i > 0 and passages[i - 1].doc_id == p.doc_id for i, p in enumerate(passages)])
        context = np.where(same_document[:, None], sentence_vectors[np.maximum(previous, 0)], 0.0)
        vectors = self.index.vectors + weight * context
        return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)

    def run(self, query: Query) -> None:
        allowed = query.allowed if query.allowed is not None else np.ones(len(self.index.passages), dtype=bool)
        context = query.context or query.text
        vector = self.embedder.embed_queries([context])[0]
        query.dense, query.lexical = self._both(context, vector, allowed)
        if self.has_sentences:
            # The answerability's off-topic check reads it too: a paraphrase matches one sentence of a passage.
            query.sentences = np.where(allowed, self.sentence_scores(vector), -np.inf)
        query.lexical_weight = self.lexical_weight(context)
        if query.mode == "dense":
            query.rankings = [(query.dense, 1.0)]
        elif query.mode == "lexical":
            query.rankings = [(query.lexical, 1.0)]
        else:
            sentences = [(query.sentences, self.sentence_weight)] if self.sentences and query.sentences is not None else []
            query.rankings = [(self._in_context_scores(vector, query.dense), 1.0),
                              *sentences, (query.lexical, query.lexical_weight)]
            if context != query.text and self.followup_blend > 0:
                # The follow-up's own words still count, so that 'Und 2011?' prefers passages about 2011.
                own = self.embedder.embed_queries([query.text])[0]
                dense, lexical = self._both(query.text, own, allowed)
                query.rankings += [(self._in_context_scores(own, dense), self.followup_blend),
                                   *self._sentences(own, allowed, self.followup_blend),
                                   (lexical, self.followup_blend * self.lexical_weight(query.text))]
            query.rankings += self._numbers(query.text, query.rankings[0][0], allowed, followup=context != query.text)
            years = self._years(query.text, query.rankings[0][0], allowed) if context == query.text else []
            if years:
                query.years_ranking = len(query.rankings)
                query.rankings += years

    def _both(self, text: str, vector: np.ndarray, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lexical = np.where(allowed, self.lexical_scores(text), -np.inf)
        dense = self.dense_scores(vector)
        if not self.exact:
            reach = [i for i in np.argsort(-lexical, kind="stable")[: self.depth] if lexical[i] > 0]
            missing = [i for i in reach if not np.isfinite(dense[i])]
            if missing:
                dense[missing] = self.index.vectors[missing] @ vector
        return np.where(allowed, dense, -np.inf), lexical

    def _in_context_scores(self, vector: np.ndarray, dense: np.ndarray) -> np.ndarray:
        """The dense ranking's scores: passages in their context, where `dense` has a candidate."""
        if self.context_vectors is None:
            return dense
        return np.where(np.isfinite(dense), self.context_vectors @ vector, -np.inf).astype(np.float32)

    def _numbers(self, text: str, ranking: np.ndarray, allowed: np.ndarray, *,
                 followup: bool) -> list[tuple[np.ndarray, float]]:
        """The passages that state every number the turn names, in the order of `ranking`, with its weight.

        The embeddings hardly tell '88.' from '87.' or 2021 from 2020, and BM25 counts a number only in proportion
        to the other words ('Und der 88.?' has no other word), so the passage that states the asked ordinal or
        year was ranked below its neighbours that state another. The turn's own words are used: in a follow-up
        they are what is new ('Und 2021?'), the conversation's earlier years are not asked again. A question of its
        own counts only its ordinals: its years and counts have words beside them, and a year that the passages
        about its topic do not state is for the answerability to refuse ('Touristen … 2019'), not to be sought
        (an English or Russian question's years: `_years`).
        """
        ordinals = {f"{n}." for n in _ORDINAL_ASKED.findall(text)}
        numbers = ({n for n in _NUMBER.findall(text) if f"{n}." not in ordinals} if followup else set()) | ordinals
        # a number no passage states narrows nothing ('Und 1990?' is left to the other rankings); an ordinal that
        # no passage states as one is asked as a number
        numbers = {n if n in self.stated else n.rstrip(".") for n in numbers}
        return self._stating(numbers, ranking, allowed)

    def _years(self, text: str, ranking: np.ndarray, allowed: np.ndarray) -> list[tuple[np.ndarray, float]]:
        """For an English or Russian question of its own, the passages that state its years, like `_numbers`.

        BM25 gives its year the weight of the few words the German index knows (`lexical_weight`), so among the
        passages on the same subject the one for the asked year ranked below those for others ('By how much did
        industrial output of the Great Stone residents grow in the first three quarters of 2021?'). A German
        question's year is one of its words there.
        """
        if detect_language(text) == "de":
            return []
        return self._stating(set(_YEAR.findall(text)), ranking, allowed)

    def _stating(self, numbers: set[str], ranking: np.ndarray, allowed: np.ndarray) -> list[tuple[np.ndarray, float]]:
        """`ranking` restricted to the passages that state every one of `numbers`, with `number_weight`; nothing
        when a number is stated nowhere."""
        numbers = {n for n in numbers if n in self.stated}
        if not numbers or self.number_weight <= 0:
            return []
        stating = allowed.copy()
        for number in numbers:
            states = np.zeros_like(stating)
            states[self.stated[number]] = True
            stating &= states
        if not stating.any():
            return []
        return [(np.where(stating, ranking, -np.inf), self.number_weight)]

    def _stated_numbers(self) -> dict[str, list[int]]:
        """Number -> the passages that state it: in the passage or in the sentence before it; a year also anywhere
        in the passage before.

        A passage often takes its year from the sentence before ('Die Ergebnisse des ersten Quartals 2022 …' |
        'So belief sich der Handelsumsatz in diesem Zeitraum auf 1,2 Milliarden Dollar'), as the dense ranking
        reads it (`context_weight`). A year frames a whole account ('Im Mai 2022 fand die Kommissionssitzung
        statt …' | '… schlug die belarussische Seite vor …'); an ordinal or a count is stated where it holds, and
        the next resident's passage does not state the 88th.
        """
        passages = self.index.passages
        stated: dict[str, set[int]] = {}
        for i, passage in enumerate(passages):
            numbers = _numbers_in(passage.text)
            before = passages[i - 1] if i > 0 and passages[i - 1].doc_id == passage.doc_id else None
            if before is not None and before.sentences:
                start, end, _ = before.sentences[-1]
                numbers |= _numbers_in(before.text[start:end])
            if before is not None:
                numbers |= set(_YEAR.findall(before.text))
            for number in numbers:
                stated.setdefault(number, set()).add(i)
        return {number: sorted(rows) for number, rows in stated.items()}

    def _sentences(self, vector: np.ndarray, allowed: np.ndarray, weight: float) -> list[tuple[np.ndarray, float]]:
        """The sentence ranking with its fusion weight, or nothing when the index has no sentence vectors."""
        if not self.sentences:
            return []
        return [(np.where(allowed, self.sentence_scores(vector), -np.inf), weight * self.sentence_weight)]

    def sentence_scores(self, vector: np.ndarray) -> np.ndarray:
        """Each passage's best sentence similarity (exact: a matrix product over every sentence)."""
        assert self.index.sentence_vectors is not None
        return np.maximum.reduceat(self.index.sentence_vectors @ vector, self.sentence_starts).astype(np.float32)

    def dense_scores(self, vector: np.ndarray) -> np.ndarray:
        n = len(self.index.passages)
        depth = n if self.exact else min(n, 4 * self.depth)
        scores, ids = self.index.dense.search(vector[None, :].astype(np.float32), depth)
        out = np.full(n, -np.inf, dtype=np.float32)
        valid = ids[0] >= 0
        out[ids[0][valid]] = scores[0][valid]
        return out

    def bridged(self, text: str) -> str:
        """`text` with the documents' German words for its words (`assistant.glossary`)."""
        return " ".join([text, *self.glossary.german(text, detect_language(text))])

    def lexical_scores(self, text: str) -> np.ndarray:
        tokens = self.index.analyzer.analyze(self.bridged(text))
        if not tokens:
            return np.zeros(len(self.index.passages), dtype=np.float32)
        return np.asarray(self.index.bm25.get_scores(tokens), dtype=np.float32)

    def lexical_weight(self, text: str) -> float:
        """How far BM25 can be trusted for this question: the share of its words the German index knows.

        An English or Russian question shares only numbers, names and the glossary's German words for its own
        (`bridged`) with the German passages; a year alone ('2023') would otherwise pull every passage that
        mentions it up the fused ranking. Counting the glossary's words raised its share, and with it BM25's
        weight in the fusion, for the questions it bridges (eval/README.md).
        """
        words = [t for t in self.index.analyzer.analyze(self.bridged(text)) if not t.isdigit()]
        if not words:
            return 0.0
        vocabulary = self.index.bm25.vocab_dict
        return sum(t in vocabulary for t in words) / len(words)


# -- fusion ----------------------------------------------------------------------------------------


class Fusion:
    """Weighted reciprocal rank fusion of the candidates' rankings; a single ranking is kept as it is."""

    def __init__(self, settings: Settings) -> None:
        self.depth = settings.candidates
        self.rrf_k = settings.rrf_k

    def run(self, query: Query) -> None:
        if len(query.rankings) == 1:
            query.scores = query.rankings[0][0].astype(np.float64)
            return
        scores, weights = zip(*query.rankings)
        query.scores = rrf(list(scores), list(weights), depth=self.depth, k=self.rrf_k)
        if query.years_ranking is not None:
            rest = [r for i, r in enumerate(query.rankings) if i != query.years_ranking]
            query.without_years = rrf([r for r, _ in rest], [w for _, w in rest], depth=self.depth, k=self.rrf_k)


def rrf(rankings: list[np.ndarray], weights: list[float], *, depth: int, k: int) -> np.ndarray:
    """Weighted reciprocal rank fusion over the top `depth` of each ranking.

    A passage is a candidate when any ranking scores it (finite); one that every ranking marks -inf
    (filtered out) stays -inf. Cormack et al. (2009) use k=60; on our question set k=10 was as good or
    better at every passage size (eval/README.md, "Tuning"), because with ~300 passages the top ranks
    carry nearly all the signal. Candidates outside every top `depth` keep a tiny score in the order of
    the first ranking, so that k > depth still ranks.
    """
    fused = np.zeros(len(rankings[0]), dtype=np.float64)
    ranks = np.arange(1, len(fused) + 1)
    for scores, weight in zip(rankings, weights):
        order = np.argsort(-scores, kind="stable")[:depth]
        counted = np.isfinite(scores[order]) & (scores[order] > 0)
        fused[order[counted]] += weight / (k + ranks[: len(order)][counted])
    tail = np.argsort(-rankings[0], kind="stable")
    unscored = (fused[tail] == 0) & np.isfinite(rankings[0][tail])
    fused[tail[unscored]] = 1e-9 / ranks[unscored]
    candidate = np.any([np.isfinite(s) for s in rankings], axis=0)
    fused[~candidate] = -np.inf
    return fused
