"""The evaluation: metrics on hand-made rankings, question loading, systems, reports, and one run on the real index."""

from __future__ import annotations

import json
import math
from pathlib import Path

import httpx
import pytest

from assistant.errors import EvaluationError
from assistant.evaluation import (
    HttpSystem,
    LocalSystem,
    Probe,
    RankedPassage,
    Ranking,
    after_unrelated,
    answer_ok,
    bootstrap_ci,
    citation_ok,
    flatten,
    hit_at,
    load_questions,
    ndcg,
    norm,
    read_within,
    reciprocal_rank,
    relevant_in,
    relevant_ranks,
    run,
    score,
    summarize,
)
from assistant.reporting import compare, format_table, plot, to_json
from tests.conftest import ROOT

DEV = [ROOT / "eval" / "dev_questions_000.jsonl", ROOT / "eval" / "dev_questions_002.jsonl"]
EVIDENCE = "12 Montagefabriken für belarussische Ausrüstungen"


def passage(text: str, footnotes: tuple[int, ...] = (), words: int | None = None) -> RankedPassage:
    return RankedPassage(text, footnotes, len(text.split()) if words is None else words)


def filler(n: int) -> RankedPassage:
    return passage(f"Ein Absatz ohne Antwort Nummer {n}.")


def answer(footnotes: tuple[int, ...] = ()) -> RankedPassage:
    # punctuation, case and line breaks differ from the snippet: relevance compares normalised text
    return passage("Immerhin wurden in den letzten zwei Jahren 12 Montage-\nfabriken für BELARUSSISCHE "
                   "Ausrüstungen in Kasachstan errichtet.", footnotes)


def probe(category: str = "fact", evidence: tuple[str, ...] = (EVIDENCE,), footnotes: tuple[int, ...] = (),
          item_id: str = "q1", turn: int = 0) -> Probe:
    return Probe(item_id, turn, category, "Wie viele Montagefabriken?", evidence, footnotes)


# -- metrics on one ranking --------------------------------------------------------------------------


def test_relevant_passage_at_rank_1_scores_full_hit_and_mrr():
    ranks = relevant_ranks([answer(), filler(2), filler(3)], [EVIDENCE])
    assert ranks == [1]
    assert [hit_at(ranks, k) for k in (1, 3, 5, 10)] == [1.0, 1.0, 1.0, 1.0]
    assert reciprocal_rank(ranks) == 1.0


def test_relevant_passage_at_rank_3_misses_hit_at_1_and_scores_a_third():
    ranks = relevant_ranks([filler(1), filler(2), answer(), filler(4)], [EVIDENCE])
    assert ranks == [3]
    assert [hit_at(ranks, k) for k in (1, 3, 5, 10)] == [0.0, 1.0, 1.0, 1.0]
    assert reciprocal_rank(ranks) == pytest.approx(1 / 3)


def test_absent_evidence_scores_zero_everywhere():
    ranks = relevant_ranks([filler(i) for i in range(10)], [EVIDENCE])
    assert ranks == []
    assert hit_at(ranks, 10) == 0.0 and reciprocal_rank(ranks) == 0.0 and ndcg(ranks) == 0.0


def test_relevant_passage_below_the_cutoff_earns_no_reciprocal_rank():
    ranks = relevant_ranks([filler(i) for i in range(10)] + [answer()], [EVIDENCE])
    assert ranks == [11] and reciprocal_rank(ranks) == 0.0 and hit_at(ranks, 10) == 0.0


def test_ndcg_of_a_known_ranking():
    # Relevant at ranks 2 and 4 of 10: DCG = 1/log2(3) + 1/log2(5) = 0.63093 + 0.43068 = 1.06161.
    # Ideal: the two relevant passages at ranks 1 and 2: IDCG = 1/log2(2) + 1/log2(3) = 1.63093.
    # nDCG = 1.06161 / 1.63093 = 0.65092.
    ranking = [filler(1), answer(), filler(3), passage(f"Außerdem: {EVIDENCE}."), *map(filler, range(5, 11))]
    ranks = relevant_ranks(ranking, [EVIDENCE])
    assert ranks == [2, 4]
    assert ndcg(ranks) == pytest.approx(0.65092, abs=1e-5)


