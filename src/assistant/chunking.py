"""Cut a document's body into passages of whole sentences, each knowing the footnotes it cites."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.corpus import Document

__all__ = ["CHUNKER_VERSION", "Passage", "Sentence", "build_passages", "split_sentences"]

# Bump when passage boundaries or text change: an index built by another version is stale.
CHUNKER_VERSION = "3"

_ABBREVIATIONS = {
    "abs", "art", "bd", "bzw", "ca", "co", "dr", "ebd", "etc", "evtl", "gem", "ggf", "hrsg", "inkl",
    "jh", "jhd", "mio", "mrd", "nr", "prof", "s", "st", "str", "tsd", "u", "usw", "vgl", "vol", "z",
    "zb", "bzgl", "d", "h", "a", "o", "m", "sog", "br", "jan", "feb", "febr", "aug", "sept", "okt",
    "nov", "dez", "ltd", "inc", "corp", "jsc", "mill", "min", "max", "kap", "bsp", "ff", "resp", "ua",
}
# A period, '!' or '?' (maybe followed by closing quotes) and then space: a candidate sentence end.
_BOUNDARY = re.compile(r"[.!?]+[\"”“»)]*\s+")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    footnote_numbers: tuple[int, ...]


@dataclass(frozen=True)
class Passage:
    """A retrievable span of whole sentences; `footnote_numbers` are the markers it contains, in order."""

    passage_id: str
    doc_id: str
    page: int
    text: str
    footnote_numbers: tuple[int, ...]
    start: int
    end: int
    sentences: tuple[tuple[int, int, tuple[int, ...]], ...] = ()
    """(start, end, footnote numbers) of each sentence, as offsets into `text`."""

    @property
    def words(self) -> int:
        return len(self.text.split())


def split_sentences(document: Document) -> list[Sentence]:
    """Sentence spans over `document.text`; a marker that opens a sentence ('. 16Der') cites the one before."""
    text = document.text
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if _is_sentence_end(text, match.start(), match.end()):
            spans.append((start, match.end()))
            start = match.end()
    if start < len(text):
        spans.append((start, len(text)))

    cites: list[list[int]] = [[] for _ in spans]
    j = 0
    for marker in document.markers:
        while j < len(spans) - 1 and marker.offset >= spans[j][1]:
            j += 1
        at_start = marker.offset <= spans[j][0] + (len(text[spans[j][0] :]) - len(text[spans[j][0] :].lstrip()))
        cites[j - 1 if at_start and j > 0 else j].append(marker.number)
    return [Sentence(s, e, tuple(c)) for (s, e), c in zip(spans, cites)]


def _is_sentence_end(text: str, dot: int, after: int) -> bool:
    nxt = text[after : after + 1]
    if not nxt or not (nxt.isupper() or nxt.isdigit() or nxt in "\"„«(["):
        return False
    if text[dot] != ".":
        return True
    word = re.search(r"(\S+)$", text[:dot])
    if not word:
        return True
    token = word.group(1).strip("\"„“”«»()[]")
    bare = token.replace(".", "").lower()
    if bare in _ABBREVIATIONS or (len(bare) == 1 and bare.isalpha()):
        return False  # 'Mio.', 'Nr.', 'z. B.', initials 'V.S.'
    if "." in token and all(len(p) <= 2 for p in token.split(".") if p):
        return False  # 'u.a.', 'd.h.', 'B.L.'
    return not (token.isdigit() and len(token) <= 2)  # ordinals: 'am 9. Dezember', 'der 20. Jahrestag'


def build_passages(document: Document, *, target_words: int = 110, max_words: int = 170) -> list[Passage]:
    """Greedily pack whole sentences until `target_words`; a single overlong sentence stands alone."""
    sentences = split_sentences(document)
    groups: list[list[Sentence]] = []
    current: list[Sentence] = []
    words = 0
    for sentence in sentences:
        n = len(document.text[sentence.start : sentence.end].split())
        if current and (words >= target_words or words + n > max_words):
            groups.append(current)
            current, words = [], 0
        current.append(sentence)
        words += n
    if current:
        if groups and words < target_words // 3:
            groups[-1].extend(current)  # a short tail joins its predecessor
        else:
            groups.append(current)

    passages = []
    for i, group in enumerate(groups):
        pieces: list[str] = []
        spans: list[tuple[int, int, tuple[int, ...]]] = []
        offset = 0
        for sentence in group:
            piece = clean_text(document.text[sentence.start : sentence.end])
            if not piece:
                continue
            spans.append((offset, offset + len(piece), sentence.footnote_numbers))
            pieces.append(piece)
            offset += len(piece) + 1
        passages.append(
            Passage(
                passage_id=f"{document.doc_id}:{i:04d}",
                doc_id=document.doc_id,
                page=document.page_at(group[0].start),
                text=" ".join(pieces),
                footnote_numbers=tuple(n for s in group for n in s.footnote_numbers),
                start=group[0].start,
                end=group[-1].end,
                sentences=tuple(spans),
            )
        )
    return passages


def clean_text(text: str) -> str:
    """Tidy the gaps that removed markers leave: 'gewährleisten" .' -> 'gewährleisten".'."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"(?<![.])\.\s+\.(?!\.)", ".", text)
    return re.sub(r"\s+([.,;:!?])(?=\s|$)", r"\1", text)
