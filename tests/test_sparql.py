"""The /sparql endpoint speaks the SPARQL 1.1 Protocol: with httpx
and against a real uvicorn server on 127.0.0.1 with real clients (SPARQLWrapper, rdflib's
SPARQLStore). Also /queries (saved queries over HTTP), time limit, row cap and write protection."""

from __future__ import annotations

import contextlib
import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

import sparql_fixtures as F
from kg.catalog.saved import load_queries
from kg.config import Settings
from kg.ids import article_graph
from kg.serve.sparql import negotiate, sparql_router
from kg.store import Store, open_store
from kg.vocab import DERIVED_GRAPH

TOKEN = "s3cret-token"
PEOPLE = "SELECT DISTINCT ?name WHERE { ?p a kg:Person ; foaf:name ?name } ORDER BY ?name"
NAMES = sorted({"Trần Văn Khải", "Lê Thị Mai", "Phạm Quốc Bảo", "Đỗ Minh Tâm", "Vũ Hải Yến", "Hoàng Đức Long",
                "Ngô Thanh Hà"})  # fmt: skip
CONSTRUCT = "CONSTRUCT { ?d kg:documentNumber ?n } WHERE { ?d kg:documentNumber ?n }"
# ~700 triples cubed: a join that streams rows for minutes unless stopped.
RUNAWAY = "SELECT ?a WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # one column: the rows read stay small


def make_app(store: Store, **settings: Any) -> FastAPI:
    app = FastAPI()
    max_concurrent = settings.pop("max_concurrent", None)
    router = sparql_router(store, Settings(**settings), max_concurrent=max_concurrent)
    app.include_router(router)
    app.state.router = router
    return app


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    s = F.memory_store()
    yield s
    s.close()


