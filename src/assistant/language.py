"""What a question is in and what it asks for: its language, and the type of answer it expects.

Both the abstention decision and the answer composer read these; they look only at the question's words.
"""

from __future__ import annotations

import re

__all__ = ["ANSWER_TYPES", "MONTH_WORDS", "asked_event", "asked_noun", "asked_types", "asked_units", "asks_factor", "asks_money", "asks_office_holder",
           "asks_price", "asks_rate", "carries_type", "counted_nouns", "detect_language", "gives_values", "question_parts",
           "states_money", "states_new", "states_percentage", "states_person", "states_unit"]

# Function words of one language only ('in', 'was', 'an' are both German and English): a question is English
# when it has more English than German ones, so 'Und was unterzeichneten sie im April 2022?' stays German.
_ENGLISH = frozenset("""the what which who whom whose when where why how did does do is are were of and to with
    many much has have had for on by from that this it its there their they been be at as or about after
    before since between into year years""".split())
_GERMAN = frozenset("""und oder der die das den dem des ein eine einen einem einer eines ist sind war waren wird
    werden wurde wurden wie wieviel viele vielen welche welcher welches welchen wann wer wen wem wo woher wohin
    warum seit mit von vom zu zur zum im am ins auf aus bei nach für über um bis es sie er ihr ihre sein seine
    nicht auch noch hat haben hatte gab gibt dort dabei inzwischen damals zwischen jahr jahre jahren""".split())


def detect_language(text: str, default: str = "de") -> str:
    """'ru' for Cyrillic, 'en' when English function words outnumber German ones, else 'de'. A text with no sign
    of any language ('Main exports?', '???', a bare name) gets `default`: the documents' language, or in a
    conversation the language of the turn before."""
    if re.search(r"[а-яА-ЯёЁ]", text):
        return "ru"
    if re.search(r"[äöüßÄÖÜ]", text):
        return "de"
    words = re.findall(r"[a-z]+", text.lower())
    english = sum(w in _ENGLISH for w in words)
    german = sum(w in _GERMAN for w in words)
    if english == german == 0:
        return default
    return "en" if english > german else "de"


ANSWER_TYPES = ("number", "date", "name")
# Nouns of measure, as the last part of a German compound too ('Investitionsvolumen', 'Exportvolumen').
_MEASURES = ("nutzlast|tragkraft|tragfähigkeit|kosten|wachstum|volumen|fläche|kapazität|geschwindigkeit|faktor|"
             "investition|überschuss|defizit|saldo|umsatz|menge|anzahl|zahl|gewicht|entfernung|wert|summe|betrag|höhe|"
             "größenordnung|rang|platz|leistung|capacity|speed|surplus|deficit|volume|area|cost|costs|growth|rate|"
             "investment|turnover|value|balance|factor|population")
