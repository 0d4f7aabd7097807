"""Every command against real SPARQL 1.1 servers, Oxigraph (``oxigraph serve``) and Debian's
Virtuoso 7, through the ``kg`` CLI: ingest, re-ingest unchanged and changed, every saved query,
``/roles`` through ``kg serve``, export, viz, with the same answers as the embedded store; atomicity
of refused updates (Oxigraph; Virtuoso commits operation by operation, and re-ingest repairs it);
and the checks and fallbacks that other engines need."""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest

import sparql_fixtures as F
from kg.catalog.saved import load_queries, run_query
from kg.errors import QueryError, StoreError
from kg.ids import article_graph
from kg.pipeline import ingest_paths
from kg.store import Result, Store, open_store, update_url_for
from kg.store.remote import RemoteStore, _split_credentials, gsp_url_for, query_form
from kgtest import ROOT, kg_serve, run_kg
from remote_fixtures import (
    GRAPH_NS,
    Server,
    fictional_article,
    free_port,
    start_oxigraph,
    stop,
    virtuoso_server,  # noqa: F401 (a fixture)
    write_articles,
)

SEED = ROOT / "data" / "articles" / "seed-000.txt"
COUNT = f'SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{GRAPH_NS}")) }}'
DERIVED = "https://w3id.org/kg-vn/graph/derived"
ENGINES = ["oxigraph", "virtuoso"]


@pytest.fixture(params=[pytest.param(e, marks=pytest.mark.slow) for e in ENGINES])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    """Each engine in turn: a fresh Oxigraph per test, or the session's Virtuoso with kg's graphs dropped."""
    if request.param == "virtuoso":
        srv: Server = request.getfixturevalue("virtuoso_server")
        srv.clear()
        yield srv
        return
    proc, srv = start_oxigraph(tmp_path / "db")
    try:
        yield srv
    finally:
        stop(proc)


@pytest.fixture
def oxigraph(tmp_path: Path) -> Iterator[Server]:
    proc, srv = start_oxigraph(tmp_path / "db")
    try:
        yield srv
    finally:
        stop(proc)


def remote(srv: Server, **kw: Any) -> RemoteStore:
    """kg's client for the server, configured as a user would (KG_STORE and credentials)."""
    mp = pytest.MonkeyPatch()
    for k, v in srv.env.items():
        mp.setenv(k, v)
    try:
        return RemoteStore(srv.query_url, **kw)
    finally:
        mp.undo()


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    d = tmp_path / "articles"
    write_articles(d, range(3))
    (d / SEED.name).write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    return d


def server_quads(srv: Server) -> set[str]:
    """kg's graphs on the server, read with the server's own protocol (not through kg)."""
    return srv.quads()


def parse_nq(data: bytes) -> set[str]:
    return {str(q) for q in ox.parse(data, ox.RdfFormat.N_QUADS)}


def kg(srv: Server, *args: str) -> subprocess.CompletedProcess[str]:
    return run_kg(*args, env=srv.kg_env)


