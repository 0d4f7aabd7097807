"""A SPARQL 1.1 server as the store: Query and Update protocols, Graph Store Protocol for dumps.

Tested end to end against two real servers: Oxigraph (``oxigraph serve --union-default-graph``) and
Debian's Virtuoso 7.2.5. Other engines (Fuseki, GraphDB, QLever, Neptune) speak the same protocols:
docs/ENGINES.md says which URLs and settings each needs.

How requests are sent, so that every engine answers:
- queries and updates are HTML-form POSTs (``query=`` / ``update=``), the one encoding every SPARQL
  server must accept (Virtuoso 7 never answers a POST of ``application/sparql-query``);
- each query asks for what its form returns: result JSON for SELECT/ASK, N-Triples for
  CONSTRUCT/DESCRIBE (Virtuoso answers a CONSTRUCT with a table when asked for result JSON);
- the engine is recognised from its ``Server`` header (``KG_STORE_ENGINE`` overrides). Virtuoso
  gets its own defaults (update and graph store URLs, a smaller ingest batch), plain string
  parameters typed ``xsd:string`` (its functions mangle a non-ASCII plain literal from VALUES),
  and an error instead of the partial answer it gives when a query runs out of time;
- only graphs in our namespace (https://w3id.org/kg-vn/graph/) are listed and exported, so an
  engine's own system graphs stay out.

Configuration, all optional beyond the query URL (``--store`` / ``KG_STORE``):
- ``KG_UPDATE_URL``: the update endpoint (default: the query URL with ``/update`` for ``/query``;
  Virtuoso: ``/sparql-auth`` when credentials are given, else the query URL);
- ``KG_GSP_URL``: the Graph Store Protocol endpoint (default: ``…/store`` beside ``…/query``,
  Oxigraph's; Virtuoso: ``/sparql-graph-crud``); without one that works, whole graphs are read with
  CONSTRUCT instead;
- credentials: ``http://user:password@host/…`` in the URL, or ``KG_STORE_USER`` +
  ``KG_STORE_PASSWORD`` (Basic; ``KG_STORE_AUTH=digest`` for Digest, as Virtuoso's /sparql-auth
  wants), or ``KG_STORE_TOKEN`` (sent as ``Authorization: Bearer …``);
- ``KG_STORE_TIMEOUT``: seconds per request (default 300; a bulk batch is one large update);
- ``KG_STORE_ENGINE``: ``virtuoso``, ``oxigraph`` or ``generic``, when the ``Server`` header does not say.

Our queries assume the default graph is the union of the named graphs. The first query checks
that on a quad taken from a named graph, and says how to fix the server when it isn't so
(``KG_UNION_CHECK=0`` turns the check off).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
import pyoxigraph as ox
from rdflib import XSD, Graph, Literal

from kg.config import StoreSettings
from kg.errors import QueryError, StoreError
from kg.store.base import (
    PREFIX_HEADER,
    RDF_FORMATS,
    RESULT_FORMATS,
    Result,
    Term,
    bind_values,
    check_graph,
    prefixes_for,
    replace_update,
    solutions_result,
    update_url_for,
)

_ACCEPT_RESULTS = "application/sparql-results+json"
_NQ = ox.RdfFormat.N_QUADS.media_type
_NT = ox.RdfFormat.N_TRIPLES.media_type
_ACCEPT_GRAPH = f"{_NT}, text/turtle;q=0.9"
_FORM = "application/x-www-form-urlencoded; charset=utf-8"
GRAPH_NAMESPACE = "https://w3id.org/kg-vn/graph/"  # kg's named graphs; an engine's own graphs are not ours
_GRAPHS = f"""SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{GRAPH_NAMESPACE}")) }}
ORDER BY ?g"""
_ONE_QUAD = "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1"
# Articles per ingest transaction. On Virtuoso a batch's time grows faster than its size (400 bulk
# articles: 1.6 s per batch of 25, 3.8 s per 100, 8.7 s per 200); 100 was the fastest in total
# (benchmarks/bench_engines.py, docs/ENGINES.md).
BATCH_SIZES = {"virtuoso": 100}
DEFAULT_BATCH_SIZE = 200
ENGINES = ("virtuoso", "oxigraph", "generic")
# The query form: the first keyword after the prologue (comments, BASE and PREFIX declarations).
_PROLOGUE = re.compile(r"(?:\s+|#[^\n]*|BASE\s*<[^>]*>|PREFIX\s+[^\s:]*:\s*<[^>]*>)*", re.IGNORECASE)
_FORM_WORD = re.compile(r"(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)


def query_form(sparql: str) -> str:
    """``select``, ``ask``, ``construct`` or ``describe``: what the query returns ("select" if unclear)."""
    m = _FORM_WORD.match(sparql, _PROLOGUE.match(sparql).end())  # type: ignore[union-attr]
    return m.group(1).lower() if m else "select"


def engine_of(server_header: str) -> str:
    """The engine named by a ``Server`` response header (``Virtuoso/07.20.3229 (Linux) …``)."""
    h = server_header.lower()
    return next((e for e in ENGINES[:-1] if e in h), "generic")


def gsp_url_for(query_url: str) -> str:
    """``…/query`` -> ``…/store`` (Oxigraph); ``KG_GSP_URL`` overrides."""
    override = StoreSettings.from_env().gsp_url
    if override:
        return override
    parts = urlsplit(query_url)
    base = parts.path[: -len("/query")] if parts.path.endswith("/query") else parts.path.rstrip("/")
    return urlunsplit(parts._replace(path=base + "/store"))


def _split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """The URL without ``user:password@``, and the credentials if there were some."""
    parts = urlsplit(url)
    if parts.username is None:
        return url, None
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc)), (parts.username, parts.password or "")


def _auth(creds: tuple[str, str] | None, s: StoreSettings) -> httpx.Auth | None:
    if s.user is not None:
        creds = (s.user, s.password)
    if creds is None:
        return None
    if s.auth == "digest":
        return httpx.DigestAuth(*creds)
    return httpx.BasicAuth(*creds)


class _ChunksIO(io.RawIOBase):
    """A read-only binary stream over an iterator of byte chunks (for streaming parsers)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buf = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._buf:
            try:
                self._buf = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


