"""Running one SPARQL query for the endpoint: dataset, checks, evaluation, row cap, serialisation.

Everything here works on plain values and bytes so that it can run in a worker process
(:mod:`kg.serve.sparql_pool`) as well as in a thread: a :class:`Job` goes in, a :class:`Reply` (the
serialised body) comes out, and failures are :class:`kg.errors.QueryError` (400),
:class:`kg.sparql_check.RemoteRefused` (403), :class:`NotAcceptable` (406) or
:class:`kg.errors.StoreError` (503).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pyoxigraph as ox

from kg.errors import KgError, QueryError, StoreError
from kg.store import PREFIXES, RESULT_FORMATS, Store, check_graph, to_oxigraph
from kg.store.sparql_check import RemoteRefused, check_query, user_message

T = TypeVar("T")

# (media type, format) in the server's order of preference.
RESULT_TYPES: tuple[tuple[str, str], ...] = (
    ("application/sparql-results+json", "json"),
    ("application/sparql-results+xml", "xml"),
    ("text/csv", "csv"),
    ("text/tab-separated-values", "tsv"),
    ("application/json", "json"),
    ("application/xml", "xml"),
    ("text/xml", "xml"),
)
GRAPH_TYPES: tuple[tuple[str, str], ...] = (
    ("text/turtle", "ttl"),
    ("application/n-triples", "nt"),
    ("application/ld+json", "jsonld"),
    ("application/rdf+xml", "rdfxml"),
    ("text/n3", "n3"),
    ("application/trig", "trig"),
    ("application/n-quads", "nq"),
    ("application/x-turtle", "ttl"),
    ("application/turtle", "ttl"),
    ("text/rdf+n3", "n3"),
    ("text/plain", "nt"),
    ("application/json", "jsonld"),
    ("application/xml", "rdfxml"),
    ("text/xml", "rdfxml"),
)
# N3 is served as Turtle (Turtle is a subset of N3); TriG and N-Quads hold the triples in the default graph.
GRAPH_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "n3": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "nq": ox.RdfFormat.N_QUADS,
}
RESULT_MEDIA = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
}
GRAPH_MEDIA = {
    "ttl": "text/turtle; charset=utf-8",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
    "n3": "text/n3; charset=utf-8",
    "trig": "application/trig",
    "nq": "application/n-quads",
}
FORMAT_ALIASES = {"turtle": "ttl", "ntriples": "nt", "n-triples": "nt", "json-ld": "jsonld", "rdf": "rdfxml",
                  "rdf+xml": "rdfxml", "rdf/xml": "rdfxml", "nquads": "nq", "n-quads": "nq", "srj": "json",
                  "srx": "xml"}  # fmt: skip
# ``format=xml`` / ``format=json`` (as SPARQLWrapper sends them) mean the RDF form for graph results.
GRAPH_ALIASES = {"xml": "rdfxml", "json": "jsonld"}
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class NotAcceptable(KgError):
    """No format the client accepts fits the result: 406."""


class Cancelled(Exception):
    """The request gave up (timeout); the worker stops reading rows."""


@dataclass(frozen=True)
class Job:
    """One query as the endpoint received it."""

    sparql: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    base_iri: str | None = None
    max_results: int = 100_000
    accept: str | None = None
    formats: tuple[str, ...] = ()  # the format= values, as given
    allow: tuple[str, ...] = ()  # KG_SERVICE_ALLOW


@dataclass(frozen=True)
class Reply:
    body: bytes
    media: str
    truncated: bool


@dataclass
class Answer:
    """A query's answer as pyoxigraph terms, at most ``max_results`` items."""

    kind: str  # "select" | "ask" | "graph"
    vars: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    boolean: bool = False
    triples: list[Any] = field(default_factory=list)
    truncated: bool = False


def dataset(default_graphs: list[str], named_graphs: list[str], names_dataset: bool) -> dict[str, Any]:
    """pyoxigraph's dataset arguments: the protocol's graphs if given, else the query's own
    FROM / FROM NAMED, else the union of all named graphs as the default graph."""
    kw: dict[str, Any] = {}
    if default_graphs:
        kw["default_graph"] = [ox.NamedNode(check_graph(g)) for g in default_graphs]
    elif named_graphs:
        kw["default_graph"] = []  # protocol: named graphs only -> an empty default graph
    elif not names_dataset:
        kw["use_default_graph_as_union"] = True
    if named_graphs:
        kw["named_graphs"] = [ox.NamedNode(check_graph(g)) for g in named_graphs]
    return kw


