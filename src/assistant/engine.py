"""The one pipeline: built once from `Settings`, used by the API, the CLI and the evaluation alike.

    question ─ FollowUps ─ Candidates ─ Fusion ─ [rerankers …] ─ Answerability ─ hits   (search)
                                                                               └ Reader ─ answer (chat)

Each stage is a class with `run(query)` (`assistant.retrieval.Stage`); adding a reranker is one class and one
entry in `rerankers`. `chat` adds what a conversation needs: the session's earlier turns as history, the
answer, and storing the turn.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cached_property

import numpy as np

from assistant.answer import Answer, AnswerComposer, LlmAnswerer
from assistant.answerability import Answerability
from assistant.conversation import Exchange
from assistant.embedding import Embedder, QueryCache, create_embedder
from assistant.errors import InvalidQueryError, UnknownDocumentError
from assistant.glossary import Glossary
from assistant.index import Index
from assistant.language import detect_language
from assistant.names import RareNames
from assistant.retrieval import (
    MODES,
    Candidates,
    FollowUps,
    Fusion,
    Hit,
    Query,
    SearchResult,
    Stage,
)
from assistant.sessions import SessionStore, Turn
from assistant.settings import Settings

__all__ = ["ChatResult", "Engine"]


@dataclass(frozen=True)
class ChatResult:
    session_id: str
    answer: Answer
    search: SearchResult
    resolved_query: str


class Engine:
    def __init__(self, settings: Settings, *, embedder: Embedder | None = None, index: Index | None = None,
                 rerankers: Sequence[Stage] = ()) -> None:
        self.settings = settings
        self.index = index or Index.load(settings)
        # The reader scores sentences against the vectors retrieval embedded: the cache hands them over.
        self.embedder = QueryCache(embedder or create_embedder(settings), size=settings.query_cache)
        # The off-topic gate and the reader's rare-name check count the same names' passages: one count for both.
        rare_names = RareNames(p.text for p in self.index.passages)
        # Retrieval's BM25 and the reader's word overlap look up the same glossary.
        glossary = Glossary.load(self.index.analyzer.vocabulary)
        self.stages: list[Stage] = [
            FollowUps(self.index, self.embedder),
            Candidates(self.index, self.embedder, settings, glossary=glossary),
            Fusion(settings),
            *rerankers,
            Answerability(self.index, min_confidence=settings.abstain_threshold, rare_names=rare_names),
        ]
        self.reader = AnswerComposer(self.index, self.embedder, rare_names=rare_names, glossary=glossary)
        self._doc_of = {p.passage_id: p.doc_id for p in self.index.passages}
        self.generator = LlmAnswerer(settings.llm_url, model=settings.llm_model) if settings.llm_url else None

    @cached_property
    def sessions(self) -> SessionStore:
        """Opened on first use: searching (the CLI, the evaluation's baselines) needs no sessions database."""
        return SessionStore(self.settings.data_dir / "sessions.sqlite3",
                            ttl_seconds=self.settings.session_ttl_minutes * 60, max_turns=self.settings.session_max_turns)

    def close(self) -> None:
        if "sessions" in self.__dict__:
            self.sessions.close()

    def check_text(self, text: str, what: str) -> str:
        # The corpus is NFC text: NFKC folds NFD, full-width and compatibility forms of a query onto the same words.
        text = unicodedata.normalize("NFKC", text).strip()
        if not text:
            raise InvalidQueryError(f"the {what} is empty; ask a question, e.g. 'Wann wurde der Industriepark gegründet?'")
        if len(text) > self.settings.max_query_chars:
            raise InvalidQueryError(
                f"the {what} has {len(text)} characters; at most {self.settings.max_query_chars} are accepted"
            )
        # Characters do not bound the cost: 2000 emoji or combining marks are ~2000 model tokens (seconds of CPU).
        tokens = getattr(self.embedder, "query_tokens", None)
        if tokens is not None and (n := tokens(text)) > self.settings.max_query_tokens:
            raise InvalidQueryError(
                f"the {what} is {n} model tokens long; at most {self.settings.max_query_tokens} are accepted "
                "(ASSISTANT_MAX_QUERY_TOKENS); ask a shorter question"
            )
        return text

    def search(self, query: str, *, k: int, doc_id: str | None = None, mode: str = "hybrid",
               history: Sequence[Exchange | str] = (), year_from: int | None = None,
               year_to: int | None = None) -> SearchResult:
        """Rank passages for `query`; `history` holds the earlier exchanges of a conversation, oldest first.
        `doc_id` and the year range of the passages' sources narrow the search."""
        text = self.check_text(query, "query")
        if mode not in MODES:
            raise InvalidQueryError(f"unknown mode {mode!r}; choose one of: {', '.join(MODES)}")
        run = Query(text, k, mode, tuple(history), allowed=self._allowed(doc_id, year_from, year_to), doc_id=doc_id)
        for stage in self.stages:
            stage.run(run)
        hits = [Hit(self.index.passages[i], rank, float(run.scores[i]))  # type: ignore[index]
                for rank, i in enumerate(run.top(k), start=1)]
        return SearchResult(text, run.answerable, hits, run.confidence, run.context, run.reason, run.resolution)

    def chat(self, message: str, *, session_id: str | None, k: int, doc_id: str | None = None,
             year_from: int | None = None, year_to: int | None = None) -> ChatResult:
        message = self.check_text(message, "message")
        session = self.sessions.get(session_id) if session_id else self.sessions.create()
        # What the conversation remembers of each turn: the question, how it was understood, the answer and
        # the documents of its passages, so that 'its', 'dort', 'Und 2011?' find their referent.
        # Why a turn was refused tells the follow-up stage which turns can be referents (`conversation.resolve`).
        history = [Exchange(t.message, t.resolved_query, t.answer, self._answer_docs(t), t.reason) for t in session.turns]
        result = self.search(message, k=k, history=history, doc_id=doc_id, year_from=year_from, year_to=year_to)
        resolved = result.resolution.display if result.resolution else message
        # '???' or 'Main exports?' has no language of its own: inside a conversation it is answered in the
        # language of the turn before.
        language = detect_language(message, default=detect_language(session.turns[-1].message)) if session.turns else None
        answer = self.answer(message, result, said=[t.answer for t in session.turns], language=language)
        self.sessions.append(
            session.session_id,
            Turn(
                message=message,
                resolved_query=resolved,
                answer=answer.text,
                answerable=answer.answerable,
                citations=[asdict(c) for c in answer.citations],
                passage_ids=[h.passage.passage_id for h in result.hits],
                reason="" if answer.answerable or result.answerable else result.reason,
                quoted=list(dict.fromkeys(passage_id for passage_id, _ in answer.sentences)),
            ),
        )
        return ChatResult(session.session_id, answer, result, resolved)

    def _answer_docs(self, turn: Turn) -> tuple[str, ...]:
        """The documents of a turn's passages, those its answer quotes first: the question about the Minsk
        region's agreement with Karaganda is answered from the Kazakhstan document's second passage while the
        best one is about the region's Chinese partners, and 'Когда в этом регионе …?' belongs to Kazakhstan."""
        quoted = {passage_id: i for i, passage_id in enumerate(turn.quoted)}
        ranked = sorted((p for p in turn.passage_ids if p in self._doc_of), key=lambda p: quoted.get(p, len(quoted)))
        return tuple(self._doc_of[p] for p in ranked)

    def answer(self, message: str, result: SearchResult, *, said: Sequence[str] = (),
               language: str | None = None) -> Answer:
        """The reader: a short cited answer from the ranked passages (rewritten by the LLM when one is set);
        in the question's language unless `language` is given."""
        answer = self.reader.compose(message, result.hits, answerable=result.answerable, language=language,
                                     context=result.context, said=said,
                                     understood=result.resolution.asked if result.resolution else None)
        if self.generator is not None:
            answer = self.generator.rewrite(message, result.hits, answer, self.index)
        return answer

    def _allowed(self, doc_id: str | None, year_from: int | None, year_to: int | None) -> np.ndarray:
        allowed = np.ones(len(self.index.passages), dtype=bool)
        if doc_id is not None:
            if doc_id not in self.index.doc_ids():
                raise UnknownDocumentError(doc_id, self.index.doc_ids())
            allowed &= np.array([p.doc_id == doc_id for p in self.index.passages])
        if year_from is not None or year_to is not None:
            # A passage is in range when one of its sources is; a passage without a dated source is not.
            low, high = year_from or -10**6, year_to or 10**6
            notes = self.index.footnotes
            allowed &= np.array([any((year := notes[p.doc_id][n].year) is not None and low <= year <= high
                                     for n in p.footnote_numbers) for p in self.index.passages])
        return allowed
