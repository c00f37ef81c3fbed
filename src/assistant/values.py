"""The asked value of an answer's sentence, written for an English or Russian reader.

An English or Russian asker reads the answer as a German quotation. When the question asks for a number or a date
and the quoted sentence states exactly one that the question does not already hold, the answer opens with that
value in the asker's language ('In short: 17 January 1996.', 'Коротко: более 1 700.'), so that the fact can be
read without the German. A sentence with several candidate values gets no such line: a value picked wrongly, in
the asker's own language, would read as more certain than the quotation it came from.
"""

from __future__ import annotations

import re

from assistant.language import MONTH_WORDS, asked_noun, asked_types, asks_factor, asks_money, asks_rate, question_parts

__all__ = ["asked_value"]

_MONTHS = tuple(month.capitalize() for month in MONTH_WORDS[:12])  # 'Januar' … 'Dezember', as the text writes them
_MONTH_NAMES = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    # The genitive after a day ('17 января 1996').
    "ru": ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября",
           "декабря"),
}
# A month and year alone: 'июнь 2013 г.'.
_RU_MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь",
              "декабрь")
_MONTH = "|".join(_MONTHS)
_DATE = re.compile(rf"(?:\b(?P<day>\d{{1,2}})\.\s*)?\b(?P<month>{_MONTH})\s+(?P<year>(?:1[89]|20)\d\d)\b"
                   rf"|(?<![\d.,])(?P<bare>(?:1[89]|20)\d\d)(?![\d.,]\d)")
# A German number: '1.700', '122,9', '12'; not a model's ('KZS-575'), an ordinal ('Der 86. Bewohner'), a day of a
# date ('17. Januar') or a year.
_NUMBER = re.compile(r"(?<![\w.,-])(?P<number>\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?)(?P<fold>-fache\w*)?"
                     r"(?![\w-]|[.,]\d|\.\s+\w)")
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
_BEFORE = re.compile(r"(?P<qualifier>mehr als|über|fast|knapp|nahezu|rund|etwa|ca\.|circa|ungefähr|bis zu|weniger als|"
                     r"mindestens)\s+$", re.IGNORECASE)
_AFTER = re.compile(r"^\s+(?P<magnitude>Millionen|Mio\.|Milliarden|Mrd\.|Tausend)?\s*"
                    r"(?P<unit>US-Dollar|Dollar|USD|\$|Yuan|Euro|Br\b|Rubel|Tenge|Prozent|%|Tonnen|Hektar|Kilometer)?", re.IGNORECASE)
_WORDS = {
    "en": {"mehr als": "more than", "über": "over", "fast": "almost", "knapp": "almost", "nahezu": "almost",
           "rund": "about", "etwa": "about", "ca.": "about", "circa": "about", "ungefähr": "about", "bis zu": "up to",
           "weniger als": "less than", "mindestens": "at least", "millionen": "million", "mio.": "million",
           "milliarden": "billion", "mrd.": "billion", "tausend": "thousand", "us-dollar": "US dollars",
           "dollar": "dollars", "usd": "US dollars", "$": "dollars", "yuan": "yuan", "euro": "euros",
           "br": "Belarusian rubles", "rubel": "rubles", "tenge": "tenge", "prozent": "%",
           "%": "%", "tonnen": "tonnes", "hektar": "hectares", "kilometer": "km"},
    "ru": {"mehr als": "более", "über": "более", "fast": "почти", "knapp": "почти", "nahezu": "почти",
           "rund": "около", "etwa": "около", "ca.": "около", "circa": "около", "ungefähr": "около", "bis zu": "до",
           "weniger als": "менее", "mindestens": "не менее", "millionen": "млн", "mio.": "млн", "milliarden": "млрд",
           "mrd.": "млрд", "tausend": "тыс.", "us-dollar": "долларов США", "dollar": "долларов",
           "usd": "долларов США", "$": "долларов", "yuan": "юаней", "euro": "евро",
           "br": "белорусских рублей", "rubel": "рублей", "tenge": "тенге", "prozent": "%", "%": "%",
           "tonnen": "тонн", "hektar": "гектаров", "kilometer": "км"},
}
_CURRENCIES = frozenset({"us-dollar", "dollar", "usd", "$", "yuan", "euro", "br", "rubel", "tenge"})
_FOLD = {"en": "{}-fold", "ru": "в {} раза"}
_YEAR_SUFFIX = {"en": "", "ru": " г."}


