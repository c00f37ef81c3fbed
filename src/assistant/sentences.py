"""Sentence and quotation boundaries in the German body text, in one linear pass each.

Both `corpus` (a footnote's support span is the sentence or quotation its marker closes) and `chunking`
(passages are runs of whole sentences) need the same boundaries, so they live here, below both.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["CLOSING_QUOTES", "OPENING_QUOTES", "quotations", "sentence_spans"]

OPENING_QUOTES = "„«"
CLOSING_QUOTES = "“”»"
_QUOTES = re.compile(r"[\"„«“”»]")

_ABBREVIATIONS = {
    "abs", "art", "bd", "bzw", "ca", "co", "dr", "ebd", "etc", "evtl", "gem", "ggf", "hrsg", "inkl",
    "jh", "jhd", "mio", "mrd", "nr", "prof", "s", "st", "str", "tsd", "u", "usw", "vgl", "vol", "z",
    "zb", "bzgl", "d", "h", "a", "o", "m", "sog", "br", "jan", "feb", "febr", "aug", "sept", "okt",
    "nov", "dez", "ltd", "inc", "corp", "jsc", "mill", "min", "max", "kap", "bsp", "ff", "resp", "ua",
}
# A period, '!' or '?' (maybe followed by closing quotes) and then space: a candidate sentence end.
_BOUNDARY = re.compile(r"[.!?]+[\"”“»)]*\s+")
_ROMAN = re.compile(r"[IVXLC]{2,}")
_INITIAL = re.compile(r"[A-ZÄÖÜА-Я]\.")
# The word before a candidate end is read backwards up to the previous space, never further: reading
# `text[:dot]` with a `$`-anchored regex rescans the whole prefix and made splitting quadratic.
_MAX_WORD = 60


def sentence_spans(text: str, breaks: Sequence[int] = ()) -> list[tuple[int, int]]:
    """Contiguous (start, end) spans covering `text`; each ends after its final punctuation and spaces.

    `breaks` are offsets where a sentence must end whatever the punctuation says (a heading's edges).
    """
    spans: list[tuple[int, int]] = []
    hard = sorted(b for b in set(breaks) if 0 < b < len(text))
    h = 0
    start = 0

    def cut(at: int) -> None:
        nonlocal start
        if at > start and text[start:at].strip():
            spans.append((start, at))
            start = at

    for match in _BOUNDARY.finditer(text):
        while h < len(hard) and hard[h] <= match.start():
            cut(hard[h])
            h += 1
        if match.end() > start and _is_sentence_end(text, match.start(), match.end()):
            cut(match.end())
    while h < len(hard):
        cut(hard[h])
        h += 1
    if start < len(text):
        if text[start:].strip() or not spans:
            spans.append((start, len(text)))
        else:
            spans[-1] = (spans[-1][0], len(text))
    return spans


def _is_sentence_end(text: str, dot: int, after: int) -> bool:
    nxt = text[after : after + 1]
    if not nxt or not (nxt.isupper() or nxt.isdigit() or nxt in "\"„«(["):
        return False
    if _INITIAL.match(text, after) and (after + 2 >= len(text) or not text[after + 2].isalpha()):
        return False  # 'A. Lukaschenko. N. Nasarbajew': a list of names, not two sentences
    if text[dot] != ".":
        return True
    begin = dot
    while begin > 0 and dot - begin < _MAX_WORD and not text[begin - 1].isspace():
        begin -= 1
    token = text[begin:dot].strip("\"„“”«»()[]")
    if not token:
        return True
    bare = token.replace(".", "").lower()
    if bare in _ABBREVIATIONS or (len(bare) == 1 and bare.isalpha()):
        return False  # 'Mio.', 'Nr.', 'z. B.', initials 'V.S.'
    if "." in token and all(len(p) <= 2 for p in token.split(".") if p):
        return False  # 'u.a.', 'd.h.', 'B.L.'
    if _ROMAN.fullmatch(token):
        return False  # 'auf dem IX. Belarussisch-Chinesischen Forum'
    return not (token.isdigit() and len(token) <= 2)  # ordinals: 'am 9. Dezember', 'der 20. Jahrestag'


def quotations(text: str) -> list[tuple[int, int]]:
    """(start, end) of each quotation, from its opening quote to just after its closing one.

    Straight quotes are told apart by what surrounds them: '... ab: "Durch die' opens,
    'gewährleisten" .' closes. A quotation left open is dropped when the next one opens.
    """
    pairs: list[tuple[int, int]] = []
    open_at: int | None = None
    for match in _QUOTES.finditer(text):
        i = match.start()
        char = text[i]
        if char in OPENING_QUOTES:
            opening = True
        elif char in CLOSING_QUOTES:
            opening = False
        else:
            before = text[i - 1] if i else " "
            after = text[i + 1] if i + 1 < len(text) else " "
            if (before.isspace() or before in "([/") and not after.isspace():
                opening = True
            elif not before.isspace() and (after.isspace() or after in ".,;:!?)"):
                opening = False
            else:
                opening = open_at is None
        if opening:
            open_at = i
        elif open_at is not None:
            pairs.append((open_at, i + 1))
            open_at = None
    return pairs
