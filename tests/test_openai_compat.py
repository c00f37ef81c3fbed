"""The OpenAI-compatible door, driven by the real `openai` client against the real service under uvicorn."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest

from tests.conftest import DOC_KZ
from tests.live_server import live_server, server_env

QUESTION = "Wie stark wuchs der Handel zwischen Belarus und Kasachstan von 2005 bis 2010?"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[openai.OpenAI]:
    data = tmp_path_factory.mktemp("openai-data")
    # The key is required by the client and ignored by the service.
    with live_server(server_env(data_dir=str(data)), data / "server.log") as (base, _), \
            openai.OpenAI(base_url=f"{base}/v1", api_key="unused", max_retries=0, timeout=60) as c:
        yield c


def test_models_lists_the_assistant(client):
    assert [m.id for m in client.models.list()] == ["quellen-assistent"]


def test_completion_answers_with_markers_and_a_source_list(client):
    completion = client.chat.completions.create(model="quellen-assistent",
                                                messages=[{"role": "user", "content": QUESTION}])
    assert completion.object == "chat.completion" and completion.choices[0].finish_reason == "stop"
    content = completion.choices[0].message.content
    assert completion.choices[0].message.role == "assistant"
    answer, _, sources = content.partition("\n\nQuellen:\n")
    assert "[1]" in answer and "215 Millionen" in answer
    assert sources.startswith("[1] ") and "<http://www.Kasachstan.belembassy.org/" in sources
    # The same sources as JSON, for clients that read more than the text.
    extra = completion.model_extra["sources"]
    assert extra[0]["doc_id"] == DOC_KZ and extra[0]["footnote"] == 6 and extra[0]["url"] in sources
    assert completion.usage.completion_tokens == len(content.split())


def test_earlier_messages_are_the_conversation(client):
    first = client.chat.completions.create(model="quellen-assistent",
                                           messages=[{"role": "user", "content": QUESTION}])
    follow = client.chat.completions.create(model="any-name", messages=[
        {"role": "system", "content": "Antworte knapp."},
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": "Und 2011?"},
    ])
    resolved = follow.model_extra["resolved_query"]
    assert "2011" in resolved and "Handel" in resolved and resolved != "Und 2011?"
    assert "2011" in follow.choices[0].message.content
    alone = client.chat.completions.create(model="quellen-assistent", messages=[{"role": "user", "content": "Und 2011?"}])
    assert alone.model_extra["resolved_query"] == "Und 2011?"


def test_streaming_sends_the_same_answer_in_chunks(client):
    whole = client.chat.completions.create(model="quellen-assistent", messages=[{"role": "user", "content": QUESTION}])
    chunks = list(client.chat.completions.create(model="quellen-assistent", stream=True,
                                                 messages=[{"role": "user", "content": QUESTION}]))
    assert len(chunks) >= 3 and all(c.object == "chat.completion.chunk" for c in chunks)
    assert len({c.id for c in chunks}) == 1
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert streamed == whole.choices[0].message.content


def test_a_conversation_without_a_user_question_is_refused(client):
    with pytest.raises(openai.UnprocessableEntityError, match="last message must be a user message"):
        client.chat.completions.create(model="quellen-assistent", messages=[{"role": "assistant", "content": "Hallo"}])
