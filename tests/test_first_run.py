"""What a newcomer meets after `make run` (= `kg run`): the server says where it is, whether it takes
writes and the one command that ingests into it; `kg ingest` and `kg export` then work on the store
folder the server holds (through the server, with the local token `kg run` made)."""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rdflib import Dataset, Graph

from kg.cli import startup_lines
from kg.config import LOCAL_TOKEN_FILE, Settings, local_write_token
from kgtest import FIXTURES, ROOT, free_port, run_kg

pytestmark = pytest.mark.slow


@contextlib.contextmanager
def serving(store: Path, *args: str) -> Iterator[tuple[str, list[str]]]:
    """``kg serve --store STORE ARGS…`` until the block ends; yields its URL and its start-up lines."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("KG_STORE", "KG_WRITE_TOKEN")}
    proc = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--store", str(store), "--port", str(port), *args],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert proc.stderr is not None
        while len(lines) < 4:  # the start-up message is four lines, written before the server listens
            lines.append(proc.stderr.readline().rstrip("\n"))
        yield base, lines
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stderr:
            proc.stderr.close()


@pytest.fixture()
def store(tmp_path: Path) -> Path:
    s = tmp_path / "store"
    r = run_kg("ingest", str(ROOT / "data" / "articles" / "seed-000.txt"), "--store", str(s), "--no-progress")
    assert r.returncode == 0, r.stderr
    return s


def test_local_token_server_says_it_is_writable_and_kg_ingest_uses_its_token(store: Path) -> None:
    with serving(store, "--local-token") as (url, lines):
        token_file = store / LOCAL_TOKEN_FILE
        assert lines[0] == f"kg: serving {store} on {url}/"
        assert f"{url}/docs" in lines[1] and f"{url}/graph" in lines[1]
        assert lines[2] == f"kg: writable: the write token is in {token_file} (readable only by you)"
        assert f"ingest PATH --store {store}" in lines[3]
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert httpx.get(f"{url}/healthz").json()["writable"] is True
        # the one command: no token in the environment, kg ingest finds the server and the token
        r = run_kg("ingest", str(FIXTURES / "identity"), "--store", str(store), "--no-progress")
        assert r.returncode == 0, r.stderr
        n = len(list((FIXTURES / "identity").glob("*.txt")))
        assert "through it" in r.stderr and f"ingested {n}," in r.stderr
        # a write without the token is still refused
        assert httpx.post(f"{url}/articles", json={"id": "x", "text": "a"}).status_code == 401
    assert local_write_token(store) == token_file.read_text().strip()  # kept for the next run


def test_export_streams_from_the_running_server_with_prefixes(store: Path, tmp_path: Path) -> None:
    local_ttl = run_kg("export", "--format", "ttl", "--store", str(store))
    assert local_ttl.returncode == 0 and local_ttl.stdout.startswith("@prefix ")
    with serving(store) as (_url, lines):
        assert lines[2].startswith("kg: read-only: KG_WRITE_TOKEN is not set")
        r = run_kg("export", "--format", "ttl", "--store", str(store))
        assert r.returncode == 0, r.stderr
        assert "reading through its /sparql" in r.stderr
        assert "@prefix kg: <https://w3id.org/kg-vn/ontology#> ." in r.stdout and "foaf:Person" in r.stdout
        through_server = Graph().parse(data=r.stdout, format="turtle")
        out = tmp_path / "all.nq"
        r = run_kg("export", "--format", "nq", "--out", str(out), "--store", str(store))
        assert r.returncode == 0, r.stderr
    assert len(through_server) == len(Graph().parse(data=local_ttl.stdout, format="turtle"))
    ds = Dataset()
    ds.parse(out, format="nquads")
    graphs = {str(c.identifier) for c in ds.graphs()} - {"urn:x-rdflib:default"}
    assert "https://w3id.org/kg-vn/graph/derived" in graphs and len(graphs) == 2


def test_startup_lines_of_a_read_only_and_an_env_token_server() -> None:
    ro = startup_lines("data/store", "http://127.0.0.1:8000", Settings(), None)
    assert ro[2].startswith("read-only") and "kg serve --local-token" in ro[3] and "--store data/store" in ro[3]
    rw = startup_lines("data/store", "http://127.0.0.1:8000", Settings(write_token="t"), None)
    assert rw[2].startswith("writable with KG_WRITE_TOKEN") and "KG_WRITE_TOKEN=… kg ingest PATH" in rw[3]
    remote = startup_lines("http://sparql.example.org/q", "http://127.0.0.1:8000", Settings(), None)
    assert "--store" not in remote[3]
