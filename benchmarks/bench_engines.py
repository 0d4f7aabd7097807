"""Load rate of `kg export --format nq` into the external engines, and kg's own ingest into Virtuoso.

    python benchmarks/bench_engines.py                     # the first 2,000 bulk articles
    python benchmarks/bench_engines.py --limit 500 --sample 100 --batches 25,100

1. ingest the first N bulk articles into a fresh embedded store and export it with `kg export
   --format nq` (the file a graph that outgrows one machine moves with);
2. Oxigraph: `oxigraph load --location DB --file kg.nq` (server stopped), then `oxigraph serve
   --union-default-graph` on it and a count of the quads;
3. Virtuoso (Debian 7.2.5, the test suite's virtuoso.ini with --buffers): `ld_dir` + `rdf_loader_run()`
   + `checkpoint` from isql, then a count over SPARQL;
4. `kg ingest` of the first --sample articles into an empty Virtuoso through SPARQL Update, once per
   batch size in --batches (the seconds per batch show why Virtuoso's default is 100).

Prints one JSON object: quads, seconds and quads/s per engine, and the ingest timings.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_ingest import DEFAULT_CORPUS, subset  # noqa: E402

from kg.pipeline import ingest_paths  # noqa: E402
from kg.store import OxigraphStore  # noqa: E402
from kg.store.remote import RemoteStore  # noqa: E402
from remote_fixtures import GRAPH_NS, Server, isql_run, oxigraph_exe, start_oxigraph, start_virtuoso, stop  # noqa: E402

COUNT = f'SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{GRAPH_NS}")) }}'


def count(srv: Server) -> int:
    r = httpx.post(srv.query_url, data={"query": COUNT}, headers={"Accept": "application/sparql-results+json"},
                   timeout=600)  # fmt: skip
    r.raise_for_status()
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def rate(quads: int, secs: float) -> dict[str, float]:
    return {"seconds": round(secs, 1), "quads_per_second": round(quads / secs)}


def remote_store(srv: Server) -> RemoteStore:
    os.environ.update(srv.env)
    return RemoteStore(srv.query_url)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--limit", type=int, default=2000, help="articles exported and loaded")
    ap.add_argument("--buffers", type=int, default=100_000, help="Virtuoso NumberOfBuffers (8 KB each)")
    ap.add_argument("--sample", type=int, default=400, help="articles ingested into Virtuoso through kg")
    ap.add_argument("--batches", default="25,50,100,200", help="batch sizes for the kg ingest into Virtuoso")
    args = ap.parse_args()
    if not args.corpus.is_dir():
        sys.exit(f"no corpus at {args.corpus}")
    tmp = Path(tempfile.mkdtemp(prefix="kg-bench-engines-"))
    out: dict[str, object] = {"articles": args.limit, "loadavg_at_start": round(os.getloadavg()[0], 2)}
    try:
        articles = subset(args.corpus, args.limit, tmp / "articles")
        local = OxigraphStore(tmp / "store")
        ingest_paths([articles], local)
        dump = tmp / "load" / "kg.nq"
        dump.parent.mkdir()
        local.close()
        subprocess.run([sys.executable, "-m", "kg.cli", "export", "--format", "nq", "--store", str(tmp / "store"),
                        "--out", str(dump)], check=True, capture_output=True)  # fmt: skip
        quads = sum(1 for _ in dump.open("rb"))
        out |= {"quads": quads, "nq_mb": round(dump.stat().st_size / 1e6, 1)}

        t0 = time.perf_counter()
        subprocess.run([oxigraph_exe(), "load", "--location", str(tmp / "ox"), "--file", str(dump)], check=True,
                       capture_output=True)  # fmt: skip
        secs = time.perf_counter() - t0
        proc, srv = start_oxigraph(tmp / "ox")
        try:
            out["oxigraph_load"] = rate(quads, secs) | {"quads_in_server": count(srv)}
        finally:
            stop(proc)

        proc, srv = start_virtuoso(tmp / "virt", buffers=args.buffers, load_dir=dump.parent)
        try:
            script = tmp / "load.sql"
            script.write_text(f"ld_dir ('{dump.parent}', 'kg.nq', '{GRAPH_NS}unnamed');\n"
                              "rdf_loader_run ();\ncheckpoint;\n"
                              "select ll_state, ll_error from DB.DBA.load_list;\n")  # fmt: skip
            t0 = time.perf_counter()
            log = isql_run(shutil.which("isql-vt") or "/usr/bin/isql-vt", srv.sql_port, script)
            secs = time.perf_counter() - t0
            out["virtuoso_ld_dir"] = rate(quads, secs) | {"quads_in_server": count(srv),
                                                          "load_list": log.strip().splitlines()[-3:]}  # fmt: skip
        finally:
            stop(proc)

        sample = subset(args.corpus, args.sample, tmp / "sample")
        ingests = {}
        for size in (int(b) for b in args.batches.split(",")):
            proc, srv = start_virtuoso(tmp / f"virt-ingest-{size}", buffers=args.buffers)
            try:
                store = remote_store(srv)
                t0 = time.perf_counter()
                report = ingest_paths([sample], store, batch_size=size)
                secs = time.perf_counter() - t0
                store.close()
                ingests[str(size)] = {"articles": report.ingested, "failed": len(report.failed),
                                      "batches": report.batches, "seconds": round(secs, 1),
                                      "store_seconds": round(report.timings["store"], 1),
                                      "store_seconds_per_batch": round(report.timings["store"] / max(1, report.batches), 1),
                                      "quads_in_server": count(srv)}  # fmt: skip
            finally:
                stop(proc)
        out["virtuoso_kg_ingest"] = ingests
        print(json.dumps(out, indent=2, ensure_ascii=False))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
