"""Parse the raw PDF extractions into documents: body text in reading order, pages, markers, footnotes.

The raw files look like this (body lines are double-spaced; footnote lines are not)::

    gemeinsamen Wirtschaftsraums zu gewährleisten"1 .
    <blank>
    Wie wir sehen, zielt dieses Modell ...
                                                     <- a line of only spaces ends the page body
    1 Am 9. Dezember fand in Moskau eine Sitzung des Zwischenstaatlichen Rates der
    EurAsEC statt. - 2010. - URL: http://president. gov. by/press102182.html#doc
     Nachbarländern gemacht, ...                    <- the next page's body starts with a space

Footnote numbering runs 1..N through a document and every marker occurs exactly once in the body,
in order; the parser leans on that sequence to tell footnote starts and markers from other numbers.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from assistant.errors import CorpusError, FootnoteParseError
from assistant.sentences import quotations, sentence_spans

__all__ = [
    "PARSER_VERSION",
    "Document",
    "Footnote",
    "Marker",
    "corpus_fingerprint",
    "load_corpus",
    "parse_document",
    "parse_footnote",
]

# Bump when parsing changes what a document holds: an index built by another version is stale.
PARSER_VERSION = "4"

FootnoteStatus = Literal["ok", "truncated", "missing"]

_SEPARATOR = re.compile(r" {20,}")
_FOOTNOTE_START = re.compile(r"^ ?(\d{1,3})\s+(\S.*)$")
_STRAY_PAGE_NUMBER = re.compile(r"\s*\d{1,3}\s*")
# A footnote number may be skipped when the extraction lost that footnote's text; never by more.
_MAX_FOOTNOTE_GAP = 12
_CONJUNCTIONS = {"und", "oder", "bzw.", "sowie", "als", "noch", "wie"}


@dataclass(frozen=True)
class Footnote:
    """One numbered footnote as printed; `text` is None when only the body marker survived."""

    doc_id: str
    number: int
    text: str | None
    url: str | None
    year: int | None
    status: FootnoteStatus
    page: int | None = None
    url_repaired: bool = False
    """The printed URL had spaces inserted or was broken across lines."""


@dataclass(frozen=True)
class Marker:
    """A footnote marker in the cleaned body: `offset` is where the removed digits stood.

    `support` is the span of body text the footnote sources: the sentence the marker closes, or, after a
    closing quote, every sentence of the quotation it closes ('… dass "im Jahr 2020 … gestiegen ist. Der
    belarussische Export … 289,9 Mio. $"77 .' -> both sentences). Always whole sentences.
    """

    number: int
    offset: int
    page: int
    support: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str
    text: str
    """Cleaned body: de-hyphenated, no footnote lines, no marker digits, no page numbers."""
    page_starts: tuple[int, ...]
    """Offset in `text` where page i+1 begins."""
    markers: tuple[Marker, ...]
    footnotes: dict[int, Footnote] = field(repr=False)
    stats: dict[str, int] = field(default_factory=dict, repr=False)
    headings: tuple[tuple[int, int], ...] = ()
    """(start, end) in `text` of each heading line (the title first): a sentence of its own."""

    def sentences(self) -> list[tuple[int, int]]:
        """Sentence spans covering `text`; headings never run into the sentence after them."""
        return sentence_spans(self.text, [edge for span in self.headings for edge in span])

    def page_at(self, offset: int) -> int:
        return max(1, bisect_right(self.page_starts, offset))


@dataclass
class _FootnoteDraft:
    number: int
    page: int
    lines: list[str]
    cut: bool = False
    """Only the continuation on a later page survived; the start was lost."""


@dataclass
class _Continuation:
    """Footnote lines at the top of a footnote area: the tail of a footnote begun on an earlier page."""

    page: int
    lines: list[str]


def load_corpus(corpus_dir: Path) -> list[Document]:
    """Parse every `*.txt` in `corpus_dir`, sorted by name; the file stem is the doc_id."""
    paths = sorted(Path(corpus_dir).glob("*.txt"))
    if not paths:
        raise CorpusError(f"no *.txt documents in {corpus_dir}; copy the source files into corpus/")
    return [parse_document(p.stem, p.read_text(encoding="utf-8")) for p in paths]


def corpus_fingerprint(corpus_dir: Path) -> str:
    """sha256 over the names and bytes of the corpus files: what an index was built from."""
    # A missing directory would hash like an empty corpus and be reported as a stale index.
    if not Path(corpus_dir).is_dir():
        raise CorpusError(f"the corpus directory {corpus_dir} does not exist; set ASSISTANT_CORPUS_DIR to the "
                          "directory holding the source *.txt files")
    digest = hashlib.sha256()
    for path in sorted(Path(corpus_dir).glob("*.txt")):
        digest.update(path.name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def parse_document(doc_id: str, raw: str) -> Document:
    body_lines, drafts, continuations, stray_numbers = _split_body_and_footnotes(raw.split("\n"))
    body, page_starts, line_starts = _join_body(body_lines)
    heading_spans = _heading_spans(body_lines, line_starts)
    marker_spans = _find_markers(body, expected=_expected_markers(drafts, body))
    text, markers = _remove_markers(body, marker_spans, page_starts)
    headings = tuple((_shifted(s, marker_spans), _shifted(e, marker_spans)) for s, e in heading_spans)
    markers = _with_support(text, markers, headings)
    drafts = _attach_continuations(drafts, continuations, markers)
    footnotes = _build_footnotes(doc_id, drafts, [m.number for m in markers])
    title = text[slice(*headings[0])].strip() if headings and headings[0][0] == 0 else _title(body_lines)
    stats = {
        "pages": len(page_starts),
        "markers": len(markers),
        "stray_page_numbers": stray_numbers,
    }
    return Document(
        doc_id=doc_id,
        title=title,
        text=text,
        page_starts=tuple(page_starts),
        markers=tuple(markers),
        footnotes=footnotes,
        stats=stats,
        headings=headings,
    )


# -- layout: which lines are body, which are footnotes ------------------------------------------


def _split_body_and_footnotes(
    lines: list[str],
) -> tuple[list[tuple[int, str, bool]], list[_FootnoteDraft], list[_Continuation], int]:
    """Return body lines as (page, line, is_heading), footnote drafts, continuations, and the stray page
    numbers dropped."""
    body: list[tuple[int, str, bool]] = []
    drafts: list[_FootnoteDraft] = []
    continuations: list[_Continuation] = []
    page = 1
    page_has_body = False
    stray = 0
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        if _SEPARATOR.fullmatch(line):
            i = _read_footnote_area(lines, i + 1, page, drafts, continuations)
            page += 1
            page_has_body = False
            continue
        if not line.strip():
            i += 1
            continue
        if _starts_unseparated_footnotes(lines, i, drafts):
            # A page whose footnotes follow the body without a separator line (' 98 Der Plan ...').
            i = _read_footnote_area(lines, i, page, drafts, continuations)
            page += 1
            page_has_body = False
            continue
        if _STRAY_PAGE_NUMBER.fullmatch(line) and _blank(lines, i - 1) and _blank(lines, i + 1):
            stray += 1
            i += 1
            continue
        # A page without footnotes has no separator; its successor still starts with a space.
        if line.startswith(" ") and page_has_body:
            page += 1
        body.append((page, line, _is_heading(lines, i)))
        page_has_body = True
        i += 1
    return body, drafts, continuations, stray


def _starts_unseparated_footnotes(lines: list[str], i: int, drafts: list[_FootnoteDraft]) -> bool:
    """The next footnote number, single-spaced below: body lines are double-spaced, footnotes are not."""
    start = _FOOTNOTE_START.match(lines[i])
    if not start or _blank(lines, i + 1):
        return False
    last = drafts[-1].number if drafts else 0
    if not last < int(start.group(1)) <= last + _MAX_FOOTNOTE_GAP:
        return False
    # ' 20 Jahre Zusammenarbeit ...' over two lines is a heading; a footnote names its source.
    block = []
    for line in lines[i:]:
        if _blank([line], 0):
            break
        block.append(line)
    return _REFERENCE.search(" ".join(block)) is not None


_REFERENCE = re.compile(r"URL:|\[Elektronische|-\s(?:19|20)\d\d\.")


def _blank(lines: list[str], i: int) -> bool:
    return i < 0 or i >= len(lines) or not lines[i].strip()


def _read_footnote_area(
    lines: list[str], i: int, page: int, drafts: list[_FootnoteDraft], continuations: list[_Continuation]
) -> int:
    """Consume footnote lines after a page separator; return the index of the next body line."""
    started = False
    while i < len(lines) and lines[i] != "":
        line = lines[i]
        if _resumes_body(lines, i):
            return i
        start = _FOOTNOTE_START.match(line)
        last = drafts[-1].number if drafts else 0
        if start and last < int(start.group(1)) <= last + _MAX_FOOTNOTE_GAP:
            drafts.append(_FootnoteDraft(int(start.group(1)), page, [start.group(2)]))
            started = True
        elif started:
            drafts[-1].lines.append(line.strip())
        elif continuations and continuations[-1].page == page:
            continuations[-1].lines.append(line.strip())
        else:
            continuations.append(_Continuation(page, [line.strip()]))
        i += 1
    return i


def _attach_continuations(
    drafts: list[_FootnoteDraft], continuations: list[_Continuation], markers: list[Marker]
) -> list[_FootnoteDraft]:
    """A continuation belongs to the last footnote whose marker stands before its page.

    When that footnote's start was lost (fn 77 of 000_…: only its URL survives at the top of the next
    page), the continuation alone becomes its text, flagged as cut; it is never glued onto an
    earlier footnote.
    """
    by_number = {d.number: d for d in drafts}
    for piece in continuations:
        before = [m.number for m in markers if m.page < piece.page]
        if not before:
            raise FootnoteParseError(f"footnote text on page {piece.page} before any marker: {piece.lines[0]!r}")
        owner = max(before)
        if owner in by_number:
            by_number[owner].lines.extend(piece.lines)
        else:
            by_number[owner] = _FootnoteDraft(owner, piece.page, list(piece.lines), cut=True)
    return sorted(by_number.values(), key=lambda d: d.number)


def _resumes_body(lines: list[str], i: int) -> bool:
    """The next page's body starts with a space and is double-spaced; footnote lines are not.

    A heading may take two lines before its blank (' Der Weg der Freundschaft und' / 'Zusammenarbeit').
    """
    line = lines[i]
    if not line.startswith(" ") or not line.strip():
        return False
    if _blank(lines, i + 1):
        return True
    nxt = lines[i + 1]
    return (
        not nxt.startswith(" ")
        and _blank(lines, i + 2)
        and line.strip()[0].isupper()
        and "/" not in line
    )


def _is_heading(lines: list[str], i: int) -> bool:
    """Headings are single-spaced blocks closed by a line of a few spaces; body lines are double-spaced.

        ' Künftige Pläne im Fahrplan'        ' Der Weg der Freundschaft und'
        ' '                                  'Zusammenarbeit'
                                             ''
                                             ' '
    """
    stripped = lines[i].strip()
    if not stripped or len(stripped) > 80 or stripped.endswith((".", ",", ";", "!", "?")):
        return False
    j = i + 1
    if j < len(lines) and lines[j].strip():
        # the first line of a two-line heading starts with a space, its unspaced second line closes the block
        if not lines[i].startswith(" ") or lines[j].startswith(" ") or (j + 1 < len(lines) and lines[j + 1].strip()):
            return False
        j += 1
    if j < len(lines) and lines[j] == "":
        j += 1
    return j < len(lines) and lines[j] != "" and not lines[j].strip() and not _SEPARATOR.fullmatch(lines[j])


def _heading_spans(body_lines: list[tuple[int, str, bool]], line_starts: list[int]) -> list[tuple[int, int]]:
    """Join consecutive heading lines into one (start, end) span of the joined body."""
    spans: list[tuple[int, int]] = []
    previous = False
    for (_, line, heading), start in zip(body_lines, line_starts):
        if heading:
            end = start + len(line.strip())
            if previous:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
        previous = heading
    return spans


def _title(body_lines: list[tuple[int, str, bool]]) -> str:
    parts: list[str] = []
    for _, line, _ in body_lines[:3]:
        stripped = line.strip()
        if parts and not line.startswith(" ") and stripped[0].isupper() and len(" ".join(parts)) > 40:
            break
        parts.append(stripped)
        if len(parts) == 2 or stripped.endswith((".", ":")):
            break
    return " ".join(parts)


# -- body text -----------------------------------------------------------------------------------


def _join_body(body_lines: list[tuple[int, str, bool]]) -> tuple[str, list[int], list[int]]:
    """Join body lines, undoing line-end hyphenation; return text, the offset where each page starts and
    the offset where each line's text starts."""
    out: list[str] = []
    length = 0
    page_starts: list[int] = []
    line_starts: list[int] = []
    current_page = 0
    pending_hyphen = False
    seen_words = {w.lower() for _, raw, _ in body_lines for w in re.findall(r"[\w-]+", raw)}
    for page, raw, _ in body_lines:
        line = raw.strip()
        if page != current_page:
            page_starts.extend([length] * (page - current_page))
            current_page = page
        if pending_hyphen:
            first = line.split(" ", 1)[0]
            if out[-1].endswith(" -"):
                joiner = ""  # 'Konsenssuche und -' + 'findung'
            elif first[:1].islower() and first not in _CONJUNCTIONS and not _keeps_hyphen(out[-1], first, seen_words):
                # 'Wirtschafts-' + 'raum': a word broken by the line end.
                out[-1] = out[-1][:-1]
                length -= 1
                joiner = ""
            elif first[:1].isdigit() or first[:1].isupper() or first[:1].islower() and first not in _CONJUNCTIONS:
                # '2009-' + '2016', 'Kasachstan-' + 'Belarus', 'belarussisch-' + 'kasachischen'.
                joiner = ""
            else:
                # 'Industrie-' + 'und Technikpark': a real hyphen before a conjunction.
                joiner = " "
        else:
            joiner = " " if out else ""
        piece = joiner + line
        out.append(piece)
        line_starts.append(length + len(joiner))
        length += len(piece)
        pending_hyphen = line.endswith("-") and len(line) > 1 and not line.endswith("--")
    return "".join(out), page_starts, line_starts


