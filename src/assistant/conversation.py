"""Follow-ups: is a turn a new question or does it lean on the conversation, and what does it mean then?

`resolve(message, history)` decides from the turn itself and its relation to the last exchange:
- a pronoun, demonstrative, place word or definite noun with nothing in the turn it could point to ('Was wird
  es dort aufbauen?', 'How big is its dealer network there?', 'Welche Partnerschaften hat diese Provinz?', 'the
  region's exports', 'the two regions', 'in der ersten Phase'),
- or an ellipsis, a turn without its own subject ('Und 2011?', 'And in 2011?', 'А в 2011?', 'Und der 89.?',
  'А в первом квартале 2022 года?'), or a German turn without any noun ('Was wird vor allem geliefert?'),
- or a turn that says it continues and is short or asks 'what about' ('And what was imported from Pavlodar?',
  'What about Ekibastuz — …?'), even where it names something,
- or a turn that names nothing of its own (no name, number or other subject) but a noun the last exchange used
  ('Wie viele Unternehmen sollen sich an dem Park beteiligen?' after the Technologiepark in Kokshetau,
  'Сколько рабочих мест создали резиденты?' after 'Сколько резидентов …'),
- or a turn that names nothing (no name, no number) and says little, at most four content words ('Кто был
  инвестором с белорусской стороны?'): too little to be a question of its own,
- or an explicit return ('Zurück zum Handel: …', 'Back to the trade figures: …', 'Вернёмся к договору: …'),
  resolved against the earlier exchange it names rather than the last one,
is a follow-up; a turn that names its own subject is a new question even when it starts with 'Welche', 'How'
or contains 'sein'. A pronoun that a name earlier in the same turn can carry ('Wann eröffneten die Minsker
Motorenwerke ihr Handelshaus?') counts only when the turn is about the last exchange (e5 similarity, when a
`similarity` function is given).

A follow-up is resolved against the last exchange: its question as understood *and* its answer, whose
names ('Yunchenbel LLC', 'Provinz Jiangxi'), numbers and document fill the turn's gaps. The result is one
readable question: the referent in brackets after the word that points to it ('diese Provinz (Jiangxi)'),
or the earlier question with the new year / ordinal / partner put in ('Und 2011?' → 'Wie stark wuchs der
Handel zwischen Belarus und Kasachstan 2011?').

Text only, no models: retrieval passes the e5 similarity in, and this module imports nothing of ours.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass

from assistant.language import asked_noun, detect_language

__all__ = ["Exchange", "Resolution", "named_subject", "resolve", "subjects"]


@dataclass(frozen=True)
class Exchange:
    """One earlier turn as the conversation remembers it."""

    question: str
    resolved_query: str = ""
    answer: str = ""
    doc_ids: tuple[str, ...] = ()
    """Documents of the turn's passages: those the answer quotes first, then the others best first."""
    refused: str = ""
    """Why retrieval refused the turn ('off-topic', 'content-free', …), '' when it did not."""

    @property
    def understood(self) -> str:
        return self.resolved_query or self.question


@dataclass(frozen=True)
class Resolution:
    query: str
    """What retrieval searches: the readable question plus, for a follow-up, the earlier topic's words."""
    followup: bool
    doc_id: str | None
    """The conversation's document, for a follow-up that does not name the other subject; else None."""
    display: str
    """One readable question, shown as 'Verstanden als' / 'understood as'; the message itself when standalone."""

    @property
    def asked(self) -> str:
        """The question the turn asks, without the topic note of earlier words: '… im Jahr 2019?'."""
        return _without_note(self.display)


# What each document is about, as folded word stems ('kasah' for Kasachstan / Kazakhstan / Казахстан), for "stay in
# the conversation's document unless the turn names the other subject". Derived from the documents, so a third one
# brings its own subject; the turns may be German, English or Russian.
_CYRILLIC = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                     "a b v g d e e zh z i j k l m n o p r s t u f h c ch sh sch _ y _ e ju ja".split()))
_STEM = 5


def url_slug(url: str) -> str:
    """The last path segment of a URL, where news sites put the headline: 'http://www.belta.by/economics/view/
    belarus-i-kazahstan-aktivizirujut-…-2017/' → 'belarus-i-kazahstan-aktivizirujut-…-2017'. Domains name
    publishers, not subjects ('government.by')."""
    path = re.sub(r"^[a-z]+://[^/]*", "", url.strip(), flags=re.IGNORECASE)
    return next((part for part in reversed(path.split("/")) if part), "")


def _fold(word: str) -> str:
    """A spelling-neutral stem: Cyrillic transliterated, 'kh'/'ch'/'x' → 'h', 'z' → 's', 'j'/'y' → 'i', so that
    Kasachstan, Kazakhstan, kazaxstan and Казахстан, or kitaj (a Russian word in the footnotes' URLs) and Китай,
    share their first letters."""
    latin = "".join(_CYRILLIC.get(c, c) for c in word.lower()).replace("_", "")
    for old, new in (("kh", "h"), ("ch", "h"), ("x", "h"), ("z", "s"), ("j", "i"), ("y", "i")):
        latin = latin.replace(old, new)
    return latin[:_STEM]


def subjects(prose: Mapping[str, Iterable[str]], notes: Mapping[str, Iterable[str]] | None = None, *, top: int = 2,
             top_notes: int = 2, min_count: int = 15, ratio: int = 8) -> dict[str, frozenset[str]]:
    """Each document's subject: the word stems it uses most that the other documents (nearly) never use — the
    `top` of its passages' prose and the `top_notes` of `notes`, the slugs of its footnotes' URLs, which carry
    Russian words in Latin letters ('…-v-kazahstan-…', '…-belarusi-i-kitaja-…'), so that a Russian turn names
    its subject too. More than two of the prose are topics, not subjects ('Medien', 'Universität').

    On our corpus: Kasachstan → {'kasah', 'medie'} (it is about media), China → {'hines', 'hina', 'kitai', 'velik'}.
    """
    out: dict[str, set[str]] = {doc: set() for doc in prose}
    for texts, n in ((prose, top), (notes or {}, top_notes)):
        counts = {doc: Counter(_fold(w) for text in doc_texts for w in _SUBJECT_WORD.findall(text))
                  for doc, doc_texts in texts.items()}
        for doc, count in counts.items():
            others = Counter[str]()
            for other, other_count in counts.items():
                if other != doc:
                    others.update(other_count)
            distinctive = [w for w, c in count.most_common() if c >= min_count and others[w] * ratio <= c]
            out.setdefault(doc, set()).update(distinctive[:n])
    return {doc: frozenset(stems) for doc, stems in out.items()}


_SUBJECT_WORD = re.compile(r"[^\W\d_]{5,}")


def named_subject(text: str, subjects: Mapping[str, Container[str]]) -> str | None:
    """The document whose subject the text names, when it names exactly one."""
    stems = {_fold(w) for w in _SUBJECT_WORD.findall(text)}
    named = [doc for doc, subject in subjects.items() if any(s in subject for s in stems)]
    return named[0] if len(named) == 1 else None


# -- the turn's own words --------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+(?:[-–'’][^\W_]+)*\.?")
_YEAR = re.compile(r"(?<![\d.,])(?:19|20)\d\d(?![\d,]|\.\d)")
_ORDINAL = re.compile(r"(?<![\d.,])\d{1,3}(?:\.|st|nd|rd|th|-[а-я]{1,3})(?=\s|\?|$)")

# Words that open a turn continuing the last one: 'Und 2011?', 'And in 2011?', 'А в 2011?', 'What about …'.
_CONTINUE = frozenset("und and а и aber but also sowie plus".split())
# 'Die gleiche Frage für Mogiljow', 'Same question for Mogilev', 'То же самое для Могилёва?': the last question again,
# about something else.
_SAME = r"(?:(?:die\s+)?(?:gleiche|selbe)\s+frage|dieselbe\s+frage|dasselbe|das\s+gleiche|(?:the\s+)?same\s+(?:question|thing)|" \
        r"то\s+же\s+(?:самое|вопрос)|тот\s+же\s+вопрос)"
_CONTINUE_PHRASES = re.compile(r"^(?:what about|how about|und was ist mit|wie (?:steht|sieht) es mit|"
                               rf"а как насч[её]т|а что с|(?:und\s+|and\s+|а\s+|и\s+)?{_SAME})\b", re.IGNORECASE)

# Function words: what is left once they are gone is the turn's own subject.
_FUNCTION = frozenset(
    """der die das den dem des ein eine einer einen einem eines und oder aber auch noch nur schon wie was wer wen wem
    wessen wo wann warum wieso weshalb welche welcher welches welchen welchem viel viele wieviel hoch groß lange
    ist sind war waren wird werden wurde wurden hat haben hatte hatten soll sollen sollte kann können konnte
    gibt gab es sie er ihr ihre ihren ihrem ihrer sein seine seinen seinem seiner seines im in am an auf aus bei
    mit nach von vor zu zum zur für über unter um bis seit gegen durch ab dort da dies diese dieser dieses diesem
    diesen jene damit davon dafür dabei dazu darauf daran darin daraus darunter danach seitdem seither inzwischen
    derzeit heute jetzt dann damals denn doch mal also sich man nicht kein keine mehr
    the a an and or but also of in on at to for from with by about as into than then what which who whom whose when
    where why how many much is are was were be been being do does did has have had will would shall should can
    could may might it its they them their this that these those there here he she his her
    и а в во на с со к ко по о об от до из за для при как какой какая какое какие каких каком каким какова каков
    каково каковы сколько когда где кто что чем чего ли же был была было были будет есть это этот эта эти этого
    этой этом там тогда он она оно они его её ее их ему ей им ним нём него неё нее нему ней них ними нею
    so apropos außerdem zudem insgesamt immerhin bereits laut somit daher deshalb hier
    wohin woher womit wofür worauf wozu wodurch worin worüber inwiefern насколько почему зачем куда откуда чей чья
    чьё чьи какого какому какую
    zwei drei vier fünf sechs sieben acht neun zehn elf zwölf zwanzig hundert tausend one two three four five six
    seven eight nine ten hundred thousand""".split()
)

