#!/usr/bin/env python3
"""Articles per second of kg's extractor over the bulk corpus, with underthesea NER as a baseline.

usage: python benchmarks/bench_extract.py [--limit N] [--bulk DIR] [--baseline-sample N]

Reads ../shared/corpus/bulk/**/*.txt (or KG_SHARED/corpus/bulk), normalises each file as ingestion does,
and times ``extract_facts`` on one core. If ``underthesea`` is importable, its ``ner`` runs on a sample of
the same files (it is much slower, hence the sample) and its rate is printed beside ours. underthesea is
not a dependency of kg: install it only to run this baseline.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from kg.extract import extract_facts  # noqa: E402
from kg.models import Article  # noqa: E402
from kg.rules import load_rules  # noqa: E402
from kg.text import normalize  # noqa: E402


def default_bulk() -> Path:
    env = os.environ.get("KG_SHARED")
    base = Path(env) if env else Path(__file__).resolve().parents[2] / "shared"
    return base / "corpus" / "bulk"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0, help="only the first N files (0: all)")
    ap.add_argument("--bulk", type=Path, default=default_bulk())
    ap.add_argument("--baseline-sample", type=int, default=100, help="files for the underthesea baseline")
    a = ap.parse_args(argv)
    files = sorted(a.bulk.glob("*/*.txt"))
    if a.limit:
        files = files[: a.limit]
    if not files:
        print(f"no .txt files under {a.bulk}", file=sys.stderr)
        return 2
    texts = [normalize(f.read_text(encoding="utf-8")) for f in files]
    arts = [Article(id=f.stem, title=t.split("\n", 1)[0], text=t) for f, t in zip(files, texts)]
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    rules = load_rules()
    extract_facts(arts[0], rules)  # warm-up
    counts = dict(people=0, roles=0, organizations=0, documents=0, awards=0, events=0)
    t0, c0 = time.perf_counter(), time.process_time()
    for art in arts:
        f = extract_facts(art, rules)
        counts["people"] += len(f.people)
        counts["roles"] += sum(len(p.roles) for p in f.people)
        counts["organizations"] += len(f.organizations)
        counts["documents"] += len(f.documents)
        counts["awards"] += len(f.awards)
        counts["events"] += len(f.events)
    dt = dt_ours = time.perf_counter() - t0
    cpu = time.process_time() - c0
    print(f"kg.extract: {len(arts)} articles ({nbytes / 1e6:.1f} MB) in {dt:.2f} s wall = {len(arts) / dt:.0f} articles/s "
          f"({nbytes / 1e6 / dt:.2f} MB/s), one core; CPU time {cpu:.2f} s = {len(arts) / cpu:.0f} articles/s")
    print("  facts: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if a.baseline_sample <= 0:
        return 0
    try:
        from underthesea import ner  # type: ignore[import-not-found]
    except ImportError:
        print("underthesea: not installed (pip install underthesea to run the baseline)")
        return 0
    sample = texts[: a.baseline_sample]
    ner(sample[0][:200])  # load the model outside the timing
    t0 = time.perf_counter()
    ents = 0
    for t in sample:
        for line in t.split("\n"):
            if line.strip():
                ents += sum(1 for tok in ner(line) if tok[-1] != "O")
    dt = time.perf_counter() - t0
    ours = len(arts) / max(dt_ours, 1e-9)
    theirs = len(sample) / max(dt, 1e-9)
    print(f"underthesea.ner: {len(sample)} articles in {dt:.2f} s = {theirs:.1f} articles/s ({ents} entity tokens)")
    print(f"kg.extract is {ours / theirs:.0f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
