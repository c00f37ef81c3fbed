"""Reliability: crashes, concurrency, broken or stale indexes, missing models, a full disk, error bodies,
CORS and request ids. Servers run as real uvicorn subprocesses on loopback where a process matters
(kill -9, start-up refusal, threads over HTTP); the rest goes through the app in-process.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from assistant.errors import (
    CorruptIndexError,
    EmbedderUnavailableError,
    StaleIndexError,
)
from assistant.index import current_build
from assistant.settings import Settings
from tests.conftest import DOC_KZ, ROOT
from tests.live_server import free_port, live_server, server_env

START_TIMEOUT_S = 60
QUESTIONS = [
    "Wann eröffnete das Minsker Automobilwerk sein Handelshaus in Astana?",
    "Wie stark wuchs der Handel zwischen Belarus und Kasachstan von 2005 bis 2010?",
    "Mit welchen chinesischen Regionen hat die Region Homiel Dokumente unterzeichnet?",
    "Und 2011?",
    "Wer hat es unterzeichnet?",
]


# -- helpers ---------------------------------------------------------------------------------------------------


def _env(settings: Settings) -> dict[str, str]:
    return server_env(corpus_dir=str(settings.corpus_dir), index_dir=str(settings.index_dir),
                      data_dir=str(settings.data_dir))


def uvicorn_server(settings: Settings, log: Path):
    return live_server(_env(settings), log, start_timeout_s=START_TIMEOUT_S)


@pytest.fixture
def engine(engine_factory, tmp_path):
    # Room for turns long enough to overflow a database page (the full-disk tests); the cap has its own test.
    a = engine_factory(tmp_path / "data", max_query_tokens=512)
    yield a
    a.close()


@pytest.fixture
def app_client(engine, built_settings):
    """The real app in-process; server exceptions become responses (as under uvicorn), not test errors."""
    with TestClient(create_app(built_settings, engine=engine), raise_server_exceptions=False) as c:
        yield c


def _fill_sessions_db(engine) -> None:
    """Simulate a full disk: the store's own connection may not grow its file by a single page."""
    store = engine.sessions
    with store._lock:
        pages = store._db.execute("PRAGMA page_count").fetchone()[0]
        store._db.execute(f"PRAGMA max_page_count = {pages}")


# -- (a) a completed turn survives kill -9 -------------------------------------------------------------------


def test_completed_turn_survives_sigkill(built_settings, tmp_path):
    settings = built_settings.model_copy(update={"data_dir": tmp_path / "data"})
    with uvicorn_server(settings, tmp_path / "first.log") as (base, proc):
        first = httpx.post(f"{base}/chat", json={"message": QUESTIONS[1]}, timeout=30)
        assert first.status_code == 200, first.text
        sid = first.json()["session_id"]
        second = httpx.post(f"{base}/chat", json={"message": "Und 2011?", "session_id": sid}, timeout=30)
        assert second.status_code == 200, second.text
        os.kill(proc.pid, signal.SIGKILL)  # right after the response: no shutdown, no checkpoint
        assert proc.wait(timeout=15) == -signal.SIGKILL
    with uvicorn_server(settings, tmp_path / "second.log") as (base, _):
        session = httpx.get(f"{base}/sessions/{sid}", timeout=30)
    assert session.status_code == 200, session.text
    turns = session.json()["turns"]
    assert [t["message"] for t in turns] == [QUESTIONS[1], "Und 2011?"]
    assert turns[1]["answer"] == second.json()["answer"]


# -- (b) concurrent conversations stay apart -----------------------------------------------------------------