_ADJECTIVE_ENDINGS = ("isch", "lich", "ig", "al", "iv", "ell")


def _keeps_hyphen(before: str, first: str, seen_words: set[str]) -> bool:
    """'belarussisch-' + 'kasachischen' is a hyphenated compound; 'Wirtschafts-' + 'raum' is one word.

    The document itself decides where it can ('X-y' or 'Xy' written within a line elsewhere);
    otherwise an adjective before the hyphen keeps it.
    """
    head = re.findall(r"[\w]+", before)[-1].lower() if re.findall(r"[\w]+", before) else ""
    tail = re.sub(r"\W+$", "", first).lower()
    if f"{head}-{tail}" in seen_words:
        return True
    if f"{head}{tail}" in seen_words:
        return False
    return head.endswith(_ADJECTIVE_ENDINGS)


def _expected_markers(drafts: list[_FootnoteDraft], body: str) -> list[int]:
    """Markers run 1..N; N is the last printed footnote, or more when the body goes on (lost tail)."""
    last = drafts[-1].number if drafts else 0
    n = last
    while _first_marker_candidate(body, n + 1, 0) is not None and n < last + _MAX_FOOTNOTE_GAP:
        n += 1
    return list(range(1, n + 1))


_DIGITS = re.compile(r"\d+")