# A distance, a frequency, a speed, a weight or an age: a number, never a sum of money ('Wie weit ist die Zone,
# mit der der Park bei der Investorensuche kooperiert, … entfernt?').
_DEGREE = r"\bwie (?:weit|oft|schnell|schwer|alt)\b|\bhow (?:far|often|fast)\b"
_ASKS = {
    "number": re.compile(
        r"\b(wie ?viele?n?|wie viel|um wie viel|wie hoch|wie groß|was kost\w*|wie lange|in wie vielen|welche[nr]? (anteil|wert|"
        r"umfang|höhe|betrag|summe)|how many|how much|how large|how high|how big|what share|what percentage|"
        r"what (?:is|was|were) the (?:\w+ )?(value|volume|amount|turnover)|by how much|сколько|на сколько|во сколько|"
        # Russian asks for a quantity with 'какой / каким был / какого …' and a noun of measure: 'Каким был
        # товарооборот …?', 'Какого объёма … достигли …?', 'Какова доля …?', 'Какую цель по числу …?'.
        r"как(?:ов[аоы]?|ой|ая|ое|им|ую|ого) (?:был[аио]? |будет )?(?:\w+ ){0,2}?(?:объ[её]м\w*|размер\w*|дол[яеиюй]|"
        r"сумм\w*|стоимост\w*|(?:товаро)?оборот\w*|численност\w*|количеств\w*|числ[оуае]|процент\w*|"
        r"мощност\w*|площад\w*|скорост\w*|сальдо|уровн\w*|мест[оа]|рост\w*|инвестиц\w*)|"
        # … and so do the other languages, without 'wie viele': a measure ('Welche Tragkraft …?', 'Mit welchen
        # Kosten …?', 'What annual capacity …?', 'What did its exports amount to?') or an adverb of degree ('Wie weit
        # …?', 'How often …?', 'Насколько велика …?').
        rf"\b(?:welche[nrsm]?|what|which) (?:[\w–-]+ ){{0,3}}?\w*(?:{_MEASURES})\b|\bamount(?:ed)? to\b|"
        rf"{_DEGREE}|\bнасколько\b)\b"),
    "date": re.compile(r"\b(wann|seit wann|in welchem jahr|welchem jahr|welchen jahren|welche jahre|welchem monat|when|what year|which year|"
                       r"когда|в каком году|с какого года)\b"),
    # Whole words only: 'werden' asks for no name.
    "name": re.compile(r"\b(wer|wen|wem|wessen|welche[rsnm]?|was für|who|whom|whose|which|what company|"
                       r"what organi[sz]ation|кто|кого|кому|как(ой|ая|ое|ие|ого|ую|им|их)|как зовут|"
                       r"как называ\w+)\b"),
}
_YEAR_WORDS = re.compile(r"\b(in )?welche[mn]? jahr(?:e|en)?\b|\bwhich year|\bкаком году")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
_NUMBER_WORDS = re.compile(
    r"\b(zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|dreißig|hundert|tausend|dutzend\w*|"
    r"hälfte|doppelt\w*|verdoppel\w*|verdreifach\w*|\w*fache[ns]?|prozent\w*|million\w*|milliard\w*)\b")
# German month names and their abbreviations, in this order (the names tell a date; names.py never takes them
# for a proper name).
MONTH_WORDS = ("januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober", "november",
               "dezember", "jan", "feb", "febr", "aug", "sept", "okt", "nov", "dez")
_MONTHS = re.compile(r"\b(" + "|".join(MONTH_WORDS) + r")\b\.?")
_VALUE_HINT = re.compile(r"\d|" + _NUMBER_WORDS.pattern.removeprefix(r"\b").removesuffix(r"\b") + "|" + "|".join(MONTH_WORDS))


def asked_types(question: str) -> frozenset[str]:
    """The answer types a question asks for: {'number'} for 'Wie viele …?', {'date', 'number'} for
    'Wann wurde … gegründet und wie viele Residenten hat er?'. Empty when it asks for none in particular."""
    text = question.lower()
    types = {t for t, pattern in _ASKS.items() if pattern.search(text)}
    if "name" in types and _YEAR_WORDS.search(text) and not _ASKS["name"].search(_YEAR_WORDS.sub(" ", text)):
        types.discard("name")  # 'in welchem Jahr' asks for a date, not a name
    if "number" in types and "name" in types and not _ASKS["name"].search(_ASKS["number"].sub(" ", text)):
        types.discard("name")  # 'welchen Anteil' is a number
    return frozenset(types)


def carries_type(sentence: str, answer_type: str) -> bool:
    """Does the sentence state something of the type? A number that is not a year ('12', '307,2', 'das
    Vierfache'), a date (a year or a month), or for a name anything (German capitalises every noun, so a
    name cannot be told from the text alone)."""
    return states_new(sentence, answer_type, "")


