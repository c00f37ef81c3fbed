"""Compose a short cited answer from the best passages: the sentences that answer, each with its sources.

Extractive by default: one or two sentences from the top passages, each followed by `[n]` markers
that index into `citations` (1-based) for the footnotes whose support span contains that sentence (the
sentence or quotation a marker closes, see `corpus.Marker.support`). A sentence no footnote supports is
attributed to its passage ("Passage 2, S. 7") rather than to a neighbouring footnote that may support a
different claim. An optional
OpenAI-compatible generator may rewrite the answer from the same passages; its markers are validated
the same way and any failure falls back to the extractive answer.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.corpus import Footnote
from assistant.embedding import Embedder
from assistant.index import Index
from assistant.retrieval import Hit

__all__ = ["Answer", "AnswerComposer", "detect_language", "validate_markers"]

_NOT_FOUND = {
    "de": "Dazu enthalten die Dokumente keine verlässliche Antwort. Die nächstliegenden Passagen stehen unten.",
    "en": "The documents do not contain a reliable answer to this. The closest passages are listed below.",
    "ru": "В документах нет надёжного ответа на этот вопрос. Ниже приведены наиболее близкие фрагменты.",
}
_NO_SOURCE = {
    "de": "(ohne Fußnote; Passage {passage}, S. {page})",
    "en": "(no footnote; passage {passage}, p. {page})",
    "ru": "(без сноски; фрагмент {passage}, с. {page})",
}
_ENGLISH = frozenset("the what which who whom when where why how did does do is are was were of and in to with".split())
_MARKER = re.compile(r"\[(\d+)\]")
_HUB_PENALTY = 0.6


@dataclass(frozen=True)
class Answer:
    text: str
    citations: list[Footnote]
    answerable: bool
    language: str
    sentences: list[tuple[str, str]] = field(default_factory=list)
    """(passage_id, sentence) pairs the answer was composed from."""


def detect_language(text: str) -> str:
    if re.search(r"[а-яА-ЯёЁ]", text):
        return "ru"
    words = re.findall(r"[a-zA-Zäöüß]+", text.lower())
    english = sum(w in _ENGLISH for w in words)
    return "en" if words and english >= max(1, len(words) // 5) and not re.search(r"[äöüß]", text) else "de"


def validate_markers(text: str, citations: Sequence[Footnote]) -> bool:
    """Every `[n]` must index a citation: 1 <= n <= len(citations)."""
    return all(1 <= int(n) <= len(citations) for n in _MARKER.findall(text))


class AnswerComposer:
    def __init__(self, index: Index, embedder: Embedder, *, max_sentences: int = 2) -> None:
        self.index = index
        self.embedder = embedder
        self.max_sentences = max_sentences
        df: Counter[str] = Counter()
        for p in index.passages:
            df.update(set(index.analyzer.analyze(p.text)))
        n = len(index.passages)
        self._idf = {t: math.log(1 + n / c) for t, c in df.items()}
        # Sentences come only from indexed passages, so this cache is bounded by the corpus (~1500 sentences);
        # without it every non-German turn re-embeds ~25 sentences, the bulk of a /chat request's CPU.
        self._sentence_vectors: dict[str, np.ndarray] = {}

    def compose(self, question: str, hits: Sequence[Hit], *, answerable: bool, language: str | None = None,
                context: str | None = None, said: Sequence[str] = ()) -> Answer:
        """`context` is the question as retrieval understood it ('… bis 2010? Und 2011?'): sentences are
        scored against it, with the follow-up's own words counted twice. Sentences already `said` in
        earlier answers of the conversation are not repeated."""
        language = language or detect_language(question)
        if not answerable or not hits:
            return Answer(_NOT_FOUND[language], [], False, language)
        candidates = [(h.rank, h.passage, s, e, tuple(n)) for h in hits[:5] for s, e, n in h.passage.sentences]
        sentences = [c[1].text[c[2] : c[3]] for c in candidates]
        scores = self._score(question, sentences, language)
        if context and context != question:
            own = scores
            scores = 2 * scores + self._score(context, sentences, language)
            if language == "de" and own.max(initial=0) > 0:
                # 'Und 2011?': a sentence with none of the follow-up's own words answers the earlier turn.
                scores = np.where(own > 0, scores, 0.5 * scores)
        said_text = " ".join(said)
        if language == "de":
            # Lexical scores let the context drag back what was already said; e5 similarities are too close
            # together for a penalty to leave anything but a generic sentence ahead of a repeated answer.
            repeated = [_unbracketed(sentence) in said_text for sentence in sentences]
            scores = np.where(repeated, 0.5 * scores, scores)
        # Prefer the higher-ranked passage when sentences score alike.
        prior = np.array([1.0 / (1 + 0.15 * (c[0] - 1)) for c in candidates])
        order = np.argsort(-(scores * prior), kind="stable")
        chosen = [candidates[i] for i in order[: self.max_sentences] if scores[i] > 0]
        if len(chosen) == 2 and scores[order[1]] < 0.75 * scores[order[0]]:
            chosen = chosen[:1]
        if not chosen:
            chosen = [candidates[0]]
        # The best sentence leads; two sentences of one passage keep their reading order.
        if len(chosen) == 2 and chosen[0][1] is chosen[1][1]:
            chosen.sort(key=lambda c: c[2])

        citations: list[Footnote] = []
        parts: list[str] = []
        used: list[tuple[str, str]] = []
        for rank, passage, s, e, numbers in chosen:
            sentence = passage.text[s:e]
            markers = []
            for number in numbers:
                footnote = self.index.footnotes[passage.doc_id][number]
                if footnote not in citations:
                    citations.append(footnote)
                markers.append(f"[{citations.index(footnote) + 1}]")
            tail = "".join(markers) if markers else " " + _NO_SOURCE[language].format(passage=rank, page=passage.page)
            parts.append(_unbracketed(sentence.rstrip()) + tail)
            used.append((passage.passage_id, sentence))
        text = " ".join(parts)
        if not validate_markers(text, citations):  # pragma: no cover - construction guarantees it
            raise AssertionError(f"answer marker without citation: {text!r}")
        return Answer(text, citations, True, language, used)

    def _score(self, question: str, sentences: list[str], language: str) -> np.ndarray:
        """German questions: idf-weighted stem overlap; other languages: embedding similarity."""
        terms = set(self.index.analyzer.analyze(question))
        lexical = np.array([
            sum(self._idf.get(t, 0.0) for t in terms & set(self.index.analyzer.analyze(s))) for s in sentences
        ])
        if language == "de" and lexical.max(initial=0) > 0:
            return lexical
        query = self.embedder.embed_queries([question])[0]
        vectors = self._vectors(sentences)
        # e5 rates short generic sentences ('Dies ist leider noch nicht beobachtet worden.') close to
        # any question; a sentence must carry some content to answer one.
        substantive = np.array([len(s.split()) >= 8 for s in sentences])
        # A 'hub' sentence, close to all the others ('Es gibt jedoch viel zu berichten …'), is close to any
        # question too: subtract part of its similarity to the candidates' centre (0.6 measured on the
        # question set's answers, see eval/README.md).
        similarity = vectors @ query - _HUB_PENALTY * (vectors @ vectors.mean(axis=0))
        return np.where(substantive, np.clip(similarity, 0, None), 0.0) + 0.01 * lexical

    def _vectors(self, sentences: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(s for s in sentences if s not in self._sentence_vectors))
        if missing:
            self._sentence_vectors.update(zip(missing, self.embedder.embed_passages(missing)))
        return np.stack([self._sentence_vectors[s] for s in sentences])


def _unbracketed(sentence: str) -> str:
    """Editorial brackets in quotations ('[2022]') would read as markers in an answer; passages keep them."""
    return sentence.replace("[", "(").replace("]", ")")


class LlmAnswerer:
    """Optional: an OpenAI-compatible chat endpoint writes the answer from the same passages.

    The model sees the passages numbered with their footnotes as `[n]` sources and must cite them; an
    answer whose markers do not resolve, or any error or timeout, falls back to the extractive answer.
    """

    def __init__(self, url: str, *, model: str = "default", timeout: float = 20.0, client=None) -> None:
        import httpx

        self.url = url.rstrip("/") + "/chat/completions"
        self.model = model
        self._client = client or httpx.Client(timeout=timeout)

    def rewrite(self, question: str, hits: Sequence[Hit], extractive: Answer, index: Index) -> Answer:
        if not extractive.answerable or not hits:
            return extractive
        citations: list[Footnote] = []
        blocks = []
        for hit in hits[:3]:
            refs = []
            for number in hit.passage.footnote_numbers:
                footnote = index.footnotes[hit.passage.doc_id][number]
                if footnote not in citations:
                    citations.append(footnote)
                refs.append(f"[{citations.index(footnote) + 1}]")
            blocks.append(f"Passage {hit.rank} (Quellen {' '.join(refs) or 'keine'}):\n{hit.passage.text}")
        prompt = (
            "Beantworte die Frage in ein bis drei Sätzen in der Sprache der Frage, nur mit Fakten aus den Passagen. "
            "Setze hinter jeden Satz die Quellenmarker [n] der Passage, aus der er stammt. "
            "Wenn die Passagen die Antwort nicht enthalten, antworte genau: NICHT_ENTHALTEN.\n\n"
            + "\n\n".join(blocks) + f"\n\nFrage: {question}"
        )
        try:
            response = self._client.post(self.url, json={"model": self.model, "temperature": 0,
                                                         "messages": [{"role": "user", "content": prompt}]})
            response.raise_for_status()
            text = response.json()["choices"][0]["message"]["content"].strip()
        except Exception:  # noqa: BLE001 - any failure of the optional generator means: keep the extractive answer
            return extractive
        if not text or "NICHT_ENTHALTEN" in text or not _MARKER.search(text) or not validate_markers(text, citations):
            return extractive
        used = sorted({int(n) for n in _MARKER.findall(text)})
        # Renumber so that `citations` holds exactly the sources the answer cites, in order of use.
        mapping = {old: new for new, old in enumerate(used, start=1)}
        text = _MARKER.sub(lambda m: f"[{mapping[int(m.group(1))]}]", text)
        return Answer(text, [citations[n - 1] for n in used], True, extractive.language, extractive.sentences)