@contextlib.contextmanager
def http(app: FastAPI) -> Iterator[httpx.Client]:
    """A real HTTP client on a real server (starlette's TestClient warns about its httpx use)."""
    with serve(app) as url, httpx.Client(base_url=url, timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def client(store: Store) -> Iterator[httpx.Client]:
    with http(make_app(store)) as c:
        yield c


def names(resp: httpx.Response) -> list[str]:
    assert resp.status_code == 200, resp.text
    return [b["name"]["value"] for b in resp.json()["results"]["bindings"]]


# ---------------------------------------------------------------- protocol: the three ways to send a query


def test_get_query_returns_sparql_json(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": PEOPLE})
    assert r.headers["content-type"] == "application/sparql-results+json"
    assert names(r) == NAMES


def test_post_form_and_post_sparql_query_give_the_same_answer(client: httpx.Client) -> None:
    form = client.post("/sparql", data={"query": PEOPLE})
    direct = client.post("/sparql", content=PEOPLE.encode(), headers={"Content-Type": "application/sparql-query"})
    assert names(form) == names(direct) == NAMES


def test_default_graph_is_the_union_of_named_graphs(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a kg:Article }"})
    assert r.json()["results"]["bindings"][0]["n"]["value"] == "4"


def test_default_graph_uri_restricts_the_dataset(client: httpx.Client) -> None:
    g = str(article_graph("lx-2022-11"))
    r = client.get("/sparql", params={"query": PEOPLE, "default-graph-uri": g})
    assert names(r) == ["Hoàng Đức Long", "Ngô Thanh Hà"]
    two = client.get(
        "/sparql",
        params=[("query", PEOPLE), ("default-graph-uri", g), ("default-graph-uri", str(article_graph("hv-2024-05")))],
    )
    assert "Phạm Quốc Bảo" in names(two) and "Vũ Hải Yến" not in names(two)


def test_named_graph_uri_limits_graph_patterns(client: httpx.Client) -> None:
    q = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    r = client.post(
        "/sparql?named-graph-uri=" + str(article_graph("hv-2023-03")) + "&named-graph-uri=" + str(DERIVED_GRAPH),
        content=q, headers={"Content-Type": "application/sparql-query"},
    )  # fmt: skip
    assert {b["g"]["value"] for b in r.json()["results"]["bindings"]} == {
        str(article_graph("hv-2023-03")), str(DERIVED_GRAPH)
    }  # fmt: skip
    # named graphs only: the default graph is empty (SPARQL 1.1 Protocol, 2.1.4)
    r = client.get("/sparql", params={"query": PEOPLE, "named-graph-uri": str(article_graph("hv-2023-03"))})
    assert names(r) == []


# ---------------------------------------------------------------- content negotiation


@pytest.mark.parametrize(
    ("accept", "media", "marker"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml", b"<sparql"),
        ("text/csv", "text/csv", "name\r\nHoàng Đức Long\r\n".encode()),
        ("text/tab-separated-values", "text/tab-separated-values", b"?name\n"),
        ("application/json", "application/sparql-results+json", b'"bindings"'),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/sparql-results+xml", b"<sparql"),
        ("*/*", "application/sparql-results+json", b'"bindings"'),
    ],
)
def test_select_results_follow_the_accept_header(client: httpx.Client, accept: str, media: str, marker: bytes) -> None:
    r = client.get("/sparql", params={"query": PEOPLE}, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media
    assert marker in r.content


def test_ask_in_json_and_xml(client: httpx.Client) -> None:
    ask = "ASK { ?p foaf:name \"Lê Thị Mai\" }"
    assert client.get("/sparql", params={"query": ask}).json() == {"head": {}, "boolean": True}
    x = client.get("/sparql", params={"query": ask}, headers={"Accept": "application/sparql-results+xml"})
    assert b"<boolean>true</boolean>" in x.content


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld"),
     ("application/rdf+xml", "xml")],
)  # fmt: skip
def test_construct_in_every_rdf_format(client: httpx.Client, accept: str, rdflib_format: str) -> None:
    r = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == accept
    g = Graph().parse(data=r.content, format=rdflib_format)
    expected = Graph()
    for n in ("88-NQ/TW", "77-CT/TW", "12-NQ/ĐU"):
        expected.add((URIRef(_doc(client, n)), URIRef("https://w3id.org/kg-vn/ontology#documentNumber"), Literal(n)))
    assert isomorphic(g, expected)


def _doc(client: httpx.Client, number: str) -> str:
    q = f'SELECT ?d WHERE {{ ?d kg:documentNumber "{number}" }} LIMIT 1'
    return client.get("/sparql", params={"query": q}).json()["results"]["bindings"][0]["d"]["value"]


def test_format_parameter_overrides_accept(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": PEOPLE, "format": "csv"}, headers={"Accept": "application/json"})
    assert r.headers["content-type"].startswith("text/csv")
    t = client.get("/sparql", params={"query": CONSTRUCT, "format": "turtle"})
    assert t.headers["content-type"].startswith("text/turtle")


def test_unacceptable_format_is_406_with_a_json_detail(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": PEOPLE}, headers={"Accept": "image/png"})
    assert r.status_code == 406 and "application/sparql-results+json" in r.json()["detail"]
    r = client.get("/sparql", params={"query": CONSTRUCT, "format": "csv"}, headers={"Accept": "image/png"})
    assert r.status_code == 406


def test_an_unknown_repeated_or_unfitting_format_falls_back_to_accept(client: httpx.Client) -> None:
    for fmt in (["n3-ish"], ["ttl", "nt"], ["csv"]):
        r = client.get("/sparql", params={"query": CONSTRUCT, "format": fmt}, headers={"Accept": "application/rdf+xml"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/rdf+xml"), (fmt, r.text)
    same = client.get("/sparql", params=[("query", PEOPLE), ("format", "tsv"), ("format", "tsv")])
    assert same.headers["content-type"].startswith("text/tab-separated-values")


@pytest.mark.parametrize(("accept", "media"), [("text/n3", "text/n3"), ("application/trig", "application/trig")])
def test_construct_in_n3_and_trig(client: httpx.Client, accept: str, media: str) -> None:
    r = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    g = Graph().parse(data=r.content, format="turtle" if accept == "text/n3" else "trig")
    assert {str(o) for o in g.objects()} == {"88-NQ/TW", "77-CT/TW", "12-NQ/ĐU"}


def test_negotiate_uses_the_most_specific_range_and_server_order() -> None:
    offered = (("application/sparql-results+json", "json"), ("text/csv", "csv"))
    assert negotiate(None, offered) == "json"
    assert negotiate("text/*", offered) == "csv"
    assert negotiate("text/csv;q=0.5, */*;q=0.1", offered) == "csv"
    assert negotiate("*/*;q=0.5, application/sparql-results+json;q=0", offered) == "csv"
    assert negotiate("image/png", offered) is None


# ---------------------------------------------------------------- errors


COUNT_ALL = "SELECT (COUNT(*) AS ?n) {from} WHERE {{ ?s ?p ?o }}"


def _count(resp: httpx.Response) -> int:
    assert resp.status_code == 200, resp.text
    return int(resp.json()["results"]["bindings"][0]["n"]["value"])


def test_from_in_the_query_sets_the_dataset_and_only_its_absence_means_the_union(client: httpx.Client) -> None:
    union = _count(client.get("/sparql", params={"query": COUNT_ALL.format(**{"from": ""})}))
    g = str(article_graph("hv-2023-03"))
    one = _count(client.get("/sparql", params={"query": COUNT_ALL.format(**{"from": f"FROM <{g}>"})}))
    nothing = _count(client.get("/sparql", params={"query": COUNT_ALL.format(**{"from": "FROM <urn:nonexistent>"})}))
    named_only = _count(client.get("/sparql", params={"query": COUNT_ALL.format(**{"from": f"FROM NAMED <{g}>"})}))
    assert union > one > 0 and nothing == 0 and named_only == 0
    in_graph = f"SELECT (COUNT(*) AS ?n) FROM NAMED <{g}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert _count(client.get("/sparql", params={"query": in_graph})) == one
    # the protocol's default-graph-uri overrides FROM
    r = client.get("/sparql", params={"query": COUNT_ALL.format(**{"from": "FROM <urn:nonexistent>"}), "default-graph-uri": g})
    assert _count(r) == one


def test_kg_query_honours_from_and_points_at_the_users_text(tmp_path: Any) -> None:
    from kgtest import run_kg

    path = F.disk_store(tmp_path / "store")
    r = run_kg("query", "--store", str(path), "--format", "json", "--sparql",
               "SELECT (COUNT(*) AS ?n) FROM <urn:nonexistent> WHERE {?s ?p ?o}")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["results"]["bindings"][0]["n"]["value"] == "0"
    bad = run_kg("query", "--store", str(path), "--sparql", "SELECT ?x WHERE {\n  ?x a kgx:Foo }")
    assert bad.returncode != 0
    assert "unknown prefix 'kgx:' at line 2, column 8" in bad.stderr and "['%']" not in bad.stderr
    bad = run_kg("query", "--store", str(path), "--sparql", "SELECT ?x\nWHERE { ?x a }")
    assert "error at line 2, column" in bad.stderr, bad.stderr


@pytest.mark.slow
def test_kg_query_through_a_running_server_points_at_the_users_text(tmp_path: Any) -> None:
    from kgtest import kg_serve, run_kg

    path = F.disk_store(tmp_path / "store")
    with kg_serve(path):
        bad = run_kg("query", "--store", str(path), "--sparql", "SELECT ?x WHERE {\n  ?x a kgx:Foo }")
        assert "reading through its /sparql" in bad.stderr
        assert "unknown prefix 'kgx:' at line 2, column 8" in bad.stderr and '{"detail"' not in bad.stderr
        bad = run_kg("query", "--store", str(path), "--sparql", "SELECT ?x\nWHERE { ?x a }")
        assert "error at line 2, column" in bad.stderr, bad.stderr
        r = run_kg("query", "--store", str(path), "--format", "json", "--sparql",
                   "SELECT (COUNT(*) AS ?n) FROM <urn:nonexistent> WHERE {?s ?p ?o}")  # fmt: skip
        assert json.loads(r.stdout)["results"]["bindings"][0]["n"]["value"] == "0", r.stderr


def test_relative_iris_resolve_against_the_endpoint(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "SELECT ?x WHERE { BIND(<sub/thing> AS ?x) }"})
    assert r.status_code == 200, r.text
    assert r.json()["results"]["bindings"][0]["x"]["value"] == str(client.base_url).rstrip("/") + "/sub/thing"


def test_service_description_head_and_options(client: httpx.Client) -> None:
    sd = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert sd.status_code == 200 and sd.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=sd.text, format="turtle")
    SD = "http://www.w3.org/ns/sparql-service-description#"
    assert (None, URIRef(SD + "endpoint"), URIRef(str(client.base_url).rstrip("/") + "/sparql")) in g
    assert (None, URIRef(SD + "supportedLanguage"), URIRef(SD + "SPARQL11Query")) in g
    assert (None, URIRef(SD + "supportedLanguage"), URIRef(SD + "SPARQL11Update")) not in g  # read-only
    assert (None, URIRef(SD + "feature"), URIRef(SD + "BasicFederatedQuery")) not in g
    assert client.get("/sparql", headers={"Accept": "application/rdf+xml"}).headers["content-type"].startswith(
        "application/rdf+xml")  # fmt: skip
    head = client.head("/sparql", params={"query": "ASK {}"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"].startswith("application/sparql-results+json")
    opts = client.options("/sparql")
    assert opts.status_code == 204 and "POST" in opts.headers["allow"]


def test_malformed_query_is_400_with_the_parser_message(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "SELECT ?x WHERE { ?x ?y }"})
    assert r.status_code == 400
    detail = r.json()["detail"]
    assert detail.startswith("SPARQL syntax error") and "line 1, column" in detail


def test_protocol_misuse_is_a_clear_client_error(client: httpx.Client) -> None:
    assert client.get("/sparql", params={"query": ""}).status_code == 400
    r = client.post("/sparql", content=b"ASK {}", headers={"Content-Type": "application/sparql-query; charset=UTF-16"})
    assert r.status_code == 415 and "UTF-8" in r.json()["detail"]
    browser = client.get("/sparql", headers={"Accept": "text/html,*/*;q=0.8"}, follow_redirects=False)
    assert browser.status_code == 303 and browser.headers["location"] == "query"
    assert client.get("/sparql", params={"update": "CLEAR ALL"}).status_code == 400
    assert client.get("/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")]).status_code == 400
    assert client.post("/sparql", data={"query": "ASK {}", "update": "CLEAR ALL"}).status_code == 400
    r = client.post("/sparql", content=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415 and "application/sparql-query" in r.json()["detail"]
    assert client.get("/sparql", params={"query": PEOPLE, "default-graph-uri": "not an iri"}).status_code == 400


def test_request_body_over_the_limit_is_413(store: Store) -> None:
    with http(make_app(store, max_request_bytes=100)) as c:
        r = c.post("/sparql", content=("#" * 200 + "\nASK {}").encode(), headers={"Content-Type": "application/sparql-query"})
        assert r.status_code == 413
        assert c.post("/sparql", content=b"ASK {}", headers={"Content-Type": "application/sparql-query"}).json()["boolean"] is True


# ---------------------------------------------------------------- limits


def test_result_rows_are_capped_and_marked(store: Store) -> None:
    with http(make_app(store, max_results=3)) as c:
        r = c.get("/sparql", params={"query": PEOPLE})
        assert len(names(r)) == 3
        assert r.headers["x-kg-truncated"] == "true" and r.headers["x-kg-max-results"] == "3"
        g = c.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "nt"})
        assert len([line for line in g.text.splitlines() if line.strip()]) == 3
        small = c.get("/sparql", params={"query": "SELECT ?x WHERE { VALUES ?x { 1 2 } }"})
        assert "x-kg-truncated" not in small.headers


def test_runaway_query_is_stopped_at_the_timeout_and_frees_its_worker(store: Store) -> None:
    router_settings = {"query_timeout": 0.5, "max_results": 10**9, "max_concurrent": 1}
    with http(make_app(store, **router_settings)) as c:
        start = time.monotonic()
        r = c.get("/sparql", params={"query": RUNAWAY})
        took = time.monotonic() - start
        assert r.status_code == 503
        assert "0.5 s limit" in r.json()["detail"]
        assert took < 5
        # the worker saw the cancel flag at its next row: the single slot is free again
        deadline = time.monotonic() + 5
        while True:
            ok = c.get("/sparql", params={"query": "ASK {}"})
            if ok.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert ok.status_code == 200


# An aggregate is computed inside one call into Oxigraph before its first row: ~15M joined rows,
# a few seconds, that the cancel flag cannot cut short.
AGGREGATE = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . "
             "{ ?g a kg:Person } UNION { ?g a kg:RoleHolding } UNION { ?g a kg:Citation } }")  # fmt: skip


