"""Cut a document's body into passages of whole sentences, each knowing the footnotes that source it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.corpus import Document

__all__ = ["CHUNKER_VERSION", "Passage", "Sentence", "build_passages", "split_sentences"]

# Bump when passage boundaries or text change: an index built by another version is stale.
CHUNKER_VERSION = "5"

# A passage may grow past its target to keep a quotation with its marker, up to this many times the target
# (at the default 60 words: 150). Footnote support spans run to 150 words in this corpus (fn 8 of 000_…, one
# long sentence), so at the default size no footnote is cut from what it sources (tests/test_chunking.py).
STRETCH = 2.5


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    footnote_numbers: tuple[int, ...]
    """Footnotes whose support span contains this sentence (see `corpus.Marker.support`)."""
    heading: bool = False


@dataclass(frozen=True)
class Passage:
    """A retrievable span of whole sentences.

    `footnote_numbers` are the footnotes whose support spans overlap it, in order: a marker in the next
    passage still sources the first half of a quotation here. `citation_spans[i]` are the (start, end)
    offsets into `text` that footnote `footnote_numbers[i]` supports.
    """

    passage_id: str
    doc_id: str
    page: int
    text: str
    footnote_numbers: tuple[int, ...]
    start: int
    end: int
    sentences: tuple[tuple[int, int, tuple[int, ...]], ...] = ()
    """(start, end, footnote numbers) of each sentence, as offsets into `text`."""
    citation_spans: tuple[tuple[tuple[int, int], ...], ...] = ()

    @property
    def words(self) -> int:
        return len(self.text.split())


def split_sentences(document: Document) -> list[Sentence]:
    """Sentence spans over `document.text`, each with the footnotes whose support span contains it."""
    headings = set(document.headings)
    spans = document.sentences()
    supports = sorted((m.support, m.number) for m in document.markers)
    sentences = []
    k = 0
    for start, end in spans:
        # supports are sorted by start; those ending before this sentence are done with for good
        while k < len(supports) and supports[k][0][1] <= start:
            k += 1
        numbers = []
        for (s, e), number in supports[k:]:
            if s >= end:
                break
            if s <= start and end <= e:
                numbers.append(number)
        stripped = document.text[start:end].strip()
        offset = start + len(document.text[start:end]) - len(document.text[start:end].lstrip())
        heading = (offset, offset + len(stripped)) in headings
        sentences.append(Sentence(start, end, tuple(sorted(numbers)), heading))
    return sentences


def build_passages(document: Document, *, target_words: int = 60, max_words: int | None = None) -> list[Passage]:
    """Greedily pack whole sentences until `target_words`, cutting only where no quotation is cut.

    A passage that reached its target still takes the next sentence while that sentence shares a footnote
    with its last one (the quotation or sentence run a marker sources goes on), up to `max_words`
    (default `STRETCH` × target); a heading starts a passage; a single overlong sentence stands alone.
    """
    max_words = max_words or int(STRETCH * target_words)
    sentences = split_sentences(document)
    lengths = [len(document.text[s.start : s.end].split()) for s in sentences]
    groups: list[list[Sentence]] = []
    current: list[Sentence] = []
    words = 0
    for sentence, n in zip(sentences, lengths):
        if current:
            # A footnote marker usually closes a run of sentences about one claim, and the sentences before
            # it without a marker of their own lead into it ('… aus Hongkong eingetragen …. Der neue Resident
            # "plant …"40'): a passage does not end on such a lead-in when the next sentence is sourced.
            continues = bool(set(current[-1].footnote_numbers) & set(sentence.footnote_numbers)) or (
                not current[-1].footnote_numbers and bool(sentence.footnote_numbers) and not sentence.heading
            )
            full = words >= target_words and not continues
            heading_next = sentence.heading and words >= target_words // 3
            if full or heading_next or words + n > max_words and not current[-1].heading:
                groups.append(current)
                current, words = [], 0
        current.append(sentence)
        words += n
    if current:
        if groups and words < target_words // 3 and not current[0].heading:
            groups[-1].extend(current)  # a short tail joins its predecessor
        else:
            groups.append(current)
    return [_passage(document, i, group) for i, group in enumerate(groups)]


def _passage(document: Document, i: int, group: list[Sentence]) -> Passage:
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
    numbers = list(dict.fromkeys(n for _, _, ns in spans for n in ns))
    numbers.sort(key=lambda n: (min(s for s, _, ns in spans if n in ns), n))
    return Passage(
        passage_id=f"{document.doc_id}:{i:04d}",
        doc_id=document.doc_id,
        page=document.page_at(group[0].start),
        text=" ".join(pieces),
        footnote_numbers=tuple(numbers),
        start=group[0].start,
        end=group[-1].end,
        sentences=tuple(spans),
        citation_spans=tuple(_merged([(s, e) for s, e, ns in spans if n in ns]) for n in numbers),
    )


def _merged(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Adjacent sentences (one space apart) make one highlight."""
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out and s <= out[-1][1] + 1:
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return tuple(out)


def clean_text(text: str) -> str:
    """Tidy the gaps that removed markers leave: 'gewährleisten" .' -> 'gewährleisten".'."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"(?<![.])\.\s+\.(?!\.)", ".", text)
    return re.sub(r"\s+([.,;:!?])(?=\s|$)", r"\1", text)
