"""A question's words as the German words the documents use.

e5 carries an English or Russian question to the German passages, but BM25 and the reader's word overlap saw only
its names and numbers (`retrieval.Candidates.lexical_weight`): 'How many jobs …?' could not find 'Arbeitsplätze'.
A German question in other words than the documents' ('Schlepper' for 'Traktoren', 'Jobs' for 'Arbeitsplätze')
had the same problem.
`data/glossary.tsv` has one line per content word of the corpus (3,194 lines): the German word, its English
equivalents, its Russian ones and German synonyms. The first 1,597 lines cover the 1,728 most frequent word stems,
in order of frequency; the rest every other stem of the passages (most of them used once: 'Handelsüberschuss',
'Saldo'), in order of frequency too. Words that occur only inside the footnotes' URLs ('sozdast', 'zavod') are
left out. It was written from that vocabulary alone (eval/README.md), not from the question set: a question's
word is found through it only when the documents use its German equivalent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from importlib.resources import files

import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS, STOPWORDS_GERMAN, STOPWORDS_RUSSIAN

__all__ = ["Glossary"]

_WORD = re.compile(r"[^\W\d_]+")
_STEMMERS = {"de": "german", "en": "english", "ru": "russian"}
_STOPWORDS = {"de": frozenset(STOPWORDS_GERMAN), "en": frozenset(STOPWORDS_EN_PLUS), "ru": frozenset(STOPWORDS_RUSSIAN)}
# A word with many German equivalents ('trade': Handel, Warenverkehr, Handelsumsatz, …) would otherwise outweigh
# the question's other words in BM25, which adds one score per query term; the most frequent ones stand for it.
_PER_WORD = 3
_LONGEST_PHRASE = 3


class Glossary:
    """`known`: the corpus's lower-cased words (`lexical.corpus_vocabulary`)."""

    def __init__(self, rows: Iterable[tuple[str, str, str, str]], known: frozenset[str] = frozenset()) -> None:
        self.known = known
        self._stemmers = {language: Stemmer.Stemmer(name) for language, name in _STEMMERS.items()}
        self._german: dict[str, dict[tuple[str, ...], list[str]]] = {language: {} for language in _STEMMERS}
        for german, english, russian, synonyms in rows:
            for language, column in (("en", english), ("ru", russian), ("de", synonyms)):
                for phrase in column.split(","):
                    if key := self._stems(phrase, language):
                        words = self._german[language].setdefault(tuple(key), [])
                        if german not in words:
                            words.append(german)
        # One question is looked up by BM25, by the fusion's lexical weight and by the reader: once.
        self._lookup = lru_cache(maxsize=1024)(self._look_up)

    @classmethod
    def load(cls, known: frozenset[str] = frozenset()) -> Glossary:
        text = files("assistant").joinpath("data/glossary.tsv").read_text(encoding="utf-8")
        rows = [line.split("\t") for line in text.splitlines() if line.strip()]
        return cls(((german, english, russian, synonyms) for german, english, russian, synonyms in rows), known)

    def german(self, text: str, language: str) -> list[str]:
        """The documents' German words for `text`'s words, longest phrase first ('dump truck' → 'Muldenkipper').
        Of a German text only the words the documents never use are looked up (`known`, the corpus's words): a
        synonym of a word they do use ('Firmen' → 'Unternehmen') adds a second term for the one asked word and
        shifts the weight of the question's other words (looking up every word: 9 answers fewer on the tuning
        files, eval/README.md)."""
        return list(self._lookup(text, language))

    def _look_up(self, text: str, language: str) -> tuple[str, ...]:
        entries = self._german.get(language)
        if not entries:
            return ()
        if language == "de":
            text = " ".join(w for w in _WORD.findall(text) if w.lower() not in self.known)
        stems = self._stems(text, language)
        found: list[str] = []
        i = 0
        while i < len(stems):
            for n in range(min(_LONGEST_PHRASE, len(stems) - i), 0, -1):
                if (words := entries.get(tuple(stems[i:i + n]))) is not None:
                    found.extend(words[:_PER_WORD])
                    i += n
                    break
            else:
                i += 1
        return tuple(dict.fromkeys(found))

    def _stems(self, text: str, language: str) -> list[str]:
        words = [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS[language]]
        if language == "en":
            # British spelling: 'localisation' and 'localization' stem differently ('localis' / 'local').
            words = [w.replace("isation", "ization") for w in words]
        return self._stemmers[language].stemWords(words)