@pytest.mark.slow
def test_aggregate_past_the_timeout_is_answered_503_but_keeps_its_worker_until_done(store: Store) -> None:
    with http(make_app(store, query_timeout=0.3, max_concurrent=1)) as c:
        start = time.monotonic()
        r = c.get("/sparql", params={"query": AGGREGATE})
        assert r.status_code == 503 and time.monotonic() - start < 2
        busy = c.get("/sparql", params={"query": "ASK {}"})
        assert busy.status_code == 503 and "too many queries" in busy.json()["detail"]
        deadline = time.monotonic() + 60
        while (ok := c.get("/sparql", params={"query": "ASK {}"})).status_code == 503:
            assert time.monotonic() < deadline, "the aggregate never finished"
            time.sleep(0.1)
        assert ok.json()["boolean"] is True


def test_over_a_disk_store_an_aggregate_past_the_timeout_frees_its_worker_at_once(tmp_path: Any) -> None:
    """The same aggregate over an on-disk store runs in a worker process, killed at the deadline:
    the single slot is free again right away, not after the aggregate would have finished."""
    s = open_store(F.disk_store(tmp_path / "store"))
    app = make_app(s, query_timeout=0.5, max_concurrent=1)
    try:
        with http(app) as c:
            time.sleep(1.0)  # the worker is up
            start = time.monotonic()
            r = c.get("/sparql", params={"query": AGGREGATE})
            assert r.status_code == 503 and "0.5 s limit" in r.json()["detail"]
            ok = c.get("/sparql", params={"query": "ASK { ?s a kg:Person }"})
            assert ok.status_code == 200 and ok.json()["boolean"] is True
            assert time.monotonic() - start < 4
    finally:
        app.state.router.pool.close()
        s.close()


