"""The command line on the real corpus and index."""

from __future__ import annotations

import json
import re

import click
from click.testing import CliRunner

from assistant.cli import main
from tests.conftest import DOC_KZ, ROOT


def run(args, env=None):
    result = CliRunner().invoke(main, args, env=env or {}, catch_exceptions=False)
    return result


def test_corpus_stats_prints_a_row_per_document():
    result = run(["corpus", "stats", "--corpus-dir", str(ROOT / "corpus")])
    assert result.exit_code == 0
    row = next(line for line in result.output.splitlines() if line.startswith(DOC_KZ))
    assert row.split()[3:7] == ["117", "86", "16", "15"]  # markers, ok, truncated, missing


def test_corpus_footnotes_prints_source_objects():
    result = run(["corpus", "footnotes", DOC_KZ, "--corpus-dir", str(ROOT / "corpus")])
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["footnote"] for r in rows] == list(range(1, 118))
    assert set(rows[0]) == {"doc_id", "footnote", "text", "url", "year", "status"}


def test_unknown_document_is_one_readable_line():
    result = CliRunner().invoke(main, ["corpus", "footnotes", "nope", "--corpus-dir", str(ROOT / "corpus")])
    assert result.exit_code == 1 and "no document 'nope'; known: 000_1e69742b2c7560f6" in result.output
    assert "Traceback" not in result.output


def test_search_prints_passages_with_their_sources(built_settings):
    env = {"ASSISTANT_CORPUS_DIR": str(built_settings.corpus_dir), "ASSISTANT_INDEX_DIR": str(built_settings.index_dir)}
    result = run(["search", "Durch die Entwicklung der Zollunion bewegen wir uns auf eine eurasische Wirtschaftsunion zu", "-k", "3"], env=env)
    assert result.exit_code == 0
    assert re.search(r"#1\s+000_1e69742b2c7560f6", result.output)
    assert "<http://president.gov.by/press102182.html#doc>" in result.output


def _command_exists(words: list[str]) -> bool:
    """`assistant index build`: a group and its subcommand; `assistant search …`: a command (the rest are arguments)."""
    command = main.commands.get(words[0])
    if command is None:
        return False
    if isinstance(command, click.Group):
        return len(words) > 1 and words[1] in command.commands
    return True


def test_every_command_in_the_readme_exists():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = sorted(set(re.findall(r"`assistant ([a-z]+(?: [a-z]+)?)", readme)))
    assert len(commands) >= 6
    for command in commands:
        assert _command_exists(command.split()), command
    assert not _command_exists(["index", "frobnicate"]) and not _command_exists(["frobnicate"])


def test_chat_names_documents_prints_each_url_once_and_says_how_a_follow_up_was_understood(built_settings, tmp_path):
    env = {"ASSISTANT_CORPUS_DIR": str(built_settings.corpus_dir), "ASSISTANT_INDEX_DIR": str(built_settings.index_dir),
           "ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    questions = [
        "Welche Rolle spielen die Medien bei der Schaffung gemeinsamer ideologischer Werte in den Integrationsvereinigungen?",
        "Wie stark wuchs der Handel zwischen Belarus und Kasachstan von 2005 bis 2010?",
        "Und 2011?",
    ]
    result = CliRunner().invoke(main, ["chat", "--passages"], input="\n".join([*questions, "/quit"]) + "\n", env=env,
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.output
    # Footnote 3 is printed with '- �. 255.' (a lost Cyrillic 'С.', page): the terminal shows 'S. 255'.
    assert "Fn. 3, Die Ideologie der eurasischen Partnerschaft:" in out and "S. 255" in out
    assert "\ufffd" not in out
    assert DOC_KZ not in out  # titles, not hash ids, for sources and passages
    assert re.search(r"#1 Die Ideologie der eurasischen Partnerschaft, S\. \d+: ", out)
    # Footnote 6: the repaired URL once, not also the spaced copy from the footnote text; and the caution.
    source = next(line for line in out.splitlines() if "Fn. 6," in line)
    assert source.count("belembassy") == 1 and "<http://www.Kasachstan.belembassy.org/" in source
    assert "Vorsicht: Der Domainname enthält „Kasachstan“" in source
    assert "(verstanden als: Wie stark wuchs der Handel zwischen Belarus und Kasachstan 2011?)" in out
