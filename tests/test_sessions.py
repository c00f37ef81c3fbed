"""The SQLite session store: turns in order, idle expiry, deletion, id format."""

from __future__ import annotations

import time

import pytest

from assistant.errors import InvalidQueryError, UnknownSessionError
from assistant.sessions import SessionStore, Turn


def turn(message: str) -> Turn:
    return Turn(message=message, resolved_query=message, answer="a", answerable=True)


def test_turns_come_back_in_order_after_reopening(tmp_path):
    store = SessionStore(tmp_path / "s.db", ttl_seconds=60)
    session = store.create()
    for m in ["eins", "zwei", "drei"]:
        store.append(session.session_id, turn(m))
    store.close()
    reopened = SessionStore(tmp_path / "s.db", ttl_seconds=60)
    assert reopened.get(session.session_id).questions == ["eins", "zwei", "drei"]
    reopened.close()


def test_idle_session_expires(tmp_path):
    store = SessionStore(tmp_path / "s.db", ttl_seconds=0.2)
    session = store.create()
    time.sleep(0.3)
    with pytest.raises(UnknownSessionError, match="expired"):
        store.get(session.session_id)
    assert store.purge_expired() == 1
    store.close()


def test_deleted_session_is_unknown(tmp_path):
    store = SessionStore(tmp_path / "s.db", ttl_seconds=60)
    session = store.create()
    store.delete(session.session_id)
    with pytest.raises(UnknownSessionError):
        store.get(session.session_id)
    with pytest.raises(UnknownSessionError):
        store.delete(session.session_id)
    store.close()


@pytest.mark.parametrize("bad", ["", "../../etc/passwd", "A" * 32, "0" * 31, "0" * 33])
def test_malformed_session_id_is_rejected_before_any_lookup(tmp_path, bad):
    store = SessionStore(tmp_path / "s.db", ttl_seconds=60)
    with pytest.raises(InvalidQueryError, match="32 hexadecimal"):
        store.get(bad)
    store.close()


def test_a_database_from_before_refusal_reasons_opens_with_its_turns(tmp_path):
    import sqlite3

    # The turns table as it was before it kept why a turn was refused.
    db = sqlite3.connect(tmp_path / "s.db")
    db.executescript("""
        CREATE TABLE sessions (id TEXT PRIMARY KEY, created_at REAL NOT NULL, updated_at REAL NOT NULL);
        CREATE TABLE turns (session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            position INTEGER NOT NULL, message TEXT NOT NULL, resolved_query TEXT NOT NULL, answer TEXT NOT NULL,
            answerable INTEGER NOT NULL, citations TEXT NOT NULL, passage_ids TEXT NOT NULL, created_at REAL NOT NULL,
            PRIMARY KEY (session_id, position));
    """)
    now = time.time()
    db.execute("INSERT INTO sessions VALUES (?, ?, ?)", ("a" * 32, now, now))
    db.execute("INSERT INTO turns VALUES (?, 0, 'alt', 'alt', 'a', 1, '[]', '[]', ?)", ("a" * 32, now))
    db.commit()
    db.close()
    store = SessionStore(tmp_path / "s.db", ttl_seconds=60)
    store.append("a" * 32, Turn("neu", "neu", "b", False, reason="off-topic"))
    turns = store.get("a" * 32).turns
    assert [(t.message, t.reason) for t in turns] == [("alt", ""), ("neu", "off-topic")]
    assert turns[0].quoted == []
    store.close()
