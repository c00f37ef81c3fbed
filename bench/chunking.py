"""Chunking time against document length: the real documents repeated 1x, 4x and 16x.

A synthetic document is a real one's cleaned body repeated k times, with its markers (renumbered, so
every number stays unique), their support spans, headings and page starts shifted into each copy; so
sentence splitting and passage packing see k times the text, sentences and footnotes. Time grows
linearly when the per-1000-words column stays flat.

    PYTHONPATH=src .venv/bin/python bench/chunking.py [--repeat 3] [--factors 1 4 16]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from assistant.chunking import build_passages, split_sentences
from assistant.corpus import Document, load_corpus
from assistant.sentences import sentence_spans

ROOT = Path(__file__).resolve().parents[1]


def repeated(document: Document, k: int) -> Document:
    text = document.text + " "
    size = len(text)
    last = max(m.number for m in document.markers)
    return replace(
        document,
        text=text * k,
        page_starts=tuple(s + c * size for c in range(k) for s in document.page_starts),
        markers=tuple(
            replace(m, number=m.number + c * last, offset=m.offset + c * size,
                    support=(m.support[0] + c * size, m.support[1] + c * size))
            for c in range(k) for m in document.markers
        ),
        headings=tuple((s + c * size, e + c * size) for c in range(k) for s, e in document.headings),
    )


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the fastest counts")
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 4, 16])
    args = parser.parse_args()
    documents = load_corpus(ROOT / "corpus")
    print(f"{'document':<22} {'x':>3} {'words':>8} {'sentences':>9} {'passages':>8} "
          f"{'split s':>8} {'chunk s':>8} {'chunk ms/1k words':>17}")
    for document in documents:
        for k in args.factors:
            doc = repeated(document, k)
            words = len(doc.text.split())
            breaks = [edge for span in doc.headings for edge in span]
            split = best_of(args.repeat, lambda doc=doc, breaks=breaks: sentence_spans(doc.text, breaks))
            chunk = best_of(args.repeat, lambda doc=doc: build_passages(doc))
            print(f"{doc.doc_id:<22} {k:>3} {words:>8} {len(split_sentences(doc)):>9} "
                  f"{len(build_passages(doc)):>8} {split:>8.3f} {chunk:>8.3f} {1000 * chunk / words * 1000:>17.2f}")


if __name__ == "__main__":
    main()
