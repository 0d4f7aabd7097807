"""Rendering query results for people and scripts: table, CSV, TSV, JSON."""

from __future__ import annotations

import csv
import io
import json

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from kg.errors import QueryError
from kg.store import Result


def plain(t: Node | None) -> str:
    return "" if t is None else str(t)


def term_json(t: Node | None) -> dict[str, str] | None:
    """A term in SPARQL 1.1 JSON results form."""
    if t is None:
        return None
    if isinstance(t, URIRef):
        return {"type": "uri", "value": str(t)}
    if isinstance(t, BNode):
        return {"type": "bnode", "value": str(t)}
    assert isinstance(t, Literal)
    d = {"type": "literal", "value": str(t)}
    if t.language:
        d["xml:lang"] = t.language
    elif t.datatype:
        d["datatype"] = str(t.datatype)
    return d


def render(result: Result, fmt: str) -> str:
    if result.kind == "ask":
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": result.boolean}) + "\n"
        return ("true" if result.boolean else "false") + "\n"
    if result.kind == "graph":
        assert result.graph is not None
        return result.graph.serialize(format="json-ld" if fmt == "json" else "turtle")
    if fmt == "json":
        bindings = [{v: term_json(t) for v, t in zip(result.vars, row) if t is not None} for row in result.rows]
        return json.dumps({"head": {"vars": result.vars}, "results": {"bindings": bindings}}, ensure_ascii=False,
                          indent=1) + "\n"
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        w = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        w.writerow(result.vars)
        w.writerows([plain(t) for t in row] for row in result.rows)
        return buf.getvalue()
    if fmt != "table":
        raise QueryError(f"unknown format {fmt!r}: table, csv, tsv or json")
    cells = [[plain(t) for t in row] for row in result.rows]
    # long text is cut at 60 characters; an IRI never is (it is what the next query takes)
    iri_col = [any(isinstance(row[i], URIRef) for row in result.rows) for i in range(len(result.vars))]
    widths = [max([len(v)] + [len(r[i]) for r in cells]) for i, v in enumerate(result.vars)]
    widths = [w if iri_col[i] else min(60, w) for i, w in enumerate(widths)]

    def line(vals: list[str]) -> str:
        return "  ".join((v if len(v) <= w else v[: w - 1] + "…").ljust(w) for v, w in zip(vals, widths)).rstrip()

    out = [line(result.vars), "  ".join("-" * w for w in widths)] + [line(r) for r in cells]
    out.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(out) + "\n"