def gives_values(question: str) -> bool:
    """Could the question hold a value that `states_new` does not count as new: a digit, or a number word or month
    anywhere in it (`states_new` looks them up as substrings)? When not, `states_new(s, t, question)` is
    `states_new(s, t, "")`."""
    return _VALUE_HINT.search(question.lower()) is not None


def states_new(sentence: str, answer_type: str, question: str) -> bool:
    """Does the sentence state a value of the type that the question does not already hold? 'Wie viele
    Einrichtungen wurden Teilnehmer des 2011 gegründeten Konsortiums?' is not answered by a sentence whose
    only number is 2011."""
    if answer_type == "name":
        return True
    asked = question.lower()
    text = sentence.lower()
    given = set(_NUMBER.findall(asked))
    numbers = [n for n in _NUMBER.findall(text) if n not in given]
    if answer_type == "number":
        words = [w for w in _NUMBER_WORDS.findall(text) if w not in asked]
        return any(not _YEAR.match(n) for n in numbers) or bool(words)
    months = [m for m in _MONTHS.findall(text) if m not in asked]
    return any(_YEAR.match(n) for n in numbers) or bool(months)


# 'How much did … invest, and how many projects …?': a conjunction followed (within two words) by a
# question word starts a second question.
_SECOND_QUESTION = re.compile(
    r"\s*,?\s+(?:and|und|sowie|и|а)\s+(?=(?:\w+\s+){0,2}?(?:how|what|which|who|whom|when|where|wie|was|welche\w*|"
    r"wer|wem|wann|wo|wohin|woher|seit|сколько|как\w*|кто|когда|где|откуда)\b)", re.IGNORECASE)


def question_parts(question: str) -> list[str]:
    """The questions a question asks: two for 'Wann wurde X gegründet und wie viele Residenten hat er?'."""
    parts = [p.strip() for p in _SECOND_QUESTION.split(question) if p.strip()]
    return parts if len(parts) > 1 and all(len(p.split()) >= 2 for p in parts) else [question]


# 'Wie viele Mitarbeiter …?', 'How many employees …?', 'Сколько студентов …?': the counted noun follows the cue.
_COUNTING = re.compile(r"\b(?:wie ?viele?n?|wie viel|how many|how much|сколько)\s+(.*)", re.IGNORECASE | re.DOTALL)
_TOKEN = re.compile(r"[^\W\d_][\w-]*|\d+(?:[.,]\d+)*")
# Modal verbs name nothing that is counted or measured: 'Um wie viel konnte … die Sterblichkeit senken?' measures
# the drop, not 'konnte'.
_FUNCTION = _ENGLISH | _GERMAN | frozenset("""soll sollen sollte sollten davon darin will wollen wollte wollten kann können
    konnte konnten könnte könnten muss müssen musste mussten darf dürfen durfte möchte möchten would can could
    should must may might pro было были был была будет в на по и из к с у от для до""".split())
# English verbs in the present or an irregular past end a counted phrase as '-ed' ones do ('How many ethnic
# Belarusians live …?', 'How many countries took part …?', 'How many vehicles was … to supply?'), and so do
# prepositions and articles ('How many X-ray tubes per year …?').
_ENGLISH_PHRASE_END = frozenset("""was live lives work works study studies take takes took operate operates exist exists
    run runs ran visit visits come comes came attend attends remain remains get gets got employ employs sold bought
    in per a an""".split())
# A past tense in the masculine ('заключил', 'подписал') ends the counted phrase as the other verb forms do.
_RU_VERB = re.compile(r"(?:ют|ет|ит|ли|ло|ла|ть|ся|[аия]л)$")
# After 'сколько' an adjective stands in the genitive plural with its noun ('белорусских студентов'); a word in
# -ий there is the noun ('соглашений', 'предприятий'), not a nominative adjective.
_RU_ADJECTIVE = re.compile(r"(?:ых|их|ого|его|ой|ая|ую|ые|ие|ый)$")