# Pronouns and demonstratives that need a referent, by what they point to. "strong" ones point out of the turn
# almost always ('dort', 'davon', 'diese Provinz'); "weak" ones often have their referent in the turn itself
# ('Wann eröffneten die Minsker Motorenwerke ihr Handelshaus?').
_PLACE = frozenset("dort dorthin dahin daher there там туда оттуда".split())
_OTHER = frozenset("andere anderen anderer anderes other another другой другая другое другие других другом".split())
_STRONG = _PLACE | frozenset(
    """damals damit davon dafür dabei dazu darauf daran darin daraus darunter danach seitdem seither hierzu hierbei
    ebenfalls ähnliche ähnlichen ähnlicher ähnliches andere anderen anderer anderes then similar other another
    тогда тоже также другой другая другое другие других другом такие такой such solche solchen solcher solches""".split()
)
_WEAK = frozenset(
    """es er sie ihn ihm ihnen ihr ihre ihren ihrem ihrer ihres sein seine seinen seinem seiner seines dessen deren
    it its they them their he his she her him
    он она оно они его её ее их ему ей им ним нём него неё нее нему ней них ними нею""".split()
)
_DEMONSTRATIVE = frozenset(
    """dies diese dieser dieses diesem diesen jene jener jenes jenen this these those that
    этот эта это эту эти этого этой этом этим этих этому этими""".split()
)
# Nouns that, with a definite article and no name, stand for something the conversation already named.
_ANAPHORIC_HEADS = re.compile(
    r"\b(?:das|die|der|dem|den|des|the)\s+(unternehmen\w*|firma|konzern\w*|concern|holding|einrichtung\w*|institut\w*|universität|hochschule|"
    r"projekt\w*|provinz|region|gebiet\w*|stadt|werke?s?|abkommen\w*|vereinbarung|park|zone|betrieb|fabrik|zentrum|"
    r"vertrag|programm|treffen|sitzung|besuch|forum|company|plant|institute|university|project|province|city|joint venture|agreement|"
    r"factory|centre|center|enterprise|firm|treaty|programme|program|meeting|session|visit)\b(?-i:(?!\s+[A-ZА-Я\"«„]))"
    r"(?!\s+(?:der|des|die|dem|den|von|vom|zwischen|mit|für|aus|zum|zur|über|beider|aller|eines|einer|zweier|of|between|"
    r"with|for|from|in|on|about)\b)",
    re.IGNORECASE,
)
# Russian has no articles: 'Какие права предприятие предоставило …?', 'Сколько комбайнов предприятие произвело …?'
# say 'the enterprise' with the bare noun. Not after an adjective or an asking word ('Какая компания', 'Минский
# тракторный завод'), nor before its name or a relative clause ('предприятие AgromashHolding', 'завод, который …').
_BARE_HEAD = re.compile(r"(?<![\w-])(?<!ая )(?<!ое )(?<!ой )(?<!ый )(?<!ий )(?<!ую )(?<!ые )(?<!ие )"
                        r"(предприятие|компания|завод|концерн|холдинг|фабрика|комбинат)(?![\w-])"
                        r"(?!\s*(?:,|«|\"|[A-ZА-ЯЁ]))")
# 'Welcher Anteil stammt von MTZ?', 'What share comes from …?': a share of a whole the turn does not name (no 'an
# den Exporten' or 'of exports' anywhere after it, no genitive name right after it) is a share of what the last
# exchange counted.
# (English 'share' only as a noun: 'Which companies share a site?' asks afresh.)
_SHARE = re.compile(r"\b(anteil|(?:(?<=what )|(?<=which )|(?<=the )|(?<=a )|(?<=its )|(?<=their ))share|proportion)\b"
                    r"(?!\s+(?:der|des|dieser|von|vom|aller|in|at)\b)"
                    r"(?-i:(?!\s+[A-ZÄÖÜ]))(?![^?]*\b(?:an|am|of)\b)", re.IGNORECASE)
# 'the two regions', 'beide Unternehmen', 'двух компаний': the pair the last exchange named. The two countries of a
# document ('beider Staaten', 'двух стран') are its subject, named or not.
_BOTH = re.compile(
    r"\b(?:the two|both|die beiden|den beiden|der beiden|beider|beide|двух|обоих|обеих|оба|обе)\s+"
    r"(?!(?:countries|states|nations|governments|presidents|sides|länder\w*|staaten|nationen|regierungen|seiten|"
    r"präsidenten|стран\w*|государств\w*|сторон\w*|правительств\w*|президент\w*)\b)([^\W\d_]{4,})",
    re.IGNORECASE,
)
_BOTH_COUNTRIES = re.compile(r"\b(?:the two|both|beide[nr]?|двух|обеих|обе|оба)\s+(?:countries|states|nations|länder\w*|"
                             r"staaten|nationen|стран\w*|государств\w*)\b", re.IGNORECASE)
# 'in der ersten Phase', 'in the second stage', 'на первом этапе': a stage of the project the conversation is about,
# unless the turn says whose ('in der ersten Phase des Projekts').
_STAGE = re.compile(
    r"\b(?:(?:der|die|dem|the)\s+(?:erste[nr]?|zweite[nr]?|dritte[nr]?|first|second|third)\s+(phase|stufe|etappe|stage)|"
    r"(?:первом|втором|третьем|первый|второй|третий|первая|вторая)\s+(?:этап\w*|фаз\w*))\b"
    r"(?!\s+(?:der|des|von|vom|of|проекта)\b)",
    re.IGNORECASE,
)
# 'Was steht an zweiter Stelle?', 'What comes in second place?', 'Что на втором месте?': a place in the ranking the
# last answer gave, unless the turn names what is ranked ('… unter den Abnehmern belarussischer Lebensmittel').
_RANK_PLACE = re.compile(
    r"(?:\b(?:an|auf)\s+(?:de[mr]\s+)?(?:erste[nmr]?|zweite[nmr]?|dritte[nmr]?|vierte[nmr]?|letzte[nmr]?)\s+(?:stelle|platz|rang)|"
    r"\b(?:in|at)\s+(?:the\s+)?(?:first|second|third|fourth|last)\s+(?:place|position|rank)|"
    r"\bна\s+(?:первом|втором|третьем|четв[её]ртом|последнем)\s+месте)(?![^?]*\b(?:unter|among|среди)\b)",
    re.IGNORECASE,
)
# 'that year', 'im selben Jahr', 'в том же году': the year the last exchange asked about. Not 'this year' or 'в этом
# году', which a user also says of the present one.
_YEAR_POINTER = re.compile(r"\b(?:(?:in\s+)?(?:that|the\s+same)\s+year|(?:in|im)\s+(?:diesem|jenem|demselben|selben|gleichen)"
                           r"\s+jahr(?:e)?|(?:desselben|des\s+selben|des\s+gleichen)\s+jahres|"
                           r"в\s+(?:том\s+же|том|тот\s+же|тот|этом\s+же)\s+год[уа]?|(?:того\s+же|этого\s+же)\s+года)\b",
                           re.IGNORECASE)
# 'с тех пор' (since then): the time of the last exchange, like 'seitdem'.
_SINCE = re.compile(r"\bс\s+тех\s+пор\b", re.IGNORECASE)
_CONTINUE_STRIP = re.compile(rf"^(?:(?:und|and|а|и|aber|but|what about|how about|und was ist mit|{_SAME})\s+)+",
                             re.IGNORECASE)


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _content(words: Sequence[str]) -> list[str]:
    return [w for w in words if w.lower().rstrip(".") not in _FUNCTION and (len(w) > 2 or w[0].isdigit())]


def _is_name(word: str, position: int, common: Container[str] = frozenset()) -> bool:
    """A word that names something by itself: 'Almaty', 'MAZ', 'InKata', 'KZS-10', 'Karaganda'.

    German capitalises every noun, so a capital alone is no name: a mid-sentence capitalised word counts
    when it is not a common noun shape (ending in -ung, -heit, -keit, -schaft, -tion, -nis, -tät, -ment, -e(n)/-er
    plurals are ambiguous, so they do not count), or when it has inner capitals or digits.
    """
    core = word.rstrip(".")
    if not core or core.isdigit() or _MONTHS.match(core) or not core[0].isupper() and not re.search(r"\d", core):
        return False
    if re.search(r"[A-ZА-Я]|\d", core[1:] if core[0].isupper() else core) and "-" not in core:
        return True
    if position == 0 or core.lower() in _FUNCTION or core.lower() in common:
        return False
    # 'Kostanay-Industriezone': a compound is a name when one of its parts is.
    return any(part[:1].isupper() and not _COMMON_NOUN.search(part.lower()) for part in re.split(r"[-–]", core))


def _pairs(words: Sequence[str]) -> list[str]:
    """Two capitalised words in a row after the first word: 'Minsker Automobilwerk', 'Brester Universität'.
    German nouns rarely stand side by side, names with their noun often do."""
    return [f"{a} {b}" for i, (a, b) in enumerate(itertools.pairwise(words)) if i > 0 and a[:1].isupper()
            and b[:1].isupper() and a.lower() not in _FUNCTION and b.lower() not in _FUNCTION
            and not _MONTHS.match(a) and not _MONTHS.match(b)]


def common_nouns(texts: Iterable[str]) -> frozenset[str]:
    """Capitalised words the documents use with an article ('der Betrieb', 'den Platz'): common nouns, not
    names. German capitalises both; an article before a word is the cheapest tell."""
    found: Counter[str] = Counter()
    for text in texts:
        for word in re.findall(r"\b(?:der|die|das|den|dem|des|ein|eine|einen|einem|einer|eines|im|am|zum|zur|vom)\s+"
                               r"([A-ZÄÖÜ][a-zäöüß]+)\b", text):
            found[word.lower()] += 1
    return frozenset(found)


# Month names and their abbreviations as whole words ('Januar', 'Nov.', 'January–November'); a name that merely
# starts like one ('Mariel', 'Decathlon') is a name.
_MONTHS = re.compile(r"^(?:jan(?:uar|uary)?|feb(?:ruar|ruary)?|märz?|mar(?:ch)?|apr(?:il)?|mai|may|jun[ie]?|jul[iy]?|"
                     r"aug(?:ust)?|sep(?:t|tember)?|okt(?:ober)?|oct(?:ober)?|nov(?:ember)?|dez(?:ember)?|dec(?:ember)?)"
                     r"(?![^\W\d_])", re.IGNORECASE)
_COMMON_NOUN = re.compile(
    r"(?:ung|ungen|heit|keit|schaft|schaften|tion|tionen|nis|nisse|tät|täten|ment|mente|ismus|eur|ier|er|ern|e|en|eln|"
    r"um|ums|ik|al|ale|alen|tor|toren|ort|orte|werk|park|zahl|satz|bau|markt|land|länder|jahr|jahre|jahren|"
    r"rang|art|teil|netz|wert|ziel|plan|bereich|bereichen|stand|gut|güter|raum|ausgabe|gang|ing|s)$"
)


