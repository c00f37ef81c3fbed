"""The HTTP service: a thin skin over `assistant.service.Assistant`, following shared/API.md."""

from __future__ import annotations

import json
import logging
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import asdict
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import hardening
from api.schemas import (
    ChatRequest,
    ChatResponse,
    DocumentOut,
    ErrorOut,
    HealthOut,
    PassageOut,
    RankedPassageOut,
    SearchRequest,
    SearchResponse,
    SessionOut,
    SourceOut,
    TurnOut,
)
from assistant.chunking import Passage
from assistant.corpus import Footnote
from assistant.errors import (
    AssistantError,
    EmbedderUnavailableError,
    IndexStateError,
    InvalidQueryError,
    UnknownDocumentError,
    UnknownSessionError,
)
from assistant.retrieval import Hit
from assistant.service import Assistant
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
_ERRORS = {404: {"model": ErrorOut}, 409: {"model": ErrorOut}, 422: {"model": ErrorOut}, 503: {"model": ErrorOut}}
# Bodies: 400 when they cannot be decoded at all, 413 over the size limit.
_BODY_ERRORS = {400: {"model": ErrorOut}, 413: {"model": ErrorOut}, **_ERRORS}


def create_app(settings: Settings | None = None, *, assistant: Assistant | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Loading verifies the index (manifest, checksums, corpus hash): a bad index stops start-up loudly.
        engine = assistant or Assistant(settings)
        app.state.assistant = engine
        log.info(json.dumps({"event": "ready", "passages": len(engine.index.passages)}))
        async with hardening.running(app, engine, settings):
            yield
        if assistant is None:
            engine.close()

    app = FastAPI(
        title="Quellen-Assistent",
        description="Fragen an zwei deutsche Dokumente über die Zusammenarbeit von Belarus mit Kasachstan und China. "
        "Antworten mit Passagen und exakten Fußnoten-Quellen.",
        version="0.1.0",
        lifespan=lifespan,
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

    def engine(request: Request) -> Assistant:
        return request.app.state.assistant

    @app.get("/", include_in_schema=False)
    def index_page() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/health", response_model=HealthOut)
    async def health(request: Request) -> HealthOut:  # on the event loop: no thread hop, fast under load
        a = engine(request)
        return HealthOut(status="ok", passages=len(a.index.passages), documents=len(a.index.documents),
                         embedder=a.index.manifest["model_id"], index_built_at=a.index.manifest["created_at"])

    @app.get("/documents", response_model=list[DocumentOut])
    def documents(request: Request) -> list[DocumentOut]:
        return [DocumentOut(doc_id=d.doc_id, title=d.title, passages=d.passages, footnotes=d.footnotes)
                for d in engine(request).index.documents]

    @app.get("/documents/{doc_id}/passages", response_model=list[PassageOut], responses=_ERRORS)
    def document_passages(doc_id: str, request: Request) -> list[PassageOut]:
        a = engine(request)
        _known_document(a, doc_id)
        return [passage_out(a, p) for p in a.index.passages_of(doc_id)]

    @app.get("/documents/{doc_id}/footnotes", response_model=list[SourceOut], responses=_ERRORS)
    def document_footnotes(doc_id: str, request: Request) -> list[SourceOut]:
        a = engine(request)
        _known_document(a, doc_id)
        return [source_out(f) for _, f in sorted(a.index.footnotes[doc_id].items())]

    @app.post("/search", response_model=SearchResponse, responses=_BODY_ERRORS)
    async def search(body: SearchRequest, request: Request) -> SearchResponse:
        a = engine(request)
        result = await hardening.infer(request, a.search, body.query, k=body.k, doc_id=body.doc_id, mode=body.mode,
                                       cost=body.query)
        return SearchResponse(query=result.query, answerable=result.answerable,
                              results=[ranked_out(a, h) for h in result.hits])

    @app.post("/chat", response_model=ChatResponse, responses=_BODY_ERRORS)
    async def chat(body: ChatRequest, request: Request) -> ChatResponse:
        a = engine(request)
        result = await hardening.infer(request, a.chat, body.message, session_id=body.session_id, k=body.k,
                                       cost=body.message)
        return ChatResponse(
            session_id=result.session_id,
            answer=result.answer.text,
            answerable=result.answer.answerable,
            citations=[source_out(f) for f in result.answer.citations],
            passages=[ranked_out(a, h) for h in result.search.hits],
            resolved_query=result.resolved_query,
        )

    @app.get("/sessions/{session_id}", response_model=SessionOut, responses=_ERRORS)
    def get_session(session_id: str, request: Request) -> SessionOut:
        s = engine(request).sessions.get(session_id)
        return SessionOut(
            session_id=s.session_id, created_at=s.created_at, updated_at=s.updated_at,
            turns=[TurnOut(**{**asdict(t), "citations": [_source_dict(c) for c in t.citations]}) for t in s.turns],
        )

    @app.delete("/sessions/{session_id}", status_code=204, responses=_ERRORS)
    def delete_session(session_id: str, request: Request) -> None:
        engine(request).sessions.delete(session_id)

    return app


def _known_document(a: Assistant, doc_id: str) -> None:
    if doc_id not in a.index.doc_ids():
        raise UnknownDocumentError(doc_id, a.index.doc_ids())


def source_out(f: Footnote) -> SourceOut:
    return SourceOut(doc_id=f.doc_id, footnote=f.number, text=f.text, url=f.url, year=f.year, status=f.status)


def _source_dict(row: dict) -> SourceOut:
    return source_out(Footnote(**row))


def passage_out(a: Assistant, p: Passage) -> PassageOut:
    notes = a.index.footnotes[p.doc_id]
    return PassageOut(passage_id=p.passage_id, doc_id=p.doc_id, page=p.page, text=p.text,
                      citations=[source_out(notes[n]) for n in p.footnote_numbers])


def ranked_out(a: Assistant, hit: Hit) -> RankedPassageOut:
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
