"""The assistant as one object: retrieval, cited answers and sessions wired together for the API and CLI."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from assistant.answer import Answer, AnswerComposer, LlmAnswerer
from assistant.conversation import Exchange
from assistant.embedding import Embedder, create_embedder
from assistant.errors import InvalidQueryError
from assistant.index import Index
from assistant.retrieval import Retriever, SearchResult
from assistant.sessions import SessionStore, Turn
from assistant.settings import Settings

__all__ = ["Assistant", "ChatResult"]


@dataclass(frozen=True)
class ChatResult:
    session_id: str
    answer: Answer
    search: SearchResult
    resolved_query: str


class Assistant:
    def __init__(self, settings: Settings, *, embedder: Embedder | None = None, index: Index | None = None) -> None:
        self.settings = settings
        self.index = index or Index.load(settings)
        self.embedder = embedder or create_embedder(settings)
        self.retriever = Retriever.from_settings(self.index, self.embedder, settings)
        self.composer = AnswerComposer(self.index, self.embedder)
        self.generator = LlmAnswerer(settings.llm_url, model=settings.llm_model) if settings.llm_url else None
        self._doc_of = {p.passage_id: p.doc_id for p in self.index.passages}
        self.sessions = SessionStore(settings.data_dir / "sessions.sqlite3", ttl_seconds=settings.session_ttl_minutes * 60)

    def close(self) -> None:
        self.sessions.close()

    def check_text(self, text: str, what: str) -> str:
        text = text.strip()
        if not text:
            raise InvalidQueryError(f"the {what} is empty; ask a question, e.g. 'Wann wurde der Industriepark gegründet?'")
        if len(text) > self.settings.max_query_chars:
            raise InvalidQueryError(
                f"the {what} has {len(text)} characters; at most {self.settings.max_query_chars} are accepted"
            )
        return text

    def search(self, query: str, *, k: int, doc_id: str | None = None, mode: str = "hybrid") -> SearchResult:
        return self.retriever.search(self.check_text(query, "query"), k=k, doc_id=doc_id, mode=mode)

    def chat(self, message: str, *, session_id: str | None, k: int) -> ChatResult:
        message = self.check_text(message, "message")
        session = self.sessions.get(session_id) if session_id else self.sessions.create()
        doc_of = self._doc_of
        history = [Exchange(t.message, t.resolved_query, t.answer, tuple(doc_of[p] for p in t.passage_ids if p in doc_of))
                   for t in session.turns]
        result = self.retriever.search(message, k=k, history=history)
        resolved = result.resolution.display if result.resolution else message
        answer = self.composer.compose(message, result.hits, answerable=result.answerable, context=result.context,
                                       said=[t.answer for t in session.turns])
        if self.generator is not None:
            answer = self.generator.rewrite(message, result.hits, answer, self.index)
        self.sessions.append(
            session.session_id,
            Turn(
                message=message,
                resolved_query=resolved,
                answer=answer.text,
                answerable=answer.answerable,
                citations=[asdict(c) for c in answer.citations],
                passage_ids=[h.passage.passage_id for h in result.hits],
            ),
        )
        return ChatResult(session.session_id, answer, result, resolved)