def test_of_two_relevant_passages_the_first_counts():
    second = passage(f"Noch einmal: {EVIDENCE}.")
    ranks = relevant_ranks([filler(1), answer(), second], [EVIDENCE])
    assert ranks == [2, 3]
    assert hit_at(ranks, 1) == 0.0 and reciprocal_rank(ranks) == 0.5
    # both relevant passages sit right after one irrelevant one: DCG = 1/log2(3) + 1/log2(4), IDCG = 1 + 1/log2(3)
    assert ndcg(ranks) == pytest.approx((1 / math.log2(3) + 0.5) / (1 + 1 / math.log2(3)))


def test_ndcg_rises_when_a_second_relevant_passage_is_found():
    """With the corpus count of relevant passages as the ideal, finding more never lowers the score."""
    one, two = ndcg([1], relevant=2), ndcg([1, 10], relevant=2)
    assert two > one
    assert ndcg([1, 2], relevant=2) == 1.0
    corpus = [f"a {EVIDENCE} b", "nichts", f"{EVIDENCE}", f"a {EVIDENCE} b"]
    assert relevant_in(corpus, [EVIDENCE]) == 2  # distinct texts


def test_a_repeated_passage_is_not_relevant_twice():
    ranks = relevant_ranks([answer(), answer(), filler(3)], [EVIDENCE])
    assert ranks == [1] and ndcg(ranks) == 1.0


def test_any_of_several_snippets_makes_a_passage_relevant():
    assert relevant_ranks([filler(1), answer()], ["nicht im Text", EVIDENCE]) == [2]


def test_long_first_passage_pushes_evidence_past_100_words_but_not_past_300():
    ranking = [passage("lang " * 150), answer()]
    ranks = relevant_ranks(ranking, [EVIDENCE])
    assert ranks == [2]
    assert read_within(ranking, ranks, 100) == 0.0
    assert read_within(ranking, ranks, 300) == 1.0


def test_evidence_starting_exactly_at_the_budget_is_not_reached():
    ranking = [passage("wort " * 100), answer()]
    assert read_within(ranking, relevant_ranks(ranking, [EVIDENCE]), 100) == 0.0
    assert read_within([answer()], [1], 100) == 1.0


def test_citation_accuracy_checks_the_first_relevant_passage():
    cited = [filler(1), answer(footnotes=(6, 7)), passage(EVIDENCE, (8,))]
    assert citation_ok(cited, [2, 3], [6]) is True
    assert citation_ok(cited, [2, 3], [6, 8]) is False  # footnote 8 is only in the second relevant passage
    assert citation_ok(cited, [2, 3], []) is None  # nothing to check
    assert citation_ok(cited, [], [6]) is None  # no relevant passage


def test_answer_ok_needs_eight_consecutive_evidence_words():
    evidence = ["Immerhin wurden in den letzten zwei Jahren 12 Montagefabriken für belarussische Ausrüstungen"]
    quoted = "Immerhin wurden in den letzten zwei Jahren 12 Montage­fabriken errichtet. [1]"
    assert answer_ok(quoted, evidence)  # 'immerhin … 12': eight words in a row, case and markers aside
    scattered = "In den letzten Jahren wurden 12 Fabriken für belarussische Ausrüstungen gebaut."
    assert not answer_ok(scattered, evidence)  # the same words, never eight in a row
    assert answer_ok("Es waren 12 Montagefabriken [1].", ["12 Montagefabriken"])  # a short snippet, whole
    assert not answer_ok("Es waren 12 Fabriken.", ["12 Montagefabriken"])
    assert not answer_ok("", evidence) and not answer_ok("irgendein Text", [])


