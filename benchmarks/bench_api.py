"""Latency of GET /roles against a real `kg serve` on 127.0.0.1, and the same questions on rdflib.

    python benchmarks/synth.py --out /tmp/kg-synth                # once: ~10M triples
    python benchmarks/bench_api.py --synth /tmp/kg-synth

1. Starts `kg serve --store SYNTH/store` on a free port (its start-up time includes building the
   name index), then sends a bounded number of /roles requests (real titles, units and dates from
   SYNTH/samples.json) with 1 and 4 concurrent clients; reports p50/p90/p99 and throughput for
   distinct questions (each a cache miss: the store is asked), "ever" questions (no date), and the
   same 200 questions repeated (answered from the cache of /roles answers).
2. Stops it, then answers the same kind of /roles questions through the same code (kg.api_queries.Catalog,
   hence the same SPARQL) on SYNTH/subset.nq (~0.5M triples) held by rdflib's in-memory Dataset and by
   pyoxigraph in memory, and reports the ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def kg_serve(store: str, env: Mapping[str, str] | None = None, timeout: float = 600,
             log: Path | None = None) -> Iterator[tuple[str, float]]:  # fmt: skip
    """A `kg serve` subprocess on 127.0.0.1:FREE; yields (base URL, seconds until /healthz answered).
    Its stderr goes to ``log`` when given, else nowhere."""
    port = free_port()
    t0 = time.monotonic()
    err = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - the child keeps its own copy
    proc = subprocess.Popen(
        [sys.executable, "-c", "from kg.cli import main; main()", "serve", "--store", store, "--port", str(port)],
        env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=err,
    )  # fmt: skip
    if log:
        err.close()  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None:
                raise RuntimeError(f"kg serve exited with {proc.returncode}")
            if time.monotonic() - t0 > timeout:
                raise RuntimeError("kg serve did not come up")
            time.sleep(0.2)
        yield base, time.monotonic() - t0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


def summary(lat: list[float], secs: float, errors: int) -> dict[str, Any]:
    ms = [x * 1000 for x in lat]
    return {"requests": len(ms), "errors": errors, "req_per_s": round(len(ms) / secs, 1) if secs else 0,
            "p50_ms": round(pct(ms, 50), 2), "p90_ms": round(pct(ms, 90), 2), "p99_ms": round(pct(ms, 99), 2),
            "max_ms": round(max(ms), 2) if ms else None}  # fmt: skip


def closed_loop(base: str, paths: list[tuple[str, dict[str, str]]], n: int, clients: int) -> dict[str, Any]:
    """``clients`` threads, each with its own connection, send ``n`` requests in all, back to back."""
    lat: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(n))

    def worker() -> None:
        nonlocal errors
        with httpx.Client(base_url=base, timeout=30) as c:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                path, params = paths[i % len(paths)]
                t = time.perf_counter()
                try:
                    r = c.get(path, params=params)
                    ok = r.status_code == 200
                except httpx.HTTPError:
                    ok = False
                dt = time.perf_counter() - t
                with lock:
                    lat.append(dt)
                    errors += not ok

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return summary(lat, time.perf_counter() - t0, errors)


# ---------------------------------------------------------------- rdflib vs pyoxigraph, same code


class RdflibStore:
    """The Store protocol over an rdflib Dataset (union default graph), for comparison only."""

    location = "rdflib:memory"

    def __init__(self, path: Path) -> None:
        from rdflib import Dataset

        self.ds = Dataset(default_union=True)
        self.ds.parse(str(path), format="nquads")

    def query(self, sparql: str, bindings: Mapping[str, Any] | None = None, *, default_graphs: Any = None,
              named_graphs: Any = None) -> Any:  # fmt: skip
        from kg.store import PREFIX_HEADER, Result, bind_values

        res = self.ds.query(PREFIX_HEADER + bind_values(sparql, bindings))
        if res.type == "ASK":
            return Result("ask", boolean=bool(res.askAnswer))
        return Result("select", vars=[str(v) for v in res.vars], rows=[tuple(r) for r in res])


def compare_engines(subset: Path, n: int, seed: int) -> dict[str, Any]:
    import pyoxigraph as ox

    from kg.catalog.catalog import Catalog
    from kg.store import OxigraphStore

    out: dict[str, Any] = {}
    t = time.perf_counter()
    ox_store = OxigraphStore(None)
    ox_store.raw.bulk_load(path=str(subset), format=ox.RdfFormat.N_QUADS)
    out["oxigraph_load_s"] = round(time.perf_counter() - t, 1)
    out["triples"] = len(ox_store.raw)
    t = time.perf_counter()
    rd = RdflibStore(subset)
    out["rdflib_load_s"] = round(time.perf_counter() - t, 1)
    # questions that have answers in the subset: (post, unit name, a date it was held)
    rows = ox_store.query("""SELECT DISTINCT ?post ?unit ?d WHERE {
        GRAPH ?g { ?h org:role ?r ; org:organization ?o ; kg:asOf ?d . ?r skos:prefLabel ?post . ?o rdfs:label ?unit } }
        ORDER BY ?unit ?post ?d""").rows
    rnd = random.Random(seed)
    qs = [(str(p), str(u), str(d)) for p, u, d in rnd.sample(rows, min(n, len(rows)))]
    for name, store in (("oxigraph_memory", ox_store), ("rdflib_memory", rd)):
        t = time.perf_counter()
        cat = Catalog(store)  # type: ignore[arg-type]
        index_s = time.perf_counter() - t
        lat, answers = [], 0
        for post, unit, d in qs:
            t = time.perf_counter()
            total, items = cat.roles(post, unit, d, 50, 0)
            lat.append(time.perf_counter() - t)
            answers += total
        out[name] = {**summary(lat, sum(lat), 0), "index_build_s": round(index_s, 2), "answers": answers}
    out["questions"] = len(qs)
    out["ratio_p50_rdflib_over_oxigraph"] = round(out["rdflib_memory"]["p50_ms"] / out["oxigraph_memory"]["p50_ms"], 1)
    out["same_answers"] = out["rdflib_memory"]["answers"] == out["oxigraph_memory"]["answers"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--synth", type=Path, default=Path("/tmp/kg-synth"))
    ap.add_argument("--requests", type=int, default=2000, help="requests per run (bounded load)")
    ap.add_argument("--clients", default="1,4", help="concurrent clients, comma-separated runs")
    ap.add_argument("--engine-questions", type=int, default=100)
    ap.add_argument("--skip-server", action="store_true", help="only the rdflib / pyoxigraph comparison")
    ap.add_argument("--skip-engines", action="store_true", help="only the HTTP benchmark")
    ap.add_argument("--json", type=Path, help="also write the results here")
    a = ap.parse_args()
    samples = json.loads((a.synth / "samples.json").read_text(encoding="utf-8"))
    report: dict[str, Any] = {"store": str(a.synth / "store")}
    # distinct questions (every one a cache miss): the sample's date moved by i days
    distinct = [("/roles", {"title": r["title"], "organization": r["organization"],
                            "at": (dt.date.fromisoformat(r["at"]) + dt.timedelta(days=i // len(samples["roles"]))).isoformat()})
                for i, r in enumerate(samples["roles"] * (a.requests // len(samples["roles"]) + 1))][: a.requests]  # fmt: skip
    repeated = [("/roles", {"title": r["title"], "organization": r["organization"], "at": r["at"]}) for r in samples["roles"]]
    ever = [("/roles", {"title": r["title"], "organization": r["organization"]}) for r in samples["roles"]]
    if not a.skip_server:
        with kg_serve(str(a.synth / "store")) as (base, startup):
            report["server_startup_s"] = round(startup, 1)
            t = time.perf_counter()
            report["stats"] = httpx.get(f"{base}/stats", timeout=600).json()
            report["stats_first_call_s"] = round(time.perf_counter() - t, 1)
            closed_loop(base, [("/healthz", {})], 100, 1)  # warm-up (connections, code paths)
            for clients in map(int, a.clients.split(",")):
                shifted = [(p, {**q, "limit": str(50 - clients)}) for p, q in distinct]  # new keys per run
                report[f"roles_distinct_uncached_{clients}_clients"] = closed_loop(base, shifted, a.requests, clients)
                report[f"roles_ever_first_pass_{clients}_clients"] = closed_loop(
                    base, [(p, {**q, "limit": str(50 - clients)}) for p, q in ever], len(ever), clients)  # fmt: skip
                report[f"roles_repeated_cached_{clients}_clients"] = closed_loop(base, repeated, a.requests, clients)
                print(json.dumps({k: report[k] for k in report if k.endswith(f"_{clients}_clients")}), file=sys.stderr)
            sample = httpx.get(f"{base}/roles", params=repeated[0][1], timeout=30).json()
            report["example"] = {"params": repeated[0][1], "total": sample["total"]}
            report["load_average_after"] = os.getloadavg()
    if not a.skip_engines:
        report["engines_same_code_on_subset"] = compare_engines(a.synth / "subset.nq", a.engine_questions, 1)
    text = json.dumps(report, ensure_ascii=False, indent=1)
    print(text)
    if a.json:
        a.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
