"""The German analyzer as an oracle: exact token lists for stems, stopwords, numbers and compound splits."""

from __future__ import annotations

import pytest

from assistant.lexical import GermanAnalyzer, corpus_vocabulary

VOCABULARY = corpus_vocabulary(["Handel Umsatz Arbeit Platz Straße Bahn Industrie Park Zusammenarbeit"])


@pytest.fixture(scope="module")
def analyzer() -> GermanAnalyzer:
    return GermanAnalyzer(VOCABULARY)


@pytest.mark.parametrize(("text", "tokens"), [
    # stopwords go, stems stay; case folds
    ("Der Handel und die Industrie", ["handel", "industri"]),
    # numbers and years are kept whole, one-letter words dropped unless digits
    ("Im Jahr 2011 stieg er um 5 %", ["jahr", "2011", "stieg", "5"]),
    # a compound of two corpus words yields itself plus both parts, with a linking -s-
    ("Handelsumsatz", ["handelsumsatz", "handel", "umsatz"]),
    ("Arbeitsplatz", ["arbeitsplatz", "arbeit", "platz"]),
    # a linking -n-
    ("Straßenbahn", ["strassenbahn", "strass", "bahn"]),
    # shorter than the compound minimum: no split
    ("Parkbahn", ["parkbahn"]),
    # a long word whose parts are not corpus words: no split
    ("Donaudampfschiff", ["donaudampfschiff"]),
])
def test_analyze(analyzer, text, tokens):
    assert analyzer.analyze(text) == tokens


def test_vocabulary_keeps_only_alphabetic_words_of_four_letters_or_more():
    assert corpus_vocabulary(["Ab 2011 gab es Handel-Umsatz, Zoll"]) == {"handel", "umsatz", "zoll"}


def test_queries_and_passages_are_analysed_alike(analyzer):
    """The same analyzer serves both sides: a question's compound meets the passage's separate words."""
    question = set(analyzer.analyze("Wie hoch war der Handelsumsatz?"))
    passage = set(analyzer.analyze("Der Umsatz im Handel stieg."))
    assert {"handel", "umsatz"} <= question & passage