def asked_noun(question: str) -> str | None:
    """What a counting question counts, as the question writes it: 'Mitarbeiter' for 'Wie viele Mitarbeiter
    beschäftigt …?' (the first capitalised word after the cue: German capitalises nouns), 'Chinese tourists' for
    'How many Chinese tourists visited …?' (the words up to a function word, a preposition or a verb),
    'студентов' for 'Сколько белорусских студентов …?' (without the adjectives); without a noun, the lower-case
    word right after the cue, which names what is measured ('kostet' in 'Wie viel kostet …?', 'стоит' in
    'Сколько стоит …?').
    None when the question names nothing it counts ('How much did … grow?')."""
    match = _COUNTING.search(question)
    if not match:
        return None
    language = detect_language(question)
    words = _TOKEN.findall(match.group(1))[:4]
    phrase: list[str] = []
    if language == "de":
        for word in words:
            if word[0].isupper():
                return word
            if word.lower() in _FUNCTION:
                break
    else:
        for word in words[:3]:
            low = word.lower()
            if low in _FUNCTION or (language == "en" and (low.endswith("ed") or low in _ENGLISH_PHRASE_END)) or \
                    (language == "ru" and _RU_VERB.search(low)):
                break
            phrase.append(word)
        if language == "ru":
            phrase = [w for w in phrase if not _RU_ADJECTIVE.search(w.lower())] or phrase
    if phrase:
        return " ".join(phrase)
    # No noun: the word that names what is measured, when it follows the cue ('kostet', 'стоит', 'stieg').
    first = words[0] if words else ""
    return first if first.isalpha() and first.islower() and first not in _FUNCTION else None


_HOW_MANY = re.compile(r"\b(?:wie ?viele?n?|wie viel)\s+", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_][\w-]*")
_ADJECTIVE = re.compile(r"\w+(?:e|en|er|es|em)$")


def counted_nouns(question: str) -> list[str]:
    """What a German 'wie viele' question counts: the nouns right after it, past any adjectives ('Wie viele
    chinesische Bürger studieren …?' → ['Bürger'], 'Wie viele Joint Ventures …' → ['Joint', 'Ventures'])."""
    match = _HOW_MANY.search(question)
    if not match:
        return []
    nouns: list[str] = []
    for word in _WORD.findall(question[match.end() :])[:4]:
        if word[0].isupper():
            nouns.append(word)
        elif nouns or not _ADJECTIVE.match(word):
            break
    return nouns


# A sum of money is asked for with a word of price or spending ('Wie viel kostet …?', 'How much will … cost?',
# 'Сколько стоит …?', 'Wie viel wurde investiert?', 'На какую сумму …?'); the text states one with its currency.
# What a thing costs, a rent among it ('Wie hoch ist die Miete …?'): the words of a price and of a cost question.
_COST_WORDS = (r"kostet|kosten|kostete|kosteten|cost|costs|costed|стоит|стоить|стоил\w*|стоимост\w*|обойд\w*|"
               r"miete\w*|mietpreis\w*|pacht\w*|rent|rents|rental|аренд\w*")
_MONEY = re.compile(rf"\b(?:{_COST_WORDS}|preis\w*|wert|wertes|geld\w*|investi\w*|price\w*|worth|value|money|invest\w*|"
                    r"spen[dt]\w*|цен[аыуе]|инвест\w*|денег|деньг\w*|оценива\w*|summe\w*|сумм\w*)\b", re.IGNORECASE)
