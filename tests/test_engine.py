"""The one pipeline: stages in order, a plugged-in reranker, fusion and follow-ups as oracles, incremental builds."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from assistant.answerability import Answerability
from assistant.conversation import Exchange
from assistant.engine import Engine
from assistant.index import Index, build_index
from assistant.retrieval import Candidates, FollowUps, Fusion, Query, rrf
from assistant.settings import Settings
from tests.conftest import CORPUS, DOC_CN, DOC_KZ

TRADE = "Um wie viel ist der Handel zwischen Belarus und Kasachstan von 2005 bis 2010 gestiegen?"


def test_stages_run_in_order(engine):
    kinds = [type(s) for s in engine.stages]
    assert kinds == [FollowUps, Candidates, Fusion, Answerability]


class PreferDocument:
    """A toy reranker: moves one document's passages ahead of the rest, keeping their order."""

    def __init__(self, index: Index, doc_id: str) -> None:
        self.boost = np.array([p.doc_id == doc_id for p in index.passages], dtype=float)

    def run(self, query: Query) -> None:
        query.scores = query.scores + 10.0 * self.boost


def test_a_reranker_is_one_class_and_one_line_of_wiring(engine_factory, index):
    plain = engine_factory()
    reranked = engine_factory(rerankers=[PreferDocument(index, DOC_CN)])
    assert [type(s) for s in reranked.stages][3] is PreferDocument
    # A question naming no document's subject, so that the reranker alone decides (one naming Kasachstan is
    # searched only there).
    question = "Um wie viel ist der Handel von 2005 bis 2010 gestiegen?"
    assert plain.search(question, k=5).hits[0].passage.doc_id == DOC_KZ
    hits = reranked.search(question, k=5).hits
    assert [h.passage.doc_id for h in hits] == [DOC_CN] * 5
    # /chat runs the same pipeline: its passages come from the reranker too
    chat = reranked.chat(question, session_id=None, k=3)
    assert {h.passage.doc_id for h in chat.search.hits} == {DOC_CN}


# -- fusion as an oracle --------------------------------------------------------------------------------


def test_rrf_matches_the_formula():
    dense = np.array([0.9, 0.8, 0.1, -np.inf])
    lexical = np.array([0.0, 2.0, 5.0, -np.inf])
    fused = rrf([dense, lexical], [1.0, 0.5], depth=10, k=10)
    # dense ranks 0,1,2; lexical ranks 2,1 (0 scores nothing and earns nothing)
    assert fused[0] == pytest.approx(1 / 11)
    assert fused[1] == pytest.approx(1 / 12 + 0.5 / 12)
    assert fused[2] == pytest.approx(1 / 13 + 0.5 / 11)
    assert fused[3] == -np.inf  # filtered out of every ranking


def test_rrf_keeps_a_candidate_only_the_second_ranking_has():
    dense = np.array([0.9, -np.inf, 0.5])  # an approximate index did not reach passage 1
    lexical = np.array([0.0, 3.0, 1.0])
    fused = rrf([dense, lexical], [1.0, 1.0], depth=10, k=10)
    assert fused[1] == pytest.approx(1 / 11) == fused[0]  # as good as the dense-only passage
    assert fused[2] == pytest.approx(1 / 12 + 1 / 12) and fused[2] == fused.max()


def test_rrf_only_counts_the_top_depth_of_each_ranking():
    dense = np.array([0.9, 0.8, 0.7])
    fused = rrf([dense, np.zeros(3)], [1.0, 1.0], depth=2, k=10)
    assert fused[2] == pytest.approx(1e-9 / 3)  # outside the depth: only the tail order


# -- follow-ups in the pipeline --------------------------------------------------------------------------


def test_follow_up_stage_resolves_and_keeps_the_conversations_document(index, embedder):
    stage = FollowUps(index, embedder)
    history = (Exchange(TRADE, TRADE, "Es genügt zu sagen, dass der Handelsumsatz … gestiegen ist.", (DOC_KZ,)),)
    query = Query("Und 2011?", 5, history=history)
    stage.run(query)
    assert query.resolution is not None and query.resolution.followup
    assert "2011" in query.context and "Handel" in query.context
    assert query.allowed is not None and {p.doc_id for p, ok in zip(index.passages, query.allowed) if ok} == {DOC_KZ}
    lone = Query("Wie viele Studenten der BSU studieren an Partneruniversitäten in der Volksrepublik?", 5,
                 history=history)
    stage.run(lone)
    assert lone.resolution is not None and not lone.resolution.followup and lone.allowed is None


@pytest.mark.parametrize("question, doc_id", [
    ("Wie viele Studenten der BSU studieren in China an Partneruniversitäten?", DOC_CN),
    ("Wie viele Hochschulen und Institute machen beim belarussisch-kasachischen Bildungsverbund mit?", DOC_KZ),
    ("Сколько граждан Китая учится в Брестском государственном техническом университете?", DOC_CN),
])
def test_a_standalone_question_naming_one_documents_subject_is_searched_in_that_document(index, embedder, question,
                                                                                          doc_id):
    # Alone and after an unrelated exchange about the other document alike.
    history = (Exchange(TRADE, TRADE, "Es genügt zu sagen, dass der Handelsumsatz … gestiegen ist.", (DOC_KZ,)),)
    for earlier in ((), history):
        query = Query(question, 5, history=earlier)
        FollowUps(index, embedder).run(query)
        assert query.allowed is not None
        assert {p.doc_id for p, ok in zip(index.passages, query.allowed) if ok} == {doc_id}
    # Naming both subjects narrows nothing.
    both = Query("Welche Rolle spielt Kasachstan in den Beziehungen zwischen Belarus und China?", 5)
    FollowUps(index, embedder).run(both)
    assert both.allowed is None


