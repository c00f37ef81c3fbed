"""The HTTP service: a thin skin over `assistant.engine.Engine`, following shared/API.md."""

from __future__ import annotations

import json
import logging
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import docs, export, hardening, openai_compat, reader
from api.citations import url_warning
from api.schemas import (
    ChatRequest,
    ChatResponse,
    DocumentOut,
    ErrorOut,
    HealthOut,
    PassageOut,
    PassageSourceOut,
    RankedPassageOut,
    SearchRequest,
    SearchResponse,
    SessionOut,
    SourceOut,
    TurnOut,
)
from assistant.chunking import Passage
from assistant.corpus import Footnote
from assistant.engine import Engine
from assistant.errors import (
    AssistantError,
    EmbedderUnavailableError,
    IndexStateError,
    InvalidQueryError,
    UnknownDocumentError,
    UnknownSessionError,
)
from assistant.retrieval import Hit
from assistant.sessions import SessionFullError, SessionStorageError
from assistant.settings import Settings

log = logging.getLogger("assistant.api")
STATIC = Path(__file__).parent / "static"

_STATUS = {
    UnknownDocumentError: 404,
    UnknownSessionError: 404,
    InvalidQueryError: 422,
    IndexStateError: 503,
    EmbedderUnavailableError: 503,
    SessionStorageError: 503,
    SessionFullError: 409,
}
_ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut}, 409: {"model": ErrorOut}, 422: {"model": ErrorOut},
                                         503: {"model": ErrorOut}}