# 'Wert' and 'value' are a sum only where the question names no rate or share it is the value of.
_VALUE_WORD = re.compile(r"wert|wertes|value|worth", re.IGNORECASE)
_RATIO = re.compile(r"\w*(?:rate|quote|anteil\w*)\b|\b(?:share|ratio|доля|долю|доли)\b", re.IGNORECASE)
# 'Во сколько раз выросли инвестиции?', 'By what factor …?' ask for a factor, not a sum.
_FACTOR = re.compile(r"\bво сколько раз\b|\bhow many times\b|\bby what factor\b|\bwievielfache", re.IGNORECASE)
# 'wie viel' (not 'wie viele'), 'how much', 'во сколько' (not 'во сколько раз') ask for an amount, not a count.
_HOW_MUCH = re.compile(r"\bwie viel\b(?!e)|\bhow much\b|\bво сколько\b(?!\s+раз)", re.IGNORECASE)
_CURRENCY = re.compile(r"\$|€|\b(?:US-)?dollar\w*|\b(?:usd|euro|eur|yuan|rmb|tenge|rubel\w*)\b|\bbr\.", re.IGNORECASE)


def asks_money(question: str) -> bool:
    """Does the question ask for a sum of money? A number asked with a word of price or spending, unless it
    counts something named ('Wie viele Unternehmen investierten …?' asks for companies), or asks for a factor or
    a percentage."""
    if "number" not in asked_types(question) or not _MONEY.search(question) or re.search(_DEGREE, question.lower()) \
            or _FACTOR.search(question):
        return False
    if _RATIO.search(question) and all(_VALUE_WORD.fullmatch(m.group()) for m in _MONEY.finditer(question)):
        return False  # 'Auf welchen Wert sank die Todesrate …?': the value of a rate or a share is no sum of money
    if _HOW_MUCH.search(question) and not _PERCENT.search(question):
        return True  # 'Wie viel investiert Human Kraft …?' counts no company: it asks for the sum
    noun = asked_noun(question)
    return noun is None or noun[0].islower() or _MONEY.search(noun) is not None


def states_money(sentence: str) -> bool:
    """Does the sentence state a sum with its currency ('450 Mio. USD', '1,3 Millionen Dollar', '222,6 Millionen Br.')?"""
    return _CURRENCY.search(sentence) is not None and _NUMBER_OR_WORD.search(sentence) is not None


_NUMBER_OR_WORD = re.compile(r"\d|" + _NUMBER_WORDS.pattern, re.IGNORECASE)


# 'Wer leitet …?', 'Who is the rector of …?', 'Кто возглавляет …?': a 'who' question about an office asks for the
# person who holds it; the documents name such a person with initials ('N. Nasarbajew', 'B.L. Zalessky') or by
# the office ('Präsident Nasarbajew', 'des Botschafters … Anatoliy Nichkasov', 'Akim B. Abischew').
_WHO_ASKED = re.compile(r"\b(?:wer|who|кто|как зовут)\b", re.IGNORECASE)
_OFFICE_ASKED = re.compile(
    r"\b(?:leitet\w*|rektor\w*|direktor\w*|generaldirektor\w*|vorsitzende\w*|präsident\w*|gouverneur\w*|"
    r"botschafter\w*|minister(?:in)?|bürgermeister\w*|leiter\w*|director|rector|president|chairman|"
    r"chair|governor|ambassador|minister|mayor|возглавля\w*|руковод\w*|ректор\w*|директор\w*|председател\w*|"
    r"президент\w*|губернатор\w*|посл[аоу]?|послом|министр\w*|мэр\w*)\b", re.IGNORECASE)
_INITIALS = re.compile(r"\b[A-ZÄÖÜ]\.\s?(?:[A-ZÄÖÜ]\.\s?)?[A-ZÄÖÜ][a-zäöüß]{2,}")
# Inside compounds too ('Premierminister', 'Ministerpräsident', 'Vizegouverneur', 'Delegationsleiter'): a stray
# match ('Begleiter') only lets an answer through, which is the side this check should err on.
_OFFICE = re.compile(r"präsident|rektor|direktor|vorsitzende|gouverneur|botschafter|minister(?!ium)|bürgermeister|akim|"
                     r"leiter|chef", re.IGNORECASE)


def asks_office_holder(question: str) -> bool:
    """Does the question ask who holds an office ('Wer leitet …?', 'Who is the rector of …?', 'Кто возглавляет …?')?
    'Wer waren die Investoren …?' asks for companies, not for a person."""
    return _WHO_ASKED.search(question) is not None and _OFFICE_ASKED.search(question) is not None


