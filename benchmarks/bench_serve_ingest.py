"""`kg ingest` while `kg serve` holds the store: 20 articles sent through the running server, three times.

    python benchmarks/bench_serve_ingest.py                 # base store: the first 1,000 bulk articles
    python benchmarks/bench_serve_ingest.py --base 5000 --new 20

Builds a store from ``--base`` articles of ../shared/corpus/bulk (a plain `kg ingest`), starts
`kg serve` on it with a write token, then runs `kg ingest` of the next ``--new`` articles three
times (the first run adds them, the next two find them unchanged). Prints one JSON object with the
wall time of each run. The ratio that matters is run 1 against the same run before batching
(derive once per run instead of once per article) and runs 2–3 against run 1 (unchanged articles
are not sent at all).

Measured 2026-12-02, shared 2-core machine (load average 6.8–8.6), base 1,000 bulk articles, 20 new:
before (one POST and one derive per article, unchanged articles sent again) 74.8 s, 134.6 s,
150.1 s; after (hashes asked first, batches, one derive per run) 5.7 s, 2.3 s, 2.4 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
BULK = Path(os.environ.get("KG_SHARED", ROOT.parent / "shared")) / "corpus" / "bulk"
TOKEN = "bench-token-0123456789"


def kg(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k != "KG_STORE"} | (env or {})
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, env=full, cwd=ROOT)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", type=int, default=1000)
    ap.add_argument("--new", type=int, default=20)
    args = ap.parse_args()
    files = sorted(BULK.rglob("*.txt"))[: args.base + args.new]
    if len(files) < args.base + args.new:
        sys.exit(f"need {args.base + args.new} articles under {BULK}")
    tmp = Path(tempfile.mkdtemp(prefix="kg-bench-serve-"))
    try:
        base, new = tmp / "base", tmp / "new"
        for folder, part in ((base, files[: args.base]), (new, files[args.base :])):
            folder.mkdir()
            for f in part:
                shutil.copy(f, folder / f.name)
        store = tmp / "store"
        t0 = time.perf_counter()
        r = kg("ingest", str(base), "--store", str(store), "--no-progress")
        if r.returncode not in (0, 1):
            sys.exit(r.stderr)
        base_s = time.perf_counter() - t0
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {"KG_WRITE_TOKEN": TOKEN}
        proc = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--store", str(store), "--port", str(port)],
                                env={**os.environ, **env}, cwd=ROOT, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(600):
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            runs = []
            for _ in range(3):
                t0 = time.perf_counter()
                r = kg("ingest", str(new), "--store", str(store), "--no-progress", env=env)
                runs.append({"seconds": round(time.perf_counter() - t0, 2), "summary": r.stderr.strip().splitlines()[-1]})
        finally:
            proc.terminate()
            proc.wait(30)
        print(json.dumps({"base_articles": args.base, "base_ingest_s": round(base_s, 1), "new_articles": args.new,
                          "runs": runs, "load_average": os.getloadavg()[0]}, ensure_ascii=False, indent=2))  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
