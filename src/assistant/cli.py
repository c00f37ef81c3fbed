"""The `assistant` command line: each command parses options, calls one library function, prints."""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import click

from assistant.errors import AssistantError
from assistant.settings import Settings
from assistant.sources import text_without_url, url_warning


def _settings(**overrides) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


class _Group(click.Group):
    """Library errors become one readable line and exit status 1, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AssistantError as exc:
            raise click.ClickException(f"{type(exc).__name__}: {exc}") from exc


@click.group(cls=_Group)
@click.version_option(package_name="assistant")
def main() -> None:
    """Conversational retrieval over German source documents, with exact footnote citations.

    \b
    assistant corpus stats
    assistant index build
    assistant search "Um wie viel stieg 2020 der Handel mit landwirtschaftlichen Erzeugnissen zwischen Belarus und Kasachstan?" -k 5
    assistant chat
    assistant eval --questions eval/*.jsonl
    """


# -- corpus --------------------------------------------------------------------------------------


@main.group()
def corpus() -> None:
    """Inspect the parsed source documents."""


@corpus.command("stats")
@click.option("--corpus-dir", type=click.Path(path_type=Path), help="default: ASSISTANT_CORPUS_DIR or corpus/")
def corpus_stats(corpus_dir: Path | None) -> None:
    """Per document: pages, passages, markers, footnotes ok/truncated/missing, URLs repaired."""
    from assistant.chunking import build_passages
    from assistant.corpus import load_corpus

    settings = _settings(corpus_dir=corpus_dir)
    header = f"{'doc_id':<22} {'pages':>5} {'passages':>8} {'markers':>7} {'ok':>4} {'trunc':>5} {'missing':>7} {'urls':>5} {'repaired':>8}"
    click.echo(header)
    click.echo("-" * len(header))
    for doc in load_corpus(settings.corpus_dir):
        status = Counter(f.status for f in doc.footnotes.values())
        urls = [f for f in doc.footnotes.values() if f.url]
        repaired = sum(1 for f in urls if f.url_repaired)
        passages = build_passages(doc, target_words=settings.passage_words)
        click.echo(
            f"{doc.doc_id:<22} {len(doc.page_starts):>5} {len(passages):>8} {len(doc.markers):>7} "
            f"{status['ok']:>4} {status['truncated']:>5} {status['missing']:>7} {len(urls):>5} {repaired:>8}"
        )


@corpus.command("footnotes")
@click.argument("doc_id")
@click.option("--corpus-dir", type=click.Path(path_type=Path))
def corpus_footnotes(doc_id: str, corpus_dir: Path | None) -> None:
    """Print a document's footnotes 1..N as JSON lines in the API's Source shape."""
    from assistant.corpus import load_corpus
    from assistant.errors import UnknownDocumentError

    docs = {d.doc_id: d for d in load_corpus(_settings(corpus_dir=corpus_dir).corpus_dir)}
    if doc_id not in docs:
        raise UnknownDocumentError(doc_id, sorted(docs))
    for footnote in docs[doc_id].footnotes.values():
        row = asdict(footnote)
        row["footnote"] = row.pop("number")
        row.pop("page")
        row.pop("url_repaired")
        click.echo(json.dumps(row, ensure_ascii=False))


# -- index ---------------------------------------------------------------------------------------


@main.group()
def index() -> None:
    """Build and check the search index."""


@index.command("build")
@click.option("--if-needed", is_flag=True, help="only build when the current index is missing, stale or corrupt")
@click.option("--full", is_flag=True, help="embed every passage again instead of reusing the previous build's vectors")
def index_build(if_needed: bool, full: bool) -> None:
    """Parse, chunk, embed and index the corpus; the new build replaces the old one atomically."""
    from tqdm import tqdm

    from assistant.embedding import create_embedder
    from assistant.errors import IndexStateError
    from assistant.index import build_index, check_index

    settings = Settings()
    if if_needed:
        try:
            manifest = check_index(settings)
            click.echo(f"index is current: {manifest['passages']} passages, built {manifest['created_at']}")
            return
        except IndexStateError as exc:
            click.echo(f"rebuilding: {exc}")
    embedder = create_embedder(settings)
    bar = tqdm(total=0, desc="embedding passages and sentences", unit="text", file=sys.stderr)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    path = build_index(settings, embedder, progress=progress, reuse=not full)
    bar.close()
    manifest = json.loads((path / "manifest.json").read_text("utf-8"))
    click.echo(f"built {path} : {manifest['passages']} passages, {manifest['sentences']} sentences, "
               f"{manifest['build_seconds']} s")


@index.command("check")
def index_check() -> None:
    """Verify the current index against the corpus and settings (exit 1 when it cannot be served)."""
    from assistant.index import check_index

    manifest = check_index(Settings())
    click.echo(json.dumps({k: v for k, v in manifest.items() if k != "files"}, indent=2, ensure_ascii=False))


# -- search and chat -----------------------------------------------------------------------------


@main.command()
@click.argument("query")
@click.option("-k", default=5, show_default=True, type=click.IntRange(1, 50), help="passages to show")
@click.option("--doc", "doc_id", help="restrict to one document")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "lexical"]), default="hybrid", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="one JSON object per passage")
def search(query: str, k: int, doc_id: str | None, mode: str, as_json: bool) -> None:
    """Ranked passages with their footnote sources.

    \b
    assistant search "Wer unterzeichnete das Abkommen 2011?" -k 5
    """
    from assistant.engine import Engine

    engine = Engine(Settings())
    index_ = engine.index
    result = engine.search(query, k=k, doc_id=doc_id, mode=mode)
    if not result.answerable and not as_json:
        click.secho("Die Dokumente enthalten dazu wahrscheinlich keine Antwort; die nächsten Passagen:", fg="yellow")
    for hit in result.hits:
        p = hit.passage
        sources = [index_.footnotes[p.doc_id][n] for n in p.footnote_numbers]
        if as_json:
            click.echo(json.dumps({"rank": hit.rank, "score": hit.score, **asdict(p),
                                   "citations": [asdict(s) for s in sources]}, ensure_ascii=False))
            continue
        click.secho(f"\n#{hit.rank}  {p.doc_id}  S. {p.page}  score {hit.score:.4f}", bold=True)
        click.echo(click.wrap_text(p.text, width=100, initial_indent="  ", subsequent_indent="  "))
        for s in sources:
            click.echo(f"  [{s.number}] {_source_line(s)}")


@main.command("eval")
@click.option("--questions", "questions", multiple=True, required=True, type=click.Path(exists=True, path_type=Path),
              help="question files (JSON Lines); repeat the option or pass several after one")
@click.argument("more", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--url", help="evaluate a running service over HTTP instead of in-process")
@click.option("--systems", default="lexical,dense,hybrid,full", show_default=True, help="comma-separated")
@click.option("--json", "json_out", type=click.Path(path_type=Path), help="write per-item results here")
@click.option("--compare", "compare_paths", nargs=2, type=click.Path(exists=True, path_type=Path),
              help="compare two --json results instead of running")
@click.option("--report-dir", type=click.Path(file_okay=False, path_type=Path), default="build/eval",
              show_default=True, help="where latest.{json,md,png} go (`make eval` writes eval/reports)")
def eval_(questions: tuple[Path, ...], more: tuple[Path, ...], url: str | None, systems: str,
          json_out: Path | None, compare_paths: tuple[Path, Path] | None, report_dir: Path) -> None:
    """Retrieval quality per question type, with baselines side by side.

    \b
    assistant eval --questions eval/dev_questions_000.jsonl eval/dev_questions_002.jsonl
    """
    from assistant.reporting import main_eval

    click.echo(main_eval([*questions, *more], url=url, systems=tuple(systems.split(",")), json_out=json_out,
                         compare_paths=compare_paths, report_dir=report_dir, settings=Settings()))


@main.command()
@click.option("-k", default=5, show_default=True, type=click.IntRange(1, 50), help="passages per answer")
@click.option("--passages/--no-passages", default=False, help="also print the passages behind each answer")
def chat(k: int, passages: bool) -> None:
    """A conversation in the terminal: follow-ups are understood; /new starts a new topic, /quit ends.

    \b
    > Wie stark wuchs der Handel zwischen Belarus und Kasachstan von 2005 bis 2010?
    > Und 2011?
    """
    from assistant.engine import Engine

    engine = Engine(Settings())
    titles = {d.doc_id: d.title for d in engine.index.documents}
    session_id: str | None = None
    click.echo("Fragen Sie auf Deutsch, Englisch oder Russisch. /new beginnt ein neues Gespräch, /quit beendet.")
    try:
        while True:
            try:
                message = click.prompt(">", prompt_suffix=" ").strip()
            except (EOFError, click.Abort):
                break
            if message in {"/quit", "/exit"}:
                break
            if message == "/new":
                session_id = None
                click.secho("Neues Gespräch.", fg="cyan")
                continue
            try:
                result = engine.chat(message, session_id=session_id, k=k)
            except AssistantError as exc:
                click.secho(str(exc), fg="red")
                continue
            session_id = result.session_id
            click.echo()
            if result.resolved_query.strip() != message:
                # How a follow-up ('Und 2011?') was understood: without it a wrong answer cannot be told apart.
                click.secho(f"(verstanden als: {result.resolved_query})", fg="cyan")
            click.secho(result.answer.text, fg=None if result.answer.answerable else "yellow")
            for i, source in enumerate(result.answer.citations, start=1):
                click.echo(f"  [{i}] Fn. {source.number}, {titles.get(source.doc_id, source.doc_id)}: "
                           f"{_source_line(source)}")
            if passages or not result.answer.answerable:
                for hit in result.search.hits:
                    title = titles.get(hit.passage.doc_id, hit.passage.doc_id)
                    click.secho(f"  #{hit.rank} {title}, S. {hit.passage.page}: ", bold=True, nl=False)
                    click.echo(hit.passage.text[:300] + ("…" if len(hit.passage.text) > 300 else ""))
            click.echo()
    finally:
        engine.close()


@main.command()
@click.option("--host", help="default: ASSISTANT_HOST or 127.0.0.1")
@click.option("--port", type=int, help="default: ASSISTANT_PORT or 8000")
def serve(host: str | None, port: int | None) -> None:
    """Serve the HTTP API and the chat page (the index must be built: `assistant index build`)."""
    import logging

    import uvicorn

    settings = Settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # api.hardening.TimedH11Protocol closes connections whose request headers do not arrive within
    # ASSISTANT_REQUEST_TIMEOUT_SECONDS; idle keep-alive connections close after ASSISTANT_KEEP_ALIVE_SECONDS.
    uvicorn.run("api.app:app", host=host or settings.host, port=port or settings.port, log_level="info",
                http="api.hardening:TimedH11Protocol", timeout_keep_alive=round(settings.keep_alive_seconds),
                h11_max_incomplete_event_size=16 * 1024)


def _source_line(source) -> str:
    if source.status == "missing":
        return "(Fußnotentext in der Vorlage verloren)"
    parts = [text for text in [text_without_url(source.text, source.url)] if text]
    if source.url:
        parts.append(f"<{source.url}>")
    if source.status == "truncated":
        parts.append("(unvollständig)")
    if warning := url_warning(source.url):
        parts.append(f"(Vorsicht: {warning})")
    return " ".join(parts)


if __name__ == "__main__":  # pragma: no cover
    main()