@dataclass(frozen=True)
class _Cue:
    word: str
    kind: str  # "place" | "strong" | "weak" | "demonstrative" | "definite" | "pair" | "stage" | "year"
    start: int
    end: int
    head: str = ""


def _cues(message: str) -> list[_Cue]:
    """The words of the turn that point out of it, with where they are."""
    cues = []
    tokens = list(_WORD.finditer(message))
    lower = [t.group().lower().rstrip(".") for t in tokens]
    year_pointers = list(_YEAR_POINTER.finditer(message))
    for i, (token, word) in enumerate(zip(tokens, lower)):
        rest = message[token.end():]
        if word in _DEMONSTRATIVE and any(m.start() <= token.start() < m.end() for m in year_pointers):
            continue  # 'in diesem Jahr': a year pointer (below), not a demonstrative with a noun to name
        if word in _DEMONSTRATIVE:
            # 'diese Provinz', 'this agreement', 'этот проект': a demonstrative with its noun; 'das' alone is
            # an article too often to count, 'that' a conjunction.
            if word in {"that", "это"} and not _points(lower, i):
                continue  # a conjunction, a relative pronoun or 'this is', not 'that plant' / 'это предприятие'
            head = _head_noun(tokens, i + 1)
            cues.append(_Cue(word, "demonstrative", token.start(), tokens[i + 1].end() if i + 1 < len(tokens)
                             else token.end(), head))
        elif word in _PLACE:
            if word == "there" and i > 0 and lower[i - 1] in _BE:
                continue  # 'How many companies … are there?', 'Is there …': existential, no place
            cues.append(_Cue(word, "place", token.start(), token.end()))
        elif word in _STRONG:
            # 'dafür …, dass': the da-word points forward, into its own sentence.
            if word.startswith("da") and re.search(r"\bdass\b", rest):
                continue
            cues.append(_Cue(word, "strong", token.start(), token.end()))
        elif word in _WEAK:
            if word == "es" and (i > 0 and lower[i - 1] in {"gibt", "gab", "geht", "handelt"}
                                 or i + 1 < len(lower) and lower[i + 1] in {"gibt", "gab"}):
                continue  # 'gibt es', 'es gibt': no referent
            if word == "sein" and (i + 1 == len(tokens) or not tokens[i + 1].group()[0].isupper()):
                continue  # the verb ('soll … sein'), not the possessive ('sein Projekt')
            if word == "sie" and token.group()[0] == "S" and i > 0:
                continue  # polite 'Sie'
            if word == "ihr" and not any(t.group()[0].isupper() for t in tokens[i + 1 : i + 3]):
                # 'ihr' without its noun (here or after one adjective: 'ihr belarussisch-chinesischer Technopark') is
                # too rare in questions to tell apart from its other uses
                continue
            cues.append(_Cue(word, "weak", token.start(), token.end()))
    for match in _BOTH.finditer(message):
        cues.append(_Cue(match.group().lower(), "pair", match.start(), match.end(), match.group(1)))
    for match in _ANAPHORIC_HEADS.finditer(message):
        cues.append(_Cue(match.group().lower(), "definite", match.start(), match.end(), match.group(1)))
    for match in _BARE_HEAD.finditer(message):
        cues.append(_Cue(match.group().lower(), "definite", match.start(), match.end(), match.group(1)))
    for match in _SHARE.finditer(message):
        cues.append(_Cue(match.group().lower(), "strong", match.start(), match.end()))
    for match in _STAGE.finditer(message):
        cues.append(_Cue(match.group().lower(), "stage", match.start(), match.end()))
    for match in _RANK_PLACE.finditer(message):
        cues.append(_Cue(match.group().lower(), "strong", match.start(), match.end()))
    for match in year_pointers:
        cues.append(_Cue(match.group().lower(), "year", match.start(), match.end()))
    for match in _SINCE.finditer(message):
        cues.append(_Cue("seitdem", "strong", match.start(), match.end()))
    return cues


# 'of that concern', 'does that plant cost', 'собирает это предприятие': after a preposition or a verb and before
# a noun, 'that' / 'это' point; after a noun ('the plant that …') or before an article they join clauses.
_BEFORE_POINTING = frozenset("of in at on for from with by about to into does did do is was are were has have will can "
                             "could would should".split())


_BE = frozenset("is are was were be been isn't aren't wasn't weren't".split())


def _points(lower: Sequence[str], i: int) -> bool:
    after = lower[i + 1] if i + 1 < len(lower) else ""
    if not after or after in _FUNCTION or after in _DEMONSTRATIVE:
        return False
    if lower[i] == "это":
        return i > 0
    return i == 0 or lower[i - 1] in _BEFORE_POINTING


def _head_noun(tokens: list[re.Match], start: int) -> str:
    """The noun after a demonstrative: 'diese Provinz' → Provinz, 'dieses neue Werk' → Werk, 'this province'."""
    words = [t.group().rstrip(".") for t in tokens[start : start + 3]]
    if words and words[0][:1].islower() and detect_language(" ".join(t.group() for t in tokens)) != "de":
        return words[0]  # English and Russian nouns are not capitalised: 'this zone from Havana' → zone
    capitalised = [w for w in words if w[:1].isupper()]
    return (capitalised or words or [""])[0]


_SECOND_QUESTION = re.compile(r"\s(?:und|and|и)\s+(?=(?:wie|was|wer|wann|wo|welche\w*|how|what|who|when|where|which|"
                              r"как|что|кто|когда|где|сколько)\b)", re.IGNORECASE)


# A place word followed by the place it means: 'dort in der Region Kostanay', 'there, in Karaganda', 'там, в
# Карагандинской области'. The phrase has to name the place; 'dort im Park' still points back.
# English capitalises the adjective of a nation ('Kazakh capital', 'Belarusian projects'): no name of a place or a
# thing that could bind a pointer of the turn.
_NATIONALITY = re.compile(r"(?i:belarusian|belarussian|kazakh|kazakhstani|chinese|russian|uzbek|cuban|eurasian)$")
_PLACE_NOUNS = frozenset("stadt hauptstadt region provinz gebiet bezirk kreis land ort gegend".split())
_APPOSITION = re.compile(r"^\s*[,–—-]?\s*(?:in|im|bei|at|near|в|во|на)\s+([^,;:?!()]*)", re.IGNORECASE)


def _place_named_after(message: str, cue: _Cue, common: Container[str]) -> bool:
    match = _APPOSITION.match(message[cue.end:])
    if not match:
        return False
    words = _words(match.group(1))[:4]
    if detect_language(message) != "de":
        return any(w[:1].isupper() and w.lower() not in _FUNCTION and not _MONTHS.match(w) and not _NATIONALITY.match(w)
                   for w in words)  # 'there in October 2021' names no place
    # By its shape, not by the corpus's articles: the documents say 'im Karaganda' too, so 'Karaganda' is in
    # `common`; a place noun without its name ('dort in der Stadt', 'dort im Park') still points back.
    return any(_is_name(w, i + 1) and w.lower() not in _PLACE_NOUNS for i, w in enumerate(words))


def _bound_in_turn(message: str, cue: _Cue, common: Container[str],
                   subjects: Mapping[str, Container[str]] | None = None) -> bool:
    """Does the turn itself hold what the cue points to? A later clause of a question that named its subject
    ('Wann fand die 16. Sitzung … statt, und was wurde dort verabschiedet?'), a relative clause ('…, an dessen
    Bau …'), or a name before the pronoun ('die Minsker Motorenwerke (MMZ) ihr Handelshaus')."""
    before = message[: cue.start]
    breaks = [before.rfind(","), before.rfind(";")]
    breaks += [m.start() for m in _SECOND_QUESTION.finditer(before)]
    clause_break = max(breaks)
    # A demonstrative's noun must have been named before it: '…, mit dem dieses Modell … getestet wird' points out.
    named_before = not (cue.kind == "demonstrative" and cue.head and cue.head.lower()[:4] not in before.lower())
    if clause_break >= 0 and len(_content(_words(before[:clause_break]))) >= 3 and named_before:
        return True
    # Not a month ('im März 2021 dort'), an origin ('investment from Kazakhstan there') or a nation's adjective
    # ('companies with Kazakh capital … there').
    if cue.kind == "place" and any(not _MONTHS.match(m.group(1)) and not _NATIONALITY.match(m.group(1))
                                   for m in re.finditer(r"\b(?:mit|in|im|nach|with|in|to|с|в|во)\s+((?-i:[A-ZÄÖÜА-Я])\w+)",
                                                        before, re.IGNORECASE)):
        return True  # 'Und mit China: Welches Memorandum hat der Konzern dort unterzeichnet?'
    if cue.word in _OTHER and len([w for i, w in enumerate(_words(message)) if _is_name(w, i)]) >= 2:
        # 'Mit welchen anderen Staaten legten Minsk und Astana …': other than the ones the turn names (by their
        # shape: the documents say 'das Astana …' too).
        return True
    if cue.kind == "definite" and _ORG_MARK.search(" ".join(_words(message[cue.end:])[:3])):
        return True  # 'the park resident IRBI LLC': the noun describes the company the turn names
    if cue.kind == "year" and _YEAR.search(before):
        return True  # 'Was geschah 2019, und was wurde im selben Jahr unterzeichnet?'
    if cue.kind == "place" and _place_named_after(message, cue, common):
        return True  # 'Wie viele Traktoren sind dort in der Region Kostanay …?', 'Сколько … там, в Карагандинской области'
    if cue.kind == "weak":
        if cue.word in {"dessen", "deren"} and clause_break >= 0:
            return True
        # The country a document is about carries no singular pronoun of its own turn: 'Какую часть Казахстана
        # оно планирует снабжать …?' asks about the company of the last exchange, in the conversation's country.
        # 'their' may be the two countries' ('the presidents of Belarus and Kazakhstan … their relations').
        words = [w for w in _words(before) if (cue.word in _PLURAL or named_subject(w, subjects or {}) is None)
                 and not _NATIONALITY.match(w)]
        return any(_is_name(w, i, common) for i, w in enumerate(words)) or bool(_pairs(words))
    return False


# -- deciding --------------------------------------------------------------------------------------

_FEW_WORDS = 4
"""Content words a turn without a name or number may have and still be read as leaning on the conversation."""

RELATED = 0.9
"""e5 similarity between a turn and the last exchange above which a pronoun the turn could carry itself is still
read as pointing back. Questions about the other document reach 0.85 (two of 124 lone questions asked after one
were misread at 0.84); no labelled follow-up needs this path, so it is kept for clearly related turns only."""