def test_closing_a_disk_store_closes_it_while_the_endpoint_and_its_workers_exist(tmp_path: Any) -> None:
    path = F.disk_store(tmp_path / "store")
    s = open_store(path)
    router = sparql_router(s, Settings())
    deadline = time.monotonic() + 10
    while router.pool.running == 0 and not router.pool.pids() and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.05)
    s.close()
    again = open_store(path)  # not "lock hold by current process"
    again.close()
    router.pool.close()  # type: ignore[attr-defined]
    assert not list((path / "kg-snapshots").glob("*"))


# ---------------------------------------------------------------- updates


UPDATE = 'INSERT DATA { GRAPH <https://w3id.org/kg-vn/graph/test> { <https://w3id.org/kg-vn/id/x> <http://xmlns.com/foaf/0.1/name> "X" } }'


def test_updates_are_refused_when_no_token_is_configured(client: httpx.Client) -> None:
    for headers in ({}, {"Authorization": "Bearer anything"}, {"Authorization": "Bearer"}):
        r = client.post("/sparql", content=UPDATE, headers={"Content-Type": "application/sparql-update", **headers})
        assert r.status_code == 403 and "read-only" in r.json()["detail"]
    assert client.post("/sparql", data={"update": UPDATE}).status_code == 403


def test_updates_need_the_bearer_token() -> None:
    s = F.memory_store()
    with http(make_app(s, write_token=TOKEN)) as c:
        for auth in (None, "Bearer wrong", f"Basic {TOKEN}", TOKEN):
            headers = {"Content-Type": "application/sparql-update"} | ({"Authorization": auth} if auth else {})
            assert c.post("/sparql", content=UPDATE, headers=headers).status_code == 401
        assert c.get("/sparql", params={"query": "ASK { ?s foaf:name \"X\" }"}).json()["boolean"] is False
        ok = c.post("/sparql", content=UPDATE, headers={"Content-Type": "application/sparql-update",
                                                         "Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 204
        assert c.get("/sparql", params={"query": "ASK { ?s foaf:name \"X\" }"}).json()["boolean"] is True
        form = c.post("/sparql", data={"update": "DROP GRAPH <https://w3id.org/kg-vn/graph/test>"},
                      headers={"Authorization": f"Bearer {TOKEN}"})
        assert form.status_code == 204
        assert c.get("/sparql", params={"query": "ASK { ?s foaf:name \"X\" }"}).json()["boolean"] is False
        bad = c.post("/sparql", content="INSERT NONSENSE", headers={"Content-Type": "application/sparql-update",
                                                                    "Authorization": f"Bearer {TOKEN}"})
        assert bad.status_code == 400 and "syntax" in bad.json()["detail"]
    s.close()


# ---------------------------------------------------------------- saved queries over HTTP


def test_queries_lists_every_saved_query_with_params(client: httpx.Client) -> None:
    listed = {q["name"]: q for q in client.get("/queries").json()}
    assert set(listed) == set(load_queries())
    holders = listed["holders_of_title"]
    assert holders["summary"] and "SELECT" in holders["sparql"]
    assert [(p["name"], p["type"], p["optional"]) for p in holders["params"]] == [
        ("organization", "iri", False), ("role", "literal", False), ("at", "date", True)
    ]  # fmt: skip


def test_saved_query_runs_with_url_params(client: httpx.Client) -> None:
    uni = str(F.org_iri(F.UNI))
    r = client.get("/queries/holders_of_title", params={"organization": uni, "role": "Hiệu trưởng", "at": "2024-06-01"})
    assert {b["name"]["value"] for b in r.json()["results"]["bindings"]} == {"Phạm Quốc Bảo"}
    empty_optional = client.get("/queries/holders_of_title", params={"organization": uni, "role": "Hiệu trưởng", "at": ""})
    assert len(empty_optional.json()["results"]["bindings"]) == 3
    csv = client.get("/queries/counts", params={"format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv") and csv.text.startswith("kind,label,n")


def test_saved_query_errors(client: httpx.Client) -> None:
    r = client.get("/queries/nope")
    assert r.status_code == 404 and "holders_of_title" in r.json()["detail"]
    r = client.get("/queries/holders_of_title", params={"role": "Bí thư"})
    assert r.status_code == 400 and "missing parameter" in r.json()["detail"]
    r = client.get("/queries/roles_of_person", params={"person": "not an iri"})
    assert r.status_code == 400 and "not a valid IRI" in r.json()["detail"]
    r = client.get("/queries/roles_of_person", params={"person": "https://w3id.org/kg-vn/id/x", "at": "soon"})
    assert r.status_code == 400 and "expected a date" in r.json()["detail"]


def test_query_page_is_self_contained(client: httpx.Client) -> None:
    r = client.get("/query")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp
    html = r.text
    for needle in ("src=\"http", "href=\"http", "@import", "url(http", ".innerHTML", "insertAdjacentHTML", "document.write"):
        assert needle not in html


# ---------------------------------------------------------------- a real server and real clients


@contextlib.contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """uvicorn on 127.0.0.1 and a free port, in a thread; yields the base URL, then stops it."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # else 40 ms delayed-ACK stalls per request
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture(scope="module")
def server(store: Store) -> Iterator[str]:
    with serve(make_app(store)) as url:
        yield url


def test_sparqlwrapper_select_in_json_xml_and_csv(server: str) -> None:
    from SPARQLWrapper import CSV, JSON, POST, XML, SPARQLWrapper

    sw = SPARQLWrapper(server + "/sparql")
    sw.setQuery("PREFIX foaf: <http://xmlns.com/foaf/0.1/>\n" + PEOPLE)
    sw.setReturnFormat(JSON)
    assert [b["name"]["value"] for b in sw.queryAndConvert()["results"]["bindings"]] == NAMES
    sw.setReturnFormat(XML)
    doc = sw.queryAndConvert()
    assert sorted(n.firstChild.data for n in doc.getElementsByTagName("literal")) == NAMES
    sw.setReturnFormat(CSV)
    assert sw.queryAndConvert().decode("utf-8").splitlines()[1:] == NAMES
    sw.setMethod(POST)
    sw.setReturnFormat(JSON)
    assert len(sw.queryAndConvert()["results"]["bindings"]) == len(NAMES)


def test_sparqlwrapper_ask_and_construct(server: str) -> None:
    from SPARQLWrapper import JSON, TURTLE, XML, SPARQLWrapper

    sw = SPARQLWrapper(server + "/sparql")
    sw.setQuery('ASK { ?p <http://xmlns.com/foaf/0.1/name> "Lê Thị Mai" }')
    sw.setReturnFormat(JSON)
    assert sw.queryAndConvert()["boolean"] is True
    sw.setQuery(CONSTRUCT)
    sw.setReturnFormat(TURTLE)
    g = Graph().parse(data=sw.queryAndConvert(), format="turtle")
    assert {str(o) for o in g.objects()} == {"88-NQ/TW", "77-CT/TW", "12-NQ/ĐU"}
    sw.setReturnFormat(XML)  # RDF/XML for CONSTRUCT, parsed by SPARQLWrapper into an rdflib Graph
    assert len(sw.queryAndConvert()) == 3


SELECT_FORMATS = ["json", "xml", "csv", "tsv"]
GRAPH_RETURN_FORMATS = ["turtle", "n3", "xml", "rdf+xml", "json-ld"]


def _wrapper(server: str, fmt: str, method: str) -> Any:
    from SPARQLWrapper import SPARQLWrapper

    sw = SPARQLWrapper(server + "/sparql")
    sw.setMethod(method)
    sw.setReturnFormat(fmt)
    return sw


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("fmt", SELECT_FORMATS)
def test_sparqlwrapper_every_result_format_for_select_and_ask(server: str, fmt: str, method: str) -> None:
    sw = _wrapper(server, fmt, method)
    sw.setQuery("PREFIX foaf: <http://xmlns.com/foaf/0.1/>\n" + PEOPLE)
    got = sw.queryAndConvert()
    if fmt == "json":
        rows = [b["name"]["value"] for b in got["results"]["bindings"]]
    elif fmt == "xml":
        rows = [n.firstChild.data for n in got.getElementsByTagName("literal")]
    elif fmt == "csv":
        rows = got.decode("utf-8").splitlines()[1:]
    else:
        rows = [line.strip('"') for line in got.decode("utf-8").splitlines()[1:]]
    assert rows == NAMES
    sw.setQuery('ASK { ?p <http://xmlns.com/foaf/0.1/name> "Lê Thị Mai" }')
    ans = sw.queryAndConvert()
    assert {"json": lambda a: a["boolean"] is True, "xml": lambda a: a.getElementsByTagName("boolean")[0].firstChild.data == "true",
            "csv": lambda a: b"true" in a, "tsv": lambda a: b"true" in a}[fmt](ans)  # fmt: skip


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("fmt", GRAPH_RETURN_FORMATS)
def test_sparqlwrapper_every_rdf_format_for_construct_and_describe(server: str, fmt: str, method: str) -> None:
    sw = _wrapper(server, fmt, method)
    sw.setQuery("PREFIX kg: <https://w3id.org/kg-vn/ontology#>\n" + CONSTRUCT)
    g = _as_graph(sw.queryAndConvert(), fmt)
    assert {str(o) for o in g.objects()} == {"88-NQ/TW", "77-CT/TW", "12-NQ/ĐU"}
    doc = _doc_iri(server, "12-NQ/ĐU")
    sw.setQuery(f"DESCRIBE <{doc}>")
    g = _as_graph(sw.queryAndConvert(), fmt)
    assert (URIRef(doc), URIRef("https://w3id.org/kg-vn/ontology#documentNumber"), Literal("12-NQ/ĐU")) in g


def _as_graph(got: Any, fmt: str) -> Graph:
    """SPARQLWrapper gives RDF/XML as a Graph and the other formats as text."""
    return got if isinstance(got, Graph) else Graph().parse(data=got, format={"n3": "n3", "json-ld": "json-ld"}.get(fmt, "turtle"))


def _doc_iri(server: str, number: str) -> str:
    q = f'SELECT ?d WHERE {{ ?d kg:documentNumber "{number}" }} LIMIT 1'
    return str(httpx.get(server + "/sparql", params={"query": q}).json()["results"]["bindings"][0]["d"]["value"])


def test_sparqlwrapper_and_rdflib_update_store_write_with_the_token() -> None:
    from rdflib.plugins.stores.sparqlstore import SPARQLUpdateStore
    from SPARQLWrapper import POST, SPARQLWrapper

    s = F.memory_store()
    graph = "https://w3id.org/kg-vn/graph/test"
    with serve(make_app(s, write_token=TOKEN)) as url:
        sw = SPARQLWrapper(url + "/sparql")
        sw.setMethod(POST)
        sw.addCustomHttpHeader("Authorization", f"Bearer {TOKEN}")
        sw.setQuery(f'INSERT DATA {{ GRAPH <{graph}> {{ <urn:x:a> <http://xmlns.com/foaf/0.1/name> "Á" }} }}')
        sw.query()
        ask = 'ASK { <urn:x:a> <http://xmlns.com/foaf/0.1/name> "Á" }'
        assert httpx.get(url + "/sparql", params={"query": ask}).json()["boolean"] is True
        upd = SPARQLUpdateStore(url + "/sparql", url + "/sparql", headers={"Authorization": f"Bearer {TOKEN}"})
        g = Graph(store=upd, identifier=URIRef(graph))
        g.add((URIRef("urn:x:b"), URIRef("http://xmlns.com/foaf/0.1/name"), Literal("Bình")))
        ask_b = 'ASK { <urn:x:b> <http://xmlns.com/foaf/0.1/name> "Bình" }'
        assert httpx.get(url + "/sparql", params={"query": ask_b}).json()["boolean"] is True
        upd.close()
    s.close()


def test_rdflib_sparqlstore_queries_through_the_endpoint(server: str) -> None:
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    remote = SPARQLStore(server + "/sparql")
    g = Graph(store=remote)
    rows = list(g.query("PREFIX foaf: <http://xmlns.com/foaf/0.1/>\n" + PEOPLE))
    assert [str(r[0]) for r in rows] == NAMES
    ask = g.query('ASK { ?p <http://xmlns.com/foaf/0.1/name> "Vũ Hải Yến" }')
    assert ask.askAnswer is True
    built = g.query("PREFIX kg: <https://w3id.org/kg-vn/ontology#>\n" + CONSTRUCT).graph
    assert len(built) == 3
    # triples() sends a SELECT without DISTINCT: Oxigraph's union default graph is a multiset, one
    # match per named graph holding the triple (88-NQ/TW is stated in three articles).
    found = list(g.triples((None, URIRef("https://w3id.org/kg-vn/ontology#documentNumber"), None)))
    assert len(set(found)) == 3 and len(found) == 7
    remote.close()


def test_real_server_queues_a_query_until_a_worker_is_free(store: Store) -> None:
    app = make_app(store, query_timeout=1.5, max_results=10**9, max_concurrent=1)
    with serve(app) as url:
        results: dict[str, httpx.Response] = {}

        def slow() -> None:
            results["slow"] = httpx.get(url + "/sparql", params={"query": RUNAWAY}, timeout=30)

        t = threading.Thread(target=slow)
        t.start()
        time.sleep(0.5)
        start = time.monotonic()
        queued = httpx.get(url + "/sparql", params={"query": "ASK {}"}, timeout=30)
        waited = time.monotonic() - start
        t.join(30)
        # the second query waits for the slot, which the runaway frees when its time is up
        assert queued.status_code == 200 and waited >= 0.5
        assert results["slow"].status_code == 503 and "1.5 s limit" in results["slow"].json()["detail"]


def test_a_query_gets_busy_when_no_worker_frees_up_within_the_wait() -> None:
    import asyncio

    from fastapi import HTTPException

    from kg.serve import sparql

    runner = sparql.Runner(1)
    release = threading.Event()
    holder = threading.Thread(target=lambda: asyncio.run(runner.run(lambda cancel: release.wait(10), 10)))
    holder.start()
    time.sleep(0.2)
    try:
        with pytest.raises(HTTPException) as exc:
            asyncio.run(runner.run(lambda cancel: True, 0.3))
        assert exc.value.status_code == 503 and exc.value.headers == {"Retry-After": "5"}
        assert "too many queries" in str(exc.value.detail)
    finally:
        release.set()
        holder.join(10)


def test_real_server_streams_csv_downloads(server: str) -> None:
    r = httpx.get(server + "/queries/most_cited_documents", params={"year": "2023", "format": "csv"}, timeout=30)
    assert r.status_code == 200
    rows = list(csv_rows(r.text))
    assert [row["number"] for row in rows] == ["77-CT/TW", "88-NQ/TW"]


def csv_rows(text: str) -> Iterator[dict[str, str]]:
    import csv

    yield from csv.DictReader(io.StringIO(text))


def test_open_store_on_disk_serves_the_same_answers(tmp_path: Any) -> None:
    path = F.disk_store(tmp_path / "store")
    s = open_store(path)
    try:
        with http(make_app(s)) as c:
            assert names(c.get("/sparql", params={"query": PEOPLE})) == NAMES
            assert json.loads(c.get("/queries/counts").text)["head"]["vars"] == ["kind", "label", "n"]
    finally:
        s.close()


def test_the_api_app_serves_the_endpoint_and_the_page(store: Store) -> None:
    from kg.serve import api

    app = api.create_app(store, Settings())
    with http(app) as c:
        assert names(c.get("/sparql", params={"query": PEOPLE})) == NAMES
        assert c.get("/query").headers["content-type"].startswith("text/html")
        assert {q["name"] for q in c.get("/queries").json()} == set(load_queries())
        assert c.post("/sparql", data={"update": UPDATE}).status_code == 403


@pytest.mark.slow
def test_endpoint_over_a_remote_oxigraph_server(tmp_path: Any) -> None:
    """The same protocol answers when the store is a remote SPARQL server (Store.query path)."""
    import subprocess

    from remote_fixtures import oxigraph_exe

    exe = oxigraph_exe()  # the test extras' binary, beside this Python: never a skip for PATH
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    proc = subprocess.Popen(
        [exe, "serve", "--location", str(tmp_path / "ox"), "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/query", params={"query": "ASK {}"}, timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("oxigraph serve did not start")
                time.sleep(0.1)
        remote = F.fill(open_store(f"http://127.0.0.1:{port}/query"))
        with http(make_app(remote, max_results=5)) as c:
            assert names(c.get("/sparql", params={"query": PEOPLE})) == NAMES[:5]
            assert c.get("/sparql", params={"query": "ASK { ?p foaf:name \"Lê Thị Mai\" }"}).json()["boolean"] is True
            g = Graph().parse(data=c.get("/sparql", params={"query": CONSTRUCT, "format": "ttl"}).text, format="turtle")
            assert len(g) == 3
            bad = c.get("/sparql", params={"query": "SELECT WHERE"})
            assert bad.status_code == 400
            q = c.get("/queries/holders_of_title", params={"organization": str(F.org_iri(F.UNI)), "role": "Hiệu trưởng"})
            assert len(q.json()["results"]["bindings"]) == 3
        remote.close()
    finally:
        proc.terminate()
        proc.wait(10)
