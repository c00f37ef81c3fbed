"""Which words of a German sentence are names: the answer to 'Welches Unternehmen …?', 'Which countries …?'.

German capitalises every noun, so capitalisation alone cannot tell 'Aktobe' from 'Abkommen'. A word counts as a
name when its spelling says so (an inner capital 'BelVitunifarm', letters with digits 'KZS-575', an acronym
'BSU') or when the corpus treats it as no German noun is treated: a capitalised word, not the first of its
sentence nor right after an article or adjective ('die Idee', 'echten Gewebe'), that is rare in the corpus
(few passages), occurs in one form only (a noun inflects: 'Monat', 'Monate', 'Monaten'), is neither a
compound of corpus words ('Tierarzneimitteln') nor the tail of one ('Fahrzeuge' in 'Luftfahrzeuge'), and whose
first letters never start a lower-case word (a noun made from a verb or adjective: 'Vertiefung', 'vertiefen').
A question asks for a name when it asks 'wer' or for a kind of thing the corpus names: a noun that stands right
before a name in the corpus ('Region Grodno', 'Unternehmen Human Kraft'); 'Welche Auszeichnung …?' asks for a
common noun. Everything is read from the corpus, so it carries no list of names.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from itertools import pairwise

import Stemmer

from assistant.language import MONTH_WORDS

__all__ = ["RARE_NAME_PASSAGES", "NameFinder", "RareNames", "name_stems"]

_TOKEN = re.compile(r"[^\W\d_][\w-]*")
_MIXED = re.compile(r"[a-zäöüß][A-ZÄÖÜ]|\d")
# Lower-case words that stand before a noun of their phrase: articles and inflected adjectives ('die', 'einen',
# 'echten'); a word after them is a common noun, not a name.
_ATTRIBUTIVE = re.compile(r"^(?:\w+(?:e|en|em|er|es)|ein|kein|sein|ihr|unser|zum|zur|im|am|vom|beim|ins|das|des)$")
_PUNCTUATION = re.compile(r"[,;:()\-–„“”\"«»]")
_DATE_WORDS = frozenset(MONTH_WORDS)
# At most this share of the passages may hold a word for it to be a name: 'Kasachstan', 'China', 'Region'
# stand in a third of them and are part of nearly every question, 'Aktobe' and 'Lidselmash' in one or two.
_RARE_SHARE = 0.05
_PREFIX = 5
_MIN_TAIL = 4
# A compound's last part: a corpus word of at least this many letters that a longer word ends with.
_MIN_HEAD = 5
# A noun that stands right before a name this often in the corpus names a kind of named thing ('Region Grodno',
# 'Provinz Gansu', 'Unternehmen Human Kraft'): a question for one of these asks for a name.
_KIND_COUNT = 3
_WHICH = re.compile(r"\b(?:welche[rsnm]?|was für)\b", re.IGNORECASE)
_WHO = re.compile(r"\b(?:wer|wen|wem|wessen)\b", re.IGNORECASE)


class NameFinder:
    """`passages` are the corpus's passages, each as its sentences."""

    def __init__(self, passages: Iterable[Sequence[str]], split_compound: Callable[[str], tuple[str, ...]]) -> None:
        self._split = split_compound
        self._found: dict[str, list[str]] = {}
        self._stem = Stemmer.Stemmer("german").stemWord
        df: Counter[str] = Counter()
        lower_prefixes: set[str] = set()
        forms: defaultdict[str, set[str]] = defaultdict(set)
        words: set[str] = set()
        n = 0
        sentences: list[str] = []
        for passage in passages:
            n += 1
            sentences.extend(passage)
            tokens = [t for sentence in passage for t in _TOKEN.findall(sentence)]
            df.update(set(tokens))
            for token in tokens:
                word = token.strip("-")
                if not word:
                    continue
                if word[0].islower():
                    lower_prefixes.add(word[:_PREFIX])
                else:
                    forms[self._stem(word.lower())].add(word)
                words.add(word.lower())
        self._df = df
        self._rare = max(1, int(_RARE_SHARE * n))
        self._lower_prefixes = frozenset(lower_prefixes)
        self._inflected = frozenset(stem for stem, spellings in forms.items() if len(spellings) > 1)
        self._tails = frozenset(w[i:] for w in words for i in range(1, len(w) - _MIN_TAIL + 1))
        self._words = frozenset(words)
        kinds: Counter[str] = Counter()
        for sentence in sentences:
            names = set(self.names(sentence))
            tokens = [t.strip("-") for t in _TOKEN.findall(sentence)]
            for word, after in pairwise(tokens):
                if word and word[0].isupper() and after in names and word not in names:
                    kinds[self._stem(word.lower())] += 1
        self._kinds = frozenset(stem for stem, count in kinds.items() if count >= _KIND_COUNT)

    def asks_name(self, question: str) -> bool:
        """Does a question for a name ('welche …', 'which …', 'кто …') ask for a named thing? 'Wer …?' does, and
        'Welche Region …?' (a kind of thing the corpus names); 'Welche Auszeichnung …?' asks for a common noun.
        A question whose asked kind cannot be read ('Und welche davon …?', English and Russian ones, whose
        nouns the German corpus does not hold) counts as asking for a name."""
        if _WHO.search(question) or not _WHICH.search(question):
            return True
        noun = self.asked_kind(question)
        if noun is None:
            return True
        stem = self._stem(noun.lower())
        parts = self._split(noun.lower())
        return stem in self._kinds or (bool(parts) and self._stem(parts[-1]) in self._kinds)

    def asked_kind(self, question: str) -> str | None:
        """The noun a 'welche …' question asks for ('Betrieb' in 'Welcher belarussische Betrieb …?'): the first
        capitalised word of the three after the question word (German capitalises nouns)."""
        for match in _WHICH.finditer(question):
            following = _TOKEN.findall(question[match.end() :])[:3]
            noun = next((w for w in following if w[0].isupper()), None)
            if noun is not None:
                return noun
        return None

    def names(self, sentence: str) -> list[str]:
        """The words of the sentence that are names, in order (kept per sentence: answers score the corpus's
        sentences again and again)."""
        if (found := self._found.get(sentence)) is None:
            found = self._found[sentence] = self._read_names(sentence)
        return found

    def _read_names(self, sentence: str) -> list[str]:
        found: list[str] = []
        matches = list(_TOKEN.finditer(sentence))
        for i, match in enumerate(matches):
            token = match.group()
            word = token.strip("-")
            if len(word) < 2 or not word[0].isupper() or token.endswith("-"):
                continue  # 'Büro-' in 'Büro- und Produktionsgebäude' is half a compound
            if _MIXED.search(word):
                found.append(word)
                continue
            if self._df[token] > self._rare:
                continue
            if word.isupper():
                found.append(word)
                continue
            if i == 0 or "-" in word:
                continue  # the first word of a sentence is capitalised anyway; 'LED-Produkte' is a noun
            before = matches[i - 1]
            between = sentence[before.end() : match.start()]
            if before.group()[0].islower() and _ATTRIBUTIVE.match(before.group()) and not _PUNCTUATION.search(between):
                continue
            if self._common(word):
                continue
            found.append(word)
        return found

    def new_names(self, sentence: str, question: str) -> list[str]:
        """The sentence's names that the question does not already hold ('Novoera Biotech' is not the answer to
        'To which countries were Novoera Biotech's medicines exported?'); a question word counts as held when
        one begins with the other's first letters or ends with the other ('Gewebe' in 'Körpergewebe')."""
        asked = {w.lower() for w in _TOKEN.findall(question) if len(w) >= 3}
        return [name for name in self.names(sentence) if not any(_same(name.lower(), w) for w in asked)]

    def _common(self, word: str) -> bool:
        lower = word.lower()
        return (lower in _DATE_WORDS or lower[:_PREFIX] in self._lower_prefixes or lower in self._tails
                or self._stem(lower) in self._inflected or bool(self._split(lower))
                or any(lower[i:] in self._words for i in range(3, len(lower) - _MIN_HEAD + 1)))


