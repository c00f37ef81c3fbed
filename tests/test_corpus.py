"""The parser on the real corpus files: markers, footnotes, body text, and a table of tricky cases."""

from __future__ import annotations

import re
import unicodedata

import pytest

from assistant.chunking import build_passages
from assistant.corpus import load_corpus, parse_footnote
from assistant.errors import CorpusError
from tests.conftest import CORPUS, DOC_CN, DOC_KZ


def norm(s: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", s).casefold())


def footnote_area(raw: str) -> str:
    """Lines in single-spaced runs: footnotes. Body lines are double-spaced and stand alone."""
    lines = raw.split("\n")
    blank = [not line.strip() for line in lines] + [True]
    separator = [len(line) >= 20 and not line.strip() for line in lines]
    kept = [
        line for i, line in enumerate(lines)
        if not blank[i] and ((i > 0 and (not blank[i - 1] or separator[i - 1])) or not blank[i + 1])
    ]
    return norm(" ".join(kept))


@pytest.mark.parametrize(("doc_id", "count"), [(DOC_KZ, 117), (DOC_CN, 128)])
def test_markers_run_1_to_n_once_each_in_order(documents, doc_id, count):
    numbers = [m.number for m in documents[doc_id].markers]
    assert numbers == list(range(1, count + 1))
    offsets = [m.offset for m in documents[doc_id].markers]
    assert offsets == sorted(offsets)


@pytest.mark.parametrize("doc_id", [DOC_KZ, DOC_CN])
def test_every_marker_has_a_footnote_entry(documents, doc_id):
    doc = documents[doc_id]
    assert sorted(doc.footnotes) == [m.number for m in doc.markers]


@pytest.mark.parametrize("doc_id", [DOC_KZ, DOC_CN])
def test_printed_footnote_stands_on_the_page_of_its_marker(documents, doc_id):
    doc = documents[doc_id]
    pages = {m.number: m.page for m in doc.markers}
    for f in doc.footnotes.values():
        if f.status == "ok":
            assert f.page == pages[f.number], f.number


@pytest.mark.parametrize("doc_id", [DOC_KZ, DOC_CN])
def test_footnote_text_comes_from_the_footnote_area_and_never_reaches_a_passage(documents, raw_texts, doc_id):
    area = footnote_area(raw_texts[doc_id])
    passages = [norm(p.text) for p in build_passages(documents[doc_id])]
    for f in documents[doc_id].footnotes.values():
        if f.text is None:
            continue
        text = norm(f.text)
        # a footnote continued on the next page is printed in two pieces
        assert text in area or (text[:40] in area and text[-40:] in area), f.number
        probe = text[:100]  # long enough that a headline quoted in the body does not match
        if len(probe) >= 60:
            assert not any(probe in p for p in passages), f.number


@pytest.mark.parametrize("doc_id", [DOC_KZ, DOC_CN])
def test_body_keeps_no_footnote_separator_or_marker_glue(documents, doc_id):
    text = documents[doc_id].text
    assert "  " * 10 not in text
    assert not re.search(r"URL:\s*https?://", text)
    assert not re.search(r'[a-zäöüß]"\d{1,3}\s*\.', text)  # 'gewährleisten"1 .'


def test_missing_footnote_has_status_missing_and_no_text(documents):
    f = documents[DOC_KZ].footnotes[65]
    assert (f.status, f.text, f.url, f.year) == ("missing", None, None, None)


def test_status_counts_per_document(documents):
    counts = {d: {s: sum(f.status == s for f in documents[d].footnotes.values()) for s in ("ok", "truncated", "missing")}
              for d in documents}
    assert counts[DOC_KZ] == {"ok": 86, "truncated": 16, "missing": 15}
    assert counts[DOC_CN] == {"ok": 95, "truncated": 19, "missing": 14}


def test_url_split_by_pdf_spaces_is_rejoined(documents):
    assert documents[DOC_KZ].footnotes[1].url == "http://president.gov.by/press102182.html#doc"
    assert documents[DOC_KZ].footnotes[13].url == "http://forum.soyuz.by/main-news/detail.php?TID=12457"
    assert documents[DOC_KZ].footnotes[1].year == 2010


def test_url_cited_without_scheme_gets_one(documents):
    # 'URL: www. kazembassy. by/kaz_bel_otn/torg_econom.html' in the raw file
    assert documents[DOC_KZ].footnotes[7].url == "http://www.kazembassy.by/kaz_bel_otn/torg_econom.html"
    urls = [f.url for d in documents.values() for f in d.footnotes.values() if f.url]
    assert urls and all(re.match(r"https?://[^\s/]+\.[^\s/]+", u) for u in urls)


def test_parse_footnote_docstring_example():
    f = parse_footnote("x", 1, ["Am 9. Dezember fand in Moskau eine Sitzung des Zwischenstaatlichen Rates der",
                                "EurAsEC statt. - 2010. - URL: http://president. gov. by/press102182.html#doc"])
    assert (f.url, f.year, f.status) == ("http://president.gov.by/press102182.html#doc", 2010, "ok")
    assert f.text.startswith("Am 9. Dezember") and "\n" not in f.text


def test_title_is_read_whole_over_its_two_lines(documents):
    # ' Entwicklung von Industrieparks und regionale ' / 'Zusammenarbeit ' / '' / ' '
    assert documents[DOC_CN].title == "Entwicklung von Industrieparks und regionale Zusammenarbeit"
    assert documents[DOC_KZ].title == "Die Ideologie der eurasischen Partnerschaft"


def test_headings_are_found_and_no_body_line_is_taken_for_one(documents):
    doc = documents[DOC_KZ]
    headings = [doc.text[s:e] for s, e in doc.headings]
    assert headings == [
        "Die Ideologie der eurasischen Partnerschaft",
        "20 Jahre Zusammenarbeit und Partnerschaft im Rahmen der eurasischen Kommunikation",
        "Aktuelle Medienthemen bilaterales Engagement",
        "Künftige Pläne im Fahrplan",
        "Der Weg der Freundschaft und Zusammenarbeit",
    ]


def test_empty_corpus_dir_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="no \\*.txt documents"):
        load_corpus(tmp_path)