def _first_marker_candidate(body: str, number: int, start: int) -> tuple[int, int] | None:
    for match in re.finditer(rf"(?<!\d){number}(?!\d)", body[start:]):
        s, e = match.start() + start, match.end() + start
        if _looks_like_marker(body, s, e):
            return s, e
    return None


def _looks_like_marker(body: str, s: int, e: int) -> bool:
    """Markers glue onto what precedes them; ordinary numbers stand apart.

    Accepted: 'gewährleisten"1 .', 'vorsieht66 .', 'Bereichen.17 .', 'Partnerschaft"126 sowie',
    '. 16Der' (glued to the next sentence), '" . 96' (after the closing period).
    Rejected: '"52 direkte' (an opening quote), '42,3 %', '5516H5', '2010-2011 12 Montagewerke'.
    """
    before = body[s - 1] if s > 0 else " "
    after = body[e] if e < len(body) else " "
    if after.isdigit() or after in ",%":
        return False
    if after.isalpha() and not (after.isupper() and before == " "):
        return False
    if before == " ":
        head = body[max(0, s - 3) : s]
        if after.isalpha():
            return head.rstrip().endswith((".", "!", "?", '"'))
        return re.search(r"[\w\"')]\s?\.\s$", body[max(0, s - 5) : s]) is not None
    if before.isdigit() or before in "-/+–":
        return False
    if before in ".," and s >= 2 and body[s - 2].isdigit():
        return False
    if before == '"' and (s < 2 or body[s - 2] == " "):
        return False
    if before.isalpha() and s >= 2 and body[s - 2].isdigit():
        # model codes such as '5516H5' are not markers; 'LLP107' is
        return False
    return before.isalpha() or before in "\".)»“”'!?;:"


