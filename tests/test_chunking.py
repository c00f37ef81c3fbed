"""Sentences, footnote support spans and passages on the real corpus."""

from __future__ import annotations

import itertools

import pytest

from assistant.chunking import build_passages, split_sentences
from assistant.sentences import quotations, sentence_spans
from tests.conftest import DOC_CN, DOC_KZ


def _marker(document, number):
    return next(m for m in document.markers if m.number == number)


def _support(document, number) -> str:
    return document.text[slice(*_marker(document, number).support)]


def _passages_citing(document, number, **sizes):
    return [p for p in build_passages(document, **sizes) if number in p.footnote_numbers]


def _spans_text(passage, number) -> str:
    spans = passage.citation_spans[passage.footnote_numbers.index(number)]
    return " ".join(passage.text[s:e] for s, e in spans)


def test_quotation_over_two_sentences_is_sourced_by_its_closing_marker(documents):
    # '… dass "im Jahr 2020 der Umsatz … gestiegen ist und 307,2 Mio. $ erreicht hat. Der Export … Wachstum)"77 .'
    doc = documents[DOC_KZ]
    support = _support(doc, 77)
    assert "im Jahr 2020 der Umsatz des Handels mit landwirtschaftlichen Erzeugnissen" in support
    assert support.rstrip().endswith('(mehr als 20% Wachstum)" .')
    sentences = [s for s in split_sentences(doc) if 77 in s.footnote_numbers]
    assert len(sentences) == 2
    assert doc.text[sentences[0].start : sentences[0].end].rstrip().endswith("307,2 Mio. $ erreicht hat.")


def test_marker_two_sentences_after_the_quotation_opens_sources_all_three(documents):
    # '… dass "in Weißrussland Methoden … . … . …"101 .': the quotation opens two sentences before its marker
    doc = documents[DOC_CN]
    marker = _marker(doc, 101)
    cited = [doc.text[s.start : s.end] for s in split_sentences(doc) if 101 in s.footnote_numbers]
    assert len(cited) == 3
    assert cited[0].startswith('Es sei darauf hingewiesen, dass "in Weißrussland Methoden')
    assert all(marker.support[0] <= s.start and s.end <= marker.support[1]
               for s in split_sentences(doc) if 101 in s.footnote_numbers)


def test_quotation_across_a_page_break_is_sourced_from_its_first_page(documents):
    # fn 88 of 000_…: the quotation '"In erster Linie handelt es sich um Möbel …' opens on p. 52, its marker stands on p. 53
    doc = documents[DOC_KZ]
    marker = _marker(doc, 88)
    assert doc.page_at(marker.support[0]) == marker.page - 1
    assert _support(doc, 88).startswith('"In erster Linie handelt es sich um Möbel')


def test_marker_glued_to_the_next_sentence_sources_the_sentence_before(documents):
    # '… Eurasischen Wirtschaftsunion vorgaben. 16Der internationale Journalismus …'
    doc = documents[DOC_KZ]
    marker = _marker(doc, 16)
    assert doc.text[marker.offset :].startswith("Der internationale Journalismus")
    assert _support(doc, 16).rstrip().endswith("Eurasischen Wirtschaftsunion vorgaben.")
    sentence = next(s for s in split_sentences(doc) if doc.text[s.start :].lstrip().startswith("Der internationale Journalismus"))
    assert 16 not in sentence.footnote_numbers


@pytest.mark.parametrize("doc_id", [DOC_KZ, DOC_CN])
def test_every_marker_supports_text_that_ends_where_it_stands(documents, doc_id):
    doc = documents[doc_id]
    for marker in doc.markers:
        start, end = marker.support
        assert start < marker.offset <= end + len(doc.text[end:]) - len(doc.text[end:].lstrip()), marker
        assert doc.text[start:end].strip()


@pytest.mark.parametrize("doc_id", [DOC_KZ, DOC_CN])
def test_every_footnote_is_cited_by_a_passage_and_no_quotation_is_cut_at_the_default_size(documents, doc_id):
    doc = documents[doc_id]
    passages = build_passages(doc)
    for marker in doc.markers:
        assert len([p for p in passages if marker.number in p.footnote_numbers]) == 1, marker.number


def test_passage_boundary_inside_a_quotation_cites_the_footnote_on_both_sides(documents):
    # passages far smaller than the three-sentence quotation of fn 101 must cut it; both halves keep the footnote
    doc = documents[DOC_CN]
    halves = _passages_citing(doc, 101, target_words=20, max_words=40)
    assert len(halves) >= 2
    assert "in Weißrussland Methoden" in _spans_text(halves[0], 101)
    assert _spans_text(halves[-1], 101).endswith('Provinz Zhejiang...".')


