"""First-stage recall: sentence vectors in the index, the best-sentence ranking fused into hybrid search, and
passages ranked in their context (the previous sentence)."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from assistant.errors import CorruptIndexError, StaleIndexError
from assistant.index import FORMAT_VERSION, Index, current_build, sentence_texts
from assistant.retrieval import Candidates
from assistant.settings import Settings

# A Russian question whose answer is one sentence of a passage about several things (eval: k-a-030).
COMBINES = "Сколько комбайнов и тракторов выпустило предприятие AgromashHolding KZ в 2019 и 2020 годах?"
COMBINES_EVIDENCE = "2019 produzierte das Unternehmen 429 Mähdrescher und Traktoren"


def _rank(hits, snippet: str) -> int | None:
    return next((h.rank for h in hits if snippet in h.passage.text), None)


def _below(rank: int | None, k: int) -> bool:
    """Not among the first `k` (the glossary's German words bring some of these passages into the top 10 even
    without the stage under test; the stage is what lifts them into the first few)."""
    return rank is None or rank > k


def test_index_holds_one_vector_per_sentence_in_passage_order(index, embedder):
    sentences = [s for p in index.passages for s in sentence_texts(p)]
    assert index.sentence_vectors is not None and len(index.sentence_vectors) == len(sentences) > len(index.passages)
    assert list(index.sentence_owner) == sorted(index.sentence_owner)  # grouped by passage, in order
    assert index.manifest["sentences"] == len(sentences)
    for j in (0, len(sentences) // 2, len(sentences) - 1):
        expected = embedder.embed_passages([sentences[j]])[0]
        np.testing.assert_allclose(index.sentence_vectors[j], expected, atol=1e-5)
        assert sentences[j] in index.passages[index.sentence_owner[j]].text


def test_sentence_score_is_the_passage_best_sentence(index, embedder):
    vector = embedder.embed_queries([COMBINES])[0]
    candidates = Candidates(index, embedder, Settings())
    scores = candidates.sentence_scores(vector)
    assert scores.shape == (len(index.passages),)
    for i in (0, 17, len(index.passages) - 1):
        rows = np.flatnonzero(index.sentence_owner == i)
        assert scores[i] == pytest.approx(float(np.max(index.sentence_vectors[rows] @ vector)), abs=1e-6)


def test_best_sentence_ranking_brings_a_one_sentence_answer_into_the_top_five(built_settings, embedder, index,
                                                                              engine, tmp_path):
    from assistant.engine import Engine

    # the years it names would find the passage on their own (number_weight): this is about the sentence ranking
    settings = built_settings.model_copy(update={"sentence_weight": 0.0, "context_weight": 0.0, "number_weight": 0.0,
                                                 "data_dir": tmp_path})
    passages_only = Engine(settings, embedder=embedder, index=index)
    assert _below(_rank(passages_only.search(COMBINES, k=10).hits, COMBINES_EVIDENCE), 5)
    rank = _rank(engine.search(COMBINES, k=10).hits, COMBINES_EVIDENCE)
    assert rank is not None and rank <= 5


def test_search_without_sentence_vectors_ranks_by_passage(index, embedder, built_settings, tmp_path):
    """A synthetic index (the scale benchmark's) has no sentence vectors: the sentence ranking is skipped."""
    bare = Index(path=index.path, manifest=index.manifest, passages=index.passages, footnotes=index.footnotes,
                 documents=index.documents, dense=index.dense, vectors=index.vectors, bm25=index.bm25,
                 analyzer=index.analyzer)
    assert not Candidates(bare, embedder, Settings()).sentences
    from assistant.engine import Engine

    hits = Engine(built_settings.model_copy(update={"data_dir": tmp_path}), embedder=embedder, index=bare
                  ).search(COMBINES, k=5).hits
    assert len(hits) == 5


def _rewrite_manifest(settings: Settings, change) -> None:
    path = current_build(settings.index_dir) / "manifest.json"
    manifest = json.loads(path.read_text("utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest), "utf-8")


def test_index_without_sentence_vectors_is_refused_as_stale(index_copy):
    _rewrite_manifest(index_copy, lambda m: m.update(format_version=FORMAT_VERSION - 1))
    with pytest.raises(StaleIndexError, match="format_version"):
        Index.load(index_copy)


def test_sentence_vectors_of_another_length_are_refused(index_copy):
    build = current_build(index_copy.index_dir)
    vectors = np.load(build / "sentence_vectors.npy")
    np.save(build / "sentence_vectors.npy", vectors[:-1])
    data = (build / "sentence_vectors.npy").read_bytes()

    def fix(manifest: dict) -> None:  # a consistent manifest, so the length check itself is what refuses it
        manifest["files"]["sentence_vectors.npy"] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}

    _rewrite_manifest(index_copy, fix)
    with pytest.raises(CorruptIndexError, match="sentence vectors"):
        Index.load(index_copy)


# A passage that opens mid-thought: 'BelVitunifarm wird sich … an diesem Projekt beteiligen'; the project (veterinary
# drugs in Kazakhstan) is named in the sentence before it, at the end of the previous passage (eval: k-a-023).
MID_THOUGHT = "Welcher belarussische Betrieb soll bei der Herstellung von Tiermedikamenten in Kasachstan mitwirken?"
MID_THOUGHT_EVIDENCE = "BelVitunifarm wird sich"


def test_context_vector_adds_the_previous_sentence_of_the_same_document(index, embedder):
    candidates = Candidates(index, embedder, Settings())
    assert candidates.context_vectors is not None and index.sentence_vectors is not None
    weight = Settings().context_weight
    for i, passage in enumerate(index.passages):
        previous = index.passages[i - 1] if i else None
        if previous is None or previous.doc_id != passage.doc_id:
            np.testing.assert_allclose(candidates.context_vectors[i], index.vectors[i], atol=1e-6)
        elif i in (1, 100):
            last = np.flatnonzero(index.sentence_owner == i - 1)[-1]
            expected = index.vectors[i] + weight * index.sentence_vectors[last]
            np.testing.assert_allclose(candidates.context_vectors[i], expected / np.linalg.norm(expected), atol=1e-6)
    assert Candidates(index, embedder, Settings(context_weight=0)).context_vectors is None


def test_passage_opening_mid_thought_is_found_through_its_previous_sentence(index, embedder, built_settings, tmp_path):
    from assistant.engine import Engine

    vector = embedder.embed_queries([MID_THOUGHT])[0]
    target = next(i for i, p in enumerate(index.passages) if MID_THOUGHT_EVIDENCE in p.text)
    candidates = Candidates(index, embedder, Settings())
    assert candidates.context_vectors is not None
    plain, in_context = index.vectors @ vector, candidates.context_vectors @ vector
    assert int(np.sum(plain > plain[target])) + 1 > 10
    assert int(np.sum(in_context > in_context[target])) + 1 <= 5
    settings = built_settings.model_copy(update={"data_dir": tmp_path})
    plain_engine = Engine(settings.model_copy(update={"context_weight": 0.0}), embedder=embedder, index=index)
    assert _below(_rank(plain_engine.search(MID_THOUGHT, k=10).hits, MID_THOUGHT_EVIDENCE), 5)
    rank = _rank(Engine(settings, embedder=embedder, index=index).search(MID_THOUGHT, k=10).hits, MID_THOUGHT_EVIDENCE)
    assert rank is not None and rank <= 5


# Numbers: the embeddings hardly tell the 86th resident from the 88th, nor 2021 from 2020; the passages that state
# the turn's number are fused as one more ranking (questions written for these tests from the Great Stone chapter).
RESIDENT = "Which company became the 86th resident of the Great Stone park?"
NEXT_RESIDENT = "And the 88th?"
NEXT_RESIDENT_EVIDENCE = "der 88. Einwohner"


def _follow_up_rank(engine) -> int | None:
    first = engine.chat(RESIDENT, session_id=None, k=10)
    second = engine.chat(NEXT_RESIDENT, session_id=first.session_id, k=10)
    return _rank(second.search.hits, NEXT_RESIDENT_EVIDENCE)


def test_a_follow_up_ordinal_finds_the_passage_that_states_it(engine_factory):
    without = engine_factory(number_weight=0.0)
    assert _below(_follow_up_rank(without), 3)
    rank = _follow_up_rank(engine_factory())
    assert rank is not None and rank <= 3


def test_a_passage_states_the_number_of_the_sentence_before_it(index, embedder):
    """'Die Ergebnisse des ersten Quartals 2022 …' | 'So belief sich der … Handelsumsatz in diesem Zeitraum …'."""
    candidates = Candidates(index, embedder, Settings())
    quarter = next(i for i, p in enumerate(index.passages) if "in diesem Zeitraum auf insgesamt 1,2" in p.text)
    assert "2022" not in index.passages[quarter].text and "2022" in index.passages[quarter - 1].text
    assert quarter in candidates.stated["2022"]


def test_an_asked_ordinal_is_stated_by_the_ordinal_not_by_the_count(index, embedder):
    candidates = Candidates(index, embedder, Settings())
    ordinal = next(i for i, p in enumerate(index.passages) if "der 85. Einwohner" in p.text)
    count = next(i for i, p in enumerate(index.passages) if "85 Einwohner" in p.text)
    assert ordinal in candidates.stated["85."] and count not in candidates.stated["85."]
    assert count in candidates.stated["85"]


def test_a_number_no_passage_states_changes_nothing(engine_factory, engine):
    def follow_up(engine) -> list[str]:
        first = engine.chat("Wie hoch war der Handel zwischen Belarus und Kasachstan im Jahr 2016?", session_id=None, k=10)
        second = engine.chat("Und 1850?", session_id=first.session_id, k=10)
        assert second.search.resolution is not None and second.search.resolution.followup
        return [h.passage.passage_id for h in second.search.hits]

    assert follow_up(engine) == follow_up(engine_factory(number_weight=0.0))


# Among the passages on the Great Stone park's growth, the one for the asked year (eval: c-a-024).
OUTPUT_2021 = "By how much did industrial output of the Great Stone residents grow in the first three quarters of 2021?"
OUTPUT_2021_EVIDENCE = "um mehr als das 2,5-fache auf 222,6"


def test_an_english_questions_year_lifts_the_passages_that_state_it(engine_factory, engine):
    assert _below(_rank(engine_factory(number_weight=0.0).search(OUTPUT_2021, k=10).hits, OUTPUT_2021_EVIDENCE), 5)
    rank = _rank(engine.search(OUTPUT_2021, k=10).hits, OUTPUT_2021_EVIDENCE)
    assert rank is not None and rank <= 5


def test_a_year_the_best_passages_on_the_topic_do_not_mention_is_still_refused(engine):
    # The year ranking lifts passages that mention 2018 somewhere; the year check reads the ranking before it.
    result = engine.search("What was the trade turnover between Belarus and Kazakhstan in 2018?", k=5)
    assert not result.answerable and result.reason == "year-missing"


def test_a_near_miss_whose_year_stands_for_the_other_country_is_refused_by_the_reader(engine):
    """2020 stands in one of the best seven passages, for the trade with Kazakhstan: the retrieval stage lets the
    question through, the reader finds no sentence on China's trade in 2020 and refuses."""
    chat = engine.chat("Каким был товарооборот между Беларусью и Китаем в 2020 году?", session_id=None, k=5)
    assert not chat.answer.answerable and chat.answer.citations == []