def evaluate(
    store: Store | ox.Store,
    sparql: str,
    *,
    default_graphs: list[str] | None = None,
    named_graphs: list[str] | None = None,
    max_results: int = 100_000,
    cancel: threading.Event | None = None,
    base_iri: str | None = None,
    allow: tuple[str, ...] = (),
) -> Answer:
    """Check, run and read at most ``max_results`` rows/triples, stopping early if ``cancel`` is set.

    Embedded Oxigraph (a ``kg`` store or a bare ``pyoxigraph.Store``) is read natively (streamed);
    any other store through ``Store.query``.
    """
    cancel = cancel or threading.Event()
    dg, ng = list(default_graphs or []), list(named_graphs or [])
    shape = check_query(sparql, allow=allow, base=base_iri)
    raw = store if isinstance(store, ox.Store) else getattr(store, "raw", None)
    if isinstance(raw, ox.Store):
        kw = dataset(dg, ng, shape.names_dataset)
        try:
            res = raw.query(sparql, prefixes=PREFIXES, base_iri=base_iri, **kw)
        except SyntaxError as e:
            raise QueryError(f"SPARQL syntax error: {user_message(str(e), sparql)}") from None
        except OSError as e:
            raise StoreError(f"query failed: {e}") from e
        return _read(res, max_results, cancel)
    assert not isinstance(store, ox.Store)
    generic = store.query(sparql, default_graphs=dg or None, named_graphs=ng or None)
    if generic.kind == "ask":
        return Answer("ask", boolean=bool(generic.boolean))
    if generic.kind == "select":
        rows = [tuple(None if t is None else to_oxigraph(t) for t in r) for r in generic.rows]
        return Answer("select", vars=list(generic.vars), rows=rows[:max_results], truncated=len(rows) > max_results)
    assert generic.graph is not None
    triples = [ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in generic.graph]
    return Answer("graph", triples=triples[:max_results], truncated=len(triples) > max_results)


def _take(items: Iterable[T], max_results: int, cancel: threading.Event) -> tuple[list[T], bool]:
    """At most ``max_results`` items, and whether there were more; raises Cancelled once ``cancel`` is set."""
    out: list[T] = []
    for item in items:
        if cancel.is_set():
            raise Cancelled
        if len(out) >= max_results:
            return out, True
        out.append(item)
    return out, False


def _read(res: Any, max_results: int, cancel: threading.Event) -> Answer:
    try:
        if isinstance(res, ox.QueryBoolean):
            return Answer("ask", boolean=bool(res))
        if isinstance(res, ox.QuerySolutions):
            names = [v.value for v in res.variables]
            solutions = (tuple(sol[i] for i in range(len(names))) for sol in res)
            rows, truncated = _take(solutions, max_results, cancel)
            return Answer("select", vars=names, rows=rows, truncated=truncated)
        triples, truncated = _take(res, max_results, cancel)
        return Answer("graph", triples=triples, truncated=truncated)
    except SyntaxError as e:  # some errors only surface while reading
        raise QueryError(f"SPARQL evaluation error: {e}") from e
    except OSError as e:
        raise StoreError(f"query failed: {e}") from e


def execute(store: Store | ox.Store, job: Job, cancel: threading.Event | None = None) -> Reply:
    """A job's answer, serialised in the negotiated format."""
    ans = evaluate(
        store,
        job.sparql,
        default_graphs=list(job.default_graphs),
        named_graphs=list(job.named_graphs),
        max_results=job.max_results,
        cancel=cancel,
        base_iri=job.base_iri,
        allow=job.allow,
    )
    body, media = serialize(ans, pick_format(ans.kind, job.accept, job.formats))
    return Reply(body, media, ans.truncated)


# ---------------------------------------------------------------- serialisation


def term_json(t: Any) -> dict[str, Any]:
    """A pyoxigraph term in SPARQL 1.1 JSON results form."""
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        d: dict[str, Any] = {"type": "literal", "value": t.value}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype.value != _XSD_STRING:
            d["datatype"] = t.datatype.value
        return d
    if isinstance(t, ox.Triple):
        return {
            "type": "triple",
            "value": {"subject": term_json(t.subject), "predicate": term_json(t.predicate), "object": term_json(t.object)},
        }
    raise StoreError(f"cannot serialise term {t!r}")