def test_citation_spans_point_at_the_supported_text(documents):
    doc = documents[DOC_KZ]
    (passage,) = _passages_citing(doc, 77)
    text = _spans_text(passage, 77)
    assert text.startswith("Im Mittelpunkt des Treffens standen Fragen des Lebensmittelhandels")
    assert text.endswith('(mehr als 20% Wachstum)".')
    assert "Beide Seiten stellten fest" not in text
    for p in build_passages(doc):
        assert len(p.citation_spans) == len(p.footnote_numbers)
        for spans in p.citation_spans:
            assert all(0 <= s < e <= len(p.text) for s, e in spans)


def test_sentence_footnotes_are_those_whose_span_contains_the_sentence(documents):
    doc = documents[DOC_KZ]
    (passage,) = _passages_citing(doc, 77)
    cited = [passage.text[s:e] for s, e, numbers in passage.sentences if 77 in numbers]
    assert len(cited) == 2
    assert cited[0].startswith("Im Mittelpunkt des Treffens")


def test_initials_do_not_end_a_sentence(documents):
    # 'die bekannten Artikel von W. Putin, A. Lukaschenko. N. Nasarbajew, der kürzlich …'
    doc = documents[DOC_KZ]
    sentence = next(doc.text[s.start : s.end] for s in split_sentences(doc) if "W. Putin" in doc.text[s.start : s.end])
    assert "A. Lukaschenko. N. Nasarbajew, der kürzlich in der Zeitung Iswestija veröffentlicht wurde." in sentence
    assert sentence.lstrip().startswith("Ein sehr anschauliches Beispiel")


def test_roman_numeral_ordinal_does_not_end_a_sentence(documents):
    doc = documents[DOC_CN]
    assert any("auf dem IX. Belarussisch-Chinesischen" in doc.text[s.start : s.end] for s in split_sentences(doc))


def test_heading_is_a_sentence_of_its_own(documents):
    doc = documents[DOC_KZ]
    texts = [doc.text[s.start : s.end].strip() for s in split_sentences(doc)]
    assert "Künftige Pläne im Fahrplan" in texts
    assert any(t.startswith("Im Mai 2021 fand die 16. Sitzung") for t in texts)
    passage = next(p for p in build_passages(doc) if "Künftige Pläne im Fahrplan" in p.text)
    assert passage.text.startswith("Künftige Pläne im Fahrplan Im Mai 2021")
    assert passage.sentences[0][:2] == (0, len("Künftige Pläne im Fahrplan"))


def test_sentence_spans_cover_the_text_without_gaps():
    text = "Der Umsatz stieg um 5 Mio. $ im Jahr. Am 9. Dezember fand die 20. Sitzung statt. Ende"
    spans = sentence_spans(text)
    assert [text[s:e].strip() for s, e in spans] == [
        "Der Umsatz stieg um 5 Mio. $ im Jahr.", "Am 9. Dezember fand die 20. Sitzung statt.", "Ende"]
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))


@pytest.mark.parametrize("text", [
    'Er sagte: "Der Handel wuchs. Er verdoppelte sich" . Danach',
    "Er sagte: „Der Handel wuchs. Er verdoppelte sich“ . Danach",
    "Er sagte: «Der Handel wuchs. Er verdoppelte sich» . Danach",
])
def test_quotation_runs_from_its_opening_to_its_closing_quote(text):
    (span,) = quotations(text)
    assert text[slice(*span)][1:-1] == "Der Handel wuchs. Er verdoppelte sich"


def test_unbalanced_closing_quote_pairs_with_nothing():
    text = 'Der Umsatz stieg stark" . Dann "begann ein neues Jahr" .'
    assert [text[s:e] for s, e in quotations(text)] == ['"begann ein neues Jahr"']


def test_stray_closing_quote_closes_the_quotation_opened_the_sentence_before(documents):
    # 'Im Oktober 2022 unterzeichneten die Städte Grodno und Lanzhou … die "Vertiefung … Bereichen" vorsehen.
    #  Das Dokument zielt auch … ab"56 .': the quote before 'vorsehen' is a stray one inside the quotation
    doc = documents[DOC_CN]
    support = _support(doc, 56)
    assert support.startswith("Im Oktober 2022 unterzeichneten die Städte Grodno und Lanzhou")
    assert support.rstrip().endswith('Einwohnern der beiden Städte ab" .')


def test_passage_does_not_end_on_a_lead_in_to_a_sourced_sentence(documents):
    # '… als 87. Gebietsansässiger die Yuzhou Science and Technology Company LLC aus Hongkong eingetragen …
    #  Der neue Resident "plant die Einrichtung eines digitalen Werbezentrums …"40'
    doc = documents[DOC_CN]
    (passage,) = _passages_citing(doc, 40)
    assert "Yuzhou Science and Technology Company LLC aus Hongkong" in passage.text
    assert "plant die Einrichtung eines digitalen Werbezentrums" in _spans_text(passage, 40)
