"""Footnotes as a reader sees them: the citation without its broken printed URL, without lost characters,
and a caution for URLs whose host name was machine-translated. Used by the API's exports and the CLI."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["readable", "text_without_url", "url_warning"]

# The URL as printed, with the spaces the extraction put in ('URL: www. Kasachstan. belembassy. org/…'), to the end.
_PRINTED_URL = re.compile(r"\s*(?:-\s*)?(?:URL\s*:\s*)?(?:https?\s*:\s*/\s*/|www\s*\.).*$", re.DOTALL | re.IGNORECASE)
# Russian page abbreviations ('С. 255') lost their Cyrillic letter in the extraction: '- �. 255.'.
_LOST_PAGE = re.compile(r"\ufffd\.")


def readable(text: str) -> str:
    """`text` without U+FFFD: a lost 'С.' (page) becomes 'S.', any other lost character '?'."""
    return _LOST_PAGE.sub("S.", text).replace("\ufffd", "?")


def text_without_url(text: str | None, url: str | None) -> str:
    """The footnote's text for showing next to its repaired `url`, so the URL is not printed twice; empty
    when the footnote is nothing but its URL."""
    if text is None:
        return "(Fußnotentext in der Extraktion verloren)"
    if url:
        text = _PRINTED_URL.sub("", text).rstrip(" ,;:-")
    return readable(text)


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