def _find_markers(body: str, expected: list[int]) -> list[tuple[int, int, int]]:
    """Find each expected marker after the previous one; return (number, start, end) spans."""
    spans: list[tuple[int, int, int]] = []
    pos = 0
    for number in expected:
        found = _first_marker_candidate(body, number, pos)
        if found is None:
            continue
        spans.append((number, found[0], found[1]))
        pos = found[1]
    return spans


def _remove_markers(
    body: str, spans: list[tuple[int, int, int]], page_starts: list[int]
) -> tuple[str, list[Marker]]:
    pieces: list[str] = []
    markers: list[Marker] = []
    prev = 0
    removed = 0
    for number, s, e in spans:
        pieces.append(body[prev:s])
        offset = s - removed
        markers.append(Marker(number, offset, _page_of(page_starts, s)))
        removed += e - s
        prev = e
    pieces.append(body[prev:])
    text = "".join(pieces)
    page_starts[:] = [_shifted(start, spans) for start in page_starts]
    return text, markers


def _shifted(offset: int, spans: list[tuple[int, int, int]]) -> int:
    """Where a body offset lands once the marker digits before it are removed."""
    return offset - sum(e - s for _, s, e in spans if e <= offset)


# Longest quotation taken as one claim: the longest paired quotation in the corpus is 69 words; a longer
# "quotation" is two unbalanced quotes, and its marker then sources only its own sentence.
_MAX_QUOTATION_WORDS = 150
_QUOTE_CHARS = '"“”»'