def _same(name: str, word: str) -> bool:
    if name[:_PREFIX] == word[:_PREFIX]:
        return True
    return len(word) >= _MIN_TAIL and (name.endswith(word) or word.endswith(name))


# A name in at most this many passages picks out one entity: 'Huzhou', 'Optron', 'Vostochny' (`RareNames`).
RARE_NAME_PASSAGES = 2
_NAME_WORD = re.compile(r"[A-Za-zÄÖÜäöüß][A-Za-zÄÖÜäöüß]+")


def name_stems(question: str) -> list[str]:
    """The question's capitalised Latin words after its first (German nouns, English and German names), parts of a
    compound written with a hyphen apart ('Huzhou' of 'Huzhou-Universität'), lower-cased; a long one without
    its last two letters (an inflection: 'Kostanais') and at most its first eight (the corpus spells a long
    name in more than one way: 'Mogilevkhimvolokno', 'Mogilevkhimvolkno')."""
    words = _NAME_WORD.findall(question)[1:]
    stems = []
    for word in words:
        if not word[0].isupper() or len(word) < 4:
            continue
        low = word.lower()
        stems.append(low if len(low) < 7 else low[: min(len(low) - 2, 8)])
    return stems


class RareNames:
    """The names of a question that the corpus uses in at most `RARE_NAME_PASSAGES` passages (`name_stems`)."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._lowered = [text.lower() for text in texts]
        # Each answer would scan every passage for each of its question's names.
        self.passages_using = lru_cache(maxsize=4096)(self._count)

    def in_question(self, question: str) -> list[str]:
        return [stem for stem in name_stems(question) if self.passages_using(stem) <= RARE_NAME_PASSAGES]

    def _count(self, stem: str) -> int:
        return sum(stem in text for text in self._lowered)
