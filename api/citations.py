"""Footnotes as people take them away: Markdown with numbered sources, RIS (written by rispy) and CSL-JSON.

A footnote is a citation string as printed ('Vgl. Kommersant, 12.03.2010, http://…'); it is not split into
authors and titles, which the extraction cannot do reliably, so reference managers get it whole as the title.
CSL-JSON is plain JSON in the CSL data schema and needs no library.
"""

from __future__ import annotations

import json

import rispy

from api.schemas import SourceOut
from assistant.sources import text_without_url as _plain_text
from assistant.sources import url_warning

__all__ = ["text_without_url", "to_csl_json", "to_markdown", "to_ris", "url_warning"]


def _label(source: SourceOut, titles: dict[str, str]) -> str:
    return f"Fußnote {source.footnote} in „{titles.get(source.doc_id, source.doc_id)}“"


def text_without_url(source: SourceOut) -> str:
    return _plain_text(source.text, source.url)


def to_markdown(answer: str, sources: list[SourceOut], titles: dict[str, str]) -> str:
    """The answer as it reads, its [n] markers numbering the source list below it."""
    lines = [answer.strip(), ""]
    if sources:
        lines += ["**Quellen**", ""]
        for i, s in enumerate(sources, start=1):
            entry = " ".join(part for part in (f"{i}.", text_without_url(s), s.url and f"<{s.url}>") if part)
            entry += f" — {_label(s, titles)}"
            if s.status == "truncated":
                entry += " (Fußnote in der Extraktion abgeschnitten)"
            if s.url_warning:
                entry += f" — Achtung: {s.url_warning}"
            lines.append(entry)
    return "\n".join(lines) + "\n"


class _RisWriter(rispy.RisWriter):
    def set_header(self, count: int) -> str:
        return ""  # rispy numbers records ('1.'); reference managers expect a record to start with TY


def to_ris(sources: list[SourceOut], titles: dict[str, str]) -> str:
    records = []
    for s in sources:
        record = {"type_of_reference": "ELEC" if s.url else "GEN", "id": _id(s), "title": _title(s),
                  "notes": [_label(s, titles)]}
        if s.url:
            record["urls"] = [s.url]
        if s.year:
            record["year"] = str(s.year)
        records.append(record)
    return rispy.dumps(records, implementation=_RisWriter)


def to_csl_json(sources: list[SourceOut], titles: dict[str, str]) -> str:
    items = []
    for s in sources:
        item: dict[str, object] = {"id": _id(s), "type": "webpage" if s.url else "document", "title": _title(s),
                "note": _label(s, titles)}
        if s.url:
            item["URL"] = s.url
        if s.year:
            item["issued"] = {"date-parts": [[s.year]]}
        items.append(item)
    return json.dumps(items, ensure_ascii=False, indent=2)


def _title(source: SourceOut) -> str:
    return text_without_url(source) or source.url or ""  # some footnotes are nothing but a URL


def _id(source: SourceOut) -> str:
    return f"{source.doc_id}-fn{source.footnote}"
