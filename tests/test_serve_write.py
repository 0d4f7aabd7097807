"""Writes through a running ``kg serve``: a kill -9 inside POST /articles is repaired by the next
start, and ``kg ingest`` through the server skips unchanged articles, sends batches and derives once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from ingest_fixtures import write_corpus
from kg.pipeline import PENDING_ASK, derive_pending, finish_derive
from kg.serve import handoff
from kg.store import OxigraphStore
from kg.vocab import DERIVED_GRAPH
from kgtest import ROOT, free_port, kg_serve, run_kg
from remote_fixtures import fictional_article

TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
pytestmark = pytest.mark.slow


def derived(store: OxigraphStore) -> set[str]:
    return {str(q.triple) for q in store.raw.quads_for_pattern(None, None, None, ox.NamedNode(str(DERIVED_GRAPH)))}


def start_server(store: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "KG_STORE"} | {"KG_WRITE_TOKEN": TOKEN}
    proc = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--store", str(store), "--port", str(port)],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("kg serve did not come up")


def pending_seen(url: str) -> bool:
    r = httpx.post(f"{url}/sparql", data={"query": PENDING_ASK}, headers={"Accept": "application/sparql-results+json"},
                   timeout=5)  # fmt: skip
    return r.status_code == 200 and r.json().get("boolean") is True


def post_quietly(url: str, aid: str, text: str) -> None:
    try:
        httpx.post(f"{url}/articles", json={"id": aid, "text": text}, headers=AUTH, timeout=60)
    except httpx.TransportError:
        pass  # the server was killed under it


def test_a_server_killed_inside_a_post_is_repaired_by_its_next_start(tmp_path: Path) -> None:
    src, store = tmp_path / "src", tmp_path / "store"
    write_corpus(src, 120, paragraphs=2)  # enough articles that derive takes a while
    assert run_kg("ingest", str(src), "--store", str(store), "--no-progress").returncode == 0
    killed_in_derive = False
    for attempt in range(5):
        proc, url = start_server(store)
        post = threading.Thread(target=post_quietly, args=(url, f"late-{attempt}", fictional_article(attempt)))
        post.start()
        deadline = time.monotonic() + 30
        try:
            while time.monotonic() < deadline and post.is_alive():
                if pending_seen(url):  # the article is written, derive is under way: kill -9 now
                    proc.send_signal(signal.SIGKILL)
                    killed_in_derive = True
                    break
        except httpx.TransportError:
            pass
        proc.kill()
        proc.wait(10)
        post.join(60)
        if killed_in_derive:
            break
    assert killed_in_derive, "never caught the server between its write and the end of derive"
    s = OxigraphStore(store)
    try:
        assert derive_pending(s)  # the marker went in with the article, and survived the kill
    finally:
        s.close()
    with kg_serve(store, {"KG_WRITE_TOKEN": TOKEN}) as url:  # the next start finishes the derive
        assert not pending_seen(url)
    s = OxigraphStore(store)
    try:
        assert not derive_pending(s)
        repaired = derived(s)
        finish_derive(s)  # a derive from scratch over the same articles: nothing to add or remove
        assert repaired and derived(s) == repaired
    finally:
        s.close()


class Recorder:
    """Records what ingest_via_server posts (the batches), passing every request on unchanged."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.posts: list[tuple[str, dict]] = []
        real = httpx.Client.post

        def post(client: httpx.Client, url: str, **kw):  # type: ignore[no-untyped-def]
            self.posts.append((url, kw.get("json") or {}))
            return real(client, url, **kw)

        monkeypatch.setattr(httpx.Client, "post", post)

    def batches(self) -> list[tuple[int, bool]]:
        return [(len(b["articles"]), b["derive"]) for u, b in self.posts if u == "/articles/batch"]


def test_ingest_through_the_server_skips_unchanged_batches_and_derives_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, store = tmp_path / "src", tmp_path / "store"
    write_corpus(src, 20, paragraphs=1)
    OxigraphStore(store).close()
    monkeypatch.setattr(handoff, "BATCH_ARTICLES", 8)
    with kg_serve(store, {"KG_WRITE_TOKEN": TOKEN}) as url:
        rec = Recorder(monkeypatch)
        r = handoff.ingest_via_server([src], url, TOKEN)
        assert (r.ingested, r.unchanged, r.failed) == (20, 0, [])
        assert rec.batches() == [(8, False), (8, False), (4, True)]  # one derive, after the last batch
        assert not pending_seen(url)

        rec.posts.clear()
        r = handoff.ingest_via_server([src], url, TOKEN)  # nothing changed: no article is sent
        assert (r.ingested, r.unchanged, r.failed) == (0, 20, [])
        assert rec.batches() == [(0, True)]

        first = sorted(src.iterdir())[0]
        first.write_text(first.read_text(encoding="utf-8") + "\nMột đoạn mới.\n", encoding="utf-8")
        rec.posts.clear()
        r = handoff.ingest_via_server([src], url, TOKEN)
        assert (r.ingested, r.unchanged) == (1, 19) and rec.batches() == [(1, True)]

        rec.posts.clear()
        r = handoff.ingest_via_server([src], url, TOKEN, force=True)  # --force: everything again
        assert r.ingested == 20 and [n for n, _ in rec.batches()] == [8, 8, 4]


def test_the_batch_endpoint_reports_each_article(tmp_path: Path) -> None:
    store = tmp_path / "store"
    OxigraphStore(store).close()
    with kg_serve(store, {"KG_WRITE_TOKEN": TOKEN}) as url:
        body = {"articles": [{"id": "a-1", "text": fictional_article(1)}, {"id": "a-2", "text": "   "},
                             {"id": "a-3", "text": fictional_article(3), "published": "2024-02-30"}]}  # fmt: skip
        r = httpx.post(f"{url}/articles/batch", json=body, headers=AUTH, timeout=60)
        assert r.status_code == 200, r.text
        out = r.json()
        assert out["ingested"] == 1 and out["derived"] is True
        assert {f["id"] for f in out["failed"]} == {"a-2", "a-3"}
        again = httpx.post(f"{url}/articles/batch", json=body, headers=AUTH, timeout=60).json()
        assert again["ingested"] == 0 and again["unchanged"] == 1 and again["derived"] is False
        assert httpx.post(f"{url}/articles/batch", json=body, timeout=10).status_code == 401