def test_answer_metric_only_for_systems_that_answer():
    ranking = Ranking((answer(),), answerable=True)
    assert score(probe(), ranking)[1]["answer_ok"] is None
    said = Ranking((answer(),), answerable=True, answer="Es wurden 12 Montagefabriken für belarussische Ausrüstungen "
                                                        "in Kasachstan errichtet. [1]")
    assert score(probe(), said)[1]["answer_ok"] == 1.0
    abstained = Ranking((answer(),), answerable=False, answer="Dazu enthalten die Dokumente keine verlässliche Antwort.")
    assert score(probe(), abstained)[1]["answer_ok"] == 0.0


def test_unanswerable_probe_is_scored_on_abstention_only():
    ranks, metrics = score(probe("unanswerable", evidence=()), Ranking((filler(1),), answerable=False))
    assert ranks == [] and metrics == {"abstained": 1.0}


# -- question files ----------------------------------------------------------------------------------


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def test_conversation_becomes_a_first_and_followup_probes_with_history(tmp_path):
    conversation = {
        "id": "c-1", "doc": "002_ba6a942ef8cf572b", "lang": "de", "type": "conversation", "added": True,
        "turns": [
            {"question": "Um welchen Faktor stiegen die Einnahmen?", "evidence": ["um das 1,8-fache"],
             "footnotes": [44]},
            {"question": "Und der Warenexport?", "evidence": ["um das 1,4-fache"], "footnotes": [44]},
            {"question": "Und die Investitionen?", "evidence": ["um das 1,1-fache"], "footnotes": []},
        ],
    }
    unanswerable = {"id": "u-1", "doc": None, "lang": "de", "type": "unanswerable",
                    "question": "Wie hoch waren die Exporte 2022?", "evidence": [], "footnotes": []}
    items = load_questions([write_jsonl(tmp_path / "q.jsonl", [conversation, unanswerable])])
    probes = flatten(items)
    assert [(p.item_id, p.turn, p.category) for p in probes] == [
        ("c-1", 0, "conversation-first"), ("c-1", 1, "conversation-followup"),
        ("c-1", 2, "conversation-followup"), ("u-1", 0, "unanswerable"),
    ]
    assert probes[0].history == ()
    assert probes[2].history == ("Um welchen Faktor stiegen die Einnahmen?", "Und der Warenexport?")
    assert probes[1].footnotes == (44,) and probes[1].evidence == ("um das 1,4-fache",)
    assert probes[2].extra == {"added": True} and not probes[3].answerable


def test_a_turn_that_switches_document_keeps_its_own_doc(tmp_path):
    conversation = {
        "id": "c-2", "doc": "000_1e69742b2c7560f6", "lang": "de", "type": "conversation",
        "turns": [
            {"question": "Wie hoch war der Handelsumsatz 2020?", "evidence": ["847,9 Millionen"], "footnotes": []},
            {"question": "Und mit China?", "evidence": ["Handelsumsatz"], "footnotes": [],
             "doc": "002_ba6a942ef8cf572b"},
        ],
    }
    probes = flatten(load_questions([write_jsonl(tmp_path / "q.jsonl", [conversation])]))
    assert [p.doc for p in probes] == ["000_1e69742b2c7560f6", "002_ba6a942ef8cf572b"]


