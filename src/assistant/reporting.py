"""Evaluation reports: the per-type table, JSON results, run-to-run comparison, the hit@k plot, and the
`assistant eval` entry point that writes them to eval/reports/."""

from __future__ import annotations

import json
import math
import shlex
import sys
import tempfile
from collections.abc import Mapping, Sequence
from contextlib import ExitStack, closing
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.errors import EvaluationError
from assistant.evaluation import (
    CATEGORIES,
    CUTOFF,
    MODES,
    REPEATS,
    HttpSystem,
    LocalSystem,
    Report,
    Stat,
    _check_mode,
    after_unrelated,
    flatten,
    load_questions,
    run,
)

if TYPE_CHECKING:
    from assistant.settings import Settings

__all__ = ["DEFAULT_REPORT_DIR", "compare", "format_table", "main_eval", "plot", "to_json"]

# Ignored by git: a run leaves the committed report alone unless asked (`make eval` passes eval/reports).
DEFAULT_REPORT_DIR = Path("build/eval")


# (metric, show the confidence interval)
_COLUMNS = (("hit@1", False), ("hit@3", False), ("hit@5", True), ("hit@10", False), ("mrr@10", True),
            ("ndcg@10", False), ("read@100", False), ("read@300", False), ("cite_ok", False), ("answer_ok", False),
            ("answer_correct", False), ("abstain", False), ("false_abstain", False), ("followup_precision", True),
            ("followup_recall", True))


def _cell(stat: Stat | None, ci: bool = False, n: bool = False) -> str:
    if stat is None:
        return "–"
    return f"{stat.mean:.2f}" + (f" [{stat.low:.2f}–{stat.high:.2f}]" if ci else "") + (f" ({stat.n})" if n else "")


def _count(row: Mapping[str, Stat | None]) -> str:
    answerable, unanswerable = (stat.n if (stat := row.get(m)) else 0 for m in ("hit@1", "abstain"))
    return f"{answerable}+{unanswerable}" if answerable and unanswerable else str(answerable or unanswerable)


