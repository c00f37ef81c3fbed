"""Retrieval evaluation: question files → probes → one ranking per system → metrics per question type.

Each turn of each item becomes a `Probe`; each `System` (lexical, dense and hybrid baselines, and the full
conversational system; in-process or over HTTP) ranks passages for it; `score` checks the ranking against
the evidence snippets; `summarize` averages per category with bootstrap intervals. See eval/README.md.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import httpx
import numpy as np

from assistant.errors import EvaluationError

if TYPE_CHECKING:
    from assistant.chunking import Passage
    from assistant.engine import Engine

__all__ = [
    "CATEGORIES", "MODES", "REFUSE_TYPES", "REPEATS", "HttpSystem", "Item", "LocalSystem", "Probe", "ProbeResult",
    "RankedPassage", "Ranking", "Report", "Stat", "System", "Turn", "after_unrelated", "answer_correct", "answer_ok",
    "bootstrap_ci", "citation_ok", "fact_norm", "flatten", "hit_at", "load_questions", "ndcg", "norm", "read_within",
    "reciprocal_rank", "relevant_in", "relevant_ranks", "run", "score", "summarize",
]

TYPES = ("fact", "paraphrase", "crosslingual", "source", "conversation", "unanswerable", "offtopic", "contentfree")
# Types the documents cannot answer: "unanswerable" (near misses: the topic is in the documents, the fact is
# not), "offtopic" (nothing to do with them: 'What is the capital of Australia?') and "contentfree" ('???').
REFUSE_TYPES = frozenset({"unanswerable", "offtopic", "contentfree", "offtopic-in-conversation"})
CATEGORIES = ("fact", "paraphrase", "crosslingual", "source", "conversation-first", "conversation-followup",
              "unanswerable", "offtopic", "contentfree", "after-unrelated", "offtopic-in-conversation")
REPEATS = ("after-unrelated", "after-unrelated-lead", "offtopic-in-conversation")
"""Questions asked again after another one (`after_unrelated`): their own rows, never in "all"."""
MODES = ("lexical", "dense", "hybrid", "full")
CUTOFF = 10
BUDGETS = (100, 300)
RETRIEVAL_METRICS = ("hit@1", "hit@3", "hit@5", "hit@10", "mrr@10", "ndcg@10", "read@100", "read@300", "cite_ok",
                     "answer_ok", "answer_correct")
DETECTION_METRICS = ("followup_precision", "followup_recall")
ANSWER_OVERLAP_WORDS = 8
_ITEM_FIELDS = frozenset({"id", "doc", "lang", "type", "question", "evidence", "footnotes", "answer", "turns",
                          "facts"})


# -- question sets ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    question: str
    evidence: tuple[str, ...]
    footnotes: tuple[int, ...]
    answer: str | None = None
    facts: tuple[tuple[str, ...], ...] = ()
    """Key facts a correct answer states; each is a tuple of alternatives ('847,9', '847.9')."""
    followup: bool | None = None
    """Does the turn lean on the conversation? Labelled in the question files; the first turn never does."""
    unanswerable: bool = False
    """A conversation turn the documents do not answer (`"unanswerable": true` on the turn)."""
    doc: str | None = None
    """The document a turn asks about when the conversation switches to the other one (else the item's)."""


@dataclass(frozen=True)
class Item:
    """One JSON line; a non-conversation item is a conversation of one turn."""

    id: str
    type: str
    doc: str | None
    lang: str
    turns: tuple[Turn, ...]
    # fields the format does not define (e.g. "added": true), carried into the results untouched
    extra: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Probe:
    """One question as a system sees it: a single item, or one turn of a conversation with its history."""

    item_id: str
    turn: int
    category: str
    question: str
    evidence: tuple[str, ...]
    footnotes: tuple[int, ...]
    doc: str | None = None
    lang: str = "de"
    history: tuple[str, ...] = ()
    extra: Mapping[str, object] = field(default_factory=dict)
    facts: tuple[tuple[str, ...], ...] = ()
    followup: bool | None = None

    @property
    def answerable(self) -> bool:
        return self.category not in REFUSE_TYPES


def load_questions(paths: Iterable[str | Path]) -> list[Item]:
    items: list[Item] = []
    seen: dict[str, str] = {}
    for path in map(Path, paths):
        for lineno, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                item = _item(json.loads(line))
            except (ValueError, TypeError, AttributeError) as exc:
                raise EvaluationError(f"{where}: {exc}; the format is described in eval/README.md") from exc
            if item.id in seen:
                raise EvaluationError(f"{where}: id {item.id!r} is already used at {seen[item.id]}")
            seen[item.id] = where
            items.append(item)
    return items


def _item(row: dict) -> Item:
    kind = row.get("type")
    if kind not in TYPES:
        raise ValueError(f"type {kind!r} is not one of {', '.join(TYPES)}")
    if "id" not in row:
        raise ValueError("the item has no 'id'")
    turns = tuple(map(_turn, row.get("turns") or ())) if kind == "conversation" else (_turn(row),)
    if not turns:
        raise ValueError(f"conversation {row['id']!r} has no 'turns'")
    # Without evidence an answerable probe could never score, and with evidence an unanswerable one is a typo.
    if any(bool(t.evidence) != (kind not in REFUSE_TYPES and not t.unanswerable) for t in turns):
        raise ValueError(f"{row['id']!r}: answerable turns need evidence snippets, {kind} items and unanswerable "
                         "turns none")
    extra = {k: v for k, v in row.items() if k not in _ITEM_FIELDS}
    return Item(str(row["id"]), kind, row.get("doc"), row.get("lang", "de"), turns, extra)


def _turn(row: dict) -> Turn:
    question = row.get("question")
    if not isinstance(question, str) or not question.strip():
        raise ValueError(f"question {question!r} is missing or empty")
    evidence = tuple(s for s in row.get("evidence", ()) if norm(s))
    facts = row.get("facts") or []
    if not isinstance(facts, list) or not all(isinstance(f, list) and f and all(isinstance(a, str) and a.strip()
                                                                                 for a in f) for f in facts):
        raise ValueError(f"facts {facts!r} must be a list of lists of alternative strings, e.g. [['847,9', '847.9']]")
    followup = row.get("followup")
    if followup is not None and not isinstance(followup, bool):
        raise ValueError(f"followup {followup!r} must be true or false")
    return Turn(question, evidence, tuple(int(n) for n in row.get("footnotes", ())), row.get("answer"),
                tuple(tuple(f) for f in facts), followup, row.get("unanswerable") is True, row.get("doc"))


def flatten(items: Iterable[Item]) -> list[Probe]:
    probes = []
    for item in items:
        for i, turn in enumerate(item.turns):
            category = item.type
            if item.type == "conversation":
                category = "conversation-first" if i == 0 else "conversation-followup"
                category = "unanswerable" if turn.unanswerable else category
            history = tuple(t.question for t in item.turns[:i])
            # A lone question and a conversation's first turn are new questions by definition.
            followup = turn.followup if i else False
            probes.append(Probe(item.id, i, category, turn.question, turn.evidence, turn.footnotes, turn.doc or item.doc,
                                item.lang, history, item.extra, turn.facts, followup))
    return probes


def after_unrelated(probes: Sequence[Probe]) -> list[Probe]:
    """Every answerable lone question asked again, right after a question about the *other* document.

    Each pair is a two-turn conversation: the lead (category "after-unrelated-lead", not scored into any
    row) and the question itself ("after-unrelated"), whose ranking should be exactly its ranking alone.
    Leads are the other document's lone questions taken in turn, so the pairing is fixed.

    Every off-topic and content-free input is asked again the same way, after a question about the documents
    ("offtopic-in-conversation"): a conversation must not turn 'Wie heißt der Bundeskanzler von Deutschland?'
    into a follow-up and answer it from the last topic.
    """
    lone = [p for p in probes if p.category in _LONE and p.answerable and p.doc]
    pairs: list[Probe] = []
    used: dict[str, int] = {}
    for probe in lone:
        others = [p for p in lone if p.doc != probe.doc]
        if not others:
            continue
        lead = others[used.get(probe.doc or "", 0) % len(others)]
        used[probe.doc or ""] = used.get(probe.doc or "", 0) + 1
        pair_id = f"{probe.item_id}@after"
        pairs.append(Probe(pair_id, 0, "after-unrelated-lead", lead.question, lead.evidence, lead.footnotes,
                           lead.doc, lead.lang, (), probe.extra, followup=False))
        pairs.append(Probe(pair_id, 1, "after-unrelated", probe.question, probe.evidence, probe.footnotes,
                           probe.doc, probe.lang, (lead.question,), probe.extra, probe.facts, followup=False))
    refused = [p for p in probes if p.category in ("offtopic", "contentfree")]
    for i, probe in enumerate(refused if lone else ()):
        lead = lone[i * 7 % len(lone)]  # spread over the lone questions, both documents and all languages
        pair_id = f"{probe.item_id}@conversation"
        pairs.append(Probe(pair_id, 0, "after-unrelated-lead", lead.question, lead.evidence, lead.footnotes,
                           lead.doc, lead.lang, (), probe.extra, followup=False))
        pairs.append(Probe(pair_id, 1, "offtopic-in-conversation", probe.question, (), (), None, probe.lang,
                           (lead.question,), probe.extra, followup=False))
    return pairs


_LONE = ("fact", "paraphrase", "crosslingual", "source")


# -- metrics on one ranking ------------------------------------------------------------------------


@dataclass(frozen=True)
class RankedPassage:
    text: str
    footnotes: tuple[int, ...]
    words: int


@dataclass(frozen=True)
class Ranking:
    passages: tuple[RankedPassage, ...]
    answerable: bool
    answer: str | None = None
    """The composed answer, for systems that give one (the full system)."""
    followup: bool | None = None
    """Did the system read the question as a follow-up? Systems with a conversation only."""


def norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())


