"""Conversation sessions in SQLite: they survive restarts, expire after an idle time, can be deleted.

Each turn is written in its own transaction before the response leaves, so a completed turn is
never lost when the server is killed afterwards.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import AssistantError, InvalidQueryError, UnknownSessionError

__all__ = ["SESSION_ID", "Session", "SessionFullError", "SessionStorageError", "SessionStore", "Turn"]

log = logging.getLogger(__name__)

SESSION_ID = re.compile(r"^[0-9a-f]{32}$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    message TEXT NOT NULL,
    resolved_query TEXT NOT NULL,
    answer TEXT NOT NULL,
    answerable INTEGER NOT NULL,
    citations TEXT NOT NULL,
    passage_ids TEXT NOT NULL,
    created_at REAL NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    quoted TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (session_id, position)
);
"""


# Columns added to `turns` after its first release, with their defaults.
_ADDED_COLUMNS = {"reason": "", "quoted": "[]"}


class SessionStorageError(AssistantError):
    """The sessions database cannot be written (disk full, read-only, locked for too long, removed)."""


class SessionFullError(AssistantError):
    """A conversation has reached the configured number of turns."""

    def __init__(self, session_id: str, max_turns: int) -> None:
        super().__init__(f"session {session_id!r} already has {max_turns} turns, the most one conversation may hold "
                         "(ASSISTANT_SESSION_MAX_TURNS); send the message without session_id to start a new one")


@dataclass(frozen=True)
class Turn:
    message: str
    resolved_query: str
    answer: str
    answerable: bool
    citations: list[dict] = field(default_factory=list)
    passage_ids: list[str] = field(default_factory=list)
    created_at: float = 0.0
    reason: str = ""
    """Why retrieval found the turn unanswerable ('off-topic', 'content-free', …: `answerability.Decision.reason`);
    '' when it did not."""
    quoted: list[str] = field(default_factory=list)
    """The passages the answer quotes, in the order it quotes them."""


@dataclass(frozen=True)
class Session:
    session_id: str
    created_at: float
    updated_at: float
    turns: list[Turn]

    @property
    def questions(self) -> list[str]:
        return [t.message for t in self.turns]


class SessionStore:
    def __init__(self, path: Path, *, ttl_seconds: float, max_turns: int = 200) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.ttl_seconds = ttl_seconds
        self.max_turns = max_turns
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=10, isolation_level=None)
        # Exclusive locking before the first WAL access keeps the WAL index in heap memory: no -shm file is
        # mmap'ed, so a truncated or unwritable -shm cannot SIGBUS the process. Writes cost the same as shared
        # WAL (bench/README.md); the price is that one process owns the database while it runs.
        self._db.execute("PRAGMA locking_mode=EXCLUSIVE")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)
        # Databases written before turns kept the refusal's reason and the quoted passages get the columns, empty
        # for their old turns.
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(turns)")}
        for name, default in _ADDED_COLUMNS.items():
            if name not in columns:
                self._db.execute(f"ALTER TABLE turns ADD COLUMN {name} TEXT NOT NULL DEFAULT '{default}'")
        self._identity = _file_identity(self.path)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def create(self) -> Session:
        now = time.time()
        session_id = uuid.uuid4().hex
        self._write("INSERT INTO sessions (id, created_at, updated_at) VALUES (?, ?, ?)", (session_id, now, now))
        self._check_file()
        return Session(session_id, now, now, [])

    def get(self, session_id: str) -> Session:
        check_session_id(session_id)
        self._check_file()
        with self._lock:
            row = self._db.execute("SELECT created_at, updated_at FROM sessions WHERE id = ?", (session_id,)).fetchone()
            if row is None or time.time() - row[1] > self.ttl_seconds:
                raise UnknownSessionError(session_id)
            rows = self._db.execute(
                "SELECT message, resolved_query, answer, answerable, citations, passage_ids, created_at, reason, quoted "
                "FROM turns WHERE session_id = ? ORDER BY position",
                (session_id,),
            ).fetchall()
        turns = [Turn(m, r, a, bool(ok), json.loads(c), json.loads(p), t, why, json.loads(q))
                 for m, r, a, ok, c, p, t, why, q in rows]
        return Session(session_id, row[0], row[1], turns)

    def append(self, session_id: str, turn: Turn) -> None:
        now = time.time()
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                # The session may have been deleted (or purged) while the turn was being answered.
                if self._db.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is None:
                    self._rollback()
                    raise UnknownSessionError(session_id)
                position = self._db.execute(
                    "SELECT COALESCE(MAX(position) + 1, 0) FROM turns WHERE session_id = ?", (session_id,)
                ).fetchone()[0]
                if position >= self.max_turns:
                    self._rollback()
                    raise SessionFullError(session_id, self.max_turns)
                self._db.execute(
                    "INSERT INTO turns (session_id, position, message, resolved_query, answer, answerable, citations, "
                    "passage_ids, created_at, reason, quoted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (session_id, position, turn.message, turn.resolved_query, turn.answer, int(turn.answerable),
                     json.dumps(turn.citations, ensure_ascii=False), json.dumps(turn.passage_ids), now, turn.reason,
                     json.dumps(turn.quoted)),
                )
                self._db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, session_id))
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                # The path goes to the server log only: error bodies never name server files.
                log.error("cannot save a turn to %s: %s", self.path, exc)
                raise SessionStorageError(f"cannot save the turn: {exc}") from exc
        self._check_file()

    def delete(self, session_id: str) -> None:
        check_session_id(session_id)
        with self._lock:
            try:
                deleted = self._db.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount
            except sqlite3.Error as exc:
                log.error("cannot delete a session in %s: %s", self.path, exc)
                raise SessionStorageError(f"cannot delete the session: {exc}") from exc
        if not deleted:
            raise UnknownSessionError(session_id)

    def purge_expired(self) -> int:
        """Delete conversations idle for longer than the TTL (their turns go with them); return how many."""
        cutoff = time.time() - self.ttl_seconds
        with self._lock:
            try:
                return self._db.execute("DELETE FROM sessions WHERE updated_at < ?", (cutoff,)).rowcount
            except sqlite3.Error as exc:
                log.error("cannot purge expired sessions in %s: %s", self.path, exc)
                raise SessionStorageError(f"cannot purge expired sessions: {exc}") from exc

    def _write(self, sql: str, params: tuple) -> None:
        with self._lock:
            try:
                self._db.execute(sql, params)
            except sqlite3.Error as exc:
                log.error("cannot write to %s: %s", self.path, exc)
                raise SessionStorageError(f"cannot write the session: {exc}") from exc

    def _check_file(self) -> None:
        """A database deleted or replaced under the running server still takes writes (into the unlinked
        file) that vanish at restart; such a turn must not be acknowledged."""
        if _file_identity(self.path) != self._identity:
            log.error("the sessions database %s was removed or replaced while the server ran", self.path)
            raise SessionStorageError("the sessions database was removed or replaced while the service ran; "
                                      "conversations cannot be saved until the service is restarted")

    def _rollback(self) -> None:
        try:
            self._db.execute("ROLLBACK")
        except sqlite3.Error:
            pass


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def check_session_id(session_id: str) -> None:
    if not SESSION_ID.match(session_id):
        raise InvalidQueryError(f"session_id {session_id[:40]!r} is not valid: expected 32 hexadecimal characters")