def test_cli_end_to_end_against_a_sparql_server(server: Server, articles: Path, tmp_path: Path) -> None:
    r = kg(server, "ingest", str(articles), "--no-progress")
    assert r.returncode == 0, r.stderr
    assert "ingested 4, unchanged 0, failed 0" in r.stderr and server.query_url in r.stderr

    r = kg(server, "query", "counts", "--format", "json")
    assert r.returncode == 0, r.stderr
    import json

    rows = json.loads(r.stdout)["results"]["bindings"]
    kinds = {b["kind"]["value"].rsplit("#", 1)[1]: int(b["n"]["value"]) for b in rows}
    assert kinds["Article"] == 4 and kinds["Person"] >= 6

    r = kg(server, "query", "--sparql", COUNT, "--format", "csv")
    assert r.returncode == 0, r.stderr
    assert int(r.stdout.split()[1]) == len(server_quads(server))

    out = tmp_path / "all.nq"
    r = kg(server, "export", "--format", "nq", "--out", str(out))
    assert r.returncode == 0, r.stderr
    everything = parse_nq(out.read_bytes())
    assert everything == server_quads(server)
    graphs = {q.graph_name.value for q in ox.parse(out.read_bytes(), ox.RdfFormat.N_QUADS)}
    assert DERIVED in graphs and len(graphs) == 5

    g0, g1 = str(article_graph("fic-000")), str(article_graph("fic-001"))
    r = kg(server, "export", "--format", "nq", "--graph", g0, "--graph", g1)
    assert r.returncode == 0, r.stderr
    chosen = parse_nq(r.stdout.encode("utf-8"))
    assert chosen and chosen == {q for q in everything if q.endswith(f"<{g0}>") or q.endswith(f"<{g1}>")}

    # unchanged: skipped; the store is not touched
    before = server_quads(server)
    r = kg(server, "ingest", str(articles), "--no-progress")
    assert r.returncode == 0 and "ingested 0, unchanged 4" in r.stderr, r.stderr
    assert server_quads(server) == before

    # changed: replaced whole (the old deputy's statements go, the new one's come)
    old_deputy = "Vũ Minh Châu"
    assert old_deputy in fictional_article(1)
    (articles / "fic-001.txt").write_text(fictional_article(1, variant=2), encoding="utf-8")
    r = kg(server, "ingest", str(articles), "--no-progress")
    assert r.returncode == 0 and "ingested 1, unchanged 3" in r.stderr, r.stderr
    after = server_quads(server)
    in_g1 = {q for q in after if q.endswith(f"<{g1}>")}
    assert in_g1 and not any(old_deputy in q for q in in_g1)
    assert {q for q in before if q.endswith(f"<{g0}>")} <= after


def test_remote_and_embedded_stores_hold_and_export_the_same_quads(
    server: Server, articles: Path, tmp_path: Path
) -> None:
    local = tmp_path / "store"
    assert kg(server, "ingest", str(articles), "--no-progress").returncode == 0
    assert run_kg("ingest", str(articles), "--store", str(local), "--no-progress").returncode == 0
    remote_nq = kg(server, "export", "--format", "nq")
    local_nq = run_kg("export", "--format", "nq", "--store", str(local))
    assert remote_nq.returncode == local_nq.returncode == 0
    assert parse_nq(remote_nq.stdout.encode()) == parse_nq(local_nq.stdout.encode())
    g = str(article_graph("seed-000"))
    one_remote = kg(server, "export", "--format", "nq", "--graph", g, "--graph", DERIVED)
    one_local = run_kg("export", "--format", "nq", "--graph", g, "--graph", DERIVED, "--store", str(local))
    assert parse_nq(one_remote.stdout.encode()) == parse_nq(one_local.stdout.encode()) != set()
    ttl = kg(server, "export", "--format", "ttl", "--graph", g)
    assert ttl.returncode == 0 and "Nguyễn Đình Đức" in ttl.stdout


@pytest.mark.slow
def test_a_rejected_update_leaves_the_store_as_it_was(oxigraph: Server, articles: Path) -> None:
    server = oxigraph
    store = RemoteStore(server.query_url)
    try:
        ingest_paths([articles], store, workers=1)
        before = server_quads(server)
        g0, g1 = article_graph("fic-000"), article_graph("fic-001")
        # the drop succeeds, then CREATE of an existing graph fails: the server rolls back both
        with pytest.raises(StoreError, match="nothing written"):
            store.update(f"DROP GRAPH <{g0}> ; CREATE GRAPH <{g1}>")
        with pytest.raises(QueryError, match="refused"):
            store.update(f"DROP GRAPH <{g0}> ; INSERT DATA {{ <not an iri> }}")
        assert server_quads(server) == before
    finally:
        store.close()


@pytest.mark.slow
def test_a_refused_ingest_batch_writes_nothing(oxigraph: Server, articles: Path) -> None:
    """A whole batch of replacements (drops and inserts) that the server refuses at the end."""
    server = oxigraph
    first = RemoteStore(server.query_url)
    ingest_paths([articles], first, workers=1)
    first.close()
    before = server_quads(server)
    existing = article_graph("seed-000")

    class FailingAtTheEnd(RemoteStore):
        def update(self, sparql: str) -> None:
            super().update(f"{sparql} ;\nCREATE GRAPH <{existing}>")

    store = FailingAtTheEnd(server.query_url)
    try:
        r = ingest_paths([articles], store, workers=1, force=True)
    finally:
        store.close()
    assert r.ingested == 0 and len(r.failed) == 4
    assert all("nothing written" in why for _, why in r.failed)
    assert server_quads(server) == before