def test_lone_and_off_topic_questions_are_asked_again_after_a_question_about_the_documents(tmp_path):
    rows = [
        {"id": "k-1", "doc": "000_1e69742b2c7560f6", "type": "fact", "question": "Wie hoch war der Handel 2020?",
         "evidence": ["847,9 Millionen"], "footnotes": []},
        {"id": "c-1", "doc": "002_ba6a942ef8cf572b", "type": "fact", "question": "Wie viele Studenten?",
         "evidence": ["fast 500 Bürger"], "footnotes": []},
        {"id": "o-1", "doc": None, "type": "offtopic", "question": "Wer hat die Fußball-WM 2014 gewonnen?",
         "evidence": [], "footnotes": []},
    ]
    probes = flatten(load_questions([write_jsonl(tmp_path / "q.jsonl", rows)]))
    pairs = after_unrelated(probes)
    lone = {p.item_id: p for p in pairs if p.category == "after-unrelated"}
    # each lone question after the other document's question
    assert lone["k-1@after"].history == ("Wie viele Studenten?",)
    assert lone["c-1@after"].history == ("Wie hoch war der Handel 2020?",)
    [offtopic] = [p for p in pairs if p.category == "offtopic-in-conversation"]
    assert offtopic.question == "Wer hat die Fußball-WM 2014 gewonnen?" and len(offtopic.history) == 1
    assert not offtopic.answerable and offtopic.followup is False
    assert [p.category for p in pairs if p.item_id == offtopic.item_id] == ["after-unrelated-lead",
                                                                            "offtopic-in-conversation"]


def test_dev_questions_load_with_every_category():
    probes = flatten(load_questions(DEV))
    assert {p.category for p in probes} == {"fact", "paraphrase", "crosslingual", "source", "conversation-first",
                                            "conversation-followup", "unanswerable"}


def test_malformed_question_line_names_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "type": "fact", "question": "Wer?", "evidence": ["x"]}\n{"id": "b", "type": "quiz"}\n')
    with pytest.raises(EvaluationError, match=r"bad.jsonl:2: type 'quiz' is not one of fact"):
        load_questions([path])


def test_answerable_question_without_evidence_is_refused(tmp_path):
    path = write_jsonl(tmp_path / "q.jsonl", [{"id": "a", "type": "fact", "question": "Wer?", "evidence": []}])
    with pytest.raises(EvaluationError, match="need evidence"):
        load_questions([path])


def test_duplicate_ids_are_refused(tmp_path):
    row = {"id": "a", "type": "fact", "question": "Wer?", "evidence": ["x"]}
    with pytest.raises(EvaluationError, match="already used at .*q.jsonl:1"):
        load_questions([write_jsonl(tmp_path / "q.jsonl", [row, row])])


# -- aggregation, systems, reports ------------------------------------------------------------------


class Scripted:
    """A System that answers from a script and records what it was asked."""

    def __init__(self, name: str, rankings: dict[str, Ranking]) -> None:
        self.name = name
        self.rankings = rankings
        self.calls: list[tuple[str, list[str]]] = []
        self.resets = 0

    def reset(self) -> None:
        self.resets += 1

    def ask(self, question: str, history: list[str], k: int) -> Ranking:
        self.calls.append((question, history))
        return self.rankings[question]


def scripted_probes() -> list[Probe]:
    return [
        Probe("a", 0, "fact", "hit", (EVIDENCE,), (6,)),
        Probe("b", 0, "fact", "miss", (EVIDENCE,), (), extra={"added": True}),
        Probe("c", 0, "conversation-first", "first", (EVIDENCE,), ()),
        Probe("c", 1, "conversation-followup", "followup", (EVIDENCE,), (), history=("first",)),
        Probe("u", 0, "unanswerable", "abstain", (), ()),
        Probe("v", 0, "unanswerable", "answers anyway", (), ()),
    ]


def scripted(name: str = "fake", *, followup_hits: bool = True) -> Scripted:
    found = Ranking((answer((6,)), filler(2)), answerable=True)
    return Scripted(name, {
        "hit": found,
        "miss": Ranking((filler(1),), answerable=False),  # a false abstention
        "first": found,
        "followup": found if followup_hits else Ranking((filler(1),), answerable=True),
        "abstain": Ranking((filler(1),), answerable=False),
        "answers anyway": Ranking((filler(1),), answerable=True),
    })