def asked_value(question: str, sentences: list[str], language: str) -> str | None:
    """The one number or date that answers `question`, written in `language` ('en', 'ru'): the one date of the
    first of `sentences` that states any, or the one number of the asked kind that `sentences` state; None when
    the question asks for neither, asks two things, or there are several."""
    if language not in _WORDS or len(question_parts(question)) > 1:
        return None
    types = asked_types(question) & {"number", "date"}
    if len(types) != 1:
        return None
    given = set(re.findall(r"\d+(?:[.,]\d+)*", question))
    if "date" in types:
        # The first sentence that dates anything: a second one's dates are mostly context ('im November 2017, als …').
        for sentence in sentences:
            if dates := list(dict.fromkeys(_dates(sentence, given, language))):
                return dates[0] if len(dates) == 1 else None
        return None
    # A number of the asked kind in either quoted sentence: two of them ('… Handelsüberschuss von 325 Millionen
    # Dollar …' and '… ein Volumen von fast 800 Millionen US-Dollar') leave open which one answers.
    kind = _asked_kind(question)
    numbers = list(dict.fromkeys(text for sentence in sentences for text, found in _numbers(sentence, given, language)
                                 if kind is None or found == kind))
    return numbers[0] if len(numbers) == 1 else None


def _asked_kind(question: str) -> str | None:
    """The kind of number asked for: a sum for 'How much did … invest?', a percentage for a rate, a factor for a
    factor, and for 'How many jobs …?' a count, no sum ('… Subpark … 900 Millionen Yuan'); None when any will do."""
    if asks_money(question):
        return "money"
    if asks_rate(question):
        return "percent"
    if asks_factor(question):
        return "factor"
    return "count" if asked_noun(question) is not None else None


def _dates(sentence: str, given: set[str], language: str) -> list[str]:
    out = []
    for match in _DATE.finditer(sentence):
        if match.group("bare"):
            if match.group("bare") not in given:
                out.append(match.group("bare") + _YEAR_SUFFIX[language])
            continue
        day = match.group("day")
        names = _RU_MONTHS if language == "ru" and not day else _MONTH_NAMES[language]
        month = names[_MONTHS.index(match.group("month"))]
        out.append(f"{day} {month} {match.group('year')}" if day else f"{month} {match.group('year')}"
                   + _YEAR_SUFFIX[language])
    return out


def _numbers(sentence: str, given: set[str], language: str) -> list[tuple[str, str]]:
    """(value as written for the reader, kind: 'money', 'percent', 'factor' or 'count')."""
    words = _WORDS[language]
    out = []
    for match in _NUMBER.finditer(sentence):
        number = match.group("number")
        if number in given or (_YEAR.match(number) and not match.group("fold")):
            continue
        if re.match(r"\s*(?:" + _MONTH + r")\b", sentence[match.end():]):
            continue  # a date's day
        written = _written(number, language)
        if match.group("fold"):
            out.append((_FOLD[language].format(written), "factor"))
            continue
        before = _BEFORE.search(sentence[: match.start()])
        after = _AFTER.match(sentence[match.end():])
        parts = [words[before.group("qualifier").lower()]] if before else []
        parts.append(written)
        for group in ("magnitude", "unit"):
            if after and after.group(group):
                parts.append(words[after.group(group).lower()])
        unit = (after.group("unit") or "").lower() if after else ""
        kind = "percent" if unit in ("prozent", "%") else "money" if unit in _CURRENCIES else "count"
        out.append((" ".join(parts).replace(" %", " %" if language == "ru" else "%"), kind))
    return out


def _written(number: str, language: str) -> str:
    """'1.700' → '1,700' / '1 700'; '122,9' → '122.9' / '122,9'."""
    whole, _, fraction = number.partition(",")
    groups = whole.split(".")
    if language == "en":
        return ",".join(groups) + (f".{fraction}" if fraction else "")
    return "\u00a0".join(groups) + (f",{fraction}" if fraction else "")