LONE_RELATED = 0.77
"""e5 similarity of a turn without a pointer or name of its own to the last exchange (its question as understood
and its answer), below which the turn is a question of its own: the tuning files' follow-ups of this kind are
at 0.79 or more, off-topic questions asked after a question about the documents mostly below 0.77
(eval/README.md, "Off-topic questions inside a conversation")."""


def _is_followup(message: str, history: Sequence[Exchange], similarity: Callable[[str, str], float] | None,
                 common: Container[str], subjects: Mapping[str, Container[str]]) -> tuple[bool, list[_Cue], bool]:
    """(follow-up?, the cues that point out of the turn, elliptical?)."""
    if not history:
        return False, [], False
    words = _words(message)
    content = _content(words)
    german = detect_language(message) == "de"
    # An ordinal ('85th', '86.', '85-й') names no subject: it asks which one of what the conversation counted.
    names = [w for i, w in enumerate(words) if _is_name(w, i, common) and not (german and _declined_noun(words, i))
             and not _ORDINAL.fullmatch(w)]
    names += _pairs(words)
    if not german:
        # English and Russian capitalise names only: 'Novoera Biotech's medicines' names its subject.
        names += [w for w in words[1:] if w[:1].isupper() and w.lower() not in _FUNCTION and not _MONTHS.match(w)]
    # German typed all in lower case ('was soll novoera biotech im park herstellen?') has lost the capitals that
    # tell nouns and names: a word the documents never use with an article, and no verb, is taken for a name.
    lower_case = german and not re.search(r"[A-ZÄÖÜ]", message)
    if lower_case:
        names += [w for w in words[1:] if len(w) >= 4 and w.lower() not in _FUNCTION and w.lower() not in common
                  and not _VERBISH.match(w) and not _MONTHS.match(w) and not w[:1].isdigit()]
    asks_about = bool(_CONTINUE_PHRASES.match(message))
    continues = bool(words) and (words[0].lower() in _CONTINUE or asks_about)
    cues = _cues(message)
    if names:
        # 'die beiden geplanten Anlagen auf Basis von Mogilevkhimvolokno', 'Novoera Biotech's medicines … in the
        # first phase': the pair, the project of the stage are named in the turn.
        cues = [c for c in cues if c.kind not in {"pair", "stage"}]
    free = [c for c in cues if c.kind != "weak" and not _bound_in_turn(message, c, common)]
    # A turn that names another document's subject carries its own referent ('What share of its exports were
    # Kazakhstan's …?' in a conversation about China).
    named = named_subject(message, subjects)
    elsewhere = named not in {None, _conversation_doc(history, subjects)}
    weak = [c for c in cues if c.kind == "weak" and not elsewhere and not _bound_in_turn(message, c, common, subjects)]
    bound_weak = [c for c in cues if c.kind == "weak" and c not in weak]
    # An ellipsis: no subject of its own ('Und 2011?', 'Und der Warenexport?', 'And in 2011?', 'Und mit Karaganda?',
    # 'А в первом квартале 2022 года?': a time phrase is no subject).
    timeless = [w for w in content if not _TIME_WORD.match(w.rstrip(".")) and not _YEAR.fullmatch(w)]
    elliptical = len(content) <= 1 or (continues and len(timeless) <= 3 and not _has_verb(words))
    # A time phrase with at most one word beside it and no verb is an ellipsis too, said without 'und': 'Im
    # Vergleich zu 2019?', 'Compared with 2019?', 'По сравнению с 2019 годом?' ask the last question again.
    elliptical = elliptical or (not names and _YEAR.search(message) is not None and len(timeless) <= 1
                                and not _has_verb(words))
    def related() -> bool:
        """Does the turn speak of what the last exchange did? A turn that leans on nothing in its words
        ('ok', 'hmm', 'What causes the northern lights?', 'Как приготовить борщ?') is a question of its own,
        and may be off-topic."""
        if similarity is None:
            return True
        last = history[-1]
        return similarity(message, f"{last.understood} {last.answer}") >= LONE_RELATED

    if free or weak:
        return True, free + weak, elliptical
    if elliptical:
        # Only 'Und …', a year or a number marks an ellipsis by its words; a bare word or two must be about the
        # last exchange ('Main exports?' after the trade, not 'hmm' or 'Wie hoch ist der Eiffelturm?').
        if continues or re.search(r"\d", message) or related():
            return True, [], True
        return False, [], False
    if (asks_about or continues and len(content) <= (2 if names else 3)) and related():
        # 'What about Ekibastuz — …?', 'And what was imported from Pavlodar?': the turn says it continues, and
        # is too short to be a question of its own even where it names something. With a name, one word beside
        # it is a gap in the last question; two more make a question of its own ('Und wer hat Novoera Biotech
        # gegründet?', 'And how many companies from the Guangdong sub-park are there?'). It must be near the last
        # exchange: 'And what is the capital of Australia?' only sounds like a continuation.
        return True, [], False
    if german and not lower_case and not re.search(r"\d", message) and \
            not any(w[:1].isupper() for w in words[1:]):
        # 'Was wird vor allem geliefert?': German capitalises every noun, and this turn has none, so no subject.
        return True, [], False
    if continues and not names and named is None:
        # 'Und wann folgte die neue Fassung des Regierungsabkommens?': a continuation without a name of its own.
        return True, [], False
    # The country both documents are about names no subject of its own ('Что поставляла Беларусь?' asks what
    # Belarus supplied in the trade the last exchange was about).
    own_names = [n for n in names if n.lower() not in _SHARED_COUNTRY]
    # 'die Beziehungen der beiden Länder', 'between the two countries': the pair a document is about, named.
    if not own_names and not re.search(r"\d", _ORDINAL.sub("", message)) and not elsewhere and \
            not _BOTH_COUNTRIES.search(message):
        # A turn that names nothing of its own but a thing the last exchange talked about ('Wie viele Unternehmen
        # sollen sich an dem Park beteiligen?' after the Technologiepark, 'Сколько рабочих мест создали резиденты?'
        # after 'Сколько резидентов …'): a lone question names what it asks about.
        shared = _shared_heads(message, content, history[-1], subjects)
        # A turn that binds its own pointer ('Was ist dort, in Karaganda, … geplant?') names its place, even where
        # the corpus uses that name too often to count it as one.
        says_where = any(c.kind != "weak" and _bound_in_turn(message, c, common) for c in cues)
        if shared or len(content) <= _FEW_WORDS and not says_where and related():
            # Or one that names nothing and says little ('Кто был инвестором с белорусской стороны?', 'Was soll
            # im medizinischen Bereich gemeinsam produziert werden?'): too little to find anything on its own.
            # The lone questions without a name or number (7 of 170 on tuning) say five words or more.
            return True, [], False
    if bound_weak and similarity is not None:
        last = history[-1]
        if similarity(message, f"{last.understood} {last.answer}") >= RELATED:
            return True, bound_weak, False
    return False, [], False


_ARTICLE = frozenset("der die das den dem des ein eine einen einem einer eines".split())


def _declined_noun(words: Sequence[str], i: int) -> bool:
    """'auf dem zweiten Platz', 'die neue Fabrik': a German word after an article and a declined adjective is a
    common noun, whatever the documents' own usage says; a name rarely takes an adjective ('MAZ', with its inner
    capitals, stays a name)."""
    return (i >= 2 and words[i - 2].lower() in _ARTICLE and re.fullmatch(r"[a-zäöüß]+(?:e|en|er|es|em)", words[i - 1])
            is not None and not re.search(r"[A-ZÄÖÜ\d]", words[i][1:]))


def _shared_heads(message: str, content: Sequence[str], last: Exchange,
                  subjects: Mapping[str, Container[str]] | None = None) -> list[str]:
    """The turn's nouns that the last exchange used too, by stem, also as the end of a compound ('Park' in
    'Technologiepark'). German nouns are the capitalised words after the first; English and Russian do not mark
    them, so there any content word of five letters or more counts. Words both documents use everywhere
    ('Belarus', 'Jahr', 'Unternehmen') say nothing about the topic, nor do the countries the documents are about
    in any form ('белорусские', 'казахстанскую', 'Belarusian': a lone question names its country too)."""
    said = set(re.findall(r"[^\W\d_]+", " ".join((last.question, last.understood, _plain(last.answer))).lower()))
    german = detect_language(message) == "de"
    shared = []
    for i, word in enumerate(content):
        core = word.rstrip(".").lower()
        if core in _GENERIC or len(core) < (4 if german else 5) or german and not word[:1].isupper():
            continue
        if _country(word, subjects or {}):
            continue
        if german and message.lstrip().startswith(word):
            continue  # the first word is capitalised anyway
        stem = core[: max(4, min(6, len(core) - 2))]
        if any(w.startswith(stem) or german and w.endswith(core) for w in said):
            shared.append(word)
    return shared


_GENERIC = frozenset("""belarus weißrussland kasachstan china länder land jahr jahre jahres jahren unternehmen
    zusammenarbeit region regionen seite seiten partner partnern belarusian kazakhstan chinese companies company
    country countries беларусь белоруссия беларуси казахстан казахстана китай китая страны страна года году
    компании компания""".split())


def _country(word: str, subjects: Mapping[str, Container[str]]) -> bool:
    """Does the word name a country the documents are about, as noun or adjective ('Kasachstan', 'kasachischen',
    'Kazakh', 'казахстанскую', 'белорусские')?"""
    stem = _fold(word)
    return stem in _SHARED_STEMS or any(stem in subject for subject in subjects.values())


def _countries_only(name: str, subjects: Mapping[str, Container[str]]) -> bool:
    """Is the name the documents' countries only ('China-Belarus' in 'the China-Belarus industrial park Great
    Stone', 'Belarus'): a pronoun points to the park, not to the countries every passage is about."""
    return all(_country(part, subjects) for part in re.split(r"[-–\s]+", name) if part)


# The country both documents are about, as a noun ('Belarusian' is an adjective of a subject: 'the Belarusian quarter').
_SHARED_COUNTRY = frozenset("belarus weißrussland беларусь белоруссия беларуси белоруссии".split())
_SHARED_STEMS = frozenset(_fold(w) for w in _SHARED_COUNTRY)


_VERBISH = re.compile(r"^(?:\w+(?:te|ten|tet|st|t|en)|ist|sind|war|waren|hat|haben|gibt|did|does|do|is|are|was|"
                      r"were|has|have|will)$", re.IGNORECASE)


def _has_verb(words: Sequence[str]) -> bool:
    """A finite verb after the first word, roughly: lowercase German/English verb shapes ('ersten' in 'im ersten
    Quartal' is a time word)."""
    return any(w[:1].islower() and _VERBISH.match(w) and not _TIME_WORD.match(w) and w.lower() not in _FUNCTION - {"ist", "sind", "war", "waren",
               "hat", "haben", "gibt", "did", "does", "is", "are", "was", "were", "has", "have", "will"}
               for w in words[1:])


