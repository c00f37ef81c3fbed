"""The reading view: a document's passages in reading order with its footnotes, for the page at /read/{doc_id}."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from api.schemas import ErrorOut, ReaderOut

STATIC = Path(__file__).parent / "static"

router = APIRouter()


@router.get("/documents/{doc_id}/reader", response_model=ReaderOut, responses={404: {"model": ErrorOut}}, tags=["reader"])
def document_reader(doc_id: str, request: Request) -> ReaderOut:
    """The whole cleaned text of a document as its passages in reading order (each an anchor, with the sources
    it cites), followed by all its footnotes: what the reading view at `/read/{doc_id}` shows."""
    from api.app import _known_document, passage_out, source_out  # at call time: api.app imports this module

    a = request.app.state.engine
    _known_document(a, doc_id)
    title = next(d.title for d in a.index.documents if d.doc_id == doc_id)
    return ReaderOut(doc_id=doc_id, title=title,
                     passages=[passage_out(a, p) for p in a.index.passages_of(doc_id)],
                     footnotes=[source_out(f) for _, f in sorted(a.index.footnotes[doc_id].items())])


@router.get("/read/{doc_id}", include_in_schema=False)
def reader_page(doc_id: str) -> FileResponse:
    # The page loads the document itself (and says so when the id is unknown); the id is in the path for links.
    return FileResponse(STATIC / "reader.html")
