"""The glossary: a question's words as the documents' German words, on the real corpus and index."""

from __future__ import annotations

import re
from importlib.resources import files

import numpy as np
import pytest

from assistant.glossary import Glossary
from assistant.retrieval import Candidates
from assistant.settings import Settings


@pytest.fixture(scope="module")
def glossary(index) -> Glossary:
    return Glossary.load(index.analyzer.vocabulary)


def test_every_german_word_is_one_the_documents_use(raw_texts):
    words = {w.lower() for text in raw_texts.values() for w in re.findall(r"\w+", text)}
    lines = files("assistant").joinpath("data/glossary.tsv").read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines]
    assert len(rows) > 1000 and all(len(row) == 4 and row[0] for row in rows)
    assert [row[0] for row in rows if row[0].lower() not in words] == []


@pytest.mark.parametrize(("question", "language", "german"), [
    ("How many jobs will the industrial park create?", "en", "Arbeitsplätze"),
    ("Сколько рабочих мест создаст индустриальный парк?", "ru", "Arbeitsplätze"),
    ("How many dump trucks were delivered?", "en", "Muldenkippern"),  # a phrase, not 'dump' and 'trucks'
    ("Wie viele Schlepper wurden geliefert?", "de", "Traktoren"),
    # Rare words too: the glossary covers every content word of the documents, not only the frequent ones.
    ("What trade surplus did Belarus run?", "en", "Handelsüberschuss"),
    ("Какое сальдо?", "ru", "Saldo"),
])
def test_a_questions_words_become_the_documents_words(glossary, question, language, german):
    assert german in glossary.german(question, language)


def test_german_words_the_documents_use_are_not_looked_up(glossary):
    # 'Unternehmen' has synonyms in the glossary ('Firmen', 'Betriebe'), but the question already uses the
    # documents' word.
    assert glossary.german("Wie viele Unternehmen und Traktoren gibt es?", "de") == []


def test_bm25_finds_the_german_passage_for_an_english_word(index, embedder, glossary):
    question = "How many jobs will be created?"
    with_glossary = Candidates(index, embedder, Settings(), glossary=glossary).lexical_scores(question)
    without = Candidates(index, embedder, Settings(), glossary=Glossary([], glossary.known)).lexical_scores(question)
    jobs = np.array(["arbeitsplätze" in p.text.lower() for p in index.passages])
    assert not without[jobs].any()
    best = int(np.argmax(with_glossary))
    assert jobs[best]


def test_a_russian_question_is_answered_from_the_passage_its_words_name(engine_factory):
    # 'узлы для тракторов' … 'МТЗ': the reader's word overlap and BM25 see 'Traktorenwerk' only through the
    # glossary; without it the answer opens with Gomselmash's agreement about combines and tractors.
    question = "Какие узлы для тракторов будет выпускать завод, который МТЗ строит в Казахстане?"
    engine = engine_factory()
    with_glossary = engine.chat(question, session_id=None, k=5).answer.text
    empty = Glossary([], engine.reader.glossary.known)
    engine.reader.glossary = empty
    for stage in engine.stages:
        if isinstance(stage, Candidates):
            stage.glossary = empty
    without = engine.chat(question, session_id=None, k=5).answer.text
    engine.close()
    first_quotation = with_glossary.split("»")[0]
    assert with_glossary.startswith("В документах сказано") and "Minsker Traktorenwerk" in first_quotation
    assert "Minsker Traktorenwerk" not in without.split("»")[0]
