"""A second door to the same conversation: the OpenAI chat API (`/v1/chat/completions`, `/v1/models`).

The conversation is the request's `messages`: earlier user/assistant turns are replayed into a fresh session,
so follow-ups ('Und 2011?') are understood exactly as in /chat; the session is forgotten after the answer.
The reply is the answer with its [n] markers, then the numbered sources; `sources` carries them as JSON too.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from api import hardening
from api.citations import text_without_url
from api.schemas import ErrorOut, SearchFilters, SourceOut
from assistant.engine import ChatResult, Engine
from assistant.errors import AssistantError, InvalidQueryError
from assistant.sessions import Turn

router = APIRouter(prefix="/v1", tags=["openai"])
MODEL_ID = "quellen-assistent"


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: str
    text: str | None = None


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # content parts: only text parts carry a question
            return " ".join(p.text or "" for p in self.content if p.type == "text")
        return self.content or ""


class ChatCompletionRequest(SearchFilters):
    # Clients send sampling options (temperature, max_tokens, ...) that a retrieval answer has no use for.
    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{
        "model": MODEL_ID, "messages": [
            {"role": "user", "content": "Wie stark wuchs der Handel zwischen Belarus und Kasachstan von 2005 bis 2010?"},
            {"role": "assistant", "content": "…"},
            {"role": "user", "content": "Und 2011?"}]}]})

    model: str = Field(MODEL_ID, description=f"any name is accepted; there is one model, {MODEL_ID!r}")
    messages: list[Message] = Field(min_length=1, max_length=200)
    stream: bool = False
    k: int = Field(5, ge=1, le=50, description="passages retrieved per answer")


class ModelOut(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelOut]


@router.get("/models", response_model=ModelList)
def models() -> ModelList:
    """The one model behind the OpenAI-compatible endpoint (for clients that list models first)."""
    return ModelList(data=[ModelOut(id=MODEL_ID, created=0, owned_by="quellen-assistent")])


_COMPLETION_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "a chat.completion object, or with `stream: true` server-sent chat.completion.chunk events",
          "content": {"application/json": {}, "text/event-stream": {}}},
    **{code: {"model": ErrorOut} for code in (400, 404, 413, 422, 503)},
}


@router.post("/chat/completions", responses=_COMPLETION_RESPONSES)
async def chat_completions(body: ChatCompletionRequest, request: Request):
    """OpenAI chat completion (`stream: true` for server-sent events): the last user message is the question,
    the earlier user and assistant messages its conversation; optional `doc_id`, `year_from`, `year_to` narrow
    the search. The answer keeps its [n] markers and ends with the numbered source list."""
    try:
        # The answer is computed on the inference pool, like /chat: bounded, and dropped if the client leaves.
        result = await hardening.infer(request, _answer, request.app.state.engine, body,
                                       cost=body.model_dump_json(include={"messages"}))
    except AssistantError as exc:
        # OpenAI clients read {"error": {"message"}}; the service's own clients read "detail". Both, then.
        from api.app import _STATUS  # at call time: api.app imports this module

        status = next((code for cls, code in _STATUS.items() if isinstance(exc, cls)), 400)
        return JSONResponse({"detail": str(exc), "error": {"message": str(exc), "type": "invalid_request_error",
                                                          "code": status}}, status_code=status)


    return _completion(body, result)


def _answer(a: Engine, body: ChatCompletionRequest) -> ChatResult:
    """The conversation of `messages` replayed into a throwaway session, then the last question asked."""
    question, history = _conversation(body.messages)
    session = a.sessions.create()
    try:
        for user, assistant in history:
            a.sessions.append(session.session_id, Turn(message=user, resolved_query=user, answer=assistant,
                                                       answerable=True))
        return a.chat(question, session_id=session.session_id, k=body.k, doc_id=body.doc_id,
                      year_from=body.year_from, year_to=body.year_to)
    finally:
        a.sessions.delete(session.session_id)


def _completion(body: ChatCompletionRequest, result: ChatResult):
    from api.app import source_out  # at call time: api.app imports this module

    sources = [source_out(f) for f in result.answer.citations]
    content = result.answer.text + _source_list(sources)
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    extra = {"sources": [s.model_dump() for s in sources], "answerable": result.answer.answerable,
             "resolved_query": result.resolved_query}
    if body.stream:
        return StreamingResponse(_chunks(completion_id, created, content, extra), media_type="text/event-stream",
                                 headers={"cache-control": "no-cache"})
    return JSONResponse({
        "id": completion_id, "object": "chat.completion", "created": created, "model": MODEL_ID,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop",
                     "logprobs": None}],
        "usage": _usage(body.messages, content),
        **extra,
    })


def _conversation(messages: list[Message]) -> tuple[str, list[tuple[str, str]]]:
    """The last user message, and the (user, assistant) pairs before it; system prompts are ignored."""
    turns = [m for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user" or not turns[-1].text().strip():
        raise InvalidQueryError("the last message must be a user message with a question, "
                                "e.g. {\"role\": \"user\", \"content\": \"Wann wurde der Industriepark gegründet?\"}")
    history: list[tuple[str, str]] = []
    for m in turns[:-1]:
        if m.role == "user" and m.text().strip():
            history.append((m.text().strip(), ""))
        elif m.role == "assistant" and history:
            history[-1] = (history[-1][0], m.text())
    return turns[-1].text().strip(), history


def _source_list(sources: list[SourceOut]) -> str:
    if not sources:
        return ""
    lines = ["", "", "Quellen:"]
    for i, s in enumerate(sources, start=1):
        lines.append(" ".join(part for part in (f"[{i}]", text_without_url(s), s.url and f"<{s.url}>") if part))
    return "\n".join(lines)


def _chunks(completion_id: str, created: int, content: str, extra: dict) -> Iterator[str]:
    def event(delta: dict, finish: str | None = None, **more) -> str:
        chunk = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
                 "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **more}
        return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"

    yield event({"role": "assistant", "content": ""})
    # The answer exists whole before the first byte; sending it line by line lets clients render as they read.
    for piece in content.splitlines(keepends=True):
        yield event({"content": piece})
    yield event({}, "stop", **extra)
    yield "data: [DONE]\n\n"


def _usage(messages: list[Message], content: str) -> dict:
    # No tokenizer is involved; words are the honest unit, reported where clients expect token counts.
    prompt = sum(len(m.text().split()) for m in messages)
    completion = len(content.split())
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
