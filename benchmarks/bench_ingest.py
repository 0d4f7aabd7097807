"""Bulk ingestion benchmark: a folder of articles into a fresh embedded store, then a re-run.

    python benchmarks/bench_ingest.py                      # all of ../shared/corpus/bulk (20,000)
    python benchmarks/bench_ingest.py --limit 2000         # the first 2,000 (a representative sample)
    python benchmarks/bench_ingest.py --extract-only       # extraction alone, one process, for comparison

Prints one JSON object: wall time, articles/s, CPU seconds (this process and its workers: on a
shared machine wall time depends on the neighbours, CPU time much less), time per stage (wall,
summed over workers), peak memory
(this process and its workers, from getrusage: the max RSS of the largest child, not the sum),
store size on disk, and the re-run that must skip everything as unchanged.

Measured 2026-11-23 on the shared 2-core machine, all 20,000 bulk articles, 2 workers, batch 200:
- load average 1.3 at start: 103.6 s wall (193 articles/s), 190 s CPU; 3.01M quads, 982 MB on disk;
  peak RSS 1.53 GB in the main process (reached in kg.graph.derive: the candidate links are one 467k-triple
  INSERT DATA), workers under 0.7 GB; re-run 5.8 s, all 20,000 unchanged;
- load average 2.4–4.5 (other engineers' tests): 236 s wall, 189 s CPU.
CPU per article, one process: extraction 2.8 ms, reading 0.6 ms, resolution 1.5 ms, graph building 0.6 ms,
N-Quads 0.2 ms; the store writes cost about 47 s of CPU for the 2.6M article quads, derive about 19 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

from kg.pipeline import default_extractor, ingest_paths
from kg.read.ingest import iter_article_paths, read_article
from kg.store import OxigraphStore

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "bulk"


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def cpu_seconds() -> float:
    """User + system CPU of this process and its finished workers (contention-proof, unlike wall time)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def peak_mb() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"main_peak_rss_mb": round(own, 1), "largest_worker_peak_rss_mb": round(kids, 1)}


def subset(corpus: Path, limit: int, into: Path) -> Path:
    """Copies of the first ``limit`` articles (the corpus order is a seeded random mix); copies, since
    ingest does not follow links out of the folder it is given."""
    into.mkdir(parents=True, exist_ok=True)
    for p in islice(iter_article_paths([corpus]), limit):
        shutil.copyfile(p, into / p.name)
    return into


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--limit", type=int, default=0, help="only the first N articles")
    ap.add_argument("--workers", type=int, default=0, help="default: number of cores")
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--store", type=Path, help="store folder (default: a fresh temporary one, removed after)")
    ap.add_argument("--extract-only", action="store_true", help="time read + extraction alone, one process")
    args = ap.parse_args()
    if not args.corpus.is_dir():
        sys.exit(f"no corpus at {args.corpus}")
    tmp = Path(tempfile.mkdtemp(prefix="kg-bench-"))
    try:
        corpus = subset(args.corpus, args.limit, tmp / "articles") if args.limit else args.corpus
        if args.extract_only:
            extract = default_extractor()
            n, read_cpu, extract_cpu, t0 = 0, 0.0, 0.0, time.perf_counter()
            for p in iter_article_paths([corpus]):
                c0 = time.process_time()
                article = read_article(p)
                c1 = time.process_time()
                extract(article)
                read_cpu, extract_cpu, n = read_cpu + c1 - c0, extract_cpu + time.process_time() - c1, n + 1
            secs = time.perf_counter() - t0
            print(json.dumps({
                "articles": n, "wall_seconds": round(secs, 1),
                "read_cpu_ms_per_article": round(1000 * read_cpu / n, 2),
                "extract_cpu_ms_per_article": round(1000 * extract_cpu / n, 2),
                "extract_cpu_seconds": round(extract_cpu, 1),
            }))
            return
        store_dir = args.store or tmp / "store"
        store = OxigraphStore(store_dir)
        t0, c0, load0 = time.perf_counter(), cpu_seconds(), os.getloadavg()[0]
        report = ingest_paths([corpus], store, workers=args.workers or None, batch_size=args.batch_size)
        wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
        store.flush()
        quads = len(store.raw)
        t1 = time.perf_counter()
        again = ingest_paths([corpus], store, workers=args.workers or None, batch_size=args.batch_size)
        rerun = time.perf_counter() - t1
        store.close()
        OxigraphStore(store_dir).close()  # reopening settles RocksDB's write-ahead log: the real size
        out = {
            "articles": report.total,
            "ingested": report.ingested,
            "unchanged": report.unchanged,
            "failed": len(report.failed),
            "failed_examples": report.failed[:3],
            "quads": quads,
            "wall_seconds": round(wall, 1),
            "articles_per_second": round(report.total / wall, 1),
            "cpu_seconds": round(cpu, 1),
            "cpu_bound_wall_on_2_idle_cores": round(cpu / 2, 1),
            "loadavg_at_start": round(load0, 2),
            "stage_seconds": {k: round(v, 1) for k, v in report.timings.items()},
            "workers": args.workers or os.cpu_count(),
            "store_mb_on_disk": round(du(store_dir) / 1e6, 1),
            "rerun_seconds": round(rerun, 1),
            "rerun_unchanged": again.unchanged,
            "rerun_ingested": again.ingested,
            **peak_mb(),
        }
        print(json.dumps(out, indent=2, ensure_ascii=False))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