# An institution named after a person ('die Eurasische Nationale Universität L.N. Gumilev') names no holder of it.
_NAMED_AFTER = re.compile(r"(?:universität|university|institut|institute|akademie|academy)\s+$", re.IGNORECASE)


def states_person(sentence: str) -> bool:
    """Does the sentence speak of a person: one named with initials ('N. Nasarbajew') or an office and its holder
    ('Präsident Nasarbajew', 'der Leiter der diplomatischen Vertretung')?"""
    named = any(not _NAMED_AFTER.search(sentence[: m.start()]) for m in _INITIALS.finditer(sentence))
    return named or _OFFICE.search(sentence) is not None


# A rate is stated as a percentage: 'Welchen Körperschaftsteuersatz …?', 'Wie hoch ist der Zinssatz …?', 'What
# percentage …?', 'Какова ставка …?' are not answered by a sentence without one.
_RATE_ASKED = re.compile(r"\w*(?:steuer|zins|zoll|prozent)s?(?:satz|sätze)\w*|\bwie viel prozent|\bpercent\w*|"
                         r"\b(?:interest|tax|tariff) rates?\b|"
                         r"\bставк\w*|\bпроцент\w*", re.IGNORECASE)
_PERCENT = re.compile(r"%|\bprozent\w*|\bpercent\w*|\bпроцент\w*", re.IGNORECASE)
# A question naming the unit of its answer ('in tonnes', 'Wie viele Hektar …?', 'Сколько гектаров …?') is answered
# in that unit; the documents write it in German ('Tonnen', 'Hektar', 'km'). So is one asking for an area ('Какова
# площадь …?', 'Welche Fläche …?'), in hectares or square metres, and one for a workforce ('How many people work at
# …?', 'Сколько сотрудников …?'), with staff, workers or jobs: the near misses about the same plant state its
# dealers or tractors.
_UNITS = {
    "tonnen": re.compile(r"\b(?:tonnen?|tonnes?|tons?|тонн\w*)\b", re.IGNORECASE),
    "hektar": re.compile(r"\b(?:hektar\w*|hectares?|гектар\w*|га)\b", re.IGNORECASE),
    "kilometer": re.compile(r"\b(?:kilometer\w*|km|kilometres?|kilometers?|километр\w*|км)\b", re.IGNORECASE),
    # Not 'площадка' (a site), 'What area …?' / 'which areas' (a field of work) nor 'the area around Changchun' (a place).
    "fläche": re.compile(r"\b(?:\w*fläche\w*|площад(?:ь|и|ью)|(?:total|the)\s+area(?!\s+(?:around|near|surrounding))|how\s+(?:big|large)\s+(?:an?\s+)?area)\b",
                         re.IGNORECASE),
    # Not 'Сколько компаний работает …?': people, not companies, are the workforce.
    "personal": re.compile(r"\b(?:mitarbeiter\w*|beschäftigte\w*|angestellte\w*|belegschaft\w*|employ(?:s|ed|ees)?|staff|"
                           r"workforce|workers|people\s+(?:work|are\s+employed)|сотрудник\w*|работник\w*|персонал\w*|"
                           r"человек\s+работа\w*)\b", re.IGNORECASE),
}
_UNIT_STATED = {
    "tonnen": re.compile(r"\b(?:tonnen?|t)\b", re.IGNORECASE),
    "hektar": re.compile(r"\b(?:hektar\w*|ha)\b", re.IGNORECASE),
    "kilometer": re.compile(r"\b(?:kilometer\w*|km)\b", re.IGNORECASE),
    "fläche": re.compile(r"\b(?:hektar\w*|ha|quadratmeter\w*|qm|m²|km²|m2|quadratkilometer\w*)(?!\w)", re.IGNORECASE),
    "personal": re.compile(r"mitarbeiter|beschäftigt|arbeitsplätze|arbeitsplatz|personen|menschen|arbeiter|angestellte|"
                           r"fachkräfte|fachleute|leute|spezialisten|belegschaft|personal|arbeitskräfte", re.IGNORECASE),
}
# 'Zu welchem Preis …?', 'What price will … sell for?', 'По какой цене …?' ask for a sum without 'wie viel'.
_PRICE_ASKED = re.compile(r"\bzu welchem preis|\b(?:what|which|at what) price|\bпо какой цене|\bкакова цена|"
                          r"\bкакая цена", re.IGNORECASE)