def test_abstention_rates_count_unanswerable_and_answerable_probes_separately():
    report = run(scripted_probes(), [scripted()])
    overall = report.summary["fake"]["all"]
    assert overall["abstain"].mean == 0.5 and overall["abstain"].n == 2
    assert overall["false_abstain"].mean == 0.25 and overall["false_abstain"].n == 4
    assert overall["hit@5"].mean == 0.75 and overall["hit@5"].n == 4
    assert report.summary["fake"]["fact"]["hit@1"].mean == 0.5
    assert report.summary["fake"]["unanswerable"]["hit@5"] is None


def test_run_passes_history_and_resets_once_per_item():
    system = scripted()
    run(scripted_probes(), [system])
    assert ("followup", ["first"]) in system.calls
    assert system.resets == 5  # items a, b, c, u, v: the follow-up continues c's conversation


def test_bootstrap_interval_contains_the_mean_and_is_deterministic():
    values = [1, 0, 1, 1, 0, 1, 1, 1, 0, 1]
    low, high = bootstrap_ci(values, seed=7)
    assert low <= sum(values) / len(values) <= high and low < high
    assert bootstrap_ci(values, seed=7) == (low, high)
    assert bootstrap_ci([1.0, 1.0, 1.0]) == (1.0, 1.0)


def test_summary_intervals_are_reproducible():
    results = run(scripted_probes(), [scripted()]).results
    assert summarize(results) == summarize(results)