def _markdown(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        # the first column is a name, the rest are numbers: right-aligned so decimals line up
        return "| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                 for i, (c, w) in enumerate(zip(map(str, cells), widths))) + " |"

    rule = "|" + "|".join("-" * (w + 1) + ("-" if i == 0 else ":") for i, w in enumerate(widths)) + "|"
    return "\n".join([line(header), rule, *map(line, rows)])


def format_table(report: Report) -> str:
    """A per-type table per system; n is answerable+unanswerable probes, cite_ok shows its own n."""
    header = ["type", "n", *(m for m, _ in _COLUMNS)]
    blocks = []
    for name in report.systems:
        rows = [[category, _count(row), *(_cell(row.get(m), ci, n=m in ("cite_ok", "answer_correct"))
                                          for m, ci in _COLUMNS)]
                for category, row in report.summary[name].items()]
        blocks.append(f"### {name}\n\n{_markdown(header, rows)}")
    return "\n\n".join(blocks) + "\n"


def to_json(report: Report, *, meta: Mapping[str, object] | None = None) -> str:
    results = [{**r.probe.extra, "system": r.system, "id": r.probe.item_id, "turn": r.probe.turn,
                "category": r.probe.category, "doc": r.probe.doc, "lang": r.probe.lang,
                "question": r.probe.question, "ranks": list(r.ranks), "answerable": r.answerable,
                "metrics": dict(r.metrics)} for r in report.results]
    summary = {s: {c: {m: asdict(v) if v else None for m, v in row.items()} for c, row in cats.items()}
               for s, cats in report.summary.items()}
    document = {"format": 1, "k": report.k, "meta": dict(meta or {}), "systems": list(report.systems),
                "summary": summary, "results": results}
    return json.dumps(document, ensure_ascii=False, indent=1)


_COMPARED = ("hit@1", "hit@5", "hit@10", "mrr@10", "ndcg@10", "read@300", "cite_ok", "answer_ok", "answer_correct",
             "abstain", "false_abstain", "followup_precision", "followup_recall")


def compare(a_path: str | Path, b_path: str | Path) -> str:
    """Metric deltas (b − a) per system and category, and the probes whose hit@5 flipped either way."""
    a, b = (_load_report(p) for p in (a_path, b_path))
    out = [f"# {a_path} → {b_path} (deltas are b − a)"]
    for system in [s for s in b["systems"] if s in a["systems"]]:
        sa, sb = a["summary"][system], b["summary"][system]
        rows = [[c, *(_delta((sa.get(c) or {}).get(m), (sb.get(c) or {}).get(m)) for m in _COMPARED)]
                for c in [*CATEGORIES, "asked-alone", "all"] if c in sa or c in sb]
        out += ["", f"## {system}", "", _markdown(["type", *_COMPARED], rows)]
        before, after = ({_label(r): r["metrics"].get("hit@5") for r in d["results"] if r["system"] == system}
                         for d in (a, b))
        shared = [p for p in after if p in before and before[p] is not None and after[p] is not None]
        gained = [p for p in shared if after[p] > before[p]]
        lost = [p for p in shared if after[p] < before[p]]
        out += ["", f"hit@5 gained ({len(gained)}): {', '.join(gained) or '–'}",
                f"hit@5 lost ({len(lost)}): {', '.join(lost) or '–'}"]
    alone = sorted(set(a["systems"]) ^ set(b["systems"]))
    if alone:
        out += ["", f"in one report only: {', '.join(alone)}"]
    return "\n".join(out) + "\n"


def _load_report(path: str | Path) -> dict:
    try:
        document = json.loads(Path(path).read_text("utf-8"))
        if document.get("format") != 1:
            raise ValueError(f"format {document.get('format')!r}, expected 1")
        return document
    except (OSError, ValueError, AttributeError) as exc:
        raise EvaluationError(f"{path} is not an `assistant eval --json` report ({exc})") from exc


def _label(result: dict) -> str:
    paired = result["category"].startswith(("conversation", "after-unrelated"))
    return f"{result['id']}#{result['turn']}" if paired else result["id"]


def _delta(a: dict | None, b: dict | None) -> str:
    if not a or not b:
        return "–" if not a and not b else f"{_cell(Stat(**a)) if a else '–'}→{_cell(Stat(**b)) if b else '–'}"
    return f"{b['mean'] - a['mean']:+.2f} ({a['mean']:.2f}→{b['mean']:.2f})"


def plot(report: Report, path: str | Path) -> None:
    """hit@k for k = 1..10, one line per system, one panel per answerable category and one for all."""
    # Figure without pyplot: no global backend switch, no window, nothing left open between calls.
    from matplotlib.figure import Figure

    answerable = [r for r in report.results if r.probe.answerable and r.probe.category not in REPEATS]
    panels = [c for c in CATEGORIES if any(r.probe.category == c for r in answerable)] + ["all"]
    cols = min(3, len(panels))
    fig = Figure(figsize=(4.2 * cols, 3.2 * math.ceil(len(panels) / cols)), layout="constrained")
    axes = fig.subplots(math.ceil(len(panels) / cols), cols, squeeze=False).ravel()
    ks = np.arange(1, CUTOFF + 1)
    for ax, panel in zip(axes, panels):
        group = [r for r in answerable if panel == "all" or r.probe.category == panel]
        for name in report.systems:
            first = np.array([r.ranks[0] if r.ranks else np.inf for r in group if r.system == name])
            ax.plot(ks, [(first <= k).mean() for k in ks], marker="o", markersize=3, label=name)
        ax.set(title=f"{panel} (n={len(group) // len(report.systems)})", xlabel="k", ylabel="hit@k",
               ylim=(0, 1.02), xticks=ks)
        ax.grid(alpha=0.3)
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    axes[0].legend(loc="lower right", fontsize="small")
    fig.savefig(path, dpi=110)


def main_eval(
    question_paths: Sequence[str | Path],
    *,
    url: str | None = None,
    systems: Sequence[str] = MODES,
    json_out: str | Path | None = None,
    compare_paths: Sequence[str | Path] | None = None,
    report_dir: Path = DEFAULT_REPORT_DIR,
    settings: Settings | None = None,
) -> str:
    """Run the evaluation, write `report_dir`/latest.{json,md,png}, return the table (what `assistant eval` prints)."""
    if compare_paths:
        return compare(*compare_paths)
    systems = [s.strip() for s in systems if s.strip()]  # "--systems 'hybrid, full'" is meant kindly
    for mode in systems:
        _check_mode(mode)
    probes = flatten(load_questions(question_paths))
    probes += after_unrelated(probes)
    with ExitStack() as stack:
        if url:
            built: list = [stack.enter_context(closing(HttpSystem(url, mode))) for mode in systems]
            index_info = built[0].info() if built else {}
            corpus = built[0].passage_texts() if built else []
        else:
            from assistant.engine import Engine
            from assistant.settings import Settings

            # The full system talks to the engine as /chat does; its sessions live in a throwaway database.
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="assistant-eval-")))
            engine = stack.enter_context(closing(Engine((settings or Settings()).model_copy(update={"data_dir": scratch}))))
            built = [LocalSystem(engine, mode) for mode in systems]
            index_info = {key: engine.index.manifest.get(key) for key in ("model_id", "created_at", "passages")}
            corpus = [p.text for p in engine.index.passages]
        report = run(probes, built, corpus=corpus)
    command = shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]])
    run_at = datetime.now(UTC).isoformat(timespec="seconds")
    questions = [str(p) for p in question_paths]
    meta = {"command": command, "run_at": run_at, "questions": questions, "url": url, "index": index_info}
    table = format_table(report)
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    document = to_json(report, meta=meta)
    (report_dir / "latest.json").write_text(document, "utf-8")
    if json_out:
        Path(json_out).write_text(document, "utf-8")
    index_line = ", ".join(f"{k} {v}" for k, v in index_info.items())
    try:
        plot(report, report_dir / "latest.png")
        figure = "![hit@k per category](latest.png)\n"
    except ImportError:  # matplotlib is the `eval` extra; the table does not need it
        figure = ""
    (report_dir / "latest.md").write_text(
        f"# Retrieval evaluation\n\n```\n{command}\n```\n\nRun {run_at} on "
        f"{'service ' + url if url else 'the in-process index'}: {index_line}. Questions: "
        f"{', '.join(questions)} ({len(probes)} probes). Metrics: eval/README.md.\n\n{table}\n"
        + figure, "utf-8")
    return f"{table}\nindex: {index_line}\nreport: {report_dir / 'latest.md'}\n"
