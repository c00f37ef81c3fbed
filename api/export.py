"""Take an answer away: GET /sessions/{id}/turns/{n}/export as Markdown, RIS or CSL-JSON (api/citations.py)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from api.citations import to_csl_json, to_markdown, to_ris
from api.schemas import ErrorOut
from assistant.errors import InvalidQueryError

router = APIRouter(tags=["export"])

FORMATS = {
    "markdown": ("text/markdown; charset=utf-8", "md"),
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris"),
    "csl-json": ("application/vnd.citationstyles.csl+json; charset=utf-8", "json"),
}


@router.get(
    "/sessions/{session_id}/turns/{turn}/export",
    responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut},
               200: {"content": {media: {} for media, _ in FORMATS.values()},
                     "description": "the answer (markdown) or its cited sources (ris, csl-json)"}},
    response_class=Response,
)
def export_turn(
    request: Request,
    session_id: str,
    turn: int = Path(ge=1, description="1 for the conversation's first answer", examples=[1]),
    fmt: Literal["markdown", "ris", "csl-json"] = Query("markdown", alias="format", description="markdown: the answer with a "
                                                           "numbered source list; ris and csl-json: the cited sources"),
) -> Response:
    """One answer of a conversation to take away: as Markdown (the answer, then its numbered sources with URLs),
    or its cited sources for a reference manager as RIS or CSL-JSON."""
    from api.app import _source_dict  # at call time: api.app imports this module

    a = request.app.state.engine
    session = a.sessions.get(session_id)
    if turn > len(session.turns):
        raise InvalidQueryError(f"turn {turn} does not exist: the conversation has {len(session.turns)} answer(s)")
    t = session.turns[turn - 1]
    titles = {d.doc_id: d.title for d in a.index.documents}
    sources = [_source_dict(c) for c in t.citations]
    media, ext = FORMATS[fmt]
    if fmt == "markdown":
        body = to_markdown(t.answer, sources, titles)
        disposition = "inline"
    else:
        body = to_ris(sources, titles) if fmt == "ris" else to_csl_json(sources, titles)
        disposition = "attachment"
    return Response(body, media_type=media,
                    headers={"content-disposition": f'{disposition}; filename="quellen-{session_id[:8]}-{turn}.{ext}"'})