def _with_support(text: str, markers: list[Marker], headings: tuple[tuple[int, int], ...]) -> list[Marker]:
    """Give each marker the sentences it sources (see `Marker.support`).

    What stands just before the marker decides, spaces and punctuation skipped: a closing quote that ends
    a quotation -> every sentence from the quotation's opening to the marker; anything else -> the
    sentence that ends there. So '… vorgaben. 16Der …' sources '… vorgaben.', not 'Der …'.
    """
    sentences = sentence_spans(text, [edge for span in headings for edge in span])
    starts = [s for s, _ in sentences]
    pairs = quotations(text)
    closing = {end: start for start, end in pairs}
    openings = [start for start, _ in pairs]
    out = []
    for marker in markers:
        back = marker.offset
        while back > 0 and (text[back - 1].isspace() or text[back - 1] in ".,;:!?"):
            back -= 1
        first = last = bisect_right(starts, max(back - 1, 0)) - 1
        opened = closing.get(back)
        if opened is None and back > 0 and text[back - 1] in _QUOTE_CHARS:
            # A closing quote without its opening: the text put a stray quote inside the quotation
            # ('die "Vertiefung … Bereichen" vorsehen. Das Dokument … ab"56'), so it opened at the last
            # opening quote before, if that stands in this sentence or the one before (further back, the
            # opening was lost and the marker sources its own sentence).
            k = bisect_right(openings, back - 1) - 1
            opened = openings[k] if k >= 0 and openings[k] >= sentences[max(last - 1, 0)][0] else None
        if opened is not None and len(text[opened:back].split()) <= _MAX_QUOTATION_WORDS:
            first = bisect_right(starts, opened) - 1
        out.append(replace(marker, support=(sentences[first][0], sentences[last][1])))
    return out