def test_concurrent_chats_keep_their_turns_in_order(built_settings, tmp_path):
    settings = built_settings.model_copy(update={"data_dir": tmp_path / "data"})
    sessions, turns = 20, 5
    scripts = [[f"{QUESTIONS[(s + t) % len(QUESTIONS)]} (Gespräch {s}, Frage {t})" for t in range(turns)]
               for s in range(sessions)]
    ids: list[str | None] = [None] * sessions
    failures: list[str] = []
    start = threading.Barrier(sessions, timeout=60)

    def converse(s: int) -> None:
        try:
            with httpx.Client(base_url=base, timeout=60) as client:
                start.wait()
                for message in scripts[s]:
                    r = client.post("/chat", json={"message": message, "session_id": ids[s]})
                    for _ in range(30):  # a busy service says when to come back; a good client does
                        if r.status_code != 503 or "retry-after" not in r.headers:
                            break
                        time.sleep(float(r.headers["retry-after"]))
                        r = client.post("/chat", json={"message": message, "session_id": ids[s]})
                    if r.status_code != 200:
                        failures.append(f"session {s}: {r.status_code} {r.text[:200]}")
                        return
                    got = r.json()["session_id"]
                    if ids[s] is not None and got != ids[s]:
                        failures.append(f"session {s}: answer came back for {got}, not {ids[s]}")
                    ids[s] = got
        except Exception as exc:  # noqa: BLE001 - reported below with the session it happened in
            failures.append(f"session {s}: {exc!r}")

    with uvicorn_server(settings, tmp_path / "server.log") as (base, _):
        threads = [threading.Thread(target=converse, args=(s,)) for s in range(sessions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=240)
        assert not any(t.is_alive() for t in threads), "conversations did not finish within 240 s"
        assert not failures, failures
        assert len(set(ids)) == sessions
        for s, sid in enumerate(ids):
            stored = httpx.get(f"{base}/sessions/{sid}", timeout=30).json()["turns"]
            assert [t["message"] for t in stored] == scripts[s], f"session {s} holds the wrong turns"
            assert [t["created_at"] for t in stored] == sorted(t["created_at"] for t in stored)


# -- (c) a corrupt index stops start-up loudly ---------------------------------------------------------------


@pytest.fixture
def corrupt_settings(index_copy) -> Settings:
    settings = index_copy
    dense = current_build(settings.index_dir) / "dense.faiss"
    data = bytearray(dense.read_bytes())
    for i in range(len(data) // 2, len(data) // 2 + 16):
        data[i] ^= 0xFF
    dense.write_bytes(bytes(data))
    return settings


def test_corrupt_index_is_refused_by_the_app(corrupt_settings):
    with pytest.raises(CorruptIndexError, match=r"dense\.faiss.*assistant index build"), \
            TestClient(create_app(corrupt_settings)):
        pass


def test_corrupt_index_stops_uvicorn_with_a_message(corrupt_settings, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "uvicorn", "api.app:app", "--host", "127.0.0.1",
                           "--port", str(free_port())], cwd=ROOT, env=_env(corrupt_settings),
                          capture_output=True, text=True, timeout=START_TIMEOUT_S, check=False)
    assert proc.returncode != 0
    assert "assistant index build" in proc.stderr
    assert "dense.faiss does not match its checksum" in proc.stderr


# -- (d) a missing sentence-transformers model -----------------------------------------------------------------


def test_missing_st_model_names_the_setting(index, tmp_path, monkeypatch):
    pytest.importorskip("sentence_transformers")
    from assistant.engine import Engine

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # a missing local path must not turn into a download attempt
    settings = Settings(embedder="st", model="/nonexistent", data_dir=tmp_path / "data")
    with pytest.raises(EmbedderUnavailableError, match="ASSISTANT_MODEL") as err:
        Engine(settings, index=index)
    assert "/nonexistent" in str(err.value)


# -- (e) a full disk while saving a turn ---------------------------------------------------------------------


def test_full_disk_gives_503_and_search_keeps_working(app_client, engine):
    first = app_client.post("/chat", json={"message": QUESTIONS[0]})
    assert first.status_code == 200
    sid = first.json()["session_id"]
    _fill_sessions_db(engine)
    for _ in range(3):  # a turn long enough not to fit in the free space left on the last page
        r = app_client.post("/chat", json={"message": QUESTIONS[1] + " " + "Bitte ausführlich. " * 80,
                                           "session_id": sid})
        assert r.status_code == 503, r.text
        assert "full" in r.json()["detail"] and "save" in r.json()["detail"]
    search = app_client.post("/search", json={"query": QUESTIONS[2]})
    assert search.status_code == 200 and search.json()["results"]
    assert app_client.get("/health").status_code == 200
    turns = app_client.get(f"/sessions/{sid}").json()["turns"]
    assert [t["message"] for t in turns] == [QUESTIONS[0]]  # nothing half-written


# -- (f) corpus changed since the build ------------------------------------------------------------------------


def test_changed_corpus_makes_the_index_stale(index_copy):
    from assistant.index import Index

    settings = index_copy
    doc = settings.corpus_dir / f"{DOC_KZ}.txt"
    doc.write_text(doc.read_text("utf-8") + "\nEin nachträglich eingefügter Satz.\n", "utf-8")
    with pytest.raises(StaleIndexError, match="index build"):
        Index.load(settings)
    with pytest.raises(StaleIndexError, match="corpus sha256"), TestClient(create_app(settings)):
        pass


# -- (g) no stack traces or server paths in error bodies --------------------------------------------------------

_LEAKS = re.compile(r"Traceback|File \"|\.py\b|/work/|/tmp/|/home/|/root/|site-packages")

ERROR_REQUESTS = [
    pytest.param("GET", "/documents/nope/passages", None, 404, id="unknown-document"),
    pytest.param("GET", "/sessions/" + "0" * 32, None, 404, id="unknown-session"),
    pytest.param("GET", "/sessions/not-a-session", None, 422, id="bad-session-id"),
    pytest.param("POST", "/search", {"query": ""}, 422, id="empty-query"),
    pytest.param("POST", "/search", {"query": "   "}, 422, id="blank-query"),
    pytest.param("POST", "/search", {"query": "x", "k": 0}, 422, id="bad-k"),
    pytest.param("POST", "/search", {"query": "x", "doc_id": "nope"}, 404, id="search-unknown-doc"),
    pytest.param("POST", "/chat", {"message": "x", "session_id": "f" * 32}, 404, id="chat-unknown-session"),
    pytest.param("POST", "/search", b"{not json", 422, id="malformed-json"),
    pytest.param("POST", "/search", b"{\"query\": \"\xff\"}", 400, id="undecodable-body"),
    pytest.param("POST", "/search", {"query": "x" * 70_000}, 413, id="body-too-large"),
    pytest.param("PUT", "/search", {"query": "x"}, 405, id="wrong-method"),
    pytest.param("GET", "/no/such/route", None, 404, id="unknown-route"),
]


def _send(client, method: str, path: str, payload):
    if isinstance(payload, bytes):
        return client.request(method, path, content=payload, headers={"content-type": "application/json"})
    return client.request(method, path, json=payload)


@pytest.mark.parametrize(("method", "path", "payload", "status"), ERROR_REQUESTS)
def test_error_bodies_are_clean(app_client, method, path, payload, status):
    r = _send(app_client, method, path, payload)
    assert r.status_code == status, r.text
    assert "detail" in r.json()
    assert not _LEAKS.search(r.text), r.text


def test_unexpected_exception_gives_a_bare_500(app_client, engine, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError(f"boom in {ROOT}/src/assistant/retrieval.py")

    monkeypatch.setattr(engine, "search", boom)
    r = app_client.post("/search", json={"query": "Handel"})
    assert r.status_code == 500
    assert "internal error" in r.json()["detail"]
    assert not _LEAKS.search(r.text) and "boom" not in r.text, r.text


def test_storage_error_body_does_not_leak_server_paths(app_client, engine):
    sid = app_client.post("/chat", json={"message": QUESTIONS[0]}).json()["session_id"]
    _fill_sessions_db(engine)
    r = app_client.post("/chat", json={"message": QUESTIONS[1] + " " + "Bitte ausführlich. " * 80, "session_id": sid})
    assert r.status_code == 503
    assert not _LEAKS.search(r.text), r.text


# -- (h) CORS ------------------------------------------------------------------------------------------------------


def test_cors_closed_by_default(app_client):
    r = app_client.get("/health", headers={"Origin": "http://example.org"})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
    pre = app_client.options("/search", headers={"Origin": "http://example.org", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in pre.headers


def test_cors_open_for_configured_origins(engine, built_settings):
    settings = built_settings.model_copy(update={"cors_origins": ["http://example.org"]})
    with TestClient(create_app(settings, engine=engine)) as c:
        r = c.post("/search", json={"query": "Handel"}, headers={"Origin": "http://example.org"})
        assert r.headers.get("access-control-allow-origin") == "http://example.org"
        pre = c.options("/chat", headers={"Origin": "http://example.org", "Access-Control-Request-Method": "POST",
                                           "Access-Control-Request-Headers": "content-type"})
        assert pre.status_code == 200 and pre.headers.get("access-control-allow-origin") == "http://example.org"
        other = c.get("/health", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_cors_configured_by_environment(monkeypatch):
    monkeypatch.setenv("ASSISTANT_CORS_ORIGINS", '["http://example.org"]')
    assert Settings().cors_origins == ["http://example.org"]


# -- (i) request ids -----------------------------------------------------------------------------------------------


def test_every_response_has_a_request_id(app_client, engine, monkeypatch):
    responses = [
        app_client.get("/health"), app_client.get("/documents"), app_client.get("/"),
        app_client.get("/openapi.json"), app_client.post("/search", json={"query": "Handel", "k": 1}),
        app_client.post("/chat", json={"message": "Handel"}),
        app_client.options("/search", headers={"Origin": "http://example.org", "Access-Control-Request-Method": "POST"}),
    ]
    for method, path, payload, _ in (p.values for p in ERROR_REQUESTS):
        responses.append(_send(app_client, method, path, payload))
    ids = [r.headers.get("x-request-id") for r in responses]
    assert all(i and re.fullmatch(r"[0-9a-f]{12}", i) for i in ids), list(zip([r.url.path for r in responses], ids))
    assert len(set(ids)) == len(ids)


def test_a_500_also_has_a_request_id(app_client, engine, monkeypatch):
    monkeypatch.setattr(engine, "search", lambda *a, **k: 1 / 0)
    r = app_client.post("/search", json={"query": "Handel"})
    assert r.status_code == 500
    request_id = r.headers.get("x-request-id")
    assert request_id, "the 500 response carries no X-Request-ID"
    assert request_id in r.json()["detail"]  # the id the body tells the user to quote is the one in the header
