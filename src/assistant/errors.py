"""Errors raised by the assistant library.

    AssistantError
    ├── CorpusError                 the corpus cannot be read or parsed
    │   └── FootnoteParseError      a footnote area does not fit the numbering
    ├── IndexStateError             the index on disk cannot be served
    │   ├── IndexNotBuiltError      no index has been built yet
    │   ├── StaleIndexError         built from another corpus, parser or embedder
    │   └── CorruptIndexError       files missing, truncated or failing their checksum
    ├── UnknownDocumentError        a doc_id that is not in the corpus
    ├── UnknownSessionError         a session id that was never created, or has expired
    ├── EmbedderUnavailableError    the configured embedding model cannot be loaded
    ├── EvaluationError             a question file or the service under evaluation is not as expected
    └── InvalidQueryError           a query or message the service cannot take
"""

from __future__ import annotations

__all__ = [
    "AssistantError",
    "CorpusError",
    "CorruptIndexError",
    "EmbedderUnavailableError",
    "EvaluationError",
    "FootnoteParseError",
    "IndexNotBuiltError",
    "IndexStateError",
    "InvalidQueryError",
    "StaleIndexError",
    "UnknownDocumentError",
    "UnknownSessionError",
]

REBUILD_HINT = "run `assistant index build` (or `make serve`, which rebuilds when needed)"


class AssistantError(Exception):
    """Base class of every error the library raises on purpose."""


class CorpusError(AssistantError):
    """The corpus directory or a document in it cannot be read."""


class FootnoteParseError(CorpusError):
    """A footnote area holds text that fits no footnote number."""


class IndexStateError(AssistantError):
    """The index on disk cannot be served as it is."""


class IndexNotBuiltError(IndexStateError):
    """No index has been built in the index directory."""

    def __init__(self, index_dir: object) -> None:
        super().__init__(f"no index in {index_dir}; {REBUILD_HINT}")


class StaleIndexError(IndexStateError):
    """The index was built from another corpus, chunker or embedder than the one configured."""

    def __init__(self, index_dir: object, what: str, built: object, now: object) -> None:
        super().__init__(f"index in {index_dir} was built with {what} {built}, now it is {now}; {REBUILD_HINT}")


class CorruptIndexError(IndexStateError):
    """An index file is missing, truncated or does not match its recorded checksum."""

    def __init__(self, index_dir: object, problem: str) -> None:
        super().__init__(f"index in {index_dir} is corrupt: {problem}; {REBUILD_HINT}")


class UnknownDocumentError(AssistantError):
    """A doc_id that the corpus does not have."""

    def __init__(self, doc_id: str, known: list[str]) -> None:
        super().__init__(f"no document {doc_id!r}; known: {', '.join(known)}")


class UnknownSessionError(AssistantError):
    """A session id that does not exist (never created, deleted, or expired)."""

    def __init__(self, session_id: str) -> None:
        super().__init__(
            f"no session {session_id!r} (unknown, deleted or expired); send the message without session_id to start one"
        )


class EmbedderUnavailableError(AssistantError):
    """The configured embedding backend or model cannot be loaded."""


class InvalidQueryError(AssistantError):
    """A query, message or parameter that the service cannot answer."""


class EvaluationError(AssistantError):
    """A question file cannot be read, or the service under evaluation does not answer as API.md says."""
