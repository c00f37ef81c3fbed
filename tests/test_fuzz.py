"""Schemathesis against the app's own OpenAPI schema, on the real index: no 5xx, every response as documented.

Bounded for `make test` (FUZZ_EXAMPLES examples per operation in the fuzzing phase, default 50; the examples
and coverage phases add a bounded number of their own); `make fuzz` raises it with `FUZZ_EXAMPLES=3000`.
`make fuzz` writes a summary (cases per operation, status codes seen) to bench/results/fuzz.json; the bounded run
in `make test` leaves the committed one alone.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import DOC_CN, DOC_KZ, ROOT

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]
KNOWN_SESSION = "f" * 32  # created in the fixture's database so GET/DELETE /sessions/{id} can answer 200/204
SUMMARY = ROOT / "bench" / "results" / "fuzz.json"

_seen: dict[str, Counter] = defaultdict(Counter)
_lock = threading.Lock()


def _real_settings(request: pytest.FixtureRequest, data_dir: Path):
    """The repository's index when it is current (`make fuzz` builds it), else the test session's own build."""
    from assistant.errors import IndexStateError
    from assistant.index import check_index
    from assistant.settings import Settings

    repo = Settings(corpus_dir=ROOT / "corpus", index_dir=ROOT / "index", data_dir=data_dir)
    try:
        check_index(repo)
        return repo
    except IndexStateError:
        return request.getfixturevalue("built_settings").model_copy(update={"data_dir": data_dir})


@pytest.fixture(scope="module")
def fuzz_app(request, tmp_path_factory):
    from api.app import create_app
    from assistant.engine import Engine

    settings = _real_settings(request, tmp_path_factory.mktemp("fuzz-data"))
    engine = Engine(settings)
    # Through the store's own connection: it holds the database exclusively (no shared-memory WAL index).
    with engine.sessions._lock:
        engine.sessions._db.execute("INSERT INTO sessions (id, created_at, updated_at) VALUES (?, ?, ?)",
                                    (KNOWN_SESSION, time.time(), time.time()))
    yield create_app(settings, engine=engine)
    engine.close()
    _write_summary()


def _load_schema():
    """The schema as the app publishes it at /openapi.json (building it loads no index)."""
    from api.app import create_app
    from assistant.settings import Settings

    raw = create_app(Settings(data_dir=ROOT / "data")).openapi()
    # Input side only: real ids as examples, so the examples phase reaches the 200 paths too
    # (random strings alone only ever find 404/422). Response schemas are left exactly as published.
    for item in raw["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                known = {"doc_id": [DOC_KZ, DOC_CN], "session_id": [KNOWN_SESSION]}.get(parameter["name"])
                if known:
                    parameter["schema"] = {**parameter["schema"], "examples": known}
    loaded = schemathesis.openapi.from_dict(raw)
    loaded.config.generation.update(max_examples=FUZZ_EXAMPLES, database="none")
    loaded.config.phases.update(phases=["examples", "coverage", "fuzzing"])
    return loaded


# Loaded at import, not through schemathesis.pytest.from_fixture: its lazy path breaks on pytest 9
# ('Function' object has no attribute '_nodeid'). Requests go to the fixture's app via case.call(app=...).
schema = _load_schema()


@schema.parametrize()
@settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
def test_api_conforms_and_never_fails(case, fuzz_app):
    # schemathesis's default 10 s read timeout is shorter than a non-German /chat turn on a loaded 2-CPU machine.
    response = case.call(app=fuzz_app, timeout=120)
    with _lock:
        _seen[case.operation.label][response.status_code] += 1
    case.validate_response(response, checks=CHECKS)
    assert "Traceback" not in response.text


def _write_summary() -> None:
    if not _seen or "FUZZ_EXAMPLES" not in os.environ:
        return
    rows = {op: {str(k): v for k, v in sorted(c.items())} for op, c in sorted(_seen.items())}
    total = sum(sum(c.values()) for c in _seen.values())
    five = sum(v for c in _seen.values() for k, v in c.items() if k >= 500)
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text(json.dumps({"examples_per_operation": FUZZ_EXAMPLES,
                                   "cases": total, "server_errors": five, "status_by_operation": rows}, indent=2))