# -- the tricky cases, one by one -------------------------------------------------------------------

def _passage_with_marker(documents, doc_id, number):
    return next(p for p in build_passages(documents[doc_id]) if number in p.footnote_numbers)


TRICKY_MARKERS = [
    # (doc, marker, text around it after cleaning)            raw form
    (DOC_KZ, 1, 'gemeinsamen Wirtschaftsraums zu gewährleisten".'),  # gewährleisten"1 .
    (DOC_KZ, 66, 'Kultur, Sport und Tourismus" vorsieht.'),            # vorsieht66 .
    (DOC_KZ, 17, "erfolgreich in allen Bereichen."),                    # Bereichen.17 .
    (DOC_KZ, 16, "Eurasischen Wirtschaftsunion vorgaben."),             # 16Der: cites the sentence before
    (DOC_KZ, 96, 'über 1 Milliarde Dollar pro Jahr".'),                 # " . 96 at a line end
    (DOC_CN, 126, 'des Partnerinstituts" sowie die Stärkung'),          # Partnerschaft"126 sowie
    (DOC_KZ, 107, "Niederlassung der Kazakhmys Corporation LLP."),      # LLP107 .
    (DOC_KZ, 115, 'Ländern intensivieren werden".'),                    # " . 115 before a page break
]


@pytest.mark.parametrize(("doc_id", "number", "clean"), TRICKY_MARKERS)
def test_glued_marker_is_found_removed_and_cited(documents, doc_id, number, clean):
    passage = _passage_with_marker(documents, doc_id, number)
    assert clean in passage.text
    assert not re.search(rf"\D{number}\s*\.", passage.text.replace(clean, "")) or number in (1,)