def relevant_ranks(passages: Sequence[RankedPassage], evidence: Sequence[str]) -> list[int]:
    """1-based ranks of the passages containing an evidence snippet (after `norm`), in ranking order.

    A passage whose text repeats an earlier one is not relevant again: a system must not earn gain
    twice for returning the same text.
    """
    snippets = [s for s in map(norm, evidence) if s]
    seen: set[str] = set()
    ranks = []
    for rank, passage in enumerate(passages, start=1):
        text = norm(passage.text)
        if text in seen:
            continue
        seen.add(text)
        if any(s in text for s in snippets):
            ranks.append(rank)
    return ranks


def hit_at(ranks: Sequence[int], k: int) -> float:
    return float(bool(ranks) and ranks[0] <= k)


def reciprocal_rank(ranks: Sequence[int], cutoff: int = CUTOFF) -> float:
    return 1 / ranks[0] if ranks and ranks[0] <= cutoff else 0.0


def ndcg(ranks: Sequence[int], cutoff: int = CUTOFF, *, relevant: int | None = None) -> float:
    """Binary-gain nDCG. The ideal ranking puts min(`relevant`, `cutoff`) relevant passages first, where
    `relevant` is how many passages of the whole corpus hold an evidence snippet (`relevant_in`); so a
    second relevant passage found always raises the score. Without a corpus count, the relevant passages
    returned stand in for it (then a second one found can lower the score: pass the count)."""
    top = [r for r in ranks if r <= cutoff]
    if not top:
        return 0.0
    ideal = min(cutoff, max(relevant or 0, len(top)))
    dcg = sum(1 / math.log2(r + 1) for r in top)
    return dcg / sum(1 / math.log2(i + 1) for i in range(1, ideal + 1))


