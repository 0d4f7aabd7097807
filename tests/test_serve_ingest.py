"""`kg ingest` while `kg serve` holds the embedded store: it goes through the running server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kgtest import FIXTURES, ROOT, kg_serve, run_kg

TOKEN = "test-token-0123456789"


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    store = tmp_path / "store"
    assert run_kg("ingest", str(ROOT / "data" / "articles"), "--store", str(store), "--no-progress").returncode == 0
    with kg_serve(store, {"KG_WRITE_TOKEN": TOKEN}) as url:
        yield url, store
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
    n = len(list((FIXTURES / "identity").glob("*.txt")))
    assert "through it" in r.stderr and f"ingested {n}," in r.stderr
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