NUMBERS_THAT_ARE_NOT_MARKERS = [
    (DOC_KZ, '"52 direkte Vereinbarungen'),     # opening quote before a number
    (DOC_KZ, '"120 % unserer Exporte'),         # a percentage
    (DOC_KZ, "MAZ 5516H5 und MAZ 6501H9"),      # model codes
    (DOC_KZ, "in den letzten zwei Jahren 12 Montagefabriken"),
    (DOC_CN, "15 Ländern als Bewohner registriert"),  # a body line that begins with a number
]


@pytest.mark.parametrize(("doc_id", "snippet"), NUMBERS_THAT_ARE_NOT_MARKERS)
def test_numbers_that_are_not_markers_survive(documents, doc_id, snippet):
    assert snippet in documents[doc_id].text


def test_stray_page_number_is_dropped(documents):
    assert documents[DOC_KZ].stats["stray_page_numbers"] == 1
    assert "Garantien für alle Wirtschaftssubjekte gewährleisten" in documents[DOC_KZ].text


def test_footnote_with_a_space_before_its_number(documents):
    f = documents[DOC_KZ].footnotes[63]  # ' 63  Sidortschik, W. Delegation ...'
    assert f.text.startswith("Sidortschik, W. Delegation der Region Pawlodar")
    assert f.status == "truncated"  # its URL lost its first line
    assert documents[DOC_CN].footnotes[98].text.startswith("Der Plan für die Entwicklung der Zusammenarbeit im Gesundheitswesen")


def test_footnote_split_across_a_page_is_joined(documents):
    f = documents[DOC_KZ].footnotes[79]
    assert f.url == "https://www.belta.by/economics/view/gomselmash-i-agromashholding-kz-rasshirjat-linejku-agrotehniki-v-2021-godu-424825-2021/"
    assert f.status == "ok"


def test_continuation_of_a_lost_footnote_is_not_glued_to_an_earlier_one(documents):
    fns = documents[DOC_KZ].footnotes
    assert "https" not in fns[73].text and fns[73].status == "truncated"
    assert fns[77].status == "truncated" and "selhozproduktsii" in fns[77].url


def test_url_split_over_three_lines(documents):
    assert documents[DOC_KZ].footnotes[41].url == (
        "http://www.belarus.by/ru/press-center/speeches-and-interviews/ergali-bulegenov-u-ekonomicheskogo-"
        "sotrudnichestva-kazaxstana-i-belarusi-bolshoj-potentsial_i_0000005439.html"
    )


def test_truncated_footnotes(documents):
    assert documents[DOC_KZ].footnotes[60].status == "truncated"  # '... - 2017. - URL:' and nothing more
    f = documents[DOC_CN].footnotes[125]
    assert f.status == "truncated" and f.text.endswith("Kunshan-")


@pytest.mark.parametrize(
    "snippet",
    [
        "Konsenssuche und -findung",          # a real hyphen at a line end
        "belarussisch-kasachischen",          # a hyphenated compound across lines
        "Industrie- und",                     # 'Industrie-' before a conjunction
        "Entwicklung der Wirtschafts- und Handelsdi",
    ],
)
def test_line_end_hyphens_that_are_real_are_kept(documents, snippet):
    assert snippet in documents[DOC_KZ].text


def test_line_end_hyphenation_is_joined(documents):
    text = documents[DOC_KZ].text
    assert "Wirtschaftsraum" in text
    assert not re.search(r"\b[a-zäöü]+- [a-zäöü]{3,}\b(?<!und)", text.replace("- und", "").replace("- oder", ""))


def test_corpus_is_byte_identical_to_shared():
    shared = CORPUS.parent.parent / "shared" / "corpus"
    if not shared.exists():
        pytest.skip("../shared/corpus is not beside this checkout")
    for path in CORPUS.glob("*.txt"):
        assert path.read_bytes() == (shared / path.name).read_bytes()