def test_table_json_compare_and_plot(tmp_path):
    before = run(scripted_probes(), [scripted()])
    after = run(scripted_probes(), [scripted(followup_hits=False)])
    table = format_table(before)
    assert "### fake" in table and "| conversation-followup |" in table
    assert "1.00 [1.00–1.00]" in table  # hit@5 of conversation-first, with its interval
    (tmp_path / "a.json").write_text(to_json(before, meta={"command": "assistant eval"}), "utf-8")
    (tmp_path / "b.json").write_text(to_json(after), "utf-8")
    rows = json.loads((tmp_path / "a.json").read_text("utf-8"))["results"]
    assert rows[0] | {"metrics": None} == {"system": "fake", "id": "a", "turn": 0, "category": "fact", "doc": None,
                                           "lang": "de", "question": "hit", "ranks": [1], "answerable": True,
                                           "metrics": None}
    assert rows[0]["metrics"]["cite_ok"] == 1.0
    assert rows[1]["added"] is True and rows[1]["ranks"] == []  # extra fields of the question file survive
    diff = compare(tmp_path / "a.json", tmp_path / "b.json")
    assert "hit@5 lost (1): c#1" in diff and "hit@5 gained (0): –" in diff
    plot(before, tmp_path / "hit.png")
    assert (tmp_path / "hit.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_refuses_a_file_that_is_not_a_report(tmp_path):
    (tmp_path / "x.json").write_text("[]", "utf-8")
    with pytest.raises(EvaluationError, match="not an `assistant eval --json` report"):
        compare(tmp_path / "x.json", tmp_path / "x.json")


def api_passage(text: str, footnotes: list[int]) -> dict:
    return {"passage_id": "p", "doc_id": "d", "page": 1, "text": text, "rank": 1, "score": 1.0,
            "citations": [{"doc_id": "d", "footnote": n, "text": None, "url": None, "year": None, "status": "ok"}
                          for n in footnotes]}


def test_http_full_system_keeps_one_session_per_item():
    requests: list[tuple[str, str, dict | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        requests.append((request.method, request.url.path, body))
        if request.method == "DELETE":
            return httpx.Response(204)
        session = body["session_id"] or f"s{sum(m == 'POST' for m, _, _ in requests)}"
        return httpx.Response(200, json={"session_id": session, "answer": "12 [1]", "answerable": True,
                                         "citations": [], "passages": [api_passage(EVIDENCE, [3])]})

    system = HttpSystem("http://test/", "full", client=httpx.Client(transport=httpx.MockTransport(handler)))
    report = run(scripted_probes()[2:4] + [Probe("d", 0, "fact", "neu", (EVIDENCE,), (3,))], [system])
    assert [r.ranks for r in report.results] == [(1,), (1,), (1,)]
    assert report.results[2].metrics["cite_ok"] == 1.0
    assert report.results[0].metrics["answer_ok"] == 0.0  # '12 [1]' quotes no evidence
    posts = [body for method, _, body in requests if method == "POST"]
    assert [b["session_id"] for b in posts] == [None, "s1", None]  # the follow-up continues, item d starts anew
    assert ("DELETE", "/sessions/s1", None) in requests


def test_http_baseline_posts_search_with_its_mode():
    seen: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json={"query": "q", "answerable": False, "results": [api_passage("x y z", [])]})

    system = HttpSystem("http://test", "dense", client=httpx.Client(transport=httpx.MockTransport(handler)))
    ranking = system.ask("Wer?", ["vorher"], 10)
    assert seen == [{"query": "Wer?", "k": 10, "mode": "dense"}]
    assert ranking == Ranking((RankedPassage("x y z", (), 3),), answerable=False)


def test_unreachable_service_is_a_clear_error():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    system = HttpSystem("http://test", "hybrid", client=httpx.Client(transport=httpx.MockTransport(handler)))
    with pytest.raises(EvaluationError, match="cannot reach http://test/search.*make serve"):
        system.ask("Wer?", [], 5)


def test_unknown_system_names_the_choices():
    with pytest.raises(EvaluationError, match="choose from: lexical, dense, hybrid, full"):
        HttpSystem("http://test", "bm25")


# -- the real index ---------------------------------------------------------------------------------


def test_hybrid_retrieval_on_the_dev_set_finds_most_evidence_in_the_top_5(engine):
    """A floor, not a target: it fails when retrieval breaks, not when it gets a little worse."""
    report = run(flatten(load_questions(DEV)), [LocalSystem(engine, "hybrid")])
    overall = report.summary["hybrid"]["all"]
    assert overall["hit@5"].n == 66
    assert overall["hit@5"].mean >= 0.6


def test_full_system_answers_follow_ups_with_what_is_new(engine):
    """In-process, the full system is the engine's chat, as /chat; a follow-up does not repeat the first answer."""
    system = LocalSystem(engine, "full")
    first = "Wie stark ist der Handelsumsatz zwischen Belarus und Kasachstan von 2005 bis 2010 gestiegen?"
    opening = system.ask(first, [], 5).answer
    assert "um mehr als das Vierfache gestiegen" in opening
    follow_up = system.ask("Und 2011?", [first], 5).answer
    assert "2011" in follow_up and "Vierfache" not in follow_up
    system.reset()
    assert system.ask(first, [], 5).answer == opening


TUNING = [*DEV, ROOT / "eval" / "questions_added.jsonl", ROOT / "eval" / "conversations_added.jsonl",
          ROOT / "eval" / "conversations_added2.jsonl", ROOT / "eval" / "conversations_added4.jsonl"]


def test_every_evidence_snippet_of_the_tuning_files_is_in_the_corpus(raw_texts):
    # A snippet typed from memory instead of copied would make its probe unscorable, silently.
    corpus = [norm(text) for text in raw_texts.values()]
    missing = [(item.id, snippet) for item in load_questions(TUNING) for turn in item.turns
               for snippet in turn.evidence if not any(norm(snippet) in text for text in corpus)]
    assert missing == []


@pytest.mark.parametrize("name", ["conversations_added.jsonl", "conversations_added2.jsonl"])
def test_added_conversations_label_every_turn_and_mix_follow_ups_with_standalone_turns(name):
    conversations = load_questions([ROOT / "eval" / name])
    turns = [turn for item in conversations for turn in item.turns]
    assert len(conversations) >= 14 and all(3 <= len(item.turns) <= 5 for item in conversations)
    assert {item.lang for item in conversations} == {"de", "en", "ru"}
    assert all(turn.followup is not None for turn in turns) and not any(item.turns[0].followup for item in conversations)
    assert 0 < sum(not turn.followup for turn in turns[1:]) < sum(bool(turn.followup) for turn in turns)
