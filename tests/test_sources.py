"""How footnotes are shown to people (assistant/sources.py, api/citations.py), on every footnote of the real corpus."""

from __future__ import annotations

import json

import rispy

from api.citations import to_csl_json, to_markdown, to_ris
from api.schemas import SourceOut
from assistant.sources import readable, text_without_url, url_warning
from tests.conftest import DOC_CN, DOC_KZ


def all_footnotes(documents):
    return [f for d in documents.values() for f in d.footnotes.values()]


def test_text_without_url_drops_the_printed_url_and_keeps_the_citation(documents):
    with_url = [f for f in all_footnotes(documents) if f.url and f.text]
    assert len(with_url) > 150
    for f in with_url:
        shown = text_without_url(f.text, f.url)
        assert "http" not in shown.lower() and "www" not in shown.lower(), (f.doc_id, f.number, shown)
    one = documents[DOC_KZ].footnotes[1]
    assert text_without_url(one.text, one.url).endswith("Zwischenstaatlichen Rates der EurAsEC statt. - 2010.")


def test_no_lost_character_is_shown(documents):
    lost = [f for f in all_footnotes(documents) if f.text and "\ufffd" in f.text]
    assert len(lost) == 9  # '- �. 255.': the Cyrillic 'С.' (page) of Russian references
    assert all("\ufffd" not in readable(f.text) for f in lost)
    assert readable(documents[DOC_KZ].footnotes[3].text).endswith("- S. 255.")


def test_only_machine_translated_hosts_are_flagged(documents):
    flagged = {(f.doc_id, f.number): url_warning(f.url) for f in all_footnotes(documents) if url_warning(f.url)}
    # www.Kasachstan.belembassy.org, Kasachstan.news-city.info, ru.Regierung.kz; 180-odd other hosts are fine.
    assert set(flagged) == {(DOC_KZ, 4), (DOC_KZ, 6), (DOC_KZ, 8)}
    assert "„Regierung“" in flagged[(DOC_KZ, 8)]


def test_exports_round_trip_through_their_readers(documents):
    notes = documents[DOC_CN].footnotes
    sources = [SourceOut(doc_id=DOC_CN, footnote=n, text=f.text, url=f.url, year=f.year, status=f.status,
                         url_warning=url_warning(f.url)) for n, f in sorted(notes.items())]
    titles = {DOC_CN: "Entwicklung von Industrieparks"}
    records = rispy.loads(to_ris(sources, titles))
    assert len(records) == len(sources)
    assert [r.get("urls", [None])[0] for r in records] == [s.url for s in sources]
    assert all(r["title"] for r in records)
    items = json.loads(to_csl_json(sources, titles))
    assert [i.get("issued", {}).get("date-parts", [[None]])[0][0] for i in items] == [s.year for s in sources]
    linked = [s for s in sources if s.url][:2]
    lines = to_markdown("Antwort [1] [2].", linked, titles).splitlines()
    assert lines[:4] == ["Antwort [1] [2].", "", "**Quellen**", ""]
    assert [line[:3] for line in lines[4:]] == ["1. ", "2. "]
    assert all(line.count(f"<{s.url}>") == 1 and s.url.split("/")[2] not in line.split("<")[0]
               for line, s in zip(lines[4:], linked))
