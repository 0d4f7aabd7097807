"""One article that is a single very long line: read, extract, resolve, build, serialise.

    python benchmarks/bench_long_line.py                  # 1.9 MB, and a quarter of it for the ratio
    python benchmarks/bench_long_line.py --mb 1.0

The line is bulk articles (../shared/corpus/bulk) joined with spaces. Prints CPU seconds of this
process for the full size and for a quarter of it (stage times are wall time), and their ratio:
about 4 when the work grows linearly with the line.

Measured 2026-12-02, shared 2-core machine, load average 6.6–7.9: before (units merged pair by pair,
dates scanned per sentence) 1.9 MB took 17.4 s of CPU, 9.2× its quarter (resolve alone 29 s wall);
after, 3.9 s of CPU, 5.0× its quarter.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from kg.pipeline import STAGES, build_article
from kg.read.ingest import article_from_bytes

ROOT = Path(__file__).resolve().parents[1]
BULK = Path(os.environ.get("KG_SHARED", ROOT.parent / "shared")) / "corpus" / "bulk"


def one_line(limit: float) -> bytes:
    parts, size = [], 0
    for f in sorted(BULK.rglob("*.txt")):
        t = f.read_text(encoding="utf-8").replace("\n", " ")
        parts.append(t)
        size += len(t.encode("utf-8"))
        if size > limit:
            break
    return ("Một bài viết trên một dòng\n" + " ".join(parts)).encode("utf-8")


def measure(data: bytes) -> dict[str, float]:
    t0 = time.process_time()
    a = article_from_bytes("long", data)
    stages = dict.fromkeys(STAGES, 0.0)
    build_article(a, timings=stages)  # stage timings are wall time; the total is CPU time
    return {"bytes": len(data), "cpu_s": round(time.process_time() - t0, 2), **{k: round(v, 2) for k, v in stages.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, default=1.9)
    args = ap.parse_args()
    measure(one_line(50_000))  # rules loaded, caches warm
    quarter, full = measure(one_line(args.mb * 1e6 / 4)), measure(one_line(args.mb * 1e6))
    print(json.dumps({"quarter": quarter, "full": full, "cpu_ratio": round(full["cpu_s"] / quarter["cpu_s"], 2),
                      "load_average": os.getloadavg()[0]}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