def asks_factor(question: str) -> bool:
    """Does the question ask by what factor something changed ('How many times …?', 'Во сколько раз …?')?"""
    return _FACTOR.search(question) is not None


def asks_rate(question: str) -> bool:
    """Does the question ask for a rate, i.e. a percentage ('Welchen Körperschaftsteuersatz …?', 'Zinssatz')?"""
    return _RATE_ASKED.search(question) is not None


def states_percentage(sentence: str) -> bool:
    return _PERCENT.search(sentence) is not None


def asked_units(question: str) -> list[str]:
    """The units of measure a question asks its answer in ('tonnen' for '… capacity in tonnes …')."""
    return [unit for unit, pattern in _UNITS.items() if pattern.search(question)]


def states_unit(sentence: str, unit: str) -> bool:
    return _UNIT_STATED[unit].search(sentence) is not None


# What a thing costs ('Wie viel kostet …?', 'How much will … cost?', 'Сколько будет стоить …?', 'Во сколько обойдётся
# …?') is a price or an outlay, never a flow of trade: the value of exports, imports, deliveries or turnover.
_COST_ASKED = re.compile(rf"\b(?:{_COST_WORDS})\b", re.IGNORECASE)
_TRADE = re.compile(r"handel|export|ausfuhr|import|einfuhr|liefer|umsatz|volumen", re.IGNORECASE)


def asks_cost(question: str) -> bool:
    """Does the question ask what something costs ('Wie viel kostet eine Packung?'), not a value of trade?"""
    return _COST_ASKED.search(question) is not None and _TRADE.search(question) is None


def states_trade(sentence: str) -> bool:
    """Does the sentence speak of trade ('Handelsumsatz', 'Exporte', 'gelieferten Maschinenteile', 'Volumen')?"""
    return _TRADE.search(sentence) is not None


def asks_price(question: str) -> bool:
    """A sum of money asked for as a price, without a counting cue ('Zu welchem Preis wird … verkauft?')."""
    return _PRICE_ASKED.search(question) is not None


# The event an English or Russian date question asks about, and the German words the documents state it with
# ('When was … founded?' is answered by '… wurde im März 2013 … eingerichtet', not by '… in dem 2022 …
# aufnehmen'): the German date question's participle (`answerability.asked_term`) for the other languages.
_EVENTS = (
    (re.compile(r"\b(?:founded|established|set up|создан\w*|основан\w*|учрежд\w*)\b", re.IGNORECASE),
     ("gründ", "eingerichtet", "errichtet", "geschaffen")),
    (re.compile(r"\b(?:opened|открыт\w*|открыл\w*)\b", re.IGNORECASE), ("eröffn",)),
    (re.compile(r"\b(?:sign(?:ed)?|подписа\w*)\b", re.IGNORECASE),
     ("unterzeichn", "unterschrieb", "geschlossen", "vereinbart", "verabschied")),
)


def asked_event(question: str) -> tuple[str, ...]:
    """The German word stems that state the event an English or Russian date question asks about ('gründ',
    'eingerichtet', … for 'When was … founded?'); () for a German question or another event."""
    if detect_language(question) == "de" or "date" not in asked_types(question):
        return ()
    return next((stems for pattern, stems in _EVENTS if pattern.search(question)), ())