# Bodies: 400 when they cannot be decoded at all, 413 over the size limit.
_BODY_ERRORS: dict[int | str, dict[str, Any]] = {400: {"model": ErrorOut}, 413: {"model": ErrorOut}, **_ERRORS}


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Loading verifies the index (manifest, checksums, corpus hash): a bad index stops start-up loudly.
        loaded = engine or Engine(settings)
        app.state.engine = loaded
        log.info(json.dumps({"event": "ready", "passages": len(loaded.index.passages)}))
        async with hardening.running(app, loaded, settings):
            yield
        if engine is None:
            loaded.close()

    app = FastAPI(
        title="Quellen-Assistent",
        description="Fragen an zwei deutsche Dokumente über die Zusammenarbeit von Belarus mit Kasachstan und China. "
        "Antworten mit Passagen und exakten Fußnoten-Quellen.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # api/docs.py serves /docs and /redoc from local files
        redoc_url=None,
    )
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["content-type"])
    hardening.install(app, settings)  # body limits, HEAD, security headers, validation errors, 503 when busy
    app.add_middleware(RequestLog)

    @app.exception_handler(AssistantError)
    async def assistant_error(request: Request, exc: AssistantError) -> JSONResponse:
        status = next((code for cls, code in _STATUS.items() if isinstance(exc, cls)), 400)
        return JSONResponse({"detail": str(exc)}, status_code=status)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        request_id = request.scope.get("request_id", "-")
        log.exception("unhandled error, request %s", request_id)
        # Starlette answers a 500 outside the middleware stack, so RequestLog cannot add the header here.
        return JSONResponse({"detail": f"internal error (request {request_id}); the server log has the details"},
                            status_code=500, headers={"X-Request-ID": request_id})

    def engine_of(request: Request) -> Engine:
        return request.app.state.engine

    @app.get("/", include_in_schema=False)
    def index_page() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/health", response_model=HealthOut)
    async def health(request: Request) -> HealthOut:  # on the event loop: no thread hop, fast under load
        """Ready once the index is loaded and verified: passages, documents, embedder and build time."""
        a = engine_of(request)
        return HealthOut(status="ok", passages=len(a.index.passages), documents=len(a.index.documents),
                         embedder=a.index.manifest["model_id"], index_built_at=a.index.manifest["created_at"])

    @app.get("/documents", response_model=list[DocumentOut])
    def documents(request: Request) -> list[DocumentOut]:
        """The documents with their titles and how many passages and footnotes each has."""
        return [DocumentOut(doc_id=d.doc_id, title=d.title, passages=d.passages, footnotes=d.footnotes)
                for d in engine_of(request).index.documents]

    @app.get("/documents/{doc_id}/passages", response_model=list[PassageOut], responses=_ERRORS)
    def document_passages(doc_id: str, request: Request) -> list[PassageOut]:
        """Every passage of a document in reading order, with the sources it cites."""
        a = engine_of(request)
        _known_document(a, doc_id)
        return [passage_out(a, p) for p in a.index.passages_of(doc_id)]

    @app.get("/documents/{doc_id}/footnotes", response_model=list[SourceOut], responses=_ERRORS)
    def document_footnotes(doc_id: str, request: Request) -> list[SourceOut]:
        """Every footnote of a document, 1..N, with its text, repaired URL, year and status."""
        a = engine_of(request)
        _known_document(a, doc_id)
        return [source_out(f) for _, f in sorted(a.index.footnotes[doc_id].items())]

    @app.post("/search", response_model=SearchResponse, responses=_BODY_ERRORS)
    async def search(body: SearchRequest, request: Request) -> SearchResponse:
        """Rank passages for a question, optionally within one document and a year range of their sources."""
        a = engine_of(request)
        result = await hardening.infer(request, a.search, body.query, k=body.k, doc_id=body.doc_id, mode=body.mode,
                                       year_from=body.year_from, year_to=body.year_to, cost=body.query)
        return SearchResponse(query=result.query, answerable=result.answerable,
                              results=[ranked_out(a, h) for h in result.hits])

    @app.post("/chat", response_model=ChatResponse, responses=_BODY_ERRORS)
    async def chat(body: ChatRequest, request: Request) -> ChatResponse:
        """Answer a message with inline [n] citations; pass the returned session_id back for follow-ups."""
        a = engine_of(request)
        result = await hardening.infer(request, a.chat, body.message, session_id=body.session_id, k=body.k,
                                       doc_id=body.doc_id, year_from=body.year_from, year_to=body.year_to,
                                       cost=body.message)
        return ChatResponse(
            session_id=result.session_id,
            answer=result.answer.text,
            answerable=result.answer.answerable,
            citations=[source_out(f) for f in result.answer.citations],
            passages=[ranked_out(a, h) for h in result.search.hits],
            resolved_query=result.resolved_query,
            language=result.answer.language,
        )

    @app.get("/sessions/{session_id}", response_model=SessionOut, responses=_ERRORS)
    def get_session(session_id: str, request: Request) -> SessionOut:
        """The turns of a conversation: each message, how it was understood, the answer and its sources."""
        s = engine_of(request).sessions.get(session_id)
        return SessionOut(
            session_id=s.session_id, created_at=s.created_at, updated_at=s.updated_at,
            turns=[TurnOut(**{**asdict(t), "citations": [_source_dict(c) for c in t.citations]}) for t in s.turns],
        )

    @app.delete("/sessions/{session_id}", status_code=204, responses=_ERRORS)
    def delete_session(session_id: str, request: Request) -> None:
        """Forget a conversation."""
        engine_of(request).sessions.delete(session_id)

    app.include_router(reader.router)
    app.include_router(export.router)
    app.include_router(openai_compat.router)
    docs.install(app)
    return app


def _known_document(a: Engine, doc_id: str) -> None:
    if doc_id not in a.index.doc_ids():
        raise UnknownDocumentError(doc_id, a.index.doc_ids())


def source_out(f: Footnote) -> SourceOut:
    return SourceOut(doc_id=f.doc_id, footnote=f.number, text=f.text, url=f.url, year=f.year, status=f.status,
                     url_warning=url_warning(f.url))


def _source_dict(row: dict) -> SourceOut:
    return source_out(Footnote(**row))


def passage_out(a: Engine, p: Passage) -> PassageOut:
    notes = a.index.footnotes[p.doc_id]
    return PassageOut(passage_id=p.passage_id, doc_id=p.doc_id, page=p.page, text=p.text,
                      citations=[PassageSourceOut(**source_out(notes[n]).model_dump(), spans=list(spans))
                                 for n, spans in zip(p.footnote_numbers, p.citation_spans, strict=True)])


def ranked_out(a: Engine, hit: Hit) -> RankedPassageOut:
    return RankedPassageOut(**passage_out(a, hit.passage).model_dump(), rank=hit.rank, score=hit.score)


class RequestLog:
    """One structured log line per request, with a request id (also sent back as X-Request-ID) and timing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex[:12]
        scope["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info(json.dumps({"request_id": request_id, "method": scope["method"], "path": scope["path"],
                                 "status": status, "ms": round((time.perf_counter() - started) * 1000, 1)}))


app = create_app()