def _page_of(page_starts: list[int], offset: int) -> int:
    page = 1
    for i, start in enumerate(page_starts):
        if start <= offset:
            page = i + 1
    return page


# -- footnotes -----------------------------------------------------------------------------------


def _build_footnotes(
    doc_id: str, drafts: list[_FootnoteDraft], marker_numbers: list[int]
) -> dict[int, Footnote]:
    by_number = {d.number: d for d in drafts}
    last = max([*marker_numbers, *by_number], default=0)
    footnotes: dict[int, Footnote] = {}
    for number in range(1, last + 1):
        draft = by_number.get(number)
        if draft is None:
            footnotes[number] = Footnote(doc_id, number, None, None, None, "missing")
        else:
            footnote = parse_footnote(doc_id, number, draft.lines, page=draft.page)
            footnotes[number] = replace(footnote, status="truncated") if draft.cut else footnote
    return footnotes


def parse_footnote(doc_id: str, number: int, lines: list[str], *, page: int | None = None) -> Footnote:
    """Join a footnote's lines, repair its URL and read its year.

    >>> parse_footnote("000", 1, ["Am 9. Dezember fand in Moskau eine Sitzung des Zwischenstaatlichen Rates der",
    ...     "EurAsEC statt. - 2010. - URL: http://president. gov. by/press102182.html#doc"]).url
    'http://president.gov.by/press102182.html#doc'
    """
    text = _join_footnote_lines(lines)
    url = _repair_url(text)
    year = _year(text)
    status: FootnoteStatus = "truncated" if _looks_truncated(text, url, year) else "ok"
    printed = " ".join(line.strip() for line in lines)
    return Footnote(doc_id, number, text, url, year, status, page, url_repaired=url is not None and url not in printed)


def _join_footnote_lines(lines: list[str]) -> str:
    text = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not text:
            text = line
        elif text.endswith("-") and not text.endswith(" -"):
            # URLs and compounds broken at a line end keep their hyphen and lose the break.
            text += line
        else:
            text += " " + line
    return unicodedata.normalize("NFC", re.sub(r"\s{2,}", " ", text))


_URL_START = re.compile(r"URL:\s*|(?=https?://)|(?=www\.\s?)")


def _repair_url(text: str) -> str | None:
    """The URL runs from 'URL:' to the end; the extraction put spaces after its dots and slashes."""
    match = _URL_START.search(text)
    if not match:
        return None
    tail = text[match.end() :].strip()
    if not tail:
        return None
    url = re.sub(r"\s+", "", tail).rstrip(".,;")
    if "." not in url or len(url) < 6:
        return None
    # 'URL: www.kazembassy.by/…' is cited without a scheme; a link needs one, and which one the site
    # spoke then is unknown, so the plain one.
    return url if re.match(r"[a-z][a-z0-9+.-]*://", url, re.IGNORECASE) else "http://" + url


_YEAR_IN_REFERENCE = re.compile(r"(?:^|[\s.,])-\s*((?:19|20)\d{2})\s*\.")
_ANY_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def _year(text: str) -> int | None:
    match = _YEAR_IN_REFERENCE.search(text)
    if match:
        return int(match.group(1))
    years = _ANY_YEAR.findall(text.split("URL:")[0])
    return int(years[-1]) if years else None


def _looks_truncated(text: str, url: str | None, year: int | None) -> bool:
    """Cut off by the extraction. Complete references end in a year, a page or a URL:

    'Ruslan Golovchenko besuchte ... [Elektronische' (cut mid-bracket), '... URL: http://mfa.' (URL lost),
    '... - 2021. - URL: https://www.belta.by/economics/view/belarus-zainteresovana-v-stroitelstve-' (URL cut),
    'Die BSU und die chinesische Universität Huzhou haben eine Absichtserklärung unterzeichnet' (no source).
    """
    stripped = text.rstrip()
    if year is None:
        return True
    if stripped.endswith(("-", "/", "//", "URL:", "[Elektronische")) and not (url and url.endswith("/")):
        return True
    if ("URL:" in text or re.search(r"\[Elektronische (Quelle|Ressource)\]", text)) and url is None:
        return True
    return url is not None and "URL:" not in text and not _YEAR_IN_REFERENCE.search(text)
