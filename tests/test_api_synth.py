"""The synthetic benchmark graph has our exact shape: the API answers its sample questions."""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox

from api_fixtures import TestClient
from kg.config import Settings
from kg.serve.api import create_app
from kg.store import OxigraphStore

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import synth  # noqa: E402


def test_synthetic_articles_answer_the_benchmark_questions() -> None:
    gen = synth.Generator(seed=3)
    quads: list[str] = []
    for n in range(150):
        gen.article(n, quads)
    quads += gen.derived()
    store = OxigraphStore(None)
    store.raw.load(("\n".join(quads) + "\n").encode(), format=ox.RdfFormat.N_QUADS)
    client = TestClient(create_app(store, Settings()))
    samples = synth.samples(gen, 20)
    for r in samples["roles"]:
        body = client.get("/roles", params=r).json()
        assert body["total"] >= 1, r
        h = body["items"][0]
        assert h["evidence"] and h["evidence"][0]["sentence"] and h["first_seen"] <= r["at"]
    for q in samples["people"]:
        assert client.get("/people", params={"q": q}).json()["total"] >= 1, q
    ended = [h for r in samples["roles"] for h in client.get("/roles", params={"title": r["title"],
             "organization": r["organization"]}).json()["items"] if h["ended"]]  # fmt: skip
    assert all(h["succeeded_by"] for h in ended)
