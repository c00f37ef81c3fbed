"""Bounded load test on loopback (`make load`): mixed /search and /chat against a fresh server, then a
check that every session holds exactly the turns sent to it, in order, and nothing else.

    .venv/bin/python bench/load.py [--requests 20000] [--concurrency 16] [--chat-share 0.3] [--sessions N] [--distinct]

Each of the `concurrency` workers owns a share of the sessions and sends their turns in order (a session's
next turn only after the previous answer), interleaved with its other sessions and with searches. The
questions are the dev set's, so most repeat and the server's query cache answers them without embedding;
`--distinct` numbers every search and every session's first turn ('… gegründet? (17)') so that each is
embedded anew. Exit status 1 on any error or any session mismatch. Results: stdout and bench/results/load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import RESULTS, load_dev, percentiles, proc_status, running_server

FIXED_TURNS = [
    "Und 2011?", "Wer hat es unterzeichnet?", "Welche Quelle belegt das?", "Und wie ging es danach weiter?",
    "Was sagt der Text genau dazu?", "Und in welchem Jahr war das?", "Gibt es dazu eine Fußnote?",
    "Welche Rolle spielte dabei China?", "Und was war mit Kasachstan?", "Wie hoch war der Handelsumsatz?",
    "Who signed it?", "And in 2020?", "Кто это подписал?",
]


def plan(args: argparse.Namespace, questions: list[str], conversations: list[list[str]]):
    """Per worker: a list of ('search', body) and ('chat', session index) in send order; the sessions' scripts."""
    rng = random.Random(args.seed)
    chats = round(args.requests * args.chat_share)
    searches = args.requests - chats
    n_sessions = args.sessions or max(1, min(500, chats // 6))
    n_sessions = min(n_sessions, max(1, chats))
    scripts: list[list[str]] = []
    for s in range(n_sessions):  # turns: a dev conversation or a dev question, then follow-ups and other questions
        length = chats // n_sessions + (s < chats % n_sessions)
        start = list(conversations[s % len(conversations)]) if s % 2 == 0 and conversations else [rng.choice(questions)]
        while len(start) < length:
            start.append(rng.choice(FIXED_TURNS) if rng.random() < 0.6 else rng.choice(questions))
        if args.distinct:
            start[0] = f"{start[0]} (s{s})"
        scripts.append(start[:length])
    workers: list[list] = [[] for _ in range(args.concurrency)]
    for s in range(n_sessions):
        workers[s % args.concurrency].extend(("chat", s) for _ in scripts[s])
    for i in range(searches):
        query = questions[i % len(questions)]
        body = {"query": f"{query} ({i})" if args.distinct else query, "k": rng.choice([1, 3, 5, 10])}
        if rng.random() < 0.1:
            body["mode"] = rng.choice(["dense", "lexical"])
        workers[i % args.concurrency].append(("search", body))
    for ops in workers:
        rng.shuffle(ops)  # turn order within a session is restored at send time (next unsent turn)
    return workers, scripts


async def run(args: argparse.Namespace, base: str, workers: list[list], scripts: list[list[str]]) -> dict:
    latencies: dict[str, list[float]] = {"/search": [], "/chat": []}
    statuses: Counter = Counter()
    errors: list[dict] = []
    session_ids: list[str | None] = [None] * len(scripts)
    sent: list[int] = [0] * len(scripts)
    done = 0
    deadline = time.monotonic() + args.max_seconds
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)

    async with httpx.AsyncClient(base_url=base, timeout=args.timeout, limits=limits) as client:

        async def worker(ops: list) -> None:
            nonlocal done
            for kind, arg in ops:
                if time.monotonic() > deadline:
                    return
                if kind == "search":
                    path, body = "/search", arg
                else:
                    s = arg
                    path = "/chat"
                    body = {"message": scripts[s][sent[s]], "session_id": session_ids[s]}
                started = time.perf_counter()
                try:
                    r = await client.post(path, json=body)
                    ms = (time.perf_counter() - started) * 1000
                    statuses[r.status_code] += 1
                    if r.status_code != 200:
                        errors.append({"path": path, "status": r.status_code, "body": r.text[:300]})
                        continue
                    latencies[path].append(ms)
                    if kind == "chat":
                        got = r.json()["session_id"]
                        if session_ids[s] is None:
                            session_ids[s] = got
                        elif got != session_ids[s]:
                            errors.append({"path": path, "status": 200,
                                           "body": f"answer for session {session_ids[s]} came with {got}"})
                        sent[s] += 1
                except httpx.HTTPError as exc:
                    statuses[type(exc).__name__] += 1
                    errors.append({"path": path, "status": None, "body": repr(exc)[:300]})
                finally:
                    done += 1
                    if args.progress and done % args.progress == 0:
                        print(f"  {done} requests, {time.monotonic() - t0:.0f} s", flush=True)

        t0 = time.monotonic()
        started = time.perf_counter()
        await asyncio.gather(*(worker(ops) for ops in workers))
        wall = time.perf_counter() - started

        # verification: every session has exactly the turns sent to it, in order, and no foreign ones
        mismatches: list[dict] = []
        sem = asyncio.Semaphore(args.concurrency)

        async def verify(s: int) -> None:
            if session_ids[s] is None:
                if sent[s]:
                    mismatches.append({"session": s, "problem": "turns sent but no session id"})
                return
            async with sem:
                r = await client.get(f"/sessions/{session_ids[s]}")
            if r.status_code != 200:
                mismatches.append({"session": session_ids[s], "problem": f"GET returned {r.status_code}"})
                return
            stored = [t["message"] for t in r.json()["turns"]]
            expected = [m.strip() for m in scripts[s][: sent[s]]]
            if stored != expected:
                mismatches.append({"session": session_ids[s], "problem": "turns differ",
                                   "expected": expected[:20], "stored": stored[:20]})

        verify_started = time.perf_counter()
        await asyncio.gather(*(verify(s) for s in range(len(scripts))))
        verify_s = time.perf_counter() - verify_started

    total = sum(len(v) for v in latencies.values())
    return {
        "requests_planned": sum(len(w) for w in workers), "requests_done": done,
        "truncated_by_time_cap": done < sum(len(w) for w in workers),
        "ok": total, "errors": len(errors), "error_samples": errors[:10],
        "statuses": {str(k): v for k, v in statuses.items()},
        "wall_s": round(wall, 1), "throughput_rps": round(total / wall, 1) if wall else 0.0,
        "latency_ms": {"all": percentiles(latencies["/search"] + latencies["/chat"]),
                       "/search": percentiles(latencies["/search"]), "/chat": percentiles(latencies["/chat"])},
        "sessions": len(scripts), "chat_turns_sent": sum(sent),
        "sessions_verified": sum(1 for s in session_ids if s), "session_mismatches": len(mismatches),
        "mismatch_samples": mismatches[:5], "verify_s": round(verify_s, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--chat-share", type=float, default=0.3)
    parser.add_argument("--sessions", type=int, default=0, help="default: min(500, chat requests / 6)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--distinct", action="store_true", help="no two searches or first turns alike (no cache hits)")
    parser.add_argument("--timeout", type=float, default=60.0, help="per request, seconds")
    parser.add_argument("--max-seconds", type=float, default=3600.0, help="stop sending after this (a bound)")
    parser.add_argument("--progress", type=int, default=2000, help="print progress every N requests (0: never)")
    parser.add_argument("--out", type=Path, default=RESULTS / "load.json")
    args = parser.parse_args()

    questions, conversations = load_dev()
    workers, scripts = plan(args, questions, conversations)
    print(f"load: {args.requests} requests, concurrency {args.concurrency}, {args.chat_share:.0%} /chat "
          f"in {len(scripts)} sessions ({min(map(len, scripts))}-{max(map(len, scripts))} turns), "
          f"{'distinct' if args.distinct else 'repeated'} questions", flush=True)
    t0 = time.perf_counter()
    with running_server() as (base, proc):
        rss_before = proc_status(proc.pid)["VmRSS"]
        result = asyncio.run(run(args, base, workers, scripts))
        status = proc_status(proc.pid)
        result["server"] = {"url": base, "rss_mib_before": round(rss_before / 1024, 1),
                            "rss_mib_after": round(status["VmRSS"] / 1024, 1),
                            "peak_rss_mib": round(status["VmHWM"] / 1024, 1)}
    result["total_s"] = round(time.perf_counter() - t0, 1)
    result["config"] = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False), "utf-8")

    lat = result["latency_ms"]
    print(f"\ndone {result['requests_done']}/{result['requests_planned']} requests in {result['wall_s']} s "
          f"({result['throughput_rps']} req/s), errors {result['errors']}, statuses {result['statuses']}")
    for name in ("all", "/search", "/chat"):
        p = lat[name]
        if p.get("n"):
            print(f"  {name:8} n={p['n']:>6}  p50 {p['p50']:>7} ms  p95 {p['p95']:>7} ms  p99 {p['p99']:>7} ms  "
                  f"max {p['max']:>7} ms")
    print(f"sessions: {result['sessions_verified']}/{result['sessions']} verified, {result['chat_turns_sent']} turns, "
          f"mismatches {result['session_mismatches']}")
    print(f"server RSS {result['server']['rss_mib_before']} -> {result['server']['rss_mib_after']} MiB "
          f"(peak {result['server']['peak_rss_mib']}); total {result['total_s']} s; JSON: {args.out}")
    for e in result["error_samples"][:3]:
        print("  error:", e)
    for m in result["mismatch_samples"][:3]:
        print("  mismatch:", m)
    if result["errors"] or result["session_mismatches"] or result["truncated_by_time_cap"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
