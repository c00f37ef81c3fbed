"""Request and response models: field for field the contract in shared/API.md (fields may be added, never renamed)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.settings import Settings

SESSION_ID_PATTERN = r"^[0-9a-f]{32}$"
# The documented limit follows ASSISTANT_MAX_QUERY_CHARS as the service starts; the engine checks it again
# for every request (after NFKC), so an app built with other Settings still refuses with the same 422.
MAX_QUERY_CHARS = Settings().max_query_chars
DOC_KZ = "000_1e69742b2c7560f6"


class SearchFilters(BaseModel):
    """Optional fields that narrow a search; absent means all."""

    doc_id: str | None = Field(None, max_length=100, description="restrict to one document", examples=[DOC_KZ])
    year_from: int | None = Field(None, ge=1000, le=2999, examples=[2005],
                                  description="only passages with a source from this year or later")
    year_to: int | None = Field(None, ge=1000, le=2999, examples=[2015],
                                description="only passages with a source from this year or earlier")

    @model_validator(mode="after")
    def _ordered_years(self):
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            raise ValueError(f"year_from {self.year_from} is after year_to {self.year_to}; swap them")
        return self


class SearchRequest(SearchFilters):
    # The schema-level example is what Swagger UI pre-fills: its document matches its question.
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "query": "Um wie viel stieg 2020 der Handel mit landwirtschaftlichen Erzeugnissen zwischen Belarus und Kasachstan?",
        "k": 3, "doc_id": DOC_KZ}]})

    query: str = Field(min_length=1, max_length=MAX_QUERY_CHARS, examples=["Um wie viel stieg 2020 der Handel mit landwirtschaftlichen Erzeugnissen zwischen Belarus und Kasachstan?"])
    # strict: "5", true and 5.0 are not a number of results (NaN and Infinity never are).
    k: int = Field(5, ge=1, le=50, strict=True)
    mode: Literal["hybrid", "dense", "lexical"] = Field("hybrid", description="baselines for evaluation")


class ChatRequest(SearchFilters):
    # No session_id in the example: a made-up one is a 404, omitting it starts a conversation.
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "message": "Wie stark wuchs der Handel zwischen Belarus und Kasachstan von 2005 bis 2010?", "k": 5}]})

    message: str = Field(min_length=1, max_length=MAX_QUERY_CHARS,
                         examples=["Wie stark wuchs der Handel zwischen Belarus und Kasachstan von 2005 bis 2010?"])
    session_id: str | None = Field(None, pattern=SESSION_ID_PATTERN, description="omit to start a conversation")
    k: int = Field(5, ge=1, le=50, strict=True)


class SourceOut(BaseModel):
    doc_id: str
    footnote: int
    text: str | None
    url: str | None
    year: int | None
    status: Literal["ok", "truncated", "missing"]
    url_warning: str | None = Field(None, description="why the URL may not lead to the source (e.g. a host that "
                                    "was machine-translated); null when nothing looks wrong")


class PassageSourceOut(SourceOut):
    spans: list[tuple[int, int]] = Field(
        description="[start, end) character offsets into the passage's `text` that this footnote supports",
        examples=[[[0, 182]]],
    )


class PassageOut(BaseModel):
    passage_id: str
    doc_id: str
    page: int | None
    text: str
    citations: list[PassageSourceOut] = Field(
        description="footnotes whose marker, or the sentence or quotation their marker closes, is in this passage"
    )


class RankedPassageOut(PassageOut):
    rank: int
    score: float


class SearchResponse(BaseModel):
    query: str
    answerable: bool
    results: list[RankedPassageOut]


class ChatResponse(BaseModel):
    session_id: str
    answer: str
    answerable: bool
    citations: list[SourceOut]
    passages: list[RankedPassageOut]
    resolved_query: str = Field(description="the question as retrieval understood it, after follow-up resolution")
    language: Literal["de", "en", "ru"] = Field(description="the question's language, which the answer speaks")


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    passages: int
    footnotes: int


class TurnOut(BaseModel):
    message: str
    resolved_query: str
    answer: str
    answerable: bool
    citations: list[SourceOut]
    passage_ids: list[str]
    created_at: float


class SessionOut(BaseModel):
    session_id: str
    created_at: float
    updated_at: float
    turns: list[TurnOut]


class HealthOut(BaseModel):
    status: Literal["ok"]
    passages: int
    documents: int
    embedder: str
    index_built_at: str


class ErrorOut(BaseModel):
    detail: str | list


class ReaderOut(BaseModel):
    doc_id: str
    title: str
    passages: list[PassageOut] = Field(description="the document's passages in reading order; together its text")
    footnotes: list[SourceOut] = Field(description="every footnote 1..N")