# -- what the last exchange offers as referents -----------------------------------------------------

_ORG_MARK = re.compile(r"\b(?:LLC|OJSC|JSC|CJSC|OAO|ZAO|OOO|GmbH|AG|Ltd|Co\.|Group|Holding|Company|Corporation)\b")


def _names(text: str, common: Container[str]) -> list[str]:
    """Spans of name words in a text, in order: 'Yunchenbel LLC', 'Minsker Automobilwerk', 'Jiangxi'. A run of
    capitalised words is a name when one of them is, or when there are several (German nouns rarely stand
    side by side, a name with its noun often does)."""
    spans: list[list[str]] = []
    current: list[str] = []
    previous_end = -1
    previous = ""
    for i, match in enumerate(_WORD.finditer(text)):
        word = match.group().rstrip(".")
        sentence_start = i == 0 or bool(re.search(r"[.!?;]\s*$", text[: match.start()]))
        adjacent = previous_end >= 0 and bool(re.fullmatch(r"[ \t]+(?:[-–][ \t]+)?", text[previous_end : match.start()]))
        usable = word[:1].isupper() and word.lower() not in _FUNCTION and not _MONTHS.match(word)
        # English names keep their small words: 'Yuzhou Science and Technology Company LLC', 'Institute of Culture'.
        joins = (bool(current) and adjacent and word in {"and", "of", "&"}
                 and bool(re.match(r"\s+[A-Z]", text[match.end():])))
        if joins:
            current.append(word)
        elif (usable and not current and adjacent and _ORG_MARK.fullmatch(word) and previous[:1].isupper()
              and previous.lower() not in common and previous.lower() not in _FUNCTION):  # not 'Die GmbH'
            # A legal form names the word before it, even at the start of a sentence: 'Heprotrade LLC wird …'.
            current = [previous, word]
        elif usable and not (sentence_start and not _is_name(word, 1, common)):
            if current and not adjacent:
                spans.append(current)
                current = []
            current.append(word)
        elif current:
            spans.append(current)
            current = []
        previous_end = match.end()
        previous = word
    if current:
        spans.append(current)
    # English and Russian capitalise only names: there a capitalised word inside a sentence is one, whatever its
    # ending ('the company Heprotrade'), unless it names a nationality ('the Chinese side').
    capitals_name = detect_language(text) != "de"
    out = []
    for span in spans:
        # 'Unternehmen Bel Samoyed Cloud LLC' → the name without the noun that introduces it.
        # A legal form alone is no name: 'Agromashholding JSC' keeps its first word even where it looks common.
        while (len(span) > 1 and span[0].lower() in common and _COMMON_NOUN.search(span[0].lower())
               and any(_is_name(w, 1, common) for w in span[1:])
               and not all(_ORG_MARK.fullmatch(w) for w in span[1:])):
            span = span[1:]
        # '… registriert - IPD Group LLC Ende 2022': nor the common noun that follows it.
        while (len(span) > 1 and span[-1].lower() in common and _COMMON_NOUN.search(span[-1].lower())
               and any(_is_name(w, 1, common) for w in span[:-1])):
            span = span[:-1]
        # (A lone word that opens a sentence is here only when `_is_name` took it above.)
        if len(span) > 1 or _is_name(span[0], 1, common) or (capitals_name and not _NATIONALITY.search(span[0])):
            out.append(" ".join(span))
    # Russian names are adjectives with their noun, and only the first word is capitalised: 'Минского тракторного
    # завода' (the Minsk Tractor Works), not 'Минского'.
    return [_RUSSIAN_NAME.match(text, text.find(n)).group() if re.fullmatch(_RUSSIAN_ADJECTIVE, n) and  # type: ignore[union-attr]
            _RUSSIAN_NAME.match(text, text.find(n)) else n for n in out]


_RUSSIAN_ADJECTIVE = r"[А-ЯЁ][а-яё]+(?:ого|его|ому|ему|ым|им|ый|ий|ой|ая|яя|ое|ее|ые|ие|ых|их|ую|юю|ими|ыми)"
_RUSSIAN_NAME = re.compile(_RUSSIAN_ADJECTIVE + r"(?:\s+[а-яё]+(?:ого|его|ому|ему|ым|им|ый|ий|ой|ая|яя|ое|ее|ые|ие|ых|их|ую|юю|"
                           r"ими|ыми))*\s+(?!(?:в|во|на|с|со|к|по|о|об|от|до|из|за|для|при|и|или|а|но)\b)[а-яё]{3,}")


def _referent(cue: _Cue, last: Exchange, message: str, common: Container[str],
              subjects: Mapping[str, Container[str]] | None = None) -> str:
    """What the cue points to in the last exchange: its answer first (it introduced the newest names), then
    its question."""
    answer, question = _plain(last.answer), _plain(last.understood)
    own = message.lower()
    lead = re.split(r"(?<=[.!?])\s+(?=[A-ZÄÖÜА-Я\"„])", answer.strip(), maxsplit=1)[0]
    if cue.kind == "stage":
        return ""  # 'in der ersten Phase': of what, the topic note says
    if cue.kind == "pair":  # 'the two regions' → the two names the last exchange put side by side
        for text in (question, lead):
            names = [n for n in _names(text, common) if n.lower() not in own]
            if len(names) >= 2:
                return _AND[detect_language(message)].join(names[:2])
        return ""
    asked_for_name = bool(_ASKS_FOR_NAME.match(question))
    if cue.head and _ORGANISATION.match(cue.head):
        for text in (lead, question, answer):  # 'the company' → the company the last exchange named
            organisations = [n for n in _names(text, common) if _ORG_MARK.search(n) and n.lower() not in message.lower()]
            if organisations:
                return organisations[0]
    if cue.head:
        stem = cue.head.lower()[:5]
        # The question first: it named what 'diese Provinz' points to when it named one at all; unless it asked
        # for the name ('Which Cuban zone …?' → 'this zone' is the one the answer named). Where it asked for this
        # very noun ('С каким китайским городом …?' → 'этот город'), only the answer can name it: the question's
        # names are something else ('Светлогорский район'), and a refusal leaves the topic note to say it.
        texts: tuple[str, ...] = (lead, question, answer) if asked_for_name else (question, lead, answer)
        if _asked_noun(question)[:4] == cue.head.lower()[:4]:
            texts = (lead, answer)
        for text in texts:
            for name in _names(text, common):
                words = name.split()
                if any(w.lower().startswith(stem) for w in words) and len(words) > 1:
                    rest = [w for w in words if not w.lower().startswith(stem)]
                    return " ".join(rest)
            # 'Provinz Jiangxi', 'Region Witebsk', 'province of Liaoning': the name after the head noun.
            # Also at the end of a German compound: 'this zone' → 'Sonderentwicklungszone Mariel'.
            match = re.search(rf"\b\w*{re.escape(cue.head[:5])}\w*\s+(?:of\s+)?((?-i:[A-ZА-Я])[\w-]+"
                              rf"(?:\s+(?-i:[A-ZА-Я])[\w-]+)*)", text, re.IGNORECASE)
            if match and _is_name(match.group(1), 1, common):
                return match.group(1)
            match = re.search(rf"\b([A-ZА-Я][\w-]+)[-\s]{re.escape(cue.head[:5])}", text, re.IGNORECASE)
            if match and _is_name(match.group(1), 1, common):
                return match.group(1)
    if cue.kind == "year":  # 'that year': the year the last question asked about, else the one its answer gave
        return _first_year(question, answer)
    if cue.kind == "strong":
        if cue.word in _TIME:  # 'seitdem', 'then', 'тогда': the year the last exchange was about
            return _first_year(answer, question)
        return ""  # 'damit', 'davon', 'other': a fact, not a name; the topic note says what it is
    if cue.kind == "place":
        # The answer's places are the referent only where the last question asked for one ('Wo …?', 'Which
        # region …?'); otherwise they are incidental ('… in Belarus ansässige Unternehmen' in an answer about the
        # Great Stone park made 'And what is produced there?' mean Belarus).
        asked_where = asked_for_name or _ASKS_FOR_PLACE.match(question) is not None
        for text in (question, answer) if asked_where else (question,):
            places = re.findall(r"\b(?:in|im|nach|aus|at|to|from|в|во|из)\s+(?:(?:der|dem|den|die|the|Region|Provinz|"
                                r"Gebiet|Stadt|region|province|city)\s+)*([A-ZА-Я][\w-]+(?:\s+[A-ZА-Я][\w-]+)?)", text)
            # 'in Astana': a capitalised word right after the preposition, without an article, is a place name
            # even when the documents also use it with one ('die Astana Commodity Exchange').
            # The countries the documents are about are where every answer is: the search stays in the document.
            places = [p for p in places if p.lower() not in own and not _MONTHS.match(p)
                      and p.split()[0].lower() not in _IDIOMS and not _country(p.split()[0], subjects or {})
                      and (_is_name(p.split()[0], 1, common) or re.search(rf"\b(?:in|nach|aus|at|to|from|в|из)\s+"
                                                                       rf"{re.escape(p)}", text))]
            if places:
                return places[-1]
        return ""  # 'there' with no place named: a company is no place; the topic note says where
    if cue.kind in {"demonstrative", "definite"}:
        if not _ORGANISATION.match(cue.head):
            return ""  # 'diese Abkommen' with no 'Abkommen X' to find: the topic note says more than a guess
        for text in (answer, question):  # 'das Unternehmen' → the company the last exchange named
            organisations = [n for n in _names(text, common) if _ORG_MARK.search(n) and n.lower() not in own]
            if organisations:
                return organisations[0]
        return ""
    # 'Welches Unternehmen …?' → the answer introduced the name (in its leading sentence); otherwise the
    # question's subject is meant.
    # A question that asked for a name knew its other names: the one it asked for is in the answer, not among
    # them ('Welches Unternehmen wurde … Bewohner des Industrieparks Great Stone?' → 'es' is the company).
    order = (lead, answer, question) if asked_for_name else (question, lead, answer)
    known = {n.lower() for n in _names(question, common)} if asked_for_name else set()
    for text in order:
        names = [n for n in _names(text, common) if n.lower() not in own and (text is question or n.lower() not in known)
                 and not _countries_only(n, subjects or {})]
        organisations = [n for n in names if _ORG_MARK.search(n)]
        if organisations or names:
            chosen = (organisations or names)[:2 if cue.word in _PLURAL else 1]
            return _AND[detect_language(message)].join(chosen)
    return ""


