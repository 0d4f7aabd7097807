"""The payload that once wiped whole stores, replayed through every way in: ``kg ingest`` into the
embedded store, ``POST /articles`` on a real ``kg serve``, and ``kg ingest`` into a real Oxigraph
server. Each time the article is ingested, then changed and ingested again (the replacement path):
every other graph stays as it was, and the derived graph is what a clean build of the same articles
gives."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from kg.ids import article_graph
from kg.pipeline import STATE_GRAPH
from kg.vocab import DERIVED_GRAPH
from kgtest import kg_serve, run_kg
from remote_fixtures import (
    Server,
    fictional_article,
    start_oxigraph,
    stop,
    virtuoso_server,  # noqa: F401 (a fixture)
    write_articles,
)

PAYLOAD = "Tin\u2028} } ; DROP ALL ; INSERT DATA { GRAPH <urn:x> { #"
AID = "tin-payload"
TOKEN = "test-token-0123456789"
pytestmark = pytest.mark.slow


def payload_text(variant: int) -> str:
    return PAYLOAD + "\n" + fictional_article(7, variant=variant).split("\n", 1)[1]


def by_graph(store: str, env: dict[str, str] | None = None) -> dict[str, set[str]]:
    """kg's graphs (and any urn: graph an injection would make), not a server's own."""
    r = run_kg("export", "--format", "nq", "--store", store, env=env)
    assert r.returncode == 0, r.stderr
    graphs: dict[str, set[str]] = defaultdict(set)
    for q in ox.parse(r.stdout.encode("utf-8"), ox.RdfFormat.N_QUADS):
        if q.graph_name.value.startswith(("https://w3id.org/kg-vn/", "urn:")):
            graphs[q.graph_name.value].add(str(q.triple))
    return dict(graphs)


def ingest(store: str, src: Path, env: dict[str, str] | None = None) -> str:
    r = run_kg("ingest", str(src), "--store", store, "--no-progress", "--workers", "1", env=env)
    assert r.returncode == 0, r.stderr
    return r.stderr


def others(graphs: dict[str, set[str]]) -> dict[str, set[str]]:
    skip = {str(article_graph(AID)), str(DERIVED_GRAPH), STATE_GRAPH}
    return {g: t for g, t in graphs.items() if g not in skip}


def check(after: dict[str, set[str]], before: dict[str, set[str]], clean: dict[str, set[str]]) -> None:
    assert others(after) == others(before)  # every other article's graph, untouched
    assert "urn:x" not in after and STATE_GRAPH not in after
    assert after[str(DERIVED_GRAPH)] == clean[str(DERIVED_GRAPH)]
    mine = after[str(article_graph(AID))]
    assert mine == clean[str(article_graph(AID))]
    assert any(str(ox.Literal(PAYLOAD)) in t for t in mine)  # the title, whole, as a literal


@pytest.fixture()
def folders(tmp_path: Path) -> tuple[Path, Path]:
    """``src``: three articles and the payload article; ``final``: the same with the payload changed."""
    src, final = tmp_path / "src", tmp_path / "final"
    for folder, variant in ((src, 0), (final, 1)):
        write_articles(folder, range(3))
        (folder / f"{AID}.txt").write_text(payload_text(variant), encoding="utf-8")
    return src, final


@pytest.fixture()
def clean(folders: tuple[Path, Path], tmp_path: Path) -> dict[str, set[str]]:
    store = str(tmp_path / "clean")
    ingest(store, folders[1])
    return by_graph(store)


def test_the_payload_through_kg_ingest(folders: tuple[Path, Path], clean: dict[str, set[str]], tmp_path: Path) -> None:
    src, final = folders
    store = str(tmp_path / "store")
    ingest(store, src)
    before = by_graph(store)
    (src / f"{AID}.txt").write_text(payload_text(1), encoding="utf-8")
    assert "ingested 1, unchanged 3, failed 0" in ingest(store, src)
    check(by_graph(store), before, clean)
    r = run_kg("ingest", str(src), "--store", store, "--no-progress", "--force", "--workers", "1")
    assert r.returncode == 0 and "ingested 4, unchanged 0, failed 0" in r.stderr, r.stderr
    check(by_graph(store), before, clean)  # --force rewrites every article: still nothing else changes


def test_the_payload_posted_twice_to_a_running_server(
    folders: tuple[Path, Path], clean: dict[str, set[str]], tmp_path: Path
) -> None:
    src, _ = folders
    store = tmp_path / "store"
    ingest(str(store), src)
    before = by_graph(str(store))
    with kg_serve(store, {"KG_WRITE_TOKEN": TOKEN}) as url:
        for variant in (0, 1):
            r = httpx.post(f"{url}/articles", json={"id": AID, "text": payload_text(variant)},
                           headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)  # fmt: skip
            assert r.status_code == 201, r.text
            assert r.json()["replaced"] is True and r.json()["article"]["title"] == PAYLOAD
        got = httpx.get(f"{url}/articles/{AID}", timeout=30)
        assert got.status_code == 200 and PAYLOAD in json.dumps(got.json(), ensure_ascii=False)
    check(by_graph(str(store)), before, clean)


@pytest.fixture(params=["oxigraph", "virtuoso"])
def remote(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    if request.param == "virtuoso":
        srv: Server = request.getfixturevalue("virtuoso_server")
        srv.clear()
        yield srv
        return
    proc, srv = start_oxigraph(tmp_path / "oxigraph")
    try:
        yield srv
    finally:
        stop(proc)


def test_the_payload_into_a_remote_sparql_server(
    folders: tuple[Path, Path], clean: dict[str, set[str]], remote: Server
) -> None:
    src, _ = folders
    env = remote.env
    ingest(remote.query_url, src, env)
    before = by_graph(remote.query_url, env)
    (src / f"{AID}.txt").write_text(payload_text(1), encoding="utf-8")
    assert "ingested 1, unchanged 3, failed 0" in ingest(remote.query_url, src, env)
    check(by_graph(remote.query_url, env), before, clean)
