"""The persisted index: FAISS (dense) + bm25s (lexical) over one id space, with a manifest.

Layout::

    index/CURRENT                  one line: the name of the build being served
    index/builds/<stamp>/          manifest.json (written last), passages.jsonl, footnotes.jsonl,
                                   documents.json, vectors.npy, sentence_vectors.npy, dense.faiss,
                                   vocabulary.json, bm25/

A build is written into a fresh directory and becomes current by replacing CURRENT atomically
(`os.replace`), so a build killed midway leaves the previous index serving.

Builds are incremental: a passage whose text the previous build embedded with the same model keeps its
vector (`vectors.npy`), so a parser fix or a new document re-embeds only the passages that changed; the
same holds for the sentence vectors (`sentence_vectors.npy`, one row per sentence of each passage, in order),
which let a passage be found by its best sentence (`retrieval.Candidates`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import bm25s
import faiss
import numpy as np

from assistant.chunking import CHUNKER_VERSION, Passage, build_passages
from assistant.corpus import (
    PARSER_VERSION,
    Document,
    Footnote,
    corpus_fingerprint,
    load_corpus,
)
from assistant.embedding import Embedder, embedder_id
from assistant.errors import CorruptIndexError, IndexNotBuiltError, IndexStateError, StaleIndexError
from assistant.lexical import ANALYZER_ID, GermanAnalyzer, corpus_vocabulary
from assistant.settings import Settings

__all__ = ["FORMAT_VERSION", "DocumentInfo", "Index", "build_index", "check_index"]

# 3: sentence_vectors.npy (an index without them is refused as stale)
FORMAT_VERSION = 3
# One build is kept: a running server holds its index in memory, and git keeps the history.
_KEEP_BUILDS = 1
_MANIFEST = "manifest.json"


@dataclass(frozen=True)
class DocumentInfo:
    doc_id: str
    title: str
    passages: int
    footnotes: int
    pages: int


class Index:
    """A loaded, verified index: passages, footnotes, FAISS vectors and a BM25 model in one id space."""

    def __init__(
        self,
        *,
        path: Path,
        manifest: dict,
        passages: list[Passage],
        footnotes: dict[str, dict[int, Footnote]],
        documents: list[DocumentInfo],
        dense: faiss.Index,
        vectors: np.ndarray,
        bm25: bm25s.BM25,
        analyzer: GermanAnalyzer,
        sentence_vectors: np.ndarray | None = None,
    ) -> None:
        self.path = path
        self.manifest = manifest
        self.passages = passages
        self.footnotes = footnotes
        self.documents = documents
        self.dense = dense
        self.vectors = vectors
        """The passage vectors, row i for passage i: exact scores where an approximate index does not reach."""
        self.bm25 = bm25
        self.analyzer = analyzer
        self.sentence_vectors = sentence_vectors
        """Row j for the j-th sentence of the passages in order (`sentence_owner[j]` is its passage); None for an
        index made without them (the scale benchmark's synthetic ones), which is then searched by passage only."""
        self.sentence_owner = np.array([i for i, p in enumerate(passages) for _ in p.sentences], dtype=np.int64)
        self.position = {p.passage_id: i for i, p in enumerate(passages)}

    @classmethod
    def load(cls, settings: Settings) -> Index:
        """Load the current build, refusing it when it is stale, mismatched or corrupt."""
        path = current_build(settings.index_dir)
        manifest = check_index(settings, path)
        try:
            passages = [_passage(row) for row in _read_jsonl(path / "passages.jsonl")]
            footnotes: dict[str, dict[int, Footnote]] = {}
            for row in _read_jsonl(path / "footnotes.jsonl"):
                footnotes.setdefault(row["doc_id"], {})[row["number"]] = Footnote(**row)
            documents = [DocumentInfo(**d) for d in json.loads((path / "documents.json").read_text("utf-8"))]
            dense = faiss.read_index(str(path / "dense.faiss"))
            vectors = np.load(path / "vectors.npy")
            sentence_vectors = np.load(path / "sentence_vectors.npy")
            bm25 = bm25s.BM25.load(str(path / "bm25"), show_progress=False)
            vocabulary = frozenset(json.loads((path / "vocabulary.json").read_text("utf-8")))
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise CorruptIndexError(settings.index_dir, f"cannot read {path.name}: {exc}") from exc
        if dense.ntotal != len(passages) or len(vectors) != len(passages):
            raise CorruptIndexError(settings.index_dir, f"{dense.ntotal} vectors for {len(passages)} passages")
        sentences = sum(len(p.sentences) for p in passages)
        if len(sentence_vectors) != sentences:
            raise CorruptIndexError(settings.index_dir, f"{len(sentence_vectors)} sentence vectors for {sentences} sentences")
        return cls(
            path=path,
            manifest=manifest,
            passages=passages,
            footnotes=footnotes,
            documents=documents,
            dense=dense,
            vectors=vectors,
            bm25=bm25,
            analyzer=GermanAnalyzer(vocabulary),
            sentence_vectors=sentence_vectors,
        )

    def passages_of(self, doc_id: str) -> list[Passage]:
        return [p for p in self.passages if p.doc_id == doc_id]

    def doc_ids(self) -> list[str]:
        return [d.doc_id for d in self.documents]


def _passage(row: dict) -> Passage:
    return Passage(**{
        **row,
        "footnote_numbers": tuple(row["footnote_numbers"]),
        "sentences": tuple((s, e, tuple(n)) for s, e, n in row["sentences"]),
        "citation_spans": tuple(tuple((s, e) for s, e in spans) for spans in row["citation_spans"]),
    })


def current_build(index_dir: Path) -> Path:
    pointer = Path(index_dir) / "CURRENT"
    if not pointer.exists():
        raise IndexNotBuiltError(index_dir)
    name = pointer.read_text("utf-8").strip()
    path = Path(index_dir) / "builds" / name
    if not name or "/" in name or not path.is_dir():
        raise CorruptIndexError(index_dir, f"CURRENT points to {name!r}, which is not a build directory")
    return path


def check_index(settings: Settings, path: Path | None = None) -> dict:
    """Verify a build against its manifest, the corpus and the settings; return the manifest."""
    path = path or current_build(settings.index_dir)
    index_dir = settings.index_dir
    try:
        manifest = json.loads((path / _MANIFEST).read_text("utf-8"))
    except FileNotFoundError:
        raise CorruptIndexError(index_dir, f"{path.name} has no {_MANIFEST} (a build that did not finish)") from None
    except ValueError as exc:
        raise CorruptIndexError(index_dir, f"{_MANIFEST} is not valid JSON ({exc})") from exc
    for key, want in _identity(settings, embedder_id(settings)).items():
        if manifest.get(key) != want:
            raise StaleIndexError(index_dir, key, manifest.get(key), want)
    fingerprint = corpus_fingerprint(settings.corpus_dir)
    if manifest.get("corpus_sha256") != fingerprint:
        raise StaleIndexError(
            index_dir, "corpus sha256", str(manifest.get("corpus_sha256"))[:12], fingerprint[:12]
        )
    for name, meta in manifest.get("files", {}).items():
        file = path / name
        if not file.exists():
            raise CorruptIndexError(index_dir, f"{name} is missing")
        if file.stat().st_size != meta["bytes"]:
            raise CorruptIndexError(index_dir, f"{name} has {file.stat().st_size} bytes, the manifest says {meta['bytes']}")
        if _sha256(file) != meta["sha256"]:
            raise CorruptIndexError(index_dir, f"{name} does not match its checksum")
    return manifest


def _identity(settings: Settings, model_id: str) -> dict:
    """What an index must agree on with the code and settings that load it."""
    return {
        "format_version": FORMAT_VERSION,
        "parser_version": PARSER_VERSION,
        "chunker_version": CHUNKER_VERSION,
        "analyzer": ANALYZER_ID,
        "passage_words": settings.passage_words,
        "embedder": settings.embedder,
        "model_id": model_id,
        "ann": settings.ann,
    }


def build_index(
    settings: Settings,
    embedder: Embedder,
    *,
    progress: Callable[[int, int], None] | None = None,
    documents: list[Document] | None = None,
    reuse: bool = True,
) -> Path:
    """Parse, chunk, embed and index the corpus into a new build; make it current; return its path.
    With `reuse`, texts the current build embedded with the same model keep their vectors."""
    started = time.perf_counter()
    documents = documents if documents is not None else load_corpus(settings.corpus_dir)
    fingerprint = corpus_fingerprint(settings.corpus_dir)
    passages = [p for d in documents for p in build_passages(d, target_words=settings.passage_words)]

    builds = Path(settings.index_dir) / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    tmp = builds / f".{stamp}.partial"
    tmp.mkdir()
    try:
        done = 0
        sentences = [s for p in passages for s in sentence_texts(p)]
        total = len(passages) + len(sentences)

        def advance(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress(done, total)

        previous = settings.index_dir if reuse else None
        vectors, embedded = _embed_incrementally(previous, embedder, [p.text for p in passages], advance,
                                                 stored="vectors.npy", texts_of=lambda row: [row["text"]])
        sentence_vectors, embedded_sentences = _embed_incrementally(
            previous, embedder, sentences, advance,
            stored="sentence_vectors.npy", texts_of=lambda row: sentence_texts(_passage(row)))
        np.save(tmp / "vectors.npy", vectors)
        np.save(tmp / "sentence_vectors.npy", sentence_vectors)
        faiss.write_index(_dense_index(vectors, settings.ann), str(tmp / "dense.faiss"))

        vocabulary = corpus_vocabulary(p.text for p in passages)
        analyzer = GermanAnalyzer(vocabulary)
        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        bm25.index(analyzer.analyze_many(p.text for p in passages), show_progress=False)
        bm25.save(str(tmp / "bm25"), show_progress=False)

        (tmp / "vocabulary.json").write_text(json.dumps(sorted(vocabulary), ensure_ascii=False), "utf-8")
        _write_jsonl(tmp / "passages.jsonl", (asdict(p) for p in passages))
        _write_jsonl(tmp / "footnotes.jsonl", (asdict(f) for d in documents for f in d.footnotes.values()))
        infos = [
            DocumentInfo(d.doc_id, d.title, sum(p.doc_id == d.doc_id for p in passages), len(d.footnotes), len(d.page_starts))
            for d in documents
        ]
        (tmp / "documents.json").write_text(json.dumps([asdict(i) for i in infos], ensure_ascii=False), "utf-8")

        files = {
            str(f.relative_to(tmp)): {"bytes": f.stat().st_size, "sha256": _sha256(f)}
            for f in sorted(tmp.rglob("*"))
            if f.is_file()
        }
        manifest = {
            **_identity(settings, embedder.model_id),
            "dim": embedder.dim,
            "corpus_sha256": fingerprint,
            "documents": len(documents),
            "passages": len(passages),
            "footnotes": sum(len(d.footnotes) for d in documents),
            "bm25": {"k1": 1.2, "b": 0.75, "method": "lucene"},
            "faiss_version": faiss.__version__,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "build_seconds": round(time.perf_counter() - started, 2),
            "embedded": embedded,
            "sentences": len(sentences),
            "embedded_sentences": embedded_sentences,
            "files": files,
        }
        # The manifest is written last: a build directory without one never finished.
        (tmp / _MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), "utf-8")
        final = builds / stamp
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _point_current_to(Path(settings.index_dir), stamp)
    _prune(builds, keep=stamp)
    return final


def sentence_texts(passage: Passage) -> list[str]:
    """The sentences of a passage, as embedded for `sentence_vectors.npy`."""
    return [passage.text[start:end] for start, end, _ in passage.sentences]


def _embed_incrementally(index_dir: Path | None, embedder: Embedder, texts: list[str],
                         progress: Callable[[int], None], *, stored: str,
                         texts_of: Callable[[dict], list[str]]) -> tuple[np.ndarray, int]:
    """Vectors for `texts`: the previous build's (in `index_dir`, file `stored`, rows in the order `texts_of`
    gives for its passages) where it embedded the same text with the same model, the embedder's for the rest.
    Returns the vectors and how many texts were embedded anew."""
    known = _previous_vectors(index_dir, embedder.model_id, stored, texts_of) if index_dir is not None else {}
    missing = list(dict.fromkeys(t for t in texts if t not in known))
    progress(len(texts) - len(missing))
    if missing:
        known.update(zip(missing, embedder.embed_passages(missing, progress=progress)))
    vectors = np.stack([known[t] for t in texts]) if texts else np.zeros((0, embedder.dim), np.float32)
    return np.ascontiguousarray(vectors, dtype=np.float32), len(missing)


def _previous_vectors(index_dir: Path, model_id: str, stored: str,
                      texts_of: Callable[[dict], list[str]]) -> dict[str, np.ndarray]:
    """Text -> vector of the current build, if it was embedded by `model_id`; else nothing."""
    try:
        previous = current_build(index_dir)
        if json.loads((previous / _MANIFEST).read_text("utf-8")).get("model_id") != model_id:
            return {}
        vectors = np.load(previous / stored)
        texts = [t for row in _read_jsonl(previous / "passages.jsonl") for t in texts_of(row)]
    except (IndexStateError, OSError, ValueError, KeyError, TypeError):
        return {}  # no usable previous build (or one without this file): embed everything
    return dict(zip(texts, vectors)) if len(vectors) == len(texts) else {}


def _dense_index(vectors: np.ndarray, ann: str) -> faiss.Index:
    dim = vectors.shape[1]
    index: faiss.Index
    if ann == "hnsw":
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efSearch = 128
    elif ann == "ivf":
        nlist = max(1, min(1024, int(np.sqrt(len(vectors)))))
        ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.train(vectors)
        # probing an eighth of the lists keeps recall@10 high at 100k vectors; small indexes probe at least 8
        ivf.nprobe = min(nlist, max(8, nlist // 8))
        index = ivf
    else:
        # IndexFlatIP on L2-normalised vectors == cosine; at a few thousand passages exact search costs < 1 ms.
        index = faiss.IndexFlatIP(dim)
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def _point_current_to(index_dir: Path, name: str) -> None:
    tmp = index_dir / f".CURRENT.{os.getpid()}"
    tmp.write_text(name + "\n", "utf-8")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / "CURRENT")


def _prune(builds: Path, *, keep: str) -> None:
    finished = sorted(p for p in builds.iterdir() if p.is_dir() and not p.name.startswith("."))
    for old in finished[:-_KEEP_BUILDS]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)
    for partial in builds.glob(".*.partial"):
        # a partial build older than an hour was killed; a fresh one may belong to a running build
        if time.time() - partial.stat().st_mtime > 3600:
            shutil.rmtree(partial, ignore_errors=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_jsonl(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def _read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]