def _first_year(*texts: str) -> str:
    """The first year of the first text that names one ('' when none does)."""
    return next((years[0] for text in texts if (years := _YEAR.findall(text))), "")


_ORGANISATION = re.compile(r"(?:unternehm|firma|konzern|betrieb|werk|company|concern|plant|factory|компани|предприят|завод|"
                           r"концерн)", re.IGNORECASE)
# 'in Bezug auf', 'in Kraft', 'im Rahmen': a preposition and a noun that name no place.
_IDIOMS = frozenset("bezug kraft betrieb höhe form rahmen zusammenarbeit folge zukunft richtung anbetracht "
                    "verbindung zusammenhang hinblick".split())
_TIME = frozenset("seitdem seither damals danach then тогда".split())
_ASKS_FOR_PLACE = re.compile(r"^\W*(?:\w+\s+)?(?:wo|wohin|woher|where|где|куда|откуда)\b", re.IGNORECASE)
# 'Und welche …?', 'And which …?', 'А какая …?' ask as the question without the 'und' does.
_LEADING_AND = r"^\W*(?:(?:und|and|а|и)\s+)?"
_ASKS_FOR_NAME = re.compile(_LEADING_AND + r"(?:welche[rsmn]?|wer|which|who|what company|как(?:ая|ое|ой|ие)|кто)\b", re.IGNORECASE)
# 'Which Cuban zone …', 'Mit welcher chinesischen Stadt …', 'С каким китайским городом …': a preposition, the asking
# word, up to two adjectives, the noun asked for.
_ASKING = re.compile(r"^\W*(?:(?:mit|in|an|aus|von|bei|für|zu|with|from|to|at|for|of|с|со|в|во|из|на|для|к|у)\s+)?"
                     r"(?:welche[rsmn]?|which|как(?:ая|ое|ой|ие|им|ом|ого|ую|их|ими))\s+", re.IGNORECASE)
_RUSSIAN_ADJECTIVE_END = re.compile(r"(?:ий|ый|ой|им|ым|ая|яя|ую|юю|ое|ее|ие|ые|их|ых|ого|его|ому|ему|ыми|ими)$")


def _asked_noun(question: str) -> str:
    """The noun a question asks a name for, lower case; '' when it asks for none."""
    match = _ASKING.match(question)
    if not match:
        return ""
    for word in _words(question[match.end():])[:3]:
        # Adjectives by their shape: German writes them in lower case (nouns capitalised), English nationalities
        # capitalised ('Cuban'), Russian by their endings.
        adjective = (word[:1].islower() and detect_language(question) == "de" or word[:1].isupper() and
                     re.match(r"[a-z]", word[1:2] or "") is not None and detect_language(question) == "en"
                     or _RUSSIAN_ADJECTIVE_END.search(word.lower()) is not None and re.match(r"[а-яё]", word.lower()))
        if not adjective:
            return word.lower().rstrip(".")
    return ""
_PLURAL = frozenset("sie ihre ihren ihrem ihrer ihres deren they them their они их им ним них ними".split())
_AND = {"de": " und ", "en": " and ", "ru": " и "}


def _plain(text: str) -> str:
    """An answer without its citation markers, source notes and the lead that frames a German quotation for an
    English or Russian asker: '…[1]', '(ohne Fußnote; Passage 1, S. 5)', 'The documents say (German original):'."""
    text = re.sub(r"^[^\"«„]*\((?:German original|оригинал на немецком)\):\s*", "", text)
    text = re.sub(r"[«»\"„“”]", "", text)
    text = re.sub(r"\[\d+\]", "", text)
    return re.sub(r"\s*\([^()]*(?:Passage|passage|фрагмент|Fußnote|footnote|сноск|Quelle|source)[^()]*\)", "", text)


# -- resolving -------------------------------------------------------------------------------------

_NOTE = {"de": "zu", "en": "re", "ru": "к"}
_LEAD = re.compile(
    r"^(?:(?:um|in|mit|an|auf|aus|bei|für|von|zu|by|to|at|from|with|с|в|на|по)\s+)?"
    r"(?:wie\s+(?:viele?|hoch|groß|stark|lange|weit)|wann|wo|woher|wohin|was|wer|welche[rsnm]?|warum|"
    r"how\s+(?:many|much|large|big|fast|long)|what|which|when|where|who|why|"
    r"сколько|когда|где|что|кто|как(?:ой|ая|ое|ие|ова|ов|ово|овы)?)\s+"
    r"(?:(?:ist|sind|war|waren|wird|werden|wurde|wurden|hat|haben|hatte|hatten|gibt|gab|did|does|do|is|are|was|"
    r"were|has|have)\s+)?",
    re.IGNORECASE,
)


_NOTE_PATTERN = re.compile(r"\s*\((?:zu|re|к): [^()]*(?:\([^()]*\)[^()]*)*\)")


def _whole(exchange: Exchange) -> bool:
    """Was the turn understood as a whole question of its own: asked as one, or rebuilt into one ('And in 2021?'
    → 'What was the trade turnover … in 2021?'), without a topic note or a bracketed referent?"""
    understood = exchange.understood
    return understood == exchange.question or (not _NOTE_PATTERN.search(understood)
                                               and understood.count("(") == exchange.question.count("("))


def _root(history: Sequence[Exchange]) -> Exchange:
    """The exchange that opened the current thread: the last one understood as a whole question."""
    return next((e for e in reversed(history) if _whole(e)), history[0])


def _without_note(text: str) -> str:
    return _NOTE_PATTERN.sub("", text).strip()


def _topic(history: Sequence[Exchange]) -> str:
    """What the conversation is about in a few words: the question that opened the current thread (the last
    one understood as a whole question, see `_whole`) without its asking words."""
    text = _LEAD.sub("", _root(history).understood.strip().rstrip("?").strip())
    words = text.split()
    if words and words[0].lower() in {"der", "die", "das", "den", "dem", "des", "the"}:
        words = words[1:]
    return " ".join(words[:14])


# Words of a time phrase around its year: 'Ende 2020', 'Mitte November 2021', 'first quarter of 2022', 'в первом
# квартале 2022 года', 'the first three quarters of 2017', 'за весь 2016 год', 'январе–феврале 2017-го', 'mid-April
# 2022'. Prepositions stay outside, so that the earlier question keeps its own.
_TIME_WORD = re.compile(
    r"^(?:ende|anfang|mitte|beginn|end|beginning|start|middle|early|late|erste[nmrs]?|zweite[nmrs]?|dritte[nmrs]?|"
    r"vierte[nmrs]?|first|second|third|fourth|last|quartal|quartals|quartale|quartalen|quarters|halbjahr|halbjahres|"
    r"hälfte|quarter|half|monat|monate|monaten|months|zwei|drei|vier|neun|two|three|four|nine|два|двух|три|трёх|трех|"
    r"девять|девяти|весь|всего|whole|entire|gesamte[nmrs]?|ganze[nmrs]?|"
    r"jahr|jahres|year|of|the|des|начал\w*|кон[ец]\w*|середин\w*|перв\w*|втор\w*|трет\w*|четв[её]рт\w*|"
    r"квартал\w*|полугоди\w*|год|года|году|годом|годы|годах|г|"
    r"januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember|january|february|march|"
    r"may|june|july|october|december|январ\w*|феврал\w*|март\w*|апрел\w*|ма[йяе]|июн\w*|июл\w*|август\w*|"
    r"сентябр\w*|октябр\w*|ноябр\w*|декабр\w*)$|^(?:jan|feb|mär|apr|jun|jul|aug|sep|okt|nov|dez|mid|январ|феврал|март|"
    r"апрел|ма|июн|июл|август|сентябр|октябр|ноябр|декабр)\w*[-–]\w+$",
    re.IGNORECASE,
)


def _time_phrase(text: str, year: re.Match) -> tuple[int, int]:
    """Where the time phrase around `year` starts and ends in `text`: the year with the time words next to it."""
    tokens = list(_WORD.finditer(text))
    at = next(i for i, t in enumerate(tokens) if t.start() <= year.start() < t.end() or t.start() >= year.start())
    first = last = at
    while first > 0 and _TIME_WORD.match(tokens[first - 1].group().rstrip(".")):
        first -= 1
    while last + 1 < len(tokens) and _TIME_WORD.match(tokens[last + 1].group().rstrip(".")) \
            and tokens[last + 1].group().lower() not in {"of", "the", "des", "jahr", "year"}:
        last += 1
    # 'of' / 'the' only join time words ('the first quarter of 2022'), and 'im Jahr 2021' keeps its 'Jahr'.
    while first < at and tokens[first].group().lower() in {"of", "the", "des", "jahr", "jahres", "year"}:
        first += 1
    return min(tokens[first].start(), year.start()), max(tokens[last].end(), year.end())


# A preposition, with its article, right before a time phrase: 'in den', 'im', 'at the', 'by', 'за', 'в'.
_TIME_PREPOSITION = re.compile(r"(?:^|\s)((?:im|in|am|an|zum|bis|seit|ab|by|at|on|during|since|until|в|во|на|за|к|до|с)\s+"
                               r"(?:(?:dem|den|der|die|the)\s+)?)$", re.IGNORECASE)


# A year named relative to the last question's: 'Und im Jahr davor?', 'And the year after?', 'А годом ранее?'.
_YEAR_BEFORE = re.compile(r"\b(?:(?:im|in dem)\s+)?(?:jahr\s+(?:davor|zuvor)|vorjahr(?:es)?)\b|"
                          r"\b(?:in\s+)?(?:the\s+(?:year\s+before|previous\s+year|prior\s+year)|a\s+year\s+(?:earlier|before))|"
                          r"(?:годом\s+ранее|годом\s+раньше|в\s+предыдущем\s+году|за\s+год\s+до\s+этого)", re.IGNORECASE)
_YEAR_AFTER = re.compile(r"\b(?:(?:im|in dem)\s+)?(?:jahr\s+danach|(?:darauf)?folgenden\s+jahr)\b|"
                         r"\b(?:in\s+)?(?:the\s+(?:year\s+after|following\s+year|next\s+year)|a\s+year\s+later)|"
                         r"(?:годом\s+позже|годом\s+позднее|в\s+следующем\s+году|через\s+год)", re.IGNORECASE)


def _absolute_years(message: str, previous: str) -> str:
    """'Und im Jahr davor?' after '… im Jahr 2022?' → 'Und 2021?': a year named relative to the earlier question's
    (before its first year, after its last), so that it is put in place of that year."""
    years = [int(y) for y in _YEAR.findall(previous)]
    if not years or _YEAR.search(message):
        return message
    message = _YEAR_BEFORE.sub(str(min(years) - 1), message, count=1)
    return _YEAR_AFTER.sub(str(max(years) + 1), message, count=1)


