"""The W3C SPARQL 1.1 Protocol tests, run against a real ``kg serve``.

The manifest (``../shared/w3c/sparql11-protocol/manifest.ttl``) and its data files are read by path;
the tests are skipped when the shared material is absent. Each test is a list of HTTP requests with
expected status class, result form (boolean, tabular, RDF) and ASK answer. The manifest's
``/sparql/`` paths are sent to kg's ``/sparql``.

Two runs:
- a read-only server (no ``KG_WRITE_TOKEN``), over a store holding the manifest's data graphs: every
  query test and every ``bad_*`` test as written; the tests that need an update to succeed do not
  apply there (a read-only endpoint refuses updates), and are checked to get 403;
- a server with a write token (sent with every request): all tests as written. Before a test with
  ``ut:graphData`` the store is reset to exactly those graphs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from rdflib import RDF, Graph, Literal, Namespace
from rdflib.collection import Collection

from kgtest import SHARED, kg_serve, shared_path

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
TOKEN = "w3c-protocol-token"
RESULT_TYPES = {"application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values", "application/json", "application/xml", "text/xml"}  # fmt: skip
RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
             "application/ld+json": "json-ld", "text/n3": "n3", "application/trig": "trig"}  # fmt: skip


@dataclass
class Request:
    method: str
    path: str
    body: bytes | None
    headers: dict[str, str]
    statuses: set[int]  # expected status classes: 2, 3, 4, 5
    boolean: bool | None
    form: str | None  # "boolean" | "tabular" | "RDF"


    @property
    def is_update(self) -> bool:
        ctype = self.headers.get("content-type", "")
        return self.method == "POST" and (
            ctype.startswith("application/sparql-update") or (ctype.startswith(_FORM) and (self.body or b"").startswith(b"update="))
        )


_FORM = "application/x-www-form-urlencoded"


@dataclass
class W3CTest:
    name: str
    graphs: dict[str, Path] = field(default_factory=dict)  # graph IRI -> N-Triples file
    requests: list[Request] = field(default_factory=list)



def _tests() -> list[W3CTest]:
    manifest = shared_path("w3c", "sparql11-protocol", "manifest.ttl")
    g = Graph().parse(manifest, format="turtle")
    root = next(g.subjects(RDF.type, MF.Manifest))
    out = []
    for entry in Collection(g, g.value(root, MF.entries)):
        t = W3CTest(str(entry).rsplit("#", 1)[-1])
        for gd in g.objects(entry, UT.graphData):
            t.graphs[str(g.value(gd, RDFS.label))] = manifest.parent / Path(str(g.value(gd, UT.graph))).name
        action = g.value(entry, MF.action)
        for req in Collection(g, g.value(action, HT.requests)):
            body = g.value(req, HT.body)
            headers = {}
            hl = g.value(req, HT.headers)
            if hl is not None:
                for h in Collection(g, hl):
                    headers[str(g.value(h, HT.fieldName)).lower()] = str(g.value(h, HT.fieldValue))
            resp = g.value(req, HT.resp)
            statuses = {int(str(s).rsplit("StatusCode", 1)[1][0]) for s in g.objects(resp, MF.expectedStatus)}
            boolean = g.value(resp, MF.expectedBoolean)
            form = g.value(resp, MF.expectedFormat)
            t.requests.append(Request(
                method=str(g.value(req, HT.methodName)),
                path=str(g.value(req, HT.absolutePath)).replace("/sparql/", "/sparql", 1),
                body=None if body is None else str(g.value(body, CNT.chars)).encode("utf-8"),
                headers=headers,
                statuses=statuses,
                boolean=None if boolean is None else bool(boolean.toPython()) if isinstance(boolean, Literal) else None,
                form=None if form is None else str(form),
            ))  # fmt: skip
        out.append(t)
    return out


def _check(r: httpx.Response, req: Request, test: str) -> None:
    assert r.status_code // 100 in req.statuses, f"{test}: {req.method} {req.path} -> {r.status_code} {r.text[:300]}"
    media = r.headers.get("content-type", "").split(";")[0].strip()
    if req.form in ("boolean", "tabular"):
        assert media in RESULT_TYPES, f"{test}: {media}"
    if req.form == "RDF":
        assert media in RDF_TYPES, f"{test}: {media}"
        Graph().parse(data=r.content, format=RDF_TYPES[media])
    if req.boolean is not None:
        assert media in ("application/sparql-results+json", "application/json"), f"{test}: {media}"
        assert r.json()["boolean"] is req.boolean, f"{test}: {r.text}"


def _send(client: httpx.Client, req: Request, token: str | None) -> httpx.Response:
    headers = dict(req.headers)
    if token:
        headers["authorization"] = f"Bearer {token}"
    return client.request(req.method, req.path, content=req.body, headers=headers)


def _graph_update(graphs: dict[str, Path]) -> str:
    blocks = " ".join(f"GRAPH <{iri}> {{ {path.read_text(encoding='utf-8')} }}" for iri, path in graphs.items())
    return f"DROP ALL ; INSERT DATA {{ {blocks} }}"


TESTS = _tests() if (SHARED / "w3c" / "sparql11-protocol" / "manifest.ttl").exists() else []


def _ids(tests: list[W3CTest]) -> list[str]:
    return [t.name for t in tests]


@pytest.fixture(scope="module")
def data_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from kg.store import open_store

    manifest = shared_path("w3c", "sparql11-protocol", "manifest.ttl")
    path = tmp_path_factory.mktemp("w3c") / "store"
    s = open_store(path)
    graphs = {f"http://kasei.us/2009/09/sparql/data/{p.stem}.rdf": p for p in sorted(manifest.parent.glob("data*.nt"))}
    s.update(_graph_update(graphs))
    s.close()
    return path


@pytest.fixture(scope="module")
def read_only(data_store: Path) -> Iterator[httpx.Client]:
    with kg_serve(data_store) as base, httpx.Client(base_url=base, timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def writable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    from kg.store import open_store

    path = tmp_path_factory.mktemp("w3c-rw") / "store"
    open_store(path).close()
    with kg_serve(path, env={"KG_WRITE_TOKEN": TOKEN}) as base, httpx.Client(base_url=base, timeout=30) as c:
        yield c


def _all() -> list[W3CTest]:
    if not TESTS:
        shared_path("w3c", "sparql11-protocol", "manifest.ttl")  # skips with the reason
    return TESTS


@pytest.mark.slow
def test_the_manifest_has_its_tests() -> None:
    tests = _all()
    assert len(tests) == 34 and sum(len(t.requests) for t in tests) == 39


@pytest.mark.slow
@pytest.mark.parametrize("test", TESTS or [None], ids=_ids(TESTS) or ["absent"])
def test_w3c_protocol_on_a_read_only_server(read_only: httpx.Client, test: W3CTest | None) -> None:
    if test is None:
        _all()
        return
    for req in test.requests:
        r = _send(read_only, req, None)
        if req.is_update and 2 in req.statuses:
            # an update that must succeed: does not apply to a read-only endpoint, which refuses it
            assert r.status_code == 403 and "read-only" in r.json()["detail"], f"{test.name}: {r.text}"
            return
        _check(r, req, test.name)


@pytest.mark.slow
@pytest.mark.parametrize("test", TESTS or [None], ids=_ids(TESTS) or ["absent"])
def test_w3c_protocol_with_a_write_token(writable: httpx.Client, test: W3CTest | None) -> None:
    if test is None:
        _all()
        return
    if test.graphs:
        r = writable.post("/sparql", content=_graph_update(test.graphs).encode(), headers={
            "content-type": "application/sparql-update", "authorization": f"Bearer {TOKEN}"})  # fmt: skip
        assert r.status_code == 204, r.text
    for req in test.requests:
        _check(_send(writable, req, TOKEN), req, test.name)
