"""German lexical analysis for BM25: Snowball stems, German stopwords, and compound parts.

bm25s defaults to English and drops one-character tokens; every choice here is made explicit and the
vocabulary used for decompounding is saved with the index, so queries are analysed exactly like passages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_GERMAN

__all__ = ["ANALYZER_ID", "GermanAnalyzer", "corpus_vocabulary"]

ANALYZER_ID = "snowball-german+bm25s-stopwords-de+decompound-v1"

_WORD = re.compile(r"\w+")
_STOPWORDS = frozenset(STOPWORDS_GERMAN)
# Linking elements between compound parts: 'Handel-s-umsatz', 'Arbeit-s-platz', 'Straße-n-bahn'.
_LINKS = ("s", "es", "n", "en", "")
_MIN_PART = 4
_MIN_COMPOUND = 9


def corpus_vocabulary(texts: Iterable[str], *, min_length: int = _MIN_PART) -> frozenset[str]:
    """Lower-cased words of the corpus: the only parts a compound may be split into."""
    return frozenset(w for t in texts for w in _WORD.findall(t.lower()) if len(w) >= min_length and w.isalpha())


class GermanAnalyzer:
    """Text -> BM25 tokens. 'Handelsumsatz' yields 'handelsumsatz' plus 'handel' and 'umsatz' stems."""

    def __init__(self, vocabulary: frozenset[str]) -> None:
        self.vocabulary = vocabulary
        self._stemmer = Stemmer.Stemmer("german")
        self._split = lru_cache(maxsize=100_000)(self._split_compound)

    def analyze(self, text: str) -> list[str]:
        tokens: list[str] = []
        for word in _WORD.findall(text.lower()):
            if word in _STOPWORDS or (len(word) < 2 and not word.isdigit()):
                continue
            tokens.append(self._stemmer.stemWord(word))
            if len(word) >= _MIN_COMPOUND and word.isalpha():
                tokens.extend(self._stemmer.stemWord(p) for p in self._split(word))
        return tokens

    def split_compound(self, word: str) -> tuple[str, ...]:
        """The two corpus words a lower-case compound splits into, or () when it is none."""
        return self._split(word)

    def analyze_many(self, texts: Iterable[str]) -> list[list[str]]:
        return [self.analyze(t) for t in texts]

    def _split_compound(self, word: str) -> tuple[str, ...]:
        """Best two-part split whose parts are corpus words; the longer the shorter part, the better."""
        best: tuple[str, str] | None = None
        for i in range(_MIN_PART, len(word) - _MIN_PART + 1):
            head, tail = word[:i], word[i:]
            if tail not in self.vocabulary:
                continue
            for link in _LINKS:
                if link and not head.endswith(link):
                    continue
                stem = head[: len(head) - len(link)] if link else head
                if len(stem) >= _MIN_PART and stem in self.vocabulary:
                    if best is None or min(len(stem), len(tail)) > min(len(best[0]), len(best[1])):
                        best = (stem, tail)
                    break
        return best or ()