# -- the engine end to end ------------------------------------------------------------------------------


def test_search_normalises_the_query_like_the_corpus(engine):
    fullwidth = "Ｕｍ ｗｉｅ ｖｉｅｌ ist der Handel zwischen Belarus und Kasachstan von 2005 bis 2010 gestiegen?"
    assert [h.passage.passage_id for h in engine.search(fullwidth, k=5).hits] == \
        [h.passage.passage_id for h in engine.search(TRADE, k=5).hits]


def test_chat_and_search_share_the_ranking(engine):
    chat = engine.chat(TRADE, session_id=None, k=5)
    search = engine.search(TRADE, k=5)
    assert [h.passage.passage_id for h in chat.search.hits] == [h.passage.passage_id for h in search.hits]
    assert chat.answer.answerable == search.answerable


def test_a_chat_embeds_its_question_once(built_settings, index, embedder, tmp_path):
    """Retrieval and the reader score against the same question vector: /chat costs one query embedding."""
    from tests.test_embedding import CountingQueries

    counting = CountingQueries(embedder)
    engine = Engine(built_settings.model_copy(update={"data_dir": tmp_path}), embedder=counting, index=index)
    counting.texts.clear()  # start-up embeds the reader's few kind nouns once
    chat = engine.chat(TRADE, session_id=None, k=5)
    assert chat.answer.answerable and counting.texts == [TRADE]
    engine.close()


def test_answers_are_the_same_without_the_query_cache(engine_factory):
    def conversation(engine: Engine) -> list:
        first = engine.chat(TRADE, session_id=None, k=5)
        follow_up = engine.chat("Und 2011?", session_id=first.session_id, k=5)
        two_parts = engine.chat("Wann wurde der Industriepark gegründet und wie viele Firmen sind dort?",
                                session_id=None, k=5)
        return [first.answer, follow_up.answer, two_parts.answer]

    cached, uncached = engine_factory(), engine_factory(query_cache=0)
    answers = conversation(uncached)
    assert conversation(cached) == answers
    assert conversation(cached) == answers  # the second time every question vector comes from the cache
    cached.close()
    uncached.close()


# -- incremental builds ---------------------------------------------------------------------------------


class CountingEmbedder:
    """The real embedder, counting the passage texts it embeds."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name, self.model_id, self.dim = inner.name, inner.model_id, inner.dim
        self.embedded = 0

    def embed_queries(self, texts):
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts, progress=None):
        self.embedded += len(texts)
        return self.inner.embed_passages(texts, progress=progress)


def test_a_rebuild_after_a_footnote_change_reembeds_almost_nothing(built_settings, embedder, tmp_path):
    shutil.copytree(built_settings.corpus_dir, tmp_path / "corpus")
    shutil.copytree(built_settings.index_dir, tmp_path / "index")
    settings = built_settings.model_copy(update={"corpus_dir": tmp_path / "corpus", "index_dir": tmp_path / "index"})
    doc = tmp_path / "corpus" / f"{DOC_KZ}.txt"
    text = doc.read_text("utf-8")
    assert "kazembassy" in text
    doc.write_text(text.replace("kazembassy", "kazembassi", 1), "utf-8")  # one footnote URL
    counting = CountingEmbedder(embedder)
    build_index(settings, counting)
    assert counting.embedded <= 2
    rebuilt = Index.load(settings)
    assert any("kazembassi" in (f.url or "") for f in rebuilt.footnotes[DOC_KZ].values())
    np.testing.assert_allclose(rebuilt.vectors, Index.load(built_settings).vectors, atol=1e-6)
    assert rebuilt.manifest["embedded_sentences"] == 0  # the sentence vectors are reused too
    np.testing.assert_allclose(rebuilt.sentence_vectors, Index.load(built_settings).sentence_vectors, atol=1e-6)


def test_a_third_document_is_served_after_a_build(built_settings, embedder, tmp_path):
    """A synthetic third document in the same format: the first pages of one, the footnotes renumbered."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    source = (CORPUS / f"{DOC_CN}.txt").read_text("utf-8")
    (corpus / "003_synthetic.txt").write_text(source, "utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", data_dir=tmp_path / "data")
    shutil.copytree(built_settings.index_dir, settings.index_dir)
    counting = CountingEmbedder(embedder)
    build_index(settings, counting)
    # the copy's passages have the same texts as the original's: nothing new to embed
    assert counting.embedded == 0
    engine = Engine(settings, embedder=embedder)
    assert "003_synthetic" in engine.index.doc_ids()
    hits = engine.search("Industriepark Great Stone", k=5, doc_id="003_synthetic").hits
    assert hits and all(h.passage.doc_id == "003_synthetic" for h in hits)
    engine.close()
