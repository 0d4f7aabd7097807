"""A SPARQL 1.1 server as the store: Query and Update protocols, Graph Store Protocol for dumps.

Tested against a real Oxigraph server (``oxigraph serve``); other engines (Fuseki, Virtuoso,
GraphDB, QLever) speak the same protocols: see README "Other SPARQL engines".
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from typing import IO, Any

import httpx
import pyoxigraph as ox
from rdflib import Graph

from kg.errors import QueryError, StoreError
from kg.store import (
    PREFIX_HEADER,
    RDF_FORMATS,
    RESULT_FORMATS,
    Result,
    Term,
    _to_rdflib,
    bind_values,
    replace_update,
    update_url_for,
)

_ACCEPT_RESULTS = "application/sparql-results+json"
_ACCEPT_GRAPH = "application/n-triples"


class RemoteStore:
    def __init__(self, query_url: str, *, timeout: float = 60.0) -> None:
        self.location = query_url
        self.query_url = query_url
        self.update_url = update_url_for(query_url)
        base = query_url[: -len("/query")] if query_url.endswith("/query") else query_url.rstrip("/")
        self.store_url = base + "/store"
        self._http = httpx.Client(timeout=timeout)

    def _post_query(
        self,
        sparql: str,
        accept: str,
        default_graphs: list[str] | None,
        named_graphs: list[str] | None,
    ) -> httpx.Response:
        params: list[tuple[str, str]] = [("default-graph-uri", g) for g in default_graphs or []]
        params += [("named-graph-uri", g) for g in named_graphs or []]
        try:
            r = self._http.post(
                self.query_url,
                params=params,
                content=(PREFIX_HEADER + sparql).encode("utf-8"),
                headers={"Content-Type": "application/sparql-query", "Accept": accept},
            )
        except httpx.HTTPError as e:
            raise StoreError(f"SPARQL server {self.query_url} unreachable: {e}") from e
        if r.status_code == 400:
            raise QueryError(f"SPARQL server refused the query: {r.text[:500]}")
        if r.status_code >= 300:
            raise StoreError(f"SPARQL server answered {r.status_code}: {r.text[:300]}")
        return r

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None = None,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> Result:
        sparql = bind_values(sparql, bindings)
        accept = f"{_ACCEPT_RESULTS}, {_ACCEPT_GRAPH};q=0.9"
        r = self._post_query(sparql, accept, default_graphs, named_graphs)
        ctype = r.headers.get("content-type", "").split(";")[0].strip()
        if ctype in ("application/sparql-results+json", "application/json"):
            parsed: Any = ox.parse_query_results(r.content, format=ox.QueryResultsFormat.JSON)
            if isinstance(parsed, ox.QueryBoolean):
                return Result("ask", boolean=bool(parsed))
            names = [v.value for v in parsed.variables]
            return Result("select", vars=names, rows=[tuple(_to_rdflib(s[v]) for v in names) for s in parsed])
        g = Graph()
        g.parse(data=r.content, format="nt" if "n-triples" in ctype else "turtle")
        return Result("graph", graph=g)

    def query_raw(
        self,
        sparql: str,
        fmt: str,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> tuple[bytes, str]:
        media = RESULT_FORMATS[fmt].media_type if fmt in RESULT_FORMATS else RDF_FORMATS[fmt].media_type
        r = self._post_query(sparql, media, default_graphs, named_graphs)
        return r.content, r.headers.get("content-type", media)

    def update(self, sparql: str) -> None:
        try:
            r = self._http.post(
                self.update_url,
                content=(PREFIX_HEADER + sparql).encode("utf-8"),
                headers={"Content-Type": "application/sparql-update"},
            )
        except httpx.HTTPError as e:
            raise StoreError(f"SPARQL server {self.update_url} unreachable, nothing written: {e}") from e
        if r.status_code == 400:
            raise QueryError(f"SPARQL server refused the update: {r.text[:500]}")
        if r.status_code >= 300:
            raise StoreError(f"SPARQL update answered {r.status_code}, nothing written: {r.text[:300]}")

    def replace_graphs(self, graphs: Mapping[str, Iterable[tuple[Term, Term, Term]]]) -> None:
        self.update(replace_update(graphs))

    def dump(self, out: IO[bytes], fmt: str, graphs: list[str] | None = None) -> None:
        """Stream whole named graphs (Graph Store Protocol) or, by default, every quad."""
        rf = RDF_FORMATS[fmt]
        if graphs:
            for g in graphs:
                self._stream(self.store_url, {"graph": g}, rf.media_type if not rf.supports_datasets else
                             ox.RdfFormat.N_TRIPLES.media_type, out, g if rf.supports_datasets else None)
            return
        if rf.supports_datasets:
            self._stream(self.store_url, {}, rf.media_type, out, None)
        else:
            q = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
            body, _ = self.query_raw(q, fmt)
            out.write(body)

    def _stream(self, url: str, params: dict[str, str], media: str, out: IO[bytes], as_graph: str | None) -> None:
        try:
            with self._http.stream("GET", url, params=params, headers={"Accept": media}) as r:
                if r.status_code >= 300:
                    raise StoreError(f"Graph Store Protocol GET answered {r.status_code}")
                if as_graph is None:
                    for chunk in r.iter_bytes():
                        out.write(chunk)
                    return
                buf = io.BytesIO(r.read())
        except httpx.HTTPError as e:
            raise StoreError(f"SPARQL server {url} unreachable: {e}") from e
        triples = ox.parse(buf, ox.RdfFormat.N_TRIPLES)
        quads = (ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(as_graph)) for t in triples)
        ox.serialize(quads, out, ox.RdfFormat.N_QUADS)

    def close(self) -> None:
        self._http.close()