@pytest.mark.slow
def test_on_virtuoso_a_failed_update_keeps_what_ran_before_it_and_the_next_ingest_repairs_it(
    virtuoso_server: Server, articles: Path
) -> None:
    """Virtuoso 7 commits a multi-operation update operation by operation (docs/ENGINES.md)."""
    srv = virtuoso_server
    srv.clear()
    assert kg(srv, "ingest", str(articles), "--no-progress").returncode == 0
    before = server_quads(srv)
    g0, existing = article_graph("fic-000"), article_graph("seed-000")
    store = remote(srv)
    try:
        with pytest.raises(StoreError, match="nothing written"):  # what kg can say; Virtuoso did write
            store.update(f"DROP SILENT GRAPH <{g0}> ; CREATE GRAPH <{existing}>")
    finally:
        store.close()
    assert not any(q.endswith(f"<{g0}>") for q in server_quads(srv))  # the drop was committed
    r = kg(srv, "ingest", str(articles), "--no-progress")
    assert r.returncode == 0 and "ingested 1, unchanged 3" in r.stderr, r.stderr
    assert server_quads(srv) == before


@pytest.mark.slow
def test_a_server_without_the_union_default_graph_is_refused_with_a_hint(tmp_path: Path, articles: Path) -> None:
    """(Virtuoso's default graph is always the union of all graphs when a query names none.)"""
    proc, srv = start_oxigraph(tmp_path / "plain", union_default_graph=False)
    try:
        r = run_kg("ingest", str(articles), "--no-progress", env={"KG_STORE": srv.query_url})
        assert r.returncode == 0, r.stderr  # ingest and derive name their graphs: no union needed
        r = run_kg("query", "counts", env={"KG_STORE": srv.query_url})
        assert r.returncode == 1
        assert "union-default-graph" in r.stderr and "Traceback" not in r.stderr
        r = run_kg("query", "counts", env={"KG_STORE": srv.query_url, "KG_UNION_CHECK": "0"})
        assert r.returncode == 0  # the check can be turned off (the answer is then the default graph's)
    finally:
        stop(proc)


def test_export_without_a_graph_store_endpoint_falls_back_to_construct(server: Server, articles: Path) -> None:
    good = remote(server)
    bare = remote(server, gsp_url=server.base + "/no-such-endpoint")
    try:
        ingest_paths([articles], good, workers=1)
        a, b = io.BytesIO(), io.BytesIO()
        good.dump(a, "nq")
        bare.dump(b, "nq")
        assert parse_nq(a.getvalue()) == parse_nq(b.getvalue()) == server_quads(server)
        g = str(article_graph("fic-002"))
        a, b = io.BytesIO(), io.BytesIO()
        good.dump(a, "nq", [g])
        bare.dump(b, "nq", [g])
        assert parse_nq(a.getvalue()) == parse_nq(b.getvalue()) != set()
    finally:
        good.close()
        bare.close()


def test_viz_and_serve_work_against_the_server(server: Server, articles: Path, tmp_path: Path) -> None:
    assert kg(server, "ingest", str(articles), "--no-progress").returncode == 0
    html = tmp_path / "graph.html"
    r = kg(server, "viz", "--out", str(html))
    assert r.returncode == 0, r.stderr
    assert "Chử Đức Trình" in html.read_text(encoding="utf-8")

    local = tmp_path / "store"
    assert run_kg("ingest", str(articles), "--store", str(local), "--no-progress").returncode == 0
    answers = {}
    for name, store, env in (("remote", server.query_url, server.env), ("local", str(local), {})):
        with kg_serve(store, env=env) as url:
            stats = httpx.get(f"{url}/stats", timeout=30)
            assert stats.status_code == 200, stats.text
            roles = [httpx.get(f"{url}/roles", params={"title": t}, timeout=30) for t in ("Hiệu trưởng", "Phó Bí thư")]
            assert all(r.status_code == 200 for r in roles), [r.text for r in roles]
            answers[name] = (stats.json(), [r.json() for r in roles])
    assert answers["remote"] == answers["local"]  # the engine's own graphs stay out of /stats
    stats, (rectors, deputies) = answers["remote"]
    assert stats["articles"] == 4 and stats["graphs"] == 5
    assert rectors["total"] >= 3 and deputies["total"] >= 3