def _substitute(message: str, previous: str) -> str | None:
    """'Und 2011?' + 'Wie stark wuchs der Handel … von 2005 bis 2010?' → '… 2011?': the elliptical turn's year,
    ordinal or prepositional phrase put in place of the earlier one. None when nothing lines up."""
    message = _absolute_years(message, previous)
    years = _YEAR.findall(message)
    fragment = _CONTINUE_STRIP.sub("", message.strip().rstrip("?").strip())
    if years and _YEAR.search(previous):
        # The turn's time phrase ('Mitte November 2021', 'первом квартале 2022 года') in its own language; in
        # another language only its year, so that 'And in 2011?' keeps a German question German.
        when = " ".join(years)
        if len(years) == 1 and detect_language(message) == detect_language(previous):
            start, end = _time_phrase(fragment, next(_YEAR.finditer(fragment)))
            when = fragment[start:end]
        ranged = re.search(r"(?:von|from|с|between|zwischen)\s+(?:19|20)\d\d\s*(?:bis|to|по|and|und|-|–)\s*(?:19|20)\d\d",
                           previous)
        # 'von Januar bis Mai 2021': a range of months is one time phrase too.
        months = re.search(r"(?:von|from|с)\s+(\w+)\s+(?:bis|to|по)\s+(\w+)\s+(?:19|20)\d\d", previous)
        if not ranged and months and all(_TIME_WORD.match(m) for m in months.groups()):
            ranged = months
        if ranged:
            return previous[: ranged.start()] + when + previous[ranged.end():]
        last_year = list(_YEAR.finditer(previous))[-1]
        if _YEAR.fullmatch(when):
            # A bare year asks for the same period of that year: 'Und 2011?' after '… in den ersten drei Quartalen
            # 2017?' → '… in den ersten drei Quartalen 2011?'.
            return previous[: last_year.start()] + when + previous[last_year.end():]
        start, end = _time_phrase(previous, last_year)
        # 'im Jahr 2021' → 'im ersten Quartal 2022', not 'im Jahr ersten Quartal 2022'.
        year_word = re.search(r"\b(?:jahre?s?|year)\s+$", previous[:start], re.IGNORECASE)
        if year_word:
            start = year_word.start()
        # The turn's own preposition goes with its time phrase: '… in den ersten drei Quartalen 2017' + 'Und im ersten
        # Quartal 2021?' → '… im ersten Quartal 2021', not '… in den ersten Quartal 2021'; 'за весь 2016 год' +
        # 'А в январе–феврале 2017-го?' → 'в январе–феврале 2017-го'. ('2011 2012', two years, is no span of the turn.)
        own = _TIME_PREPOSITION.search(fragment[: fragment.find(when)]) if when in fragment else None
        before = _TIME_PREPOSITION.search(previous[:start])
        if own and before:
            when, start = own.group(1) + when, before.start(1)
        return previous[:start] + when + previous[end:]
    ordinals = list(_ORDINAL.finditer(message))
    if ordinals and _ORDINAL.search(previous):
        last = list(_ORDINAL.finditer(previous))[-1]
        return previous[: last.start()] + ordinals[0].group() + previous[last.end():]
    counted = _counted_in(previous)
    if ordinals and counted:
        # 'Wie viele Einwohner hatte der Park?' → 'Wer war der 99.?' means the 99th Einwohner.
        at = ordinals[0].end()
        if detect_language(previous) == "en" and counted.endswith("s"):
            counted = counted[:-1]  # 'how many residents' → 'the 99th resident'
        return message[:at] + " " + counted + message[at:]
    if counted and (_OTHER_COUNTED.fullmatch(counted.split()[-1]) or counted[0].isupper()) and \
            _OTHER_COUNTED.fullmatch(fragment) and not _INTERROGATIVE.match(fragment) and \
            not _MONTHS.match(fragment) and (not fragment[0].isupper() or _COMMON_NOUN.search(fragment.lower())):
        # 'Und Traktoren?' after 'Wie viele Mähdrescher wurden … montiert?', 'And tractors?', 'А комбайнов?' after
        # 'Сколько тракторов собирают …?': another thing counted the same way ('Und Gomselmash?' names a subject).
        at = previous.index(counted)
        return previous[:at] + fragment + previous[at + len(counted):]
    # 'Und mit Karaganda?', 'Und welche von Polozk?' (the asking word repeats the earlier question's), not 'Mit wem?'.
    phrase = re.sub(r"^(?:welche[rsnm]?|wer|was|which|who|what|как(?:ой|ая|ое|ие)|кто|что)\s+(?=\w+\s)", "", fragment,
                    flags=re.IGNORECASE)
    prep = re.match(r"^(mit|in|im|nach|aus|bei|für|von|vom|with|for|at|from|of|с|в|для|у|из|от)\s+(.+)$", phrase,
                    re.IGNORECASE)
    if prep and not _INTERROGATIVE.match(prep.group(2)):
        place = re.search(rf"\b{re.escape(prep.group(1))}\s+[^,?;]+?(?=\s+(?:und|and|und|in|im|mit|seit|von|bis|for|"
                          rf"since|from)\s|[,?;]|$)", previous, re.IGNORECASE)
        if place:
            return previous[: place.start()] + phrase + previous[place.end():]
    return None


# A bare plural noun: German capitalised, English lower-case ending in -s, Russian in a genitive plural.
_OTHER_COUNTED = re.compile(r"[A-ZÄÖÜ][a-zäöüß]{3,}|[a-z]+ ?[a-z]*s|[а-яё]+(?:ов|ев|ей|ий|ых|их)")


def _counted_in(question: str) -> str | None:
    """What a 'Wie viele / How many / Сколько' question counts, as written in it ('Mähdrescher', 'combine
    harvesters', 'тракторов'; 'стоит' for 'Сколько стоит …?'); None when it is no such question."""
    if not re.search(r"\b(?:wie viele|how many)\b|сколько", question, re.IGNORECASE):
        return None
    noun = asked_noun(question)
    if noun is None or noun not in question:
        return None
    if re.search(r"[a-z]", noun[-1]) and " " in noun and not noun.endswith("s"):
        noun = noun[: noun.rfind(" ")]  # 'Belarusian students study' → 'Belarusian students'
    return noun


_INTERROGATIVE = re.compile(r"^(?:wem|wen|was|wo|wann|wie|welche\w*|whom|who|what|which|when|where|how|сколько|кем|ком|кого|чем|"
                            r"ч[её]м|чего|чему|когда|где|какой|какая|каких|каким)\b", re.IGNORECASE)


def _rebuilt(message: str, history: Sequence[Exchange]) -> str | None:
    """The ellipsis put into the last question, or else into the question that opened the thread ('Und der
    89.?' after a turn about the 86th's project still means the 89th resident), or one in between; never into
    a question before the thread, which was about something else ('Und wie viele davon im Jahr 2011?' after a
    new question without a year). A question is taken as understood, without its topic note: the note's year
    or ordinal is not what the question asked about ('А 85-й резидент?' after 'Кто инициатор этого проекта?
    (к: … 86-м …)')."""
    root = _root(history)
    thread = history[max(i for i, e in enumerate(history) if e is root):]
    bases = [history[-1], root, *reversed(thread)]
    for question in dict.fromkeys(_without_note(e.understood) for e in bases):
        rebuilt = _substitute(message, question)
        if rebuilt:
            return rebuilt
    return None


def resolve(message: str, history: Sequence[Exchange], *, similarity: Callable[[str, str], float] | None = None,
            common: Container[str] = frozenset(), subjects: Mapping[str, Container[str]] | None = None) -> Resolution:
    """Follow-up or new question, and what the turn means in the conversation (see the module docstring).

    `history` holds the earlier exchanges, oldest first; `similarity(a, b)` (cosine of e5 query embeddings)
    helps only when a pronoun could be carried by the turn itself; `common` holds the documents' common nouns
    (`common_nouns`), which German capitalises like names.
    """
    message = message.strip()
    subjects = subjects or {}
    history = _referable(message, history, similarity)
    returning = _RETURN.match(message) if history else None
    if returning:
        return _return(returning, history, similarity=similarity, common=common, subjects=subjects)
    followup, cues, elliptical = _is_followup(message, history, similarity, common, subjects)
    if not followup:
        return Resolution(message, False, None, message)
    # 'Main exports?' has no language of its own: its note speaks the conversation's ('re:', not 'zu:').
    language = detect_language(message, default=detect_language(history[-1].understood))
    display = _display(message, history, cues, elliptical, language, common, subjects)
    # Retrieval gets the readable question and the earlier topic's words: the topic carries the subject even
    # where the bracketed referent is missing or wrong.
    topic = _topic(history)
    # A question rebuilt from the last one ('Und 2011?' → '… 2011?') already carries the topic. Adding the last
    # answer's leading name as well was tried: follow-up hit@5 equal, hit@1 0.61 → 0.55 (eval, 38 turns).
    extra = [] if elliptical and _rebuilt(message, history) else [topic]
    # The turn points at the last exchange ('для этого' after 'Где он планирует построить ещё один завод?'), the
    # topic at where the thread began: when they differ, retrieval gets both (follow-up hit@5 +2 of 156 turns).
    if extra and history[-1] is not _root(history):
        extra.append(_LEAD.sub("", _without_note(history[-1].understood).rstrip("?").strip()))
    doc = _conversation_doc(history, subjects)
    named = named_subject(message, subjects)
    if named is not None and named != doc:
        # The turn moves to the other document ('Hat der Konzern auch mit einem chinesischen Partner …?'): the
        # earlier topic's words ('… Ausfuhren nach Kasachstan') would pull it back; the display names the referent.
        doc, extra = None, []
    query = " ".join([display, *(e for e in extra if e.lower() not in display.lower())])
    return Resolution(query, True, doc, display)


def _referable(message: str, history: Sequence[Exchange], similarity: Callable[[str, str], float] | None) -> list[Exchange]:
    """The exchanges a turn can refer to. Not a content-free one ('ok', '???'). Not one refused as off-topic, unless
    the turn is closer to it than to the exchange before: 'And the Uzbek zones — when were they discussed?' after
    'What is the capital of Australia?' asks about the documents' thread, while 'What did they agree on for
    journalists?' after a question about two news agencies that was wrongly refused asks about those agencies."""
    kept: list[Exchange] = []
    for exchange in history:
        if exchange.refused == "content-free":
            continue
        if exchange.refused == "off-topic":
            closer = similarity is not None and similarity(message, exchange.question) > (
                similarity(message, kept[-1].understood) if kept else LONE_RELATED)
            if not closer:
                continue
        kept.append(exchange)
    return kept