def relevant_in(corpus: Sequence[str], evidence: Sequence[str]) -> int:
    """How many distinct passage texts of the corpus contain an evidence snippet (after `norm`)."""
    snippets = [s for s in map(norm, evidence) if s]
    return len({t for t in map(norm, corpus) if any(s in t for s in snippets)})


def read_within(passages: Sequence[RankedPassage], ranks: Sequence[int], budget: int) -> float:
    """1.0 when a reader going down the list meets the evidence within `budget` words: the first relevant
    passage starts before the budget runs out (it need not end within it)."""
    if not ranks:
        return 0.0
    return float(sum(p.words for p in passages[: ranks[0] - 1]) < budget)


def citation_ok(passages: Sequence[RankedPassage], ranks: Sequence[int], footnotes: Sequence[int],
                cutoff: int = CUTOFF) -> bool | None:
    """Does the first relevant passage cite every footnote the probe expects? None when there is nothing
    to check (no expected footnotes, or no relevant passage in the top `cutoff`)."""
    if not footnotes or not ranks or ranks[0] > cutoff:
        return None
    return set(footnotes) <= set(passages[ranks[0] - 1].footnotes)


def answer_ok(answer: str, evidence: Sequence[str], min_words: int = ANSWER_OVERLAP_WORDS) -> bool:
    """Does the answer quote the evidence? True when it shares a run of `min_words` consecutive words with
    an evidence snippet (the whole snippet, if shorter). Snippets may span a sentence boundary and an
    answer quotes whole sentences, so containment either way would be too strict."""
    said = _words(answer)
    for snippet in evidence:
        words = _words(snippet)
        n = min(min_words, len(words))
        if n and _runs(words, n) & _runs(said, n):
            return True
    return False