def results_json(ans: Answer) -> bytes:
    if ans.kind == "ask":
        return json.dumps({"head": {}, "boolean": ans.boolean}).encode()
    bindings = [{v: term_json(t) for v, t in zip(ans.vars, row, strict=True) if t is not None} for row in ans.rows]
    doc = {"head": {"vars": ans.vars}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def serialize(ans: Answer, fmt: str) -> tuple[bytes, str]:
    """Bytes and media type of an answer in ``fmt`` (one of the keys of RESULT_FORMATS/GRAPH_FORMATS)."""
    if ans.kind == "graph":
        rf = GRAPH_FORMATS[fmt]
        items: Any = ans.triples
        if rf.supports_datasets:  # TriG / N-Quads: the triples in the default graph
            items = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in ans.triples]
        return bytes(ox.serialize(items, format=rf, prefixes=PREFIXES)), GRAPH_MEDIA[fmt]
    body = results_json(ans)
    if fmt == "json":
        return body, RESULT_MEDIA[fmt]
    # XML, CSV and TSV through Oxigraph's own writers, from the (already capped) JSON.
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    return bytes(parsed.serialize(format=RESULT_FORMATS[fmt])), RESULT_MEDIA[fmt]


# ---------------------------------------------------------------- content negotiation


def _accept_ranges(accept: str) -> list[tuple[str, float]]:
    out = []
    for part in accept.split(","):
        bits = [b.strip() for b in part.split(";")]
        if not bits[0]:
            continue
        q = 1.0
        for b in bits[1:]:
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        out.append((bits[0].lower(), q))
    return out


def negotiate(accept: str | None, offered: tuple[tuple[str, str], ...]) -> str | None:
    """The format of the offered media type the client prefers (most specific range gives q)."""
    if not accept or not accept.strip():
        return offered[0][1]
    ranges = _accept_ranges(accept)
    best: tuple[float, str] | None = None
    for media, fmt in offered:
        major = media.split("/")[0]
        match = [(2, q) for r, q in ranges if r == media]
        match += [(1, q) for r, q in ranges if r == f"{major}/*"]
        match += [(0, q) for r, q in ranges if r == "*/*"]
        if not match:
            continue
        q = max(match)[1]
        if q > 0 and (best is None or q > best[0]):
            best = (q, fmt)
    return best[1] if best else None


def _explicit(kind: str, value: str) -> str | None:
    fmt = value.strip().lower()
    if "/" in fmt:  # a media type given as format= (some clients do)
        offered = GRAPH_TYPES if kind == "graph" else RESULT_TYPES
        return dict(offered).get(fmt.split(";")[0].strip())
    fmt = FORMAT_ALIASES.get(fmt, fmt)
    if kind == "graph":
        fmt = GRAPH_ALIASES.get(fmt, fmt)
    return fmt if fmt in (GRAPH_FORMATS if kind == "graph" else RESULT_FORMATS) else None


def pick_format(kind: str, accept: str | None, explicit: tuple[str, ...] | list[str] | str | None = ()) -> str:
    """``format=`` when it names one format that fits the result; otherwise (absent, repeated with
    different values, unknown, or for another kind of result) the ``Accept`` header decides."""
    values = [explicit] if isinstance(explicit, str) else list(explicit or [])
    chosen = {f for f in (_explicit(kind, v) for v in values) if f}
    if len(chosen) == 1:
        return chosen.pop()
    offered = GRAPH_TYPES if kind == "graph" else RESULT_TYPES
    fmt = negotiate(accept, offered)
    if fmt is None:
        types = ", ".join(dict.fromkeys(m for m, _ in offered))
        raise NotAcceptable(f"none of the Accept types ({accept}) fits a {kind} result; offered: {types}")
    return fmt


def failure(e: BaseException) -> tuple[int, str]:
    """HTTP status and detail of a failed job."""
    if isinstance(e, RemoteRefused):
        return 403, str(e)
    if isinstance(e, QueryError):
        return 400, str(e)
    if isinstance(e, NotAcceptable):
        return 406, str(e)
    if isinstance(e, StoreError):
        return 503, str(e)
    if isinstance(e, Cancelled):
        return 503, "query cancelled"
    return 500, "internal error"


__all__ = ["Answer", "Job", "NotAcceptable", "Reply", "evaluate", "execute", "failure", "negotiate", "pick_format",
           "serialize"]  # fmt: skip