class RemoteStore:
    def __init__(
        self,
        query_url: str,
        *,
        update_url: str | None = None,
        gsp_url: str | None = None,
        timeout: float | None = None,
        settings: StoreSettings | None = None,
    ) -> None:
        s = self.settings = settings or StoreSettings.from_env()
        query_url, creds = _split_credentials(query_url)
        self.location = query_url
        self.query_url = query_url
        self._update_url = _split_credentials(update_url)[0] if update_url else None
        self._store_url = _split_credentials(gsp_url)[0] if gsp_url else None
        self._has_credentials = creds is not None or bool(s.user)
        engine = s.engine
        if engine is not None and engine not in ENGINES:
            raise StoreError(f"KG_STORE_ENGINE={engine!r}: expected one of {', '.join(ENGINES)}")
        self._engine = engine
        headers = {"User-Agent": "kg"}
        if s.token:
            headers["Authorization"] = f"Bearer {s.token}"
        if timeout is None:
            timeout = s.timeout
        self._http = httpx.Client(timeout=timeout, auth=_auth(creds, s), headers=headers)
        self._union_checked = not s.union_check

    # -- The engine and its URLs ---------------------------------------------------------------

    @property
    def engine(self) -> str:
        """``virtuoso``, ``oxigraph`` or ``generic``: from ``KG_STORE_ENGINE``, else the server's header."""
        if self._engine is None:
            r = self._send(self.query_url, {"query": "ASK {}"}, _ACCEPT_RESULTS, "query")
            self._engine = engine_of(r.headers.get("server", ""))
        return self._engine

    @property
    def update_url(self) -> str:
        if self._update_url is None:
            if self.settings.update_url or self.engine != "virtuoso":
                self._update_url = _split_credentials(update_url_for(self.query_url))[0]
            else:  # Virtuoso: updates on the query URL (SPARQL_UPDATE granted to "SPARQL"), or /sparql-auth
                self._update_url = _beside(self.query_url, "/sparql-auth") if self._has_credentials else self.query_url
        return self._update_url

    @property
    def store_url(self) -> str:
        if self._store_url is None:
            if self.settings.gsp_url or self.engine != "virtuoso":
                self._store_url = _split_credentials(gsp_url_for(self.query_url))[0]
            else:
                self._store_url = _beside(self.query_url, "/sparql-graph-crud")
        return self._store_url

    @property
    def batch_size(self) -> int:
        """Articles per ingest transaction that this engine takes in well under a minute."""
        return BATCH_SIZES.get(self.engine, DEFAULT_BATCH_SIZE)

    # -- SPARQL Query ---------------------------------------------------------------------------

    def _send(self, url: str, form: Mapping[str, str] | list[tuple[str, str]], accept: str, what: str) -> httpx.Response:
        """One HTML-form POST (``query=`` or ``update=``), the encoding every SPARQL server accepts."""
        nothing = ", nothing written" if what == "update" else ""
        try:
            body = urlencode(list(form.items()) if isinstance(form, Mapping) else form).encode("ascii")
            r = self._http.post(url, content=body, headers={"Content-Type": _FORM, "Accept": accept})
        except httpx.HTTPError as e:
            raise StoreError(f"SPARQL server {url} unreachable{nothing}: {e}") from e
        _raise_for(r, what, url)
        return r

    def _post_query(
        self,
        sparql: str,
        accept: str,
        default_graphs: list[str] | None,
        named_graphs: list[str] | None,
    ) -> httpx.Response:
        form: list[tuple[str, str]] = [("query", PREFIX_HEADER + sparql)]
        form += [("default-graph-uri", g) for g in default_graphs or []]
        form += [("named-graph-uri", g) for g in named_graphs or []]
        try:
            return self._send(self.query_url, form, accept, "query")
        except QueryError as e:  # positions in the user's text, not in PREFIX_HEADER + text
            from kg.store.sparql_check import shift_lines, user_message

            raise QueryError(user_message(shift_lines(str(e), PREFIX_HEADER.count("\n")), sparql)) from None

    def _typed(self, bindings: Mapping[str, Term] | None) -> Mapping[str, Term] | None:
        """On Virtuoso, plain string parameters as ``"…"^^xsd:string`` (the same RDF term).

        Virtuoso 7 keeps a plain literal from VALUES as narrow bytes: ``STR("Đình")`` gives "??nh" and
        CONTAINS/LCASE never match Vietnamese. Typed, it is a proper string.
        """
        if not bindings or self.engine != "virtuoso":
            return bindings
        return {
            k: Literal(str(v), datatype=XSD.string)
            if isinstance(v, Literal) and v.language is None and v.datatype is None
            else v
            for k, v in bindings.items()
        }

    def check_union_default_graph(self) -> None:
        """Raise when named graphs hold data that the default graph does not show."""
        self._union_checked = True
        r = self._post_query(_ONE_QUAD, _ACCEPT_RESULTS, None, None)
        sols = list(ox.parse_query_results(r.content, format=ox.QueryResultsFormat.JSON))  # type: ignore[arg-type]
        if not sols:
            return
        s, p, o = (sols[0][v] for v in ("s", "p", "o"))
        ask = f"ASK {{ {s} {p} {o} }}"
        r = self._post_query(ask, _ACCEPT_RESULTS, None, None)
        if not bool(ox.parse_query_results(r.content, format=ox.QueryResultsFormat.JSON)):
            raise StoreError(
                f"{self.query_url}: the default graph is not the union of the named graphs, and kg's "
                "queries need it (oxigraph serve --union-default-graph; Fuseki tdb2:unionDefaultGraph; "
                "see docs/ENGINES.md). KG_UNION_CHECK=0 skips this check."
            )

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None = None,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> Result:
        if not self._union_checked and not default_graphs:
            self.check_union_default_graph()
        sparql = bind_values(sparql, self._typed(bindings))
        graph_form = query_form(sparql) in ("construct", "describe")
        r = self._post_query(sparql, _ACCEPT_GRAPH if graph_form else _ACCEPT_RESULTS, default_graphs, named_graphs)
        ctype = r.headers.get("content-type", "").split(";")[0].strip()
        if not graph_form:
            if ctype not in ("application/sparql-results+json", "application/json"):
                raise StoreError(f"SPARQL server {self.query_url} answered a query with {ctype or 'no type'}, "
                                 "not SPARQL results JSON")  # fmt: skip
            return solutions_result(ox.parse_query_results(r.content, format=ox.QueryResultsFormat.JSON))
        g = Graph()
        g.parse(data=r.content, format="turtle" if ctype == "text/turtle" else "nt")
        return Result("graph", graph=g)

    def query_raw(
        self,
        sparql: str,
        fmt: str,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> tuple[bytes, str]:
        if not self._union_checked and not default_graphs:
            self.check_union_default_graph()
        media = RESULT_FORMATS[fmt].media_type if fmt in RESULT_FORMATS else RDF_FORMATS[fmt].media_type
        r = self._post_query(sparql, media, default_graphs, named_graphs)
        return r.content, r.headers.get("content-type", media)

    # -- SPARQL Update ---------------------------------------------------------------------------

    def update(self, sparql: str) -> None:
        """One request. Oxigraph, Fuseki and GraphDB apply it as one transaction; Virtuoso commits
        operation by operation (docs/ENGINES.md)."""
        self._send(self.update_url, {"update": PREFIX_HEADER + sparql}, "*/*", "update")

    def replace_graphs(self, graphs: Mapping[str, Iterable[tuple[Term, Term, Term]]]) -> None:
        self.update(replace_update(graphs))

    # -- Export ----------------------------------------------------------------------------------

    def dump(self, out: IO[bytes], fmt: str, graphs: list[str] | None = None) -> None:
        """Stream the whole store or chosen named graphs, never holding them in memory.

        N-Quads of the whole store is passed through from the server's dataset GET when it offers
        one (Oxigraph); otherwise named graphs are listed and fetched one at a time.
        """
        rf = RDF_FORMATS[fmt]
        if not graphs:
            if rf == ox.RdfFormat.N_QUADS and self._passthrough_dataset(out):
                return
            graphs = self.named_graphs()
        quads = (q for g in graphs for q in self._graph_quads(check_graph(g)))
        if rf.supports_datasets:
            ox.serialize(quads, out, rf, **prefixes_for(rf))
        else:
            ox.serialize((q.triple for q in quads), out, rf, **prefixes_for(rf))

    def named_graphs(self) -> list[str]:
        r = self._post_query(_GRAPHS, _ACCEPT_RESULTS, None, None)
        return [s["g"].value for s in ox.parse_query_results(r.content, format=ox.QueryResultsFormat.JSON)]  # type: ignore[union-attr]

    def _passthrough_dataset(self, out: IO[bytes]) -> bool:
        """Copy the server's whole dataset as N-Quads, if it answers a dataset GET with N-Quads."""
        try:
            with self._http.stream("GET", self.store_url, headers={"Accept": _NQ}) as r:
                ctype = r.headers.get("content-type", "").split(";")[0].strip()
                if r.status_code != 200 or ctype != _NQ:
                    return False
                for chunk in r.iter_bytes():
                    out.write(chunk)
                return True
        except httpx.HTTPError as e:
            raise StoreError(f"SPARQL server {self.store_url} unreachable: {e}") from e

    def _graph_quads(self, graph: str) -> Iterator[ox.Quad]:
        """One named graph as quads, streamed: GSP GET, else CONSTRUCT on the query endpoint."""
        name = ox.NamedNode(graph)
        r = self._graph_response(graph)
        try:
            for t in ox.parse(_ChunksIO(r.iter_bytes()), ox.RdfFormat.N_TRIPLES):
                yield ox.Quad(t.subject, t.predicate, t.object, name)
        finally:
            r.close()

    def _graph_response(self, graph: str) -> Any:
        try:
            req = self._http.build_request("GET", self.store_url, params={"graph": graph}, headers={"Accept": _NT})
            r = self._http.send(req, stream=True)
            if r.status_code == 200 and r.headers.get("content-type", "").startswith(_NT):
                return r
            r.close()
            q = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
            req = self._http.build_request(
                "POST", self.query_url, content=urlencode({"query": q}).encode("ascii"),
                headers={"Content-Type": _FORM, "Accept": _NT},
            )
            r = self._http.send(req, stream=True)
        except httpx.HTTPError as e:
            raise StoreError(f"SPARQL server unreachable while reading graph {graph}: {e}") from e
        if r.status_code >= 300:
            r.read()
            r.close()
            _raise_for(r, "query", self.query_url)
        return r

    def close(self) -> None:
        self._http.close()


def _beside(url: str, path: str) -> str:
    """``http://h:8890/sparql`` -> ``http://h:8890/sparql-auth`` (another endpoint on the same server)."""
    return urlunsplit(urlsplit(url)._replace(path=path, query=""))


def _raise_for(r: httpx.Response, what: str, url: str) -> None:
    """4xx (except auth) means the server refused the text: QueryError; anything else: StoreError.

    Virtuoso answers 500 to a query it refuses as text ("SPARQL compiler", "syntax error") and 200
    with ``X-SQL-State: S1TAT`` when it cut a query short and sends what it had: an error here.
    """
    nothing = ", nothing written" if what == "update" else ""
    if r.status_code < 300:
        if r.headers.get("x-sql-state") == "S1TAT":
            raise StoreError(f"SPARQL server {url} ran out of time and sent a partial answer "
                             f"({r.headers.get('x-sql-message', '')[:200]}); raise its MaxQueryExecutionTime")  # fmt: skip
        return
    detail = r.text[:500].strip()
    if r.status_code == 500 and re.search(r"SPARQL compiler|syntax error|SP030|SP031|37000", detail):
        raise QueryError(f"SPARQL server refused the {what}{nothing}: {detail}")
    if r.status_code in (401, 403):
        raise StoreError(f"SPARQL server {url} refused the credentials ({r.status_code}){nothing}: {detail[:200]}")
    if 400 <= r.status_code < 500 and r.status_code not in (404, 405, 408, 413, 429):
        raise QueryError(f"SPARQL server refused the {what}{nothing}: {detail}")
    raise StoreError(f"SPARQL {what} at {url} answered {r.status_code}{nothing}: {detail[:300]}")
