"""What running /sparql queries in worker processes costs: p50 of a cheap query, threads vs processes.

    python benchmarks/bench_sparql.py [--requests 400] [--copies 25]

Builds an on-disk store from the test fixture (``--copies`` renamed copies of its four articles),
serves it twice through the real router on 127.0.0.1 (uvicorn, one client, keep-alive): once with
queries in threads in the server process (the design before: no way to stop an aggregate), once in
worker processes over a snapshot (killed at the deadline). For a cheap SELECT, a cheap ASK and a
saved query it reports p50 and p90 latency and the ratio processes/threads, measured in the same run.
It also times the snapshot a write costs the next query (``Store.backup`` + reopening it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fastapi import FastAPI  # noqa: E402

import sparql_fixtures as F  # noqa: E402
from kg.config import Settings  # noqa: E402
from kg.serve.sparql import sparql_router  # noqa: E402
from kg.store import open_store  # noqa: E402

QUERIES = {
    "select": 'SELECT ?p WHERE { ?p foaf:name "Lê Thị Mai" } LIMIT 5',
    "ask": "ASK { ?s a kg:Person }",
}


def _serve(app: FastAPI):  # type: ignore[no-untyped-def]
    from test_sparql import serve

    return serve(app)


def measure(url: str, n: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    with httpx.Client(base_url=url, timeout=30) as c:
        for name, q in QUERIES.items():
            for _ in range(20):  # warm
                c.get("/sparql", params={"query": q})
            times = []
            for _ in range(n):
                t = time.perf_counter()
                r = c.get("/sparql", params={"query": q})
                times.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, r.text
            out[name] = times
        times = []
        for _ in range(n // 4):
            t = time.perf_counter()
            r = c.get("/queries/counts")
            times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200
        out["saved:counts"] = times
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--copies", type=int, default=25)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="kg-bench-sparql-"))
    s = open_store(tmp / "store")
    F.fill_scaled(s, args.copies)
    quads = len(s.raw)  # type: ignore[attr-defined]
    results = {}
    for mode in ("threads", "processes"):
        app = FastAPI()
        router = sparql_router(s, Settings(), processes=(mode == "processes"))
        app.include_router(router)
        with _serve(app) as url:
            time.sleep(1.5)  # workers warm
            results[mode] = measure(url, args.requests)
            if mode == "processes":
                pool = router.pool  # type: ignore[attr-defined]
                print(f"snapshots made while measuring: {pool.snapshots.made}")
                snaps = []
                with httpx.Client(base_url=url, timeout=30) as c:
                    for i in range(10):
                        s.update(f'INSERT DATA {{ GRAPH <urn:bench:{i}> {{ <urn:bench:a> <urn:bench:b> {i} }} }}')
                        t = time.perf_counter()
                        c.get("/sparql", params={"query": QUERIES["ask"]})
                        snaps.append((time.perf_counter() - t) * 1000)
                pool.close()
    print(f"store: {quads} quads ({args.copies} copies of the fixture), {args.requests} requests per query, 1 client")
    print(f"{'query':<14} {'threads p50':>12} {'processes p50':>14} {'ratio':>6} {'threads p90':>12} {'processes p90':>14}")
    for name in results["threads"]:
        a, b = results["threads"][name], results["processes"][name]
        pa, pb = statistics.median(a), statistics.median(b)
        qa, qb = statistics.quantiles(a, n=10)[-1], statistics.quantiles(b, n=10)[-1]
        print(f"{name:<14} {pa:>10.2f}ms {pb:>12.2f}ms {pb / pa:>6.2f} {qa:>10.2f}ms {qb:>12.2f}ms")
    print(f"first query after a write (new snapshot): p50 {statistics.median(snaps):.1f} ms, max {max(snaps):.1f} ms")
    s.close()


if __name__ == "__main__":
    main()
