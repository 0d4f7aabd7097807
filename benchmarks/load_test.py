"""50 concurrent clients for 30 s against a real `kg serve` on 127.0.0.1: /roles, /people and /sparql.

    python benchmarks/synth.py --out /tmp/kg-synth          # once
    python benchmarks/load_test.py --synth /tmp/kg-synth    # or --url http://127.0.0.1:8000 for a running server

Each client loops until the deadline, picking a request by weight (default 60% /roles, 30% /people,
10% /sparql) with real titles, units and names from SYNTH/samples.json. Reports, per endpoint and in
all: requests, errors (transport errors, timeouts, any status other than 200), req/s, p50/p99.
Bounded: --clients (50), --seconds (30) and a per-request timeout (--timeout 30 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from bench_api import kg_serve, summary  # noqa: E402


def requests_from(samples: dict[str, Any], orgs: list[str]) -> dict[str, list[tuple[str, dict[str, str]]]]:
    roles = [("/roles", {"title": r["title"], "organization": r["organization"], "at": r["at"]}) for r in samples["roles"]]
    people = [("/people", {"q": q, "limit": "20"}) for q in samples["people"]]
    sparql = [
        ("/sparql", {"query": f"SELECT ?h ?title WHERE {{ GRAPH ?g {{ ?h org:organization <{o}> ; kg:title ?title }} }} LIMIT 50"})
        for o in orgs
    ]  # fmt: skip
    return {"/roles": roles, "/people": people, "/sparql": sparql}


async def run(base: str, reqs: dict[str, list[tuple[str, dict[str, str]]]], weights: dict[str, float],
              clients: int, seconds: float, timeout: float) -> dict[str, Any]:  # fmt: skip
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
            rnd = random.Random(i)
            while time.perf_counter() < deadline:
                kind = rnd.choices(kinds, w)[0]
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
    out = {k: summary(lat[k], secs, errors[k]) for k in kinds}
    out["all"] = summary([x for k in kinds for x in lat[k]], secs, sum(errors.values()))
    out["errors_by_kind"] = why
    out["seconds"] = round(secs, 1)
    out["clients"] = clients
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--synth", type=Path, default=Path("/tmp/kg-synth"))
    ap.add_argument("--url", help="a running server instead of starting kg serve on SYNTH/store")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--mix", default="roles=0.6,people=0.3,sparql=0.1")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    samples = json.loads((a.synth / "samples.json").read_text(encoding="utf-8"))
    weights = {f"/{k}": float(v) for k, v in (kv.split("=") for kv in a.mix.split(","))}

    def go(base: str, startup: float | None) -> dict[str, Any]:
        orgs = []
        for r in samples["roles"][:40]:
            hits = httpx.get(f"{base}/organizations", params={"q": r["organization"]}, timeout=30).json()["items"]
            orgs += [h["iri"] for h in hits[:1]]
        reqs = requests_from(samples, orgs)
        result = asyncio.run(run(base, reqs, weights, a.clients, a.seconds, a.timeout))
        if startup is not None:
            result["server_startup_s"] = round(startup, 1)
        return result

    if a.url:
        result = go(a.url.rstrip("/"), None)
    else:
        with kg_serve(str(a.synth / "store")) as (base, startup):
            result = go(base, startup)
    text = json.dumps(result, indent=1)
    print(text)
    if a.json:
        a.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
