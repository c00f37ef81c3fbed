"""Footnotes as people take them away: Markdown with numbered sources, RIS (written by rispy) and CSL-JSON.

A footnote is a citation string as printed ('Vgl. Kommersant, 12.03.2010, http://…'); it is not split into
authors and titles, which the extraction cannot do reliably, so reference managers get it whole as the title.
CSL-JSON is plain JSON in the CSL data schema and needs no library. Also: the caution for URLs whose host
was machine-translated.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import rispy

from api.schemas import SourceOut

__all__ = ["text_without_url", "to_csl_json", "to_markdown", "to_ris", "url_warning"]

# Hosts are printed lower-case; the PDF's machine translation turned some host names into German nouns
# ('www.Kasachstan.belembassy.org', 'ru.Regierung.kz'). These words never name a real host label here.
_TRANSLATED = frozenset({
    "kasachstan", "weissrussland", "weißrussland", "russland", "regierung", "ministerium", "botschaft",
    "nachrichten", "präsident", "praesident", "zeitung", "wirtschaft", "handel", "außenministerium",
})


def url_warning(url: str | None) -> str | None:
    """A sentence saying why `url` probably does not lead to the source, or None when it looks intact."""
    if not url:
        return None
    host = urlsplit(url).netloc.split("@")[-1].split(":")[0]
    for label in host.split("."):
        german = label.casefold() in _TRANSLATED or any(c in "äöüß" for c in label.casefold())
        # A capitalised label ('Kasachstan') is sentence case from a translator, not a typed host name.
        capitalised = len(label) > 3 and label[0].isupper() and label[1:].islower()
        if german or capitalised:
            return (f"Der Domainname enthält „{label}“: vermutlich bei der Übersetzung des Dokuments ins Deutsche "
                    "verändert, die Adresse führt dann nicht zur Quelle.")
    return None


def _label(source: SourceOut, titles: dict[str, str]) -> str:
    return f"Fußnote {source.footnote} in „{titles.get(source.doc_id, source.doc_id)}“"


# The URL as printed, with the spaces the extraction put in ('URL: www. Kasachstan. belembassy. org/…'), to the end.
_PRINTED_URL = re.compile(r"\s*(?:-\s*)?(?:URL\s*:\s*)?(?:https?\s*:\s*/\s*/|www\s*\.).*$", re.S | re.I)


def text_without_url(source: SourceOut) -> str:
    if source.text is None:
        return "(Fußnotentext in der Extraktion verloren)"
    text = source.text
    if source.url:
        # The printed URL has the extraction's spaces in it; the repaired one stands on its own line.
        text = _PRINTED_URL.sub("", text).rstrip(" ,;:-") or text
    return text


def to_markdown(answer: str, sources: list[SourceOut], titles: dict[str, str]) -> str:
    """The answer as it reads, its [n] markers numbering the source list below it."""
    lines = [answer.strip(), ""]
    if sources:
        lines += ["**Quellen**", ""]
        for i, s in enumerate(sources, start=1):
            entry = f"{i}. {text_without_url(s)}"
            if s.url:
                entry += f" <{s.url}>"
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
        record = {"type_of_reference": "ELEC" if s.url else "GEN", "id": _id(s), "title": text_without_url(s),
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
        item = {"id": _id(s), "type": "webpage" if s.url else "document", "title": text_without_url(s),
                "note": _label(s, titles)}
        if s.url:
            item["URL"] = s.url
        if s.year:
            item["issued"] = {"date-parts": [[s.year]]}
        items.append(item)
    return json.dumps(items, ensure_ascii=False, indent=2)


def _id(source: SourceOut) -> str:
    return f"{source.doc_id}-fn{source.footnote}"
