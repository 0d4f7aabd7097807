"""The triplestore boundary: an embedded Oxigraph store on disk, or a remote SPARQL 1.1 server.

Both speak the same small interface, in rdflib terms:
- ``query(sparql, bindings=…)``: SELECT / ASK / CONSTRUCT / DESCRIBE; the default graph is the union
  of all named graphs unless ``default_graphs`` names some;
- ``replace_graphs({graph: triples})``: drop and rewrite whole named graphs in ONE transaction
  (one SPARQL Update request remotely), so readers and crashes never see half an article;
- ``update(sparql)``, ``dump(out, fmt)``, ``close()``.

User values never become SPARQL text by string pasting: ``bind_values`` adds a VALUES block and
``replace_graphs`` an INSERT DATA block, both written by ``kg.ntriples`` (total escaping, checked
IRIs), so a name like ``"} ; DROP ALL ; {"`` stays a literal whatever characters surround it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg import ntriples as nt
from kg.config import StoreSettings
from kg.errors import QueryError, StoreError

DEFAULT_STORE = "data/store"
Term = Node
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
RDF_FORMATS = {
    "nq": ox.RdfFormat.N_QUADS,
    "nt": ox.RdfFormat.N_TRIPLES,
    "ttl": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
}
RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
PREFIXES = {
    "kg": "https://w3id.org/kg-vn/ontology#",
    "id": "https://w3id.org/kg-vn/id/",
    "org": "http://www.w3.org/ns/org#",
    "schema": "https://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "time": "http://www.w3.org/2006/time#",
}


def prefixes_for(rf: ox.RdfFormat) -> dict[str, Any]:
    """Serializer keywords: our prefixes for the formats that abbreviate IRIs (Turtle, TriG, RDF/XML)."""
    abbreviating = (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML)
    return {"prefixes": PREFIXES} if rf in abbreviating else {}


PREFIX_HEADER = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


@dataclass
class Result:
    """A query's answer in rdflib terms: rows for SELECT, ``boolean`` for ASK, ``graph`` otherwise."""

    kind: str  # "select" | "ask" | "graph"
    vars: list[str] = field(default_factory=list)
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None

    def dicts(self) -> list[dict[str, Term | None]]:
        return [dict(zip(self.vars, r, strict=True)) for r in self.rows]


def check_term(term: Term) -> Term:
    """Refuse terms that cannot be written safely into SPARQL (IRIs with spaces, quotes, braces)."""
    term_sparql(term)
    return term


def term_sparql(term: Term) -> str:
    """An IRI or literal as SPARQL text (``kg.ntriples``: total escaping); QueryError if it has none."""
    if not isinstance(term, URIRef | Literal):
        raise QueryError(f"cannot bind {type(term).__name__}")
    try:
        return nt.term_text(term)
    except nt.TermError as e:
        raise QueryError(str(e)) from e


def values_first(sparql: str, names: Sequence[str], rows: Iterable[Sequence[Term]]) -> str:
    """``sparql`` with ``VALUES ?a { x y … }`` (one name) or ``VALUES (?a ?b) { (x y) … }`` at the
    start of its first WHERE block: the one way values reach a query. Every term is written by
    ``term_sparql`` (checked, escaped), so no text a user or an article sent becomes SPARQL; put
    first, the bound pattern drives the join (Oxigraph follows the written order)."""
    m = _WHERE.search(sparql)
    if not m:
        raise QueryError("cannot bind values: the query has no WHERE { … } block")
    if len(names) == 1:
        head, vals = f"?{names[0]}", " ".join(term_sparql(r[0]) for r in rows)
    else:
        head = "(" + " ".join(f"?{n}" for n in names) + ")"
        vals = " ".join("(" + " ".join(term_sparql(t) for t in r) + ")" for r in rows)
    return f"{sparql[: m.end()]}\n  VALUES {head} {{ {vals} }}\n{sparql[m.end() :]}"


def bind_values(sparql: str, bindings: Mapping[str, Term] | None) -> str:
    """One row of named parameters, ``VALUES (?a ?b) { (… …) }``, first in the WHERE block."""
    if not bindings:
        return sparql
    return values_first(sparql, [*bindings], [(*bindings.values(),)])


def _to_rdflib(t: Any) -> Term | None:
    if t is None:
        return None
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    if isinstance(t, ox.Literal):
        if t.language:
            return Literal(t.value, lang=t.language)
        dt = t.datatype.value
        if dt == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(t.value)
        return Literal(t.value, datatype=URIRef(dt))
    raise StoreError(f"unsupported term {t!r}")


def solutions_result(res: ox.QueryBoolean | ox.QuerySolutions) -> Result:
    """An ASK or SELECT answer from pyoxigraph (local or parsed from a server) as a Result."""
    if isinstance(res, ox.QueryBoolean):
        return Result("ask", boolean=bool(res))
    names = [v.value for v in res.variables]
    return Result("select", vars=names, rows=[tuple(_to_rdflib(sol[v]) for v in names) for sol in res])


def to_oxigraph(t: Term) -> Any:
    if isinstance(t, URIRef):
        return ox.NamedNode(str(t))
    if isinstance(t, BNode):
        return ox.BlankNode(str(t))
    if isinstance(t, Literal):
        if t.language:
            return ox.Literal(str(t), language=t.language)
        if t.datatype:
            return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)))
        return ox.Literal(str(t))
    raise StoreError(f"unsupported term {t!r}")


class Store(Protocol):
    location: str
    batch_size: int  # articles per ingest transaction that suits this store


    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None = None,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> Result: ...

    def query_raw(
        self,
        sparql: str,
        fmt: str,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> tuple[bytes, str]: ...

    def update(self, sparql: str) -> None: ...

    def replace_graphs(self, graphs: Mapping[str, Iterable[tuple[Term, Term, Term]]]) -> None: ...

    def dump(self, out: IO[bytes], fmt: str, graphs: list[str] | None = None) -> None: ...

    def close(self) -> None: ...


def insert_update(graph: str, triples: Iterable[tuple[Term, Term, Term]]) -> str:
    """``INSERT DATA`` of triples into one named graph ("" when there are none), via ``kg.ntriples``."""
    return nt.insert_data(check_graph(graph), nt.ntriples(triples)[0])


def replace_update(graphs: Mapping[str, Iterable[tuple[Term, Term, Term]]]) -> str:
    """One SPARQL Update that drops and rewrites the given named graphs (a single transaction)."""
    return nt.replace_update({check_graph(g): nt.ntriples(triples)[0] for g, triples in graphs.items()})


def check_graph(graph: str) -> str:
    try:
        return nt.check_iri(graph)
    except nt.TermError as e:
        raise StoreError(f"not a valid graph IRI: {graph!r}") from e


def update_url_for(query_url: str) -> str:
    """``…/query`` -> ``…/update`` (Oxigraph, Fuseki); ``KG_UPDATE_URL`` overrides."""
    override = StoreSettings.from_env().update_url
    if override:
        return override
    parts = urlsplit(query_url)
    path = parts.path
    path = path[: -len("/query")] + "/update" if path.endswith("/query") else path.rstrip("/") + "/update"
    return urlunsplit(parts._replace(path=path))
