"""Benchmark of the network page (not a test): a synthetic network of N nodes (default 5,000).

Measures, for each size: layout time, page generation time (network_html, layout included), page size,
and in headless Chromium the time from navigation start until the page is drawn and its scripts are
ready (``max(kgDrawnAt, kgReadyAt)``, from the page's own ``performance.now()``), plus the wall time of
navigate + load + ready seen from Python. Also checks the page made no network request.

    python benchmarks/bench_viz.py                 # 5,000 nodes, 3 runs
    python benchmarks/bench_viz.py --nodes 500 1500 5000 --runs 3 --screenshot artifacts/bench_viz.png
    python benchmarks/bench_viz.py --nodes --store-articles 2000   # render_page end to end on a store
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from kg.viz.layout import layout  # noqa: E402
from kg.viz.page import network_html, render_page  # noqa: E402
from viz_fixtures import Chromium, find_chromium, synthetic_network, synthetic_store  # noqa: E402


def bench_store(n_articles: int) -> None:
    """render_page end to end (SPARQL -> network -> layout -> HTML) on an in-memory store of invented articles."""
    t = time.perf_counter()
    store = synthetic_store(n_articles)
    triples = store.query("SELECT (COUNT(*) AS ?c) WHERE { GRAPH ?g { ?s ?p ?o } }").rows[0][0]
    print(f"\nstore: {n_articles:,} articles, {int(triples):,} triples, built in {time.perf_counter() - t:.1f} s")
    person = str(store.query("SELECT ?l WHERE { ?p a kg:Person ; rdfs:label ?l } ORDER BY ?l LIMIT 1").rows[0][0])
    cases = [("whole store, limit 1500", {}), ("whole store, at 2020-01-01", {"at": "2020-01-01"})]
    cases += [(f"focus {person!r}, depth {d}", {"focus": person, "depth": d}) for d in (1, 2, 3)]
    for name, kw in cases:
        t = time.perf_counter()
        html = render_page(store, **kw)  # type: ignore[arg-type]
        print(f"  render_page {name}: {time.perf_counter() - t:.2f} s, {len(html.encode()) / 1e6:.2f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, nargs="*", default=[5000])
    ap.add_argument("--store-articles", type=int, default=0, help="also time render_page on a store of N articles")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--screenshot", type=Path, default=None, help="PNG of the largest page")
    args = ap.parse_args()
    exe = find_chromium()
    print(f"chromium: {exe or 'not found (browser timings skipped)'}")
    for n in args.nodes:
        g = synthetic_network(n)
        t = time.perf_counter()
        layout(g)
        t_layout = time.perf_counter() - t
        t = time.perf_counter()
        html = network_html(g, title=f"Benchmark {n}", note="synthetic")
        t_page = time.perf_counter() - t
        size = len(html.encode("utf-8"))
        print(f"\n{n:,} nodes, {g.number_of_edges():,} edges: layout {t_layout:.2f} s, "
              f"network_html {t_page:.2f} s (layout included), page {size / 1e6:.2f} MB")  # fmt: skip
        if not exe:
            continue
        with tempfile.TemporaryDirectory() as d:
            page = Path(d) / "page.html"
            page.write_text(html, encoding="utf-8")
            ready, wall = [], []
            for run in range(args.runs):
                c = Chromium(exe, str(Path(d) / f"profile{run}"))
                try:
                    t = time.perf_counter()
                    c.open(page.as_uri(), timeout=300)
                    c.wait_for("window.kgReady === true && typeof window.kgDrawnAt === 'number'", timeout=300)
                    wall.append(time.perf_counter() - t)
                    ready.append(c.eval("Math.max(window.kgDrawnAt, window.kgReadyAt || 0)") / 1000)
                    outside = [u for u in c.requests() if u != page.as_uri() and not u.startswith("data:")]
                    problems = c.problems()
                    if run == args.runs - 1 and args.screenshot and n == max(args.nodes):  # noqa: SIM102
                        args.screenshot.parent.mkdir(parents=True, exist_ok=True)
                        c.screenshot(str(args.screenshot))
                finally:
                    c.close()
                print(f"  run {run + 1}: interactive at {ready[-1]:.2f} s after navigation start "
                      f"(wall {wall[-1]:.2f} s); network requests: {len(outside)}; console problems: {len(problems)}")  # fmt: skip
                for p in problems[:3]:
                    print("    ", p)
            print(f"  median: interactive {statistics.median(ready):.2f} s, wall {statistics.median(wall):.2f} s")
    if args.store_articles:
        bench_store(args.store_articles)


if __name__ == "__main__":
    main()
