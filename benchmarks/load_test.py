"""50 concurrent clients for 30 s, twice, against a real `kg serve` on 127.0.0.1: /roles, /people,
/sparql, and a share of expensive SPARQL queries; per-route errors and latency, server memory.

    # a store of the first 5,000 real bulk articles (ingested with `kg ingest` into a temp folder):
    python benchmarks/load_test.py --corpus ../shared/corpus/bulk/000 --articles 5000
    python benchmarks/load_test.py --store data/store          # an existing store folder
    python benchmarks/load_test.py --synth /tmp/kg-synth       # benchmarks/synth.py's store and samples
    python benchmarks/load_test.py --url http://127.0.0.1:8000 --samples samples.json   # a running server

The server is started fresh (cold answer cache) on the store; questions come from the store itself
(real posts with their units and first-seen dates, real names, real unit IRIs), or SYNTH/samples.json.
Each client loops until the deadline: with probability --expensive (default 0.03) it sends an
expensive query ("/sparql!": a cartesian COUNT or an ORDER BY over every triple, which must end in
the server's time limit), else a request picked by --mix (default 60% /roles, 30% /people, 10%
/sparql with a selective query). --runs (default 2) back-to-back runs on the same server; its RSS is
read from /proc before the first run and after each, so memory growth shows. Reports per route and
run: requests, errors (transport errors, timeouts, any status other than 200) with their reasons,
req/s, p50/p99/max, the server's CPU seconds per run, as JSON and as a table, and the server log's
size and last lines. Bounded: --clients, --seconds, --timeout per request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from bench_api import kg_serve, summary  # noqa: E402

EXPENSIVE = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }",  # cartesian: ~10^11 rows at 5,000 articles
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY DESC(STR(?o)) ?s",  # sorts every triple before the first row
]
SELECTIVE = "SELECT ?h ?title WHERE {{ GRAPH ?g {{ ?h org:organization <{o}> ; kg:title ?title }} }} LIMIT 50"
SAMPLE_ROLES = """
SELECT ?label ?oname ?o ?first WHERE {
  GRAPH ?g { ?h org:organization ?o ; org:role ?r . ?r skos:prefLabel ?label . ?o rdfs:label ?oname }
  OPTIONAL { GRAPH <https://w3id.org/kg-vn/graph/derived> { ?h kg:firstSeen ?first } }
}"""
SAMPLE_PEOPLE = "SELECT DISTINCT ?name WHERE { GRAPH ?g { ?p a kg:Person ; foaf:name ?name } }"


def samples_from_store(path: Path, n: int = 400, seed: int = 7) -> dict[str, Any]:
    """Real questions drawn from a store folder (opened before the server holds it)."""
    import pyoxigraph as ox

    from kg.store import PREFIX_HEADER

    store = ox.Store(str(path))
    try:
        roles = {(r[0].value, r[1].value, r[2].value, r[3].value[:10] if r[3] else None)
                 for r in store.query(PREFIX_HEADER + SAMPLE_ROLES)}  # fmt: skip
        names = sorted({r[0].value for r in store.query(PREFIX_HEADER + SAMPLE_PEOPLE)})
    finally:
        del store
    rnd = random.Random(seed)
    picked = rnd.sample(sorted(roles, key=str), min(n, len(roles)))
    people = rnd.sample(names, min(n, len(names)))
    return {
        # half with a date (holders then), half "ever"
        "roles": [{"title": t, "organization": o, **({"at": d} if d and i % 2 else {})}
                  for i, (t, o, _, d) in enumerate(picked)],  # fmt: skip
        "people": [p.lower() if i % 3 == 0 else p for i, p in enumerate(people)],
        "orgs": sorted({o for _, _, o, _ in picked})[:100],
    }


def requests_from(samples: dict[str, Any]) -> dict[str, list[tuple[str, dict[str, str]]]]:
    roles = [("/roles", {k: v for k, v in r.items() if v}) for r in samples["roles"]]
    people = [("/people", {"q": q, "limit": "20"}) for q in samples["people"]]
    sparql = [("/sparql", {"query": SELECTIVE.format(o=o)}) for o in samples.get("orgs", [])]
    expensive = [("/sparql", {"query": q}) for q in EXPENSIVE]
    return {"/roles": roles, "/people": people, "/sparql": sparql, "/sparql!": expensive}


async def run(base: str, reqs: dict[str, list[tuple[str, dict[str, str]]]], weights: dict[str, float],
              expensive: float, clients: int, seconds: float, timeout: float, seed: int) -> dict[str, Any]:  # fmt: skip
    lat: dict[str, list[float]] = {k: [] for k in reqs}
    errors: dict[str, int] = {k: 0 for k in reqs}
    why: dict[str, int] = {}  # "/sparql 503", "/roles ReadTimeout", …
    kinds = [k for k in reqs if reqs[k] and weights.get(k, 0) > 0]
    w = [weights[k] for k in kinds]
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Accept": "application/sparql-results+json, application/json"}

    async with httpx.AsyncClient(base_url=base, timeout=timeout, limits=limits, headers=headers) as c:

        async def client(i: int) -> None:
            rnd = random.Random(seed * 1000 + i)
            while time.perf_counter() < deadline:
                kind = "/sparql!" if rnd.random() < expensive else rnd.choices(kinds, w)[0]
                path, params = rnd.choice(reqs[kind])
                t = time.perf_counter()
                try:
                    r = await c.get(path, params=params)
                    ok = r.status_code == 200
                    reason = f"{kind} {r.status_code}"
                except httpx.HTTPError as e:
                    ok = False
                    reason = f"{kind} {type(e).__name__}"
                if not ok:
                    why[reason] = why.get(reason, 0) + 1
                lat[kind].append(time.perf_counter() - t)
                errors[kind] += not ok

        t0 = time.perf_counter()
        await asyncio.gather(*(client(i) for i in range(clients)))
        secs = time.perf_counter() - t0
    used = [k for k in reqs if lat[k]]
    out: dict[str, Any] = {k: summary(lat[k], secs, errors[k]) for k in used}
    rest = [k for k in used if not k.startswith("/sparql")]
    out["REST"] = summary([x for k in rest for x in lat[k]], secs, sum(errors[k] for k in rest))
    out["all"] = summary([x for k in used for x in lat[k]], secs, sum(errors.values()))
    out["errors_by_kind"] = dict(sorted(why.items()))
    out["seconds"] = round(secs, 1)
    return out


def rss_mb(pid: int | None) -> float | None:
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def tree_rss_mb(pid: int | None) -> float | None:
    """Resident memory of the server and every process under it (its SPARQL workers, the fork server)."""
    if pid is None:
        return None
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += rss_mb(p) or 0.0
        todo.extend(children.get(p, []))
    return round(total, 1)


def cpu_s(pid: int | None) -> float | None:
    """CPU seconds (user + system) the process has used so far."""
    import os

    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def table(result: dict[str, Any]) -> str:
    lines = ["| run | route | requests | errors | req/s | p50 ms | p99 ms | max ms | RSS after (MB): server, with workers |",
             "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for i, r in enumerate(result["runs"], 1):
        for route in [k for k in r if k.startswith("/")] + ["REST"]:
            s = r[route]
            lines.append(f"| {i} | {route} | {s['requests']} | {s['errors']} | {s['req_per_s']} | {s['p50_ms']} | "
                         f"{s['p99_ms']} | {s['max_ms']} | {r.get('rss_after_mb')}, {r.get('tree_rss_after_mb')} |")  # fmt: skip
    lines.append("\nserver CPU: " + "; ".join(f"run {i}: {r.get('server_cpu_s')} s, {r.get('server_cpu_ms_per_request')} ms/request"
                                            for i, r in enumerate(result["runs"], 1)))  # fmt: skip
    lines.append(f"RSS before: {result.get('rss_before_mb')} MB, {result.get('tree_rss_before_mb')} MB with workers; errors: "
                 + "; ".join(f"run {i}: {r['errors_by_kind']}" for i, r in enumerate(result["runs"], 1)))
    return "\n".join(lines)


def ingest(corpus: Path, articles: int, into: Path) -> dict[str, Any]:
    files = sorted(p for p in corpus.rglob("*") if p.suffix in (".txt", ".html"))[:articles]
    src = into.parent / "articles"
    src.mkdir(parents=True)
    for f in files:
        shutil.copyfile(f, src / f.name)  # a copy: ingest does not follow links out of its folder
    t = time.monotonic()
    subprocess.run([sys.executable, "-c", "from kg.cli import main; main()", "ingest", str(src), "--store", str(into),
                    "--no-progress"], check=True)  # fmt: skip
    return {"articles": len(files), "ingest_s": round(time.monotonic() - t, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--corpus", type=Path, help="ingest the first --articles files of this folder into a temp store")
    src.add_argument("--store", type=Path, help="an existing store folder")
    src.add_argument("--synth", type=Path, help="benchmarks/synth.py's output folder (store + samples.json)")
    src.add_argument("--url", help="a running server (with --samples)")
    ap.add_argument("--articles", type=int, default=5000)
    ap.add_argument("--samples", type=Path, help="questions as JSON (roles, people, orgs)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--mix", default="roles=0.6,people=0.3,sparql=0.1")
    ap.add_argument("--expensive", type=float, default=0.03, help="share of requests that are expensive SPARQL queries")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    weights = {f"/{k}": float(v) for k, v in (kv.split("=") for kv in a.mix.split(","))}
    result: dict[str, Any] = {"clients": a.clients, "seconds": a.seconds, "expensive_share": a.expensive, "runs": []}
    tmp = Path(tempfile.mkdtemp(prefix="kg-load-"))
    try:
        store: Path | None = None
        if a.corpus:
            store = tmp / "store"
            result["store"] = ingest(a.corpus, a.articles, store)
        elif a.store or a.synth:
            store = a.store or a.synth / "store"
        if a.samples:
            samples = json.loads(a.samples.read_text(encoding="utf-8"))
        elif a.synth:
            samples = json.loads((a.synth / "samples.json").read_text(encoding="utf-8"))
            samples["orgs"] = []  # synth samples carry unit names only
        else:
            assert store is not None, "--url needs --samples"
            samples = samples_from_store(store)
        reqs = requests_from(samples)

        def go(base: str, pid: int | None) -> None:
            result["rss_before_mb"] = rss_mb(pid)
            result["tree_rss_before_mb"] = tree_rss_mb(pid)
            for i in range(a.runs):
                cpu0 = cpu_s(pid)
                r = asyncio.run(run(base, reqs, weights, a.expensive, a.clients, a.seconds, a.timeout, seed=i))
                r["rss_after_mb"] = rss_mb(pid)
                r["tree_rss_after_mb"] = tree_rss_mb(pid)
                cpu1 = cpu_s(pid)
                if cpu0 is not None and cpu1 is not None:  # > 1 core-second per second: more than the GIL
                    r["server_cpu_s"] = round(cpu1 - cpu0, 1)
                    r["server_cpu_ms_per_request"] = round(1000 * (cpu1 - cpu0) / max(1, r["all"]["requests"]), 2)
                result["runs"].append(r)
                print(f"run {i + 1}: REST {r['REST']}, RSS {r['rss_after_mb']} MB", file=sys.stderr)

        if a.url:
            go(a.url.rstrip("/"), None)
        else:
            assert store is not None
            log = tmp / "serve.log"
            with kg_serve(str(store), log=log) as (base, startup):
                result["server_startup_s"] = round(startup, 1)
                pid = json.loads((store / "kg-serve.json").read_text(encoding="utf-8"))["pid"]
                go(base, int(pid))
            text = log.read_text(encoding="utf-8", errors="replace")
            result["server_log"] = {"bytes": len(text.encode()), "last_lines": text.splitlines()[-15:]}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    text = json.dumps(result, indent=1, ensure_ascii=False)
    print(text)
    print(table(result))
    if a.json:
        a.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
