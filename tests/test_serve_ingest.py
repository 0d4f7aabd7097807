"""`kg ingest` while `kg serve` holds the embedded store: it goes through the running server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from kgtest import FIXTURES, ROOT, run_kg

TOKEN = "test-token-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    store = tmp_path / "store"
    assert run_kg("ingest", str(ROOT / "data" / "articles"), "--store", str(store), "--no-progress").returncode == 0
    port = free_port()
    env = {**os.environ, "KG_WRITE_TOKEN": TOKEN}
    env.pop("KG_STORE", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--store", str(store), "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("kg serve did not start")
        yield url, store
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert not (store / "kg-serve.json").exists(), "the server's note must go when it stops"


@pytest.mark.slow
def test_ingest_goes_through_the_running_server_and_it_keeps_answering(server: tuple[str, Path]) -> None:
    url, store = server
    answers: list[int] = []
    stop = threading.Event()

    def read() -> None:
        with httpx.Client(base_url=url, timeout=10) as c:
            while not stop.is_set():
                answers.append(c.get("/stats").status_code)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        r = run_kg("ingest", str(FIXTURES / "identity"), "--store", str(store), "--no-progress",
                   env={"KG_WRITE_TOKEN": TOKEN})  # fmt: skip
    finally:
        stop.set()
        reader.join()
    assert r.returncode == 0, r.stderr
    assert "through it" in r.stderr and "ingested 3" in r.stderr
    assert answers and set(answers) == {200}
    q = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p kg:nameKey \"tran van minh\" }"
    body = httpx.get(url + "/sparql", params={"query": "PREFIX kg: <https://w3id.org/kg-vn/ontology#>\n" + q},
                     headers={"Accept": "application/sparql-results+json"}).json()  # fmt: skip
    assert body["results"]["bindings"][0]["n"]["value"] == "2"


@pytest.mark.slow
def test_ingest_without_the_token_says_how_to_proceed(server: tuple[str, Path]) -> None:
    _, store = server
    r = run_kg("ingest", str(FIXTURES / "identity"), "--store", str(store), "--no-progress")
    assert r.returncode == 1
    assert "in use by kg serve" in r.stderr and "KG_WRITE_TOKEN" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.slow
def test_query_why_and_viz_read_through_the_running_server(server: tuple[str, Path], tmp_path: Path) -> None:
    _, store = server
    r = run_kg("query", "counts", "--format", "csv", "--store", str(store))
    assert r.returncode == 0, r.stderr
    assert "reading through its /sparql" in r.stderr and "Person" in r.stdout
    r = run_kg("why", "Chử Đức Trình", "--store", str(store))
    assert r.returncode == 0 and "Hiệu trưởng" in r.stdout, r.stderr
    out = tmp_path / "g.html"
    r = run_kg("viz", "--out", str(out), "--store", str(store))
    assert r.returncode == 0, r.stderr
    assert "Chử Đức Trình" in out.read_text(encoding="utf-8")
