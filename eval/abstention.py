"""What each refusal gate and asked-fact check does on a question set, one at a time.

    python eval/abstention.py eval/dev_questions_000.jsonl eval/unanswerable_added.jsonl …

Asks every probe as `assistant eval --systems full` does, but with every refusal after the content-free one
lifted, recording which gate (`answerability.Answerability.decide`: off-topic, year-missing, low-confidence)
and which checks (`answer.AnswerComposer.unmet_checks`) *would* refuse it. Then, per gate or check, prints
what turning it off alone changes, and what it alone refuses: answerable probes (how many of them the reader
would have answered correctly) against unanswerable ones. Sentence choice does not depend on the checks, so
one run gives them all; a conversation's later turns may differ slightly from the real run, where a refused
turn leaves no answer to refer back to. The two gates are wrapped here, not in the library, because only this
measurement needs a system that never refuses.
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

from assistant import answer, answerability
from assistant.engine import Engine
from assistant.evaluation import LocalSystem, answer_correct, flatten, load_questions
from assistant.settings import Settings

GATES = ("off-topic", "year-missing", "low-confidence")


def record(paths: list[str]) -> list[dict]:
    seen: dict = {}
    decide, unmet = answerability.Answerability.decide, answer.AnswerComposer.unmet_checks

    def lifted_decide(self, *args, **kwargs):
        decision = decide(self, *args, **kwargs)
        seen["gate"] = decision.reason
        return decision if decision.reason == "content-free" else answerability.Decision(True, decision.confidence,
                                                                                         decision.reason)

    def lifted_checks(self, question, chosen, passages=()):
        seen["checks"] = list(unmet(self, question, chosen, passages))
        return iter(())

    answerability.Answerability.decide = lifted_decide
    answer.AnswerComposer.unmet_checks = lifted_checks
    try:
        probes = flatten(load_questions(paths))  # without the repeats: each question counts once
        with tempfile.TemporaryDirectory(prefix="assistant-abstention-") as scratch:
            system = LocalSystem(Engine(Settings().model_copy(update={"data_dir": Path(scratch)})), "full")
            rows, previous = [], None
            for probe in probes:
                if probe.turn == 0 or probe.item_id != previous:
                    system.reset()
                previous = probe.item_id
                seen.clear()
                ranking = system.ask(probe.question, list(probe.history), 5)
                correct = bool(probe.facts) and ranking.answer is not None and answer_correct(ranking.answer, probe.facts)
                refusals = ([seen["gate"]] if seen.get("gate") in GATES else []) + seen.get("checks", [])
                rows.append({"category": probe.category, "answerable": probe.answerable, "facts": bool(probe.facts),
                             "content_free": seen.get("gate") == "content-free", "refusals": refusals,
                             "correct": correct})
            system.engine.close()
        return rows
    finally:
        answerability.Answerability.decide, answer.AnswerComposer.unmet_checks = decide, unmet


def rates(rows: list[dict], off: frozenset[str] = frozenset()) -> tuple[float, float, float]:
    """answer_correct, answerable refused, unanswerable refused with the gates and checks in `off` turned off."""
    def refused(row: dict) -> bool:
        return row["content_free"] or any(r not in off for r in row["refusals"])

    answerable = [r for r in rows if r["answerable"] and r["facts"] and r["category"] not in ("offtopic", "contentfree")]
    unanswerable = [r for r in rows if r["category"] == "unanswerable"]
    correct = sum(r["correct"] and not refused(r) for r in answerable) / max(len(answerable), 1)
    wrongly = sum(map(refused, answerable)) / max(len(answerable), 1)
    return correct, wrongly, sum(map(refused, unanswerable)) / max(len(unanswerable), 1)


def main(paths: list[str]) -> None:
    rows = record(paths)
    correct, wrongly, unanswerable = rates(rows)
    print(f"all on: answer_correct {correct:.3f}  answerable refused {wrongly:.3f}  unanswerable refused {unanswerable:.3f}")
    names = Counter(r for row in rows for r in row["refusals"])
    print(f"{'turned off':<18} {'correct':>8} {'wrongly':>8} {'unans':>8} | refused by it alone")
    for name in sorted(names):
        alone = [row for row in rows if row["refusals"] and set(row["refusals"]) == {name} and not row["content_free"]]
        answerable = [r for r in alone if r["answerable"] and r["category"] not in ("offtopic", "contentfree")]
        correct, wrongly, unanswerable = rates(rows, frozenset({name}))
        print(f"{name:<18} {correct:8.3f} {wrongly:8.3f} {unanswerable:8.3f} | {len(answerable)} answerable "
              f"({sum(r['correct'] for r in answerable)} answered correctly otherwise), "
              f"{sum(r['category'] == 'unanswerable' for r in alone)} unanswerable")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
