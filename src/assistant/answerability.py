"""Is the answer in the documents? The abstain decision, from signals that separate "not in the documents".

Measured on the question set (eval/README.md, "Abstention"): a question that is not a question ('???', 'asdfghjkl',
an emoji) is refused outright; an off-topic one ('What is the capital of Australia?') is far from every passage in
raw e5 cosine, unless it names something only one or two passages name and the best one does (the Optron plant:
an English question's cosine can lie below the floor for the passage that answers it); some near misses (the topic is in the documents, the asked fact is not) ask about a year the best
passages do not mention. How far the best passage stands out (peakedness) is the last check of the retrieval stage.
The reader adds the asked-fact check for counting questions ('Wie viele Mitarbeiter …?', 'How many employees …?',
'Сколько стоит …?'): the sentences it would answer with must lean on what is counted, i.e. lose e5 similarity to the
question when the counted noun is left out of it (`noun_dependence`); a near miss is answered with another number
about the same subject and does not. A German question's asked term (`asked_term`: the counted noun, a date
question's participle) must occur in the passages the answer comes from (`mentions`), a date question's in the
sentence giving the date (a counted noun may be written with a synonym of its kind, `mentions`), and a question for
a sum of money must be answered with one (`language.asks_money`), a cost not with a sum of trade, a count about a
year not with numbers dated to other years. These
checks run in the reader (/chat), so /search's `answerable` is this stage's decision alone, and so does the person
check: 'Wer leitet …?', 'Who is the rector of …?' must be answered by a sentence that speaks of a person
(`language.asks_office_holder`, `language.states_person`). Not recognised: a count or date about another entity
of the same kind when the question names it in words the corpus uses often (a rare name is looked for:
`answer.AnswerComposer._covers_rare_names`), Russian counts and costs. A counting question's term missing from the
passages does not refuse when the sentences lean on the counted noun: they count it in other words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from assistant.language import asked_noun, asked_types, asks_money, detect_language
from assistant.names import RareNames

if TYPE_CHECKING:
    from assistant.embedding import Embedder
    from assistant.index import Index
    from assistant.retrieval import Hit, Query

__all__ = ["MIN_NOUN_DEPENDENCE", "Answerability", "Decision", "asked_term", "asked_years",
           "is_content_free", "mentions", "noun_dependence", "peakedness"]

# Raw e5 cosine of the best passage below which a question is about something else. Russian questions score
# ~0.05 lower than German ones for the same passage, English ones in between (measured, eval/README.md). The
# Russian floor sits midway between the highest off-topic Russian question (0.783) and the lowest answerable one
# (0.799): above that, it refused answerable questions whose passage ranked first ('Сколько самосвалов БелАЗ
# смонтировали …?' at 0.811) and left the near misses to the asked-fact check anyway.
MIN_COSINE = {"de": 0.84, "en": 0.815, "ru": 0.79}
# … unless its best sentence is this close: a paraphrase ('Wie lange ist eine Frachtsendung aus Mittelasien …
# unterwegs …?') matches the one sentence that states its fact ('… ein Container aus Zentralasien im Durchschnitt
# innerhalb von zwei Wochen …') more closely than the passage around it. Set like the passage floors, between
# the highest refused (off-topic or near miss) and the lowest answerable best-sentence cosine of the tuning set
# below the passage floor (eval/README.md); English questions have none: there the two overlap. A text of one
# or two words ('ok', 'hmm') is close to some short sentence and is not a question about anything.
MIN_SENTENCE_COSINE = {"de": 0.86, "ru": 0.83}
MIN_SENTENCE_WORDS = 3
# The asked year must occur in this many of the best passages (3 refused 'Каким был товарооборот … в 2016
# году?', whose passage ranks 4th for the Russian question; 5 refused 'By how much did industrial output of the
# Great Stone residents grow in the first quarter of 2021?', whose year stands in the 6th: 7 answered two more
# questions of the tuning files and refused the same near misses, 10 let two near misses through, eval/README.md).
YEAR_DEPTH = 7
# A year, not a decade: 'in der zweiten Hälfte der 2000er Jahre', 'the 2000s', 'в 2000-х' name no year a passage
# must mention.
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d|er|s\b|-(?:[хе]|ые|ых)\b)")
_VOWELS = set("aeiouyäöüéèáàóíú")
_BARE_NUMBER = re.compile(r"(?:19|20)\d\d|\d{1,3}")
_CHAT_REPLIES = frozenset({"ok", "okay", "ja", "nein", "yes", "no", "danke", "danke schön", "vielen dank", "thanks",
                           "thank you", "hm", "hmm", "aha", "gut", "super", "cool", "спасибо", "да", "нет", "ок",
                           "хорошо", "понятно", "ага"})
# A counting question's answer must lean on the counted noun: its sentences' e5 similarity to the question may not
# rise by more than this when the noun is left out of the question (`noun_dependence`; eval/README.md).
MIN_NOUN_DEPENDENCE = -0.004
_WORD = re.compile(r"[^\W\d_][\w-]*")
# The stems (`names.name_stems`) of the words for the peoples of the documents and their neighbours.
_NATIONALITY_STEM = re.compile(r"(?:belarus|weißruss|kazakh|kasach|chin|russ|uzbek|cuba|eurasi)")
# Auxiliaries and modals a German question may end with after its participle ('… fertiggestellt werden?').
_AUXILIARIES = frozenset("""werden worden wird wurde wurden sein ist war sind waren haben hat hatte soll sollen sollte
    kann können""".split())
_PARTICIPLE = re.compile(r"^[a-zäöüß]{5,}(?:t|en)$")
# German words for the same kind of counted thing (the head of a compound counts: '-verträge'). A counting
# question's asked term may be answered under any of them; the documents call companies 'Unternehmen', projects
# 'Projekte', agreements 'Abkommen' or 'Vereinbarungen'.
_UNIT_NOUN = re.compile(r"(?i)(?:prozent|tonne|hektar|kilometer|quadratmeter|dollar|euro)")
_SYNONYMS = (("firmen", "unternehmen", "betriebe"), ("vorhaben", "projekte"),
             ("verträge", "vereinbarungen", "abkommen"))


@dataclass(frozen=True)
class Decision:
    answerable: bool
    confidence: float
    """How far the best passage stands out (peakedness); comparable across questions of one language."""
    reason: str
    """'answerable', 'content-free', 'off-topic', 'year-missing' or 'low-confidence'."""


def is_content_free(question: str) -> bool:
    """Not a question at all: no letters or digits ('???', an emoji, a zero-width space), a lone
    character, keyboard mashing ('asdfghjkl': one word without the vowels a word has), or a chat reply
    ('ok', 'danke', 'спасибо'), which inside a conversation would otherwise ask the last question again."""
    text = unicodedata.normalize("NFKC", question)
    words = re.findall(r"[^\W_]+", text)
    if sum(len(w) for w in words) < 2 or " ".join(words).lower() in _CHAT_REPLIES:
        return True
    if words and all(w.isdigit() for w in words) and not all(_BARE_NUMBER.fullmatch(w) for w in words):
        # '1234567' asks nothing; inside a conversation it was read as 'Und 1234567?'. Years ('2011', 'Und 2011?'
        # without the 'und') and short counts or ordinals ('85.', '847,9') continue the last question.
        return True
    if len(words) == 1 and words[0].isalpha() and re.fullmatch(r"[a-zA-Z]+", words[0]):
        word = words[0].lower()
        vowels = sum(ch in _VOWELS for ch in word)
        return len(word) >= 5 and (vowels / len(word) < 0.2 or re.search(r"[^aeiouy]{5,}", word) is not None)
    return False


def asked_years(question: str) -> list[str]:
    """The years a question names ('2015' in '… im Jahr 2015?', '2021' in '… 2021-го года?'); a decade ('2000er
    Jahre', '2000s', '2000-х') is none."""
    return _YEAR.findall(question)


def noun_dependence(question: str, sentence_vectors: np.ndarray, embedder: Embedder) -> float | None:
    """How much the answer's sentences lean on what a counting question counts: the largest drop, over the
    sentences, of their e5 similarity to the question when the counted noun is left out ('Wie viele beschäftigt
    das Mähdrescherwerk …?'). A sentence that states the count ('… 12 Montagefabriken …', '… 53 Tausend
    Studenten …', in any language of the question) loses similarity; a near miss's sentence, which states another
    number about the same subject ('… mehr als dreitausend Getreidemähdrescher montiert'), does not, or gains.
    None when the question counts nothing named (`language.asked_noun`)."""
    noun = asked_noun(question)
    if noun is None or len(sentence_vectors) == 0:
        return None
    without = " ".join(question.replace(noun, " ", 1).split())
    asked, reduced = embedder.embed_queries([question, without])
    return float(np.max(sentence_vectors @ asked - sentence_vectors @ reduced))


def asked_term(question: str) -> str | None:
    """The word of a German question that names what it asks about, which a passage stating the answer uses
    too: the counted noun of a counting question ('Mitarbeiter' in 'Wie viele Mitarbeiter beschäftigt …?';
    German capitalises nouns), or the participle a date question ends with ('gegründet' in 'Wann wurde …
    gegründet?', 'fertiggestellt' in '… fertiggestellt werden?'). None for other questions, for a sum of money
    (stated with its currency, not with 'Geld': `language.states_money`), and for English and Russian ones: the
    documents are German, so only a German word can be looked up in them."""
    if detect_language(question) != "de" or asks_money(question):
        return None
    noun = asked_noun(question)
    if noun is not None:
        # 'Wie viel kostet …?' names a measure, no counted thing; 'Um wie viel Prozent …?', 'Wie viele Tonnen …?' a
        # unit, which the answer may write as '%' or 't' (the rate and unit checks read those).
        return noun if noun[0].isupper() and not _UNIT_NOUN.match(noun) else None
    if "date" not in asked_types(question):
        return None
    words = _WORD.findall(question)
    while words and words[-1].lower() in _AUXILIARIES:
        words.pop()
    return words[-1] if words and _PARTICIPLE.match(words[-1]) else None


def mentions(text: str, term: str) -> bool:
    """Does the text use the term, inflected or in a compound? A word begins with its first four letters
    ('Studenten' for 'Studierende', 'Gründung' for 'gegründet' once the participle's 'ge' is dropped) or
    holds its first five ('Montagefabriken' for 'Fabriken', 'meistbesuchten' for 'Besucher'). A counted noun
    of a few common kinds may be written with its synonym (`_SYNONYMS`: 'Firmen' counted as '15 Unternehmen',
    'Partnerschaftsverträge' as '560 direkte Kooperationsvereinbarungen')."""
    words = [w.lower() for w in _WORD.findall(text)]
    return any(_uses(words, stem) for stem in _stems(term))


def _stems(term: str) -> list[str]:
    stem = term.lower()
    if term[0].islower() and stem.startswith("ge") and len(stem) > 6:
        stem = stem[2:]
    head = next((group for group in _SYNONYMS if any(stem.endswith(word) for word in group)), ())
    return [stem, *(word for word in head if not stem.endswith(word))]


def _uses(words: Sequence[str], stem: str) -> bool:
    return any(w.startswith(stem[:4]) or (len(stem) >= 5 and stem[:5] in w) for w in words)


def _best(scores: np.ndarray) -> float:
    return float(np.max(scores[np.isfinite(scores)], initial=-1.0))


def peakedness(scores: np.ndarray, *, depth: int = 50) -> float:
    """How far the best score stands above the crowd: (top - mean) / std over the top `depth`."""
    top = np.sort(scores[np.isfinite(scores)])[::-1][:depth]
    if len(top) < 3 or top.std() == 0:
        return 0.0
    return float((top[0] - top.mean()) / top.std())


class Answerability:
    def __init__(self, index: Index, *, min_confidence: float = 2.0,
                 min_cosine: Mapping[str, float] | None = None,
                 min_sentence_cosine: Mapping[str, float] | None = None, rare_names: RareNames | None = None) -> None:
        self.index = index
        self.min_confidence = min_confidence
        self.min_cosine = dict(MIN_COSINE if min_cosine is None else min_cosine)
        self.min_sentence_cosine = dict(MIN_SENTENCE_COSINE if min_sentence_cosine is None else min_sentence_cosine)
        self._rare = rare_names if rare_names is not None else RareNames(p.text for p in index.passages)

    def run(self, query: Query) -> None:
        """The engine's stage: decide on the question as asked, with the ranking the stages before produced."""
        from assistant.retrieval import Hit

        assert query.dense is not None and query.lexical is not None, "answerability needs the candidates"
        # The year check reads the ranking before the asked years lifted the passages that state them: a year that
        # none of the best passages on the topic mentions is still a near miss ('… trade turnover … in 2018?').
        best = query.top(YEAR_DEPTH, query.without_years)
        hits = [Hit(self.index.passages[i], rank, 0.0) for rank, i in enumerate(best, start=1)]
        resolution = query.resolution if query.resolution is not None and query.resolution.followup else None
        # The years a follow-up asks about are those of the question it was rebuilt into ('Und im Jahr davor?' →
        # '… im Jahr 2019?'), not of the topic note that may follow it.
        years = asked_years(query.text if resolution is None else resolution.asked)
        # A passage often gives only the month ('Ende Dezember registrierte …') of the year the passage before it
        # names: that one dates it too.
        before = [self.index.passages[i - 1].text for i in best
                  if i > 0 and self.index.passages[i - 1].doc_id == self.index.passages[i].doc_id]
        decision = self.decide(query.text, detect_language(query.text), hits, query.dense, query.lexical,
                               lexical_weight=query.lexical_weight, followup=resolution is not None, years=years,
                               sentence_scores=query.sentences, dated_by=before)
        query.answerable, query.confidence, query.reason = decision.answerable, decision.confidence, decision.reason

    def decide(self, question: str, language: str, hits: Sequence[Hit], dense_scores: np.ndarray,
               lexical_scores: np.ndarray, *, lexical_weight: float, followup: bool = False,
               years: Sequence[str], sentence_scores: np.ndarray | None = None,
               dated_by: Sequence[str] = ()) -> Decision:
        """`dense_scores`/`lexical_scores` cover every passage (−inf where filtered out), scored for the
        question as retrieval understood it; `lexical_weight` is the share of its words the German index knows;
        `years` the asked years; `sentence_scores` each passage's best sentence similarity (None: the passages'
        alone decide); `dated_by` texts that may name the hits' year for them (the passages before them)."""
        confidence = peakedness(dense_scores) + 0.3 * lexical_weight * peakedness(lexical_scores)
        if is_content_free(question):
            return Decision(False, 0.0, "content-free")
        best = _best(dense_scores)
        # A follow-up of a conversation about the documents is not off-topic: its resolved text ('Wer war der
        # 99. Einwohner?') is short and scores a low raw cosine although it stands out clearly.
        if not followup and best < self.min_cosine.get(language, min(self.min_cosine.values())) and \
                not self._close_sentence(question, language, sentence_scores) and not self._names_rare_entity(question, hits):
            return Decision(False, confidence, "off-topic")
        top = " ".join([*(h.passage.text for h in hits[:YEAR_DEPTH]), *dated_by])
        if any(year not in top for year in years):
            # 'Wie hoch war der Handelsumsatz im Jahr 2015?' when the text gives 2014 and 2016.
            return Decision(False, confidence, "year-missing")
        if confidence < self.min_confidence:
            return Decision(False, confidence, "low-confidence")
        return Decision(True, confidence, "answerable")

    def _names_rare_entity(self, question: str, hits: Sequence[Hit]) -> bool:
        """Does the question name something only a passage or two of the corpus name, and the best passage does
        ('… the electric scooter built by the Optron instrument plant …', '… the Vostochny open-pit mine …')? Then it
        is about the documents, however low its raw cosine: an English question's lies below the floor for some
        passages that answer it. A nationality ('Belarusian tennis player') names no entity."""
        top = hits[0].passage.text.lower() if hits else ""
        return any(stem in top for stem in self._rare.in_question(question) if not _NATIONALITY_STEM.match(stem))

    def _close_sentence(self, question: str, language: str, sentence_scores: np.ndarray | None) -> bool:
        """Does one sentence match the question as closely as only an on-topic question's does?"""
        floor = self.min_sentence_cosine.get(language)
        if sentence_scores is None or floor is None or len(question.split()) < MIN_SENTENCE_WORDS:
            return False
        return _best(sentence_scores) >= floor
