"""Conversational retrieval over German source documents, with exact footnote citations."""

from assistant.chunking import Passage, build_passages
from assistant.corpus import Document, Footnote, load_corpus
from assistant.errors import AssistantError
from assistant.settings import Settings

__all__ = [
    "AssistantError",
    "Document",
    "Footnote",
    "Passage",
    "Settings",
    "build_passages",
    "load_corpus",
]
__version__ = "0.1.0"