_CONCAT = re.compile(r'separator\s*=\s*"([^"]+)"\s*\)\s*AS\s*\?(\w+)', re.IGNORECASE)


def _answer(res: Result, sparql: str = "") -> Any:
    """A query's answer, order-free: the multiset of rows (as N3), or the boolean, or the triples.
    GROUP_CONCAT's order is the engine's choice (SPARQL leaves it open): its parts are sorted."""
    if res.kind == "ask":
        return res.boolean
    if res.kind == "graph":
        assert res.graph is not None
        return sorted(" ".join(t.n3() for t in triple) for triple in res.graph)
    concat = {var: sep for sep, var in _CONCAT.findall(sparql)}

    def norm(var: str, v: Any) -> str | None:
        if v is None:
            return None
        if var in concat:
            return concat[var].join(sorted(str(v).split(concat[var])))
        return str(v.n3())

    return res.vars, sorted(repr(tuple(norm(k, v) for k, v in zip(res.vars, row, strict=True))) for row in res.rows)


def test_every_saved_query_answers_as_on_the_embedded_store(server: Server) -> None:
    """The fixture world of the saved-query tests, written and derived through kg into the server:
    every saved query, with its example parameters and with only the required ones, gives the same
    rows as on the embedded store."""
    local = F.memory_store()
    store: Store = remote(server)
    try:
        F.fill(store)
        for name, q in load_queries().items():
            example = {p.name: p.example or "" for p in q.params}
            required = {k: v for k, v in example.items() if not next(p for p in q.params if p.name == k).optional}
            for params in (example, required):
                want = _answer(run_query(local, name, params), q.text)
                assert _answer(run_query(store, name, params), q.text) == want, f"{name} {params}"
        assert _answer(run_query(store, "find_entities", {"text": "hòa vân"}))[1]  # Vietnamese in VALUES
    finally:
        store.close()
        local.close()


def test_construct_and_describe_come_back_as_graphs(server: Server, articles: Path) -> None:
    assert kg(server, "ingest", str(articles), "--no-progress").returncode == 0
    store = remote(server)
    try:
        c = store.query("CONSTRUCT { ?p foaf:name ?n } WHERE { GRAPH ?g { ?p a kg:Person ; foaf:name ?n } }")
        assert c.kind == "graph" and c.graph is not None and len(c.graph) >= 6
        assert any("Nguyễn Đình Đức" in str(o) for o in c.graph.objects())
        person = next(iter(c.graph.subjects()))
        d = store.query("DESCRIBE ?p WHERE { VALUES ?p { UNDEF } }", {"p": person})
        assert d.kind == "graph" and d.graph is not None and len(d.graph) > 0
    finally:
        store.close()
    r = kg(server, "query", "--sparql", "CONSTRUCT { ?s a kg:Article } WHERE { GRAPH ?g { ?s a kg:Article } }",
           "--format", "nt")  # fmt: skip
    assert r.returncode == 0 and r.stdout.count("ontology#Article> .") == 4, r.stdout + r.stderr


def test_a_query_the_engine_refuses_is_a_query_error(server: Server) -> None:
    store = remote(server)
    try:
        with pytest.raises(QueryError, match="refused the query"):
            store.query("SELECT nonsense")
    finally:
        store.close()