def fact_norm(text: str) -> str:
    """' 847 9 mio usd ': words separated by single spaces, padded, so containment respects word edges."""
    return " " + re.sub(r"[\W_]+", " ", unicodedata.normalize("NFKC", text).casefold()).strip() + " "


def answer_correct(answer: str, facts: Sequence[Sequence[str]]) -> bool:
    """Does the answer state every key fact? A fact holds when one of its alternatives occurs in the answer
    as whole words (after `fact_norm` on both sides): '12' holds in 'wurden 12 Fabriken', not in '2012'."""
    said = fact_norm(answer)
    return bool(facts) and all(any(fact_norm(a) in said for a in alternatives if a.strip()) for alternatives in facts)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold())


def _runs(words: Sequence[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def score(probe: Probe, ranking: Ranking, *, relevant: int | None = None) -> tuple[list[int], dict[str, float | None]]:
    """The relevant ranks and the per-probe metrics; unanswerable probes are scored on abstention only.
    `relevant`: how many corpus passages hold the evidence (for nDCG's ideal ranking)."""
    abstained = float(not ranking.answerable)
    metrics: dict[str, float | None] = {"abstained": abstained}
    if not probe.answerable:
        if ranking.followup is not None:
            metrics["followup"] = float(ranking.followup)
        return [], metrics
    ranks = relevant_ranks(ranking.passages, probe.evidence)
    cite = citation_ok(ranking.passages, ranks, probe.footnotes)
    metrics |= {f"hit@{k}": hit_at(ranks, k) for k in (1, 3, 5, 10)}
    metrics |= {"mrr@10": reciprocal_rank(ranks), "ndcg@10": ndcg(ranks, relevant=relevant)}
    metrics |= {f"read@{b}": read_within(ranking.passages, ranks, b) for b in BUDGETS}
    metrics |= {"cite_ok": None if cite is None else float(cite), "abstained": abstained}
    metrics["answer_ok"] = None if ranking.answer is None else float(answer_ok(ranking.answer, probe.evidence))
    # Probes without facts are left out (their n shows); an abstention states no fact.
    metrics["answer_correct"] = (None if ranking.answer is None or not probe.facts
                                 else float(ranking.answerable and answer_correct(ranking.answer, probe.facts)))
    metrics["followup"] = None if ranking.followup is None else float(ranking.followup)
    return ranks, metrics


# -- aggregation -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stat:
    mean: float
    low: float
    high: float
    n: int


def bootstrap_ci(values: Sequence[float], *, clusters: Sequence[object] | None = None, resamples: int = 1000,
                 seed: int = 0, level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap of the mean. With `clusters` (one key per value, e.g. the item id) whole clusters
    are resampled: the turns of one conversation share its topic and its history, so resampling them one by
    one would pretend they are independent and make the interval too narrow."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        raise ValueError("bootstrap_ci needs at least one value")
    keys = list(range(data.size)) if clusters is None else list(clusters)
    return _cluster_bootstrap(data, np.ones_like(data), keys, resamples=resamples, seed=seed, level=level)


def _cluster_bootstrap(numerators: np.ndarray, denominators: np.ndarray, keys: Sequence[object], *,
                       resamples: int = 1000, seed: int = 0, level: float = 0.95) -> tuple[float, float]:
    """Bootstrap of a ratio of sums (a mean when the denominators are 1) over resampled clusters."""
    if len(keys) != len(numerators):
        raise ValueError(f"{len(keys)} cluster keys for {len(numerators)} values")
    index = {key: i for i, key in enumerate(dict.fromkeys(keys))}
    cluster = np.array([index[key] for key in keys])
    top = np.bincount(cluster, weights=numerators, minlength=len(index))
    bottom = np.bincount(cluster, weights=denominators, minlength=len(index))
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(index), size=(resamples, len(index)))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratios = top[draws].sum(axis=1) / bottom[draws].sum(axis=1)
    ratios = ratios[np.isfinite(ratios)]
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(ratios, [tail, 100 - tail])
    return float(low), float(high)


def _stat(values: Iterable[tuple[float | None, object]], seed: int) -> Stat | None:
    present = [(v, key) for v, key in values if v is not None]
    if not present:
        return None
    low, high = bootstrap_ci([v for v, _ in present], clusters=[key for _, key in present], seed=seed)
    return Stat(float(np.mean([v for v, _ in present])), low, high, len(present))


def _detection(results: Sequence[ProbeResult], seed: int) -> dict[str, Stat | None]:
    """Follow-up detection over the labelled turns a system gave a decision for: precision (of the turns it
    read as follow-ups, how many are) and recall (of the labelled follow-ups, how many it caught), each with
    a bootstrap interval over conversations."""
    labelled = [r for r in results if r.probe.followup is not None and r.metrics.get("followup") is not None]
    said = [bool(r.metrics["followup"]) for r in labelled]
    truth = [bool(r.probe.followup) for r in labelled]
    keys = [r.probe.item_id for r in labelled]
    out: dict[str, Stat | None] = {}
    for name, denominator in (("followup_precision", said), ("followup_recall", truth)):
        hits = np.array([float(s and t) for s, t in zip(said, truth)])
        bottom = np.array(denominator, dtype=float)
        if bottom.sum() == 0:
            out[name] = None
            continue
        low, high = _cluster_bootstrap(hits, bottom, keys, seed=seed)
        out[name] = Stat(float(hits.sum() / bottom.sum()), low, high, int(bottom.sum()))
    return out


@dataclass(frozen=True)
class ProbeResult:
    system: str
    probe: Probe
    ranks: tuple[int, ...]
    answerable: bool
    metrics: Mapping[str, float | None]


def summarize(results: Sequence[ProbeResult], *, seed: int = 0) -> dict[str, dict[str, Stat | None]]:
    """Category → metric → Stat, plus "all": retrieval metrics and false abstentions over answerable
    probes, abstentions over the ones to refuse (unanswerable, off-topic, content-free), follow-up detection
    over labelled turns. Intervals resample whole items (a conversation is one item). "all" leaves out the
    repeats (`REPEATS`); its follow-up detection counts them, since a standalone question read as a follow-up
    after an unrelated one is exactly the mistake detection must not make."""
    groups = {c: [r for r in results if r.probe.category == c] for c in CATEGORIES}
    counted = [r for r in results if r.probe.category not in REPEATS]
    summary = {}
    for name, group in [*groups.items(), ("all", counted)]:
        if not group:
            continue
        answerable = [r for r in group if r.probe.answerable]
        row = {m: _stat(((r.metrics[m], r.probe.item_id) for r in answerable), seed) for m in RETRIEVAL_METRICS}
        row["abstain"] = _stat(((r.metrics["abstained"], r.probe.item_id) for r in group if not r.probe.answerable),
                               seed)
        row["false_abstain"] = _stat(((r.metrics["abstained"], r.probe.item_id) for r in answerable), seed)
        row |= _detection(results if name == "all" else group, seed)
        summary[name] = row
        if name == "after-unrelated":
            # The same questions asked alone, for the comparison the repeats are there for.
            repeated = {r.probe.item_id.removesuffix("@after") for r in group}
            alone = [r for r in results if r.probe.category in _LONE and r.probe.item_id in repeated]
            summary["asked-alone"] = {m: _stat(((r.metrics[m], r.probe.item_id) for r in alone), seed)
                                      for m in RETRIEVAL_METRICS}
    return summary


# -- systems under evaluation ----------------------------------------------------------------------


class System(Protocol):
    name: str

    def reset(self) -> None: ...  # a new conversation starts

    def ask(self, question: str, history: list[str], k: int) -> Ranking: ...


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise EvaluationError(f"unknown system {mode!r}; choose from: {', '.join(MODES)}")


class LocalSystem:
    """The in-process engine: baselines through `Engine.search`; "full" through `Engine.chat`, one session per
    item, exactly as POST /chat answers (the engine's sessions database should be a temporary one)."""

    def __init__(self, engine: Engine, mode: str) -> None:
        _check_mode(mode)
        self.name = mode
        self.engine = engine
        self.session_id: str | None = None

    def reset(self) -> None:
        if self.session_id is not None:
            self.engine.sessions.delete(self.session_id)
        self.session_id = None

    def ask(self, question: str, history: list[str], k: int) -> Ranking:
        if self.name != "full":
            result = self.engine.search(question, k=k, mode=self.name)
            return Ranking(_ranked(h.passage for h in result.hits), result.answerable)
        chat = self.engine.chat(question, session_id=self.session_id, k=k)
        self.session_id = chat.session_id
        resolution = chat.search.resolution
        return Ranking(_ranked(h.passage for h in chat.search.hits), chat.answer.answerable, chat.answer.text,
                       bool(resolution and resolution.followup))


def _ranked(passages: Iterable[Passage]) -> tuple[RankedPassage, ...]:
    return tuple(RankedPassage(p.text, tuple(p.footnote_numbers), p.words) for p in passages)


class HttpSystem:
    """A running service: baselines through POST /search, "full" through POST /chat with one session per item."""

    def __init__(self, url: str, mode: str, *, client: httpx.Client | None = None, timeout: float = 60.0) -> None:
        _check_mode(mode)
        self.name = mode
        self.url = url.rstrip("/")
        self.client = client or httpx.Client(timeout=timeout)
        self.session_id: str | None = None

    def reset(self) -> None:
        if self.session_id is not None:
            try:  # best effort: a leftover session only costs the server a row until it expires
                self.client.delete(f"{self.url}/sessions/{self.session_id}")
            except httpx.HTTPError:
                pass
        self.session_id = None

    def ask(self, question: str, history: list[str], k: int) -> Ranking:
        if self.name == "full":
            body = self._call("POST", "/chat", {"message": question, "session_id": self.session_id, "k": k})
        else:
            body = self._call("POST", "/search", {"query": question, "k": k, "mode": self.name})
        try:
            self.session_id = body["session_id"] if self.name == "full" else None
            passages = tuple(RankedPassage(r["text"], tuple(int(c["footnote"]) for c in r["citations"]),
                                           len(r["text"].split()))
                             for r in body["passages" if self.name == "full" else "results"])
            if self.name != "full":
                return Ranking(passages, bool(body["answerable"]))
            # The service shows a follow-up's resolved question; a new question it leaves as asked.
            followup = body.get("resolved_query", question).strip() != question.strip()
            return Ranking(passages, bool(body["answerable"]), body["answer"], followup)
        except (KeyError, TypeError, ValueError) as exc:
            raise EvaluationError(f"{self.url}: the response lacks or garbles {exc}; see shared/API.md") from exc

    def info(self) -> dict:
        """The index the service has loaded, under the manifest's field names."""
        health = self._call("GET", "/health")
        return {"model_id": health.get("embedder"), "created_at": health.get("index_built_at"),
                "passages": health.get("passages")}

    def passage_texts(self) -> list[str]:
        """Every passage the service serves (for nDCG's count of relevant passages)."""
        return [p["text"] for d in self._call("GET", "/documents")
                for p in self._call("GET", f"/documents/{d['doc_id']}/passages")]

    def close(self) -> None:
        self.reset()
        self.client.close()

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict:
        try:
            response = self.client.request(method, self.url + path, json=payload)
        except httpx.HTTPError as exc:
            raise EvaluationError(f"cannot reach {self.url}{path} ({exc}); start it with `make serve`, "
                                  "or drop --url to evaluate in-process") from exc
        if response.is_error:
            raise EvaluationError(f"{self.url}{path} answered {response.status_code}: {response.text[:300]}")
        return response.json()


# -- running and reporting -------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    k: int
    systems: tuple[str, ...]
    results: tuple[ProbeResult, ...]
    summary: Mapping[str, Mapping[str, Mapping[str, Stat | None]]]
    """system → category → metric → Stat (None where no probe applies)."""


def run(probes: Sequence[Probe], systems: Sequence[System], k: int = CUTOFF, *, seed: int = 0,
        corpus: Sequence[str] = ()) -> Report:
    """Ask every probe of every system; `corpus` (all passage texts) gives nDCG its ideal ranking."""
    names = [s.name for s in systems]
    if len(set(names)) != len(names):
        raise ValueError(f"system names must be unique, got {names}")
    results = []
    for system in systems:
        previous = None
        for probe in probes:
            if probe.category in REPEATS and system.name != "full":
                continue  # without a conversation the repeats are the questions asked alone
            if probe.turn == 0 or probe.item_id != previous:
                system.reset()
            previous = probe.item_id
            ranking = system.ask(probe.question, list(probe.history), k)
            relevant = relevant_in(corpus, probe.evidence) if corpus else None
            ranks, metrics = score(probe, ranking, relevant=relevant)
            results.append(ProbeResult(system.name, probe, tuple(ranks), ranking.answerable, metrics))
    summary = {name: summarize([r for r in results if r.system == name], seed=seed) for name in names}
    return Report(k, tuple(names), tuple(results), summary)