# 'Zurück zum Handel: und 2011?', 'Back to the trade figures: …', 'Вернёмся к договору о дружбе: …': the turn names
# an earlier topic and asks about it.
_RETURN = re.compile(r"^\W*(?:zurück\s+zu[mr]?|noch\s*(?:ein)?mal\s+zu[mr]?|wieder\s+zu[mr]?|back\s+to|"
                     r"(?:returning|going\s+back|coming\s+back)\s+to|верн[её]мся\s+к|возвращаясь\s+к|снова\s+о|назад\s+к)"
                     r"\s+(?P<topic>[^:?!.;—–]+?)\s*[:—–,;.]\s*(?P<rest>.*)$", re.IGNORECASE)


def _return(match: re.Match, history: Sequence[Exchange], *, similarity: Callable[[str, str], float] | None,
            common: Container[str], subjects: Mapping[str, Container[str]]) -> Resolution:
    """A return to an earlier topic, resolved against the exchange it names: the one sharing most word stems
    with the named topic, else the thread before the last exchange."""
    topic = {_fold(w) for w in _content(_words(match.group("topic")))}
    # What a question asked about counts twice what its answer mentioned: 'Back to 2021: …' returns to the
    # question about 2021, not to the one about 2020 whose answer quoted a sentence about 2021.
    scores = [2 * len(topic & {_fold(w) for w in _words(f"{e.understood} {e.question}")})
              + len(topic & {_fold(w) for w in _words(_plain(e.answer))}) for e in history]
    best = max(scores)
    # Ties go to the earliest exchange: a topic named again is usually where the thread started.
    target = scores.index(best) if best else max(0, len(history) - 2)
    earlier = history[: target + 1]
    rest = match.group("rest").strip() or earlier[-1].understood
    inner = resolve(rest, earlier, similarity=similarity, common=common, subjects=subjects)
    language = detect_language(rest)
    named_topic = match.group("topic").strip()
    # The pronoun ('Zurück zu dem Traktorenwerk: Wann wurde es eröffnet?') or the place ('Вернёмся к KazBelAZ: когда
    # там собрали …?') the turn does not bind itself is the topic it names.
    referent = re.sub(r"^(?:de[mnrs]|die|das|the)\s+", "", named_topic, flags=re.IGNORECASE)
    unbound = [c for c in _cues(rest) if c.kind in {"weak", "demonstrative", "place"} and not _bound_in_turn(rest, c, common)]
    pointing = [c for c in unbound if c.kind != "place"]
    place = next((c for c in unbound if c.kind == "place"), None)

    def naming(cue: _Cue) -> str:
        if language == "ru" and referent[:1].islower():
            # A Russian common noun after 'к' is in the dative ('Вернёмся к парку'): put after 'там' or 'его' it
            # would read '(парку)'. The turn as typed names its topic in the right case.
            return match.group().strip()
        return f"{rest[:cue.end]} ({referent}){rest[cue.end:]}"

    if pointing:
        display = naming(pointing[0])
        query = f"{display} {_topic(earlier)}"
    elif inner.followup:
        # Retrieval keeps the follow-up's query where the display names the place: searched with the display's
        # words, the return to Great Stone's resident count lost its sentence (eval/README.md).
        display = naming(place) if place is not None else inner.display
        query = inner.query
    else:
        display = f"{rest} ({_NOTE[language]}: {_topic(earlier)})"
        query = display
    if named_topic.lower() not in query.lower():
        query = f"{query} {named_topic}"  # 'Zurück zu Jiangxi: …' searches Jiangxi, which the note may lack
    doc = _conversation_doc(earlier, subjects)
    named = named_subject(match.group(), subjects)
    return Resolution(query, True, doc if named in {None, doc} else None, display)


# A topic put before the question and a dash or colon ('And the Uzbek zones — when were they discussed?', 'Und
# Pawlodar: wann wurde es …?') is what the question's pronoun stands for.
_DISLOCATED = re.compile(r"^\W*(?:(?:and|und|и|а)\s+)?(?:(?:what|how)\s+about\s+|was\s+ist\s+mit\s+)?"
                         r"(?:the\s+|die\s+|der\s+|das\s+)?[^\W\d_][^—–:?!.]*?\s*[—–:]\s*\w", re.IGNORECASE)


def _display(message: str, history: Sequence[Exchange], cues: Sequence[_Cue], elliptical: bool, language: str,
             common: Container[str], subjects: Mapping[str, Container[str]] | None = None) -> str:
    last = history[-1]
    topic = _topic(history)
    if elliptical:
        substituted = _rebuilt(message, history)
        if substituted:
            return _swap_subject(substituted, message, subjects or {})
        # 'And the exports?', 'Mit wem?': the ellipsis continues the last question as it was understood, when
        # that says more than an asking word ('Wo wird produziert?' says nothing without its own note).
        previous = _LEAD.sub("", _CONTINUE_STRIP.sub("", _without_note(last.understood)).rstrip("?").strip())
        if len(_content(_words(previous))) >= 3 and previous.lower() not in topic.lower():
            # When that question itself needed the thread's topic ('Wo wird produziert?' after 'Welches Joint
            # Venture nahm dort … auf? (zu: … Region Karaganda …)'), both: the question alone lost Karaganda.
            topic = f"{previous}; {topic}" if _NOTE_PATTERN.search(last.understood) else previous
    note = f"{message.rstrip()} ({_NOTE[language]}: {topic})"
    described = _described_answer(message, last, common)
    if described and not elliptical:
        end, name = described
        return f"{message[:end]} ({name}){message[end:]}"
    if not cues:
        return note
    out, shift, filled, dislocated = message, 0, False, False
    for cue in sorted(cues, key=lambda c: c.end):
        if cue.kind == "weak" and _DISLOCATED.match(message[: cue.start]):
            # 'And the Uzbek zones — when were they discussed?': they are the zones the turn names.
            dislocated = True
            continue
        referent = _referent(cue, last, message, common, subjects or {})
        if not referent or referent.lower() in out.lower():
            continue
        # After the pointing word, or after the noun a possessive / demonstrative governs.
        end = cue.end
        insert = f" ({referent})"
        out = out[: end + shift] + insert + out[end + shift:]
        shift += len(insert)
        filled = True
    return out if filled or dislocated else note


_ASKED_FOR = re.compile(_LEADING_AND + r"(?:(?:wer|who|кто)\s+(?:war|ist|wurde|wird|was|is|became|был\w*)\s+(?:der|die|das|the|a|an)?\s*|"
                        r"(?:welche[rsmn]?|which|what|как(?:ая|ое|ой|ие))\s+)(?:[\w.-]+\s+){0,2}?([^\W\d_]{5,})",
                        re.IGNORECASE)


def _described_answer(message: str, last: Exchange, common: Container[str]) -> tuple[int, str] | None:
    """'der neue Bewohner' after 'Wer war der 86. Bewohner …?': a definite noun the last question asked a name for
    is the one its answer named (where the noun ends in the turn, the name). None when the answer names nothing."""
    question = _without_note(last.understood)
    if not _ASKS_FOR_NAME.match(question):
        return None
    # Only the noun asked for ('Bewohner' in 'Wer war der 86. Bewohner …?', 'Unternehmen' in 'Welches Unternehmen …'),
    # not the other nouns of the question ('die Universität' in 'Wer leitet die Universität?' is not its rector).
    asked_for = _ASKED_FOR.match(question)
    if asked_for is None:
        return None
    asked = {asked_for.group(1).lower()[:5]}
    own = message.lower()
    for match in re.finditer(r"\b(?:der|die|das|den|dem|des|the)\s+(?:[a-zäöüß-]+\s+)?([^\W\d_]{5,})", message,
                             re.IGNORECASE):
        if match.group(1).lower()[:5] not in asked:
            continue
        # The answer's first sentence; an ordinal's point ('Der 86. Bewohner') ends none.
        lead = re.split(r"(?<=[.!?])(?<!\d\.)\s+(?=[A-ZÄÖÜА-Я\"„])", _plain(last.answer).strip(), maxsplit=1)[0]
        names = [n for n in _names(lead, common) if n.lower() not in own and n.lower() not in question.lower()]
        organisations = [n for n in names if _ORG_MARK.search(n)]
        if _ORGANISATION.match(match.group(1)):
            names = organisations  # 'des Unternehmens' is a company, not the place the answer also named
        return (match.end(), (organisations or names)[0]) if names else None
    return None


def _swap_subject(question: str, message: str, subjects: Mapping[str, Container[str]]) -> str:
    """An ellipsis that names the other document's subject asks the earlier question about it: 'А с Казахстаном в
    2021 году?' after '… между Беларусью и Китаем в 2021 году?' → '… между Беларусью и Казахстаном в 2021 году?'."""
    def owner(word: str) -> str | None:
        stem = _fold(word)
        # Russian declines the names ('Китаем', 'Казахстаном'): there four letters of the stem have to agree.
        cyrillic = bool(re.match(r"[а-яё]", word.lower()))
        found = [doc for doc, subject in subjects.items()
                 if stem in subject or cyrillic and any(stem[:4] == str(s)[:4] for s in subject  # type: ignore[attr-defined]
                                                        if len(str(s)) >= 4)]
        return found[0] if len(found) == 1 else None

    named = [(w, owner(w)) for w in _SUBJECT_WORD.findall(message)]
    named = [(w, doc) for w, doc in named if doc is not None]
    if not named:
        return question
    word, doc = named[0]
    return _SUBJECT_WORD.sub(lambda m: word if owner(m.group()) not in {None, doc} else m.group(), question)


def _conversation_doc(history: Sequence[Exchange], subjects: Mapping[str, Container[str]] | None = None) -> str | None:
    """The document the last answered exchange drew on (`Exchange.doc_ids` puts the passages its answer quotes
    first), or the one its question named the subject of ('Und mit China: Welches Memorandum …?' moves the
    conversation to China, even where two of its three best passages were about Kazakhstan).

    The answer's passage, not the majority of the best three: the question about the Minsk region's agreement
    with Karaganda is answered from the Kazakhstan document, and its other passages, on the region's Chinese
    partners, sent 'Когда в этом регионе начало работу СП KazBelAZ?' to China (eval/README.md)."""
    for exchange in reversed(history):
        if exchange.doc_ids:
            named = named_subject(_without_note(exchange.understood), subjects or {})
            if named in exchange.doc_ids:
                return named
            return exchange.doc_ids[0]
    return None
