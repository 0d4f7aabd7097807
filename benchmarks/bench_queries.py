"""Benchmark of the saved queries (not a test): every query in queries/ on a store of N renamed
copies of the test fixture world (default 250 copies = 1,000 articles, ~180k quads).

For each query: answer rows, median of 5 runs in ms, and the ratio to a baseline measured in the same
run (one indexed lookup: the triples of one unit). A selective query should cost index lookups per
answer row, not a pass over the store: the report flags a selective query slower than 25 ms + 0.2 ms
per row, and a scan slower than 2 s (on a quiet machine; read the ratios on a busy one).

    python benchmarks/bench_queries.py
    python benchmarks/bench_queries.py --copies 1000 --runs 9
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from rdflib import URIRef  # noqa: E402

import sparql_fixtures as F  # noqa: E402
from kg.catalog.saved import bindings_for, load_queries  # noqa: E402

SELECTIVE = {
    "holders_of_title", "roles_of_person", "members_of_unit", "succession_of_post", "citations_of_document",
    "documents_by_issuer", "awards_of_recipient", "co_attendees", "evidence_of_fact", "possible_same_people",
}  # fmt: skip


def median_ms(run, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=250, help="copies of the 4-article fixture world")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    t = time.perf_counter()
    big = F.fill_scaled(F.open_store(":memory:"), args.copies)
    quads = int(str(big.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows[0][0]))
    print(f"store: {4 * args.copies:,} articles, {quads:,} quads, built in {time.perf_counter() - t:.1f} s")
    params = F.scaled_query_params(big, 7)
    unit = URIRef(params["awards_of_recipient"]["recipient"])
    base = median_ms(lambda: big.query("SELECT ?p ?o WHERE { ?u ?p ?o }", {"u": unit}), args.runs * 4)
    print(f"baseline (one unit's triples): {base:.2f} ms\n")
    print(f"{'query':<24} {'rows':>6} {'ms':>9} {'× base':>8}  note")
    slow = 0
    for name, q in load_queries().items():
        b = bindings_for(q, params.get(name, {}))
        rows = len(big.query(q.text, b).rows)
        ms = median_ms(lambda: big.query(q.text, b), args.runs)  # noqa: B023 - used at once
        limit = 25 + 0.2 * rows if name in SELECTIVE else 2000
        note = ("selective" if name in SELECTIVE else "scan") + (f"  OVER {limit:.0f} ms" if ms > limit else "")
        slow += ms > limit
        print(f"{name:<24} {rows:>6} {ms:>9.1f} {ms / base:>8.0f}  {note}")
    big.close()
    print(f"\n{slow} over their bound" if slow else "\nall within their bounds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
