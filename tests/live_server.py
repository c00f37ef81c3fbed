"""A real uvicorn process on a free loopback port, for the tests and benchmarks that need a process
(kill -9, start-up refusal, a browser, load). Always stopped on exit: terminate, then kill."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def server_env(**assistant: str) -> dict[str, str]:
    """This process's environment without a developer's ASSISTANT_* settings, plus the given ones."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update({f"ASSISTANT_{key.upper()}": value for key, value in assistant.items()})
    return env


@contextmanager
def live_server(env: dict[str, str], log_path: Path, *, start_timeout_s: float = 90) -> Iterator[tuple[str, subprocess.Popen]]:
    """Yield (base URL, process) once /health answers 200; RuntimeError with the log's tail if it never does."""
    port = free_port()
    with open(log_path, "ab") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.app:app", "--host", HOST, "--port", str(port)],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + start_timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode} during start-up:\n"
                                   + log_path.read_text("utf-8", "replace")[-3000:])
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"no /health within {start_timeout_s} s; see {log_path}")
            time.sleep(0.1)
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)