@pytest.mark.slow
def test_a_partial_answer_from_virtuoso_is_an_error_not_an_empty_result(virtuoso_server: Server) -> None:
    """Virtuoso's "anytime" answer to a query over its time limit is HTTP 200, X-SQL-State S1TAT and
    whatever rows it had (here: none). kg must not take it for the answer."""

    class WithAShortLimit(RemoteStore):
        def _send(self, url: str, form: Any, accept: str, what: str) -> httpx.Response:
            return super()._send(url, [*(form.items() if isinstance(form, dict) else form), ("timeout", "200")],
                                 accept, what)  # fmt: skip

    mp = pytest.MonkeyPatch()
    for k, v in virtuoso_server.env.items():
        mp.setenv(k, v)
    store = WithAShortLimit(virtuoso_server.query_url)
    mp.undo()
    try:
        with pytest.raises(StoreError, match="partial answer"):
            store.query("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    finally:
        store.close()


def test_query_forms_are_read_past_the_prologue() -> None:
    assert query_form("PREFIX a: <urn:x#> # a comment\nBASE <http://b/>\n construct { } WHERE {}") == "construct"
    assert query_form("# DESCRIBE in a comment\nSELECT * {}") == "select"
    assert query_form("ASK {}") == "ask" and query_form("DESCRIBE <urn:a>") == "describe"


# --- configuration ------------------------------------------------------------------------------


def test_urls_are_derived_and_overridable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KG_UPDATE_URL", raising=False)
    monkeypatch.delenv("KG_GSP_URL", raising=False)
    assert update_url_for("http://h:7878/query") == "http://h:7878/update"
    assert gsp_url_for("http://h:3030/ds/query") == "http://h:3030/ds/store"
    monkeypatch.setenv("KG_UPDATE_URL", "http://h:8890/sparql")
    monkeypatch.setenv("KG_GSP_URL", "http://h:8890/sparql-graph-crud")
    s = open_store("http://h:8890/sparql")
    assert isinstance(s, RemoteStore)
    assert (s.update_url, s.store_url) == ("http://h:8890/sparql", "http://h:8890/sparql-graph-crud")
    s.close()


def test_virtuoso_gets_its_own_endpoints_and_batch_size(monkeypatch: pytest.MonkeyPatch) -> None:
    for k in ("KG_UPDATE_URL", "KG_GSP_URL", "KG_STORE_USER"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("KG_STORE_ENGINE", "virtuoso")  # no server needed: the engine is named
    anonymous, with_user = RemoteStore("http://h:8890/sparql"), RemoteStore("http://kg:pw@h:8890/sparql")
    assert (anonymous.update_url, anonymous.store_url) == ("http://h:8890/sparql", "http://h:8890/sparql-graph-crud")
    assert with_user.update_url == "http://h:8890/sparql-auth"
    assert anonymous.batch_size == 100
    monkeypatch.setenv("KG_STORE_ENGINE", "sesame")
    with pytest.raises(StoreError, match="KG_STORE_ENGINE"):
        RemoteStore("http://h:8890/sparql")


def test_the_engine_is_recognised_from_its_server_header(server: Server) -> None:
    store = remote(server)
    try:
        assert store.engine == server.engine
        assert store.batch_size == (100 if server.engine == "virtuoso" else 200)
    finally:
        store.close()


def test_credentials_in_the_url_are_kept_out_of_messages(server: Server, articles: Path) -> None:
    url, creds = _split_credentials("http://kg:s3cret@127.0.0.1:7878/query")
    assert url == "http://127.0.0.1:7878/query" and creds == ("kg", "s3cret")
    user = server.env.get("KG_STORE_USER", "kg")
    secret = server.env.get("KG_STORE_PASSWORD", "s3cret")  # Oxigraph ignores credentials; Virtuoso checks them
    env = {k: v for k, v in server.env.items() if k == "KG_STORE_AUTH"}
    env["KG_STORE"] = server.query_url.replace("http://", f"http://{user}:{secret}@")
    r = run_kg("ingest", str(articles), "--no-progress", env=env)
    assert r.returncode == 0, r.stderr
    assert secret not in r.stderr and "ingested 4" in r.stderr


def test_an_unreachable_server_is_one_clear_line() -> None:
    r = run_kg("query", "counts", env={"KG_STORE": f"http://127.0.0.1:{free_port()}/query"})
    assert r.returncode == 1
    assert "unreachable" in r.stderr and "Traceback" not in r.stderr
