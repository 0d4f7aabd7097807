"""Saved SPARQL queries (``queries/*.rq``) with their header: summary and typed parameters.

Header grammar (comment lines at the top of the file)::

    # summary: Who held a title at a unit on a date
    # param: title (literal) — the post as written. e.g. Hiệu trưởng
    # param: at (date, optional) — the date. e.g. 2024-01-12

Parameter types: ``iri``, ``literal``, ``date``, ``integer``. Values are bound with a VALUES block
(see ``store.bind_values``), never pasted into the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import XSD, Literal, URIRef
from rdflib.term import Node

from kg.config import StoreSettings
from kg.errors import QueryError
from kg.store import PREFIXES, Result, Store

_PARAM = re.compile(
    r"#\s*param:\s*(?P<name>\w+)\s*\((?P<type>iri|literal|date|integer)(?P<opt>,\s*optional)?\)"
    r"\s*(?:[—-]+\s*)?(?P<doc>.*?)(?:\s*e\.g\.\s*(?P<example>.+))?$"
)
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    optional: bool
    doc: str
    example: str | None


@dataclass(frozen=True)
class Query:
    name: str
    summary: str
    params: tuple[Param, ...]
    text: str
    path: str


def queries_dir(settings: StoreSettings | None = None) -> Path:
    """``KG_QUERIES``, else ``queries/`` of the checkout (beside src/), else ./queries."""
    env = (settings or StoreSettings.from_env()).queries_dir
    if env:
        return Path(env)
    here = Path(__file__).resolve().parents[3] / "queries"
    return here if here.is_dir() else Path("queries")


def parse_query(path: Path) -> Query:
    text = path.read_text(encoding="utf-8")
    summary = ""
    params = []
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        if line.lstrip("# ").startswith("summary:"):
            summary = line.split("summary:", 1)[1].strip()
        elif m := _PARAM.match(line.strip()):
            params.append(
                Param(m["name"], m["type"], bool(m["opt"]), m["doc"].strip(), (m["example"] or "").strip() or None)
            )
        elif "param:" in line:
            raise QueryError(f"{path.name}: cannot read parameter line {line!r}")
    if not summary:
        raise QueryError(f"{path.name}: no '# summary:' line in the header")
    return Query(path.stem, summary, tuple(params), text, str(path))


def load_queries(directory: Path | None = None) -> dict[str, Query]:
    d = directory or queries_dir()
    return {p.stem: parse_query(p) for p in sorted(d.glob("*.rq"))}


def get_query(name: str, directory: Path | None = None) -> Query:
    qs = load_queries(directory)
    if name not in qs:
        raise QueryError(f"No query {name!r}. Available: {', '.join(qs) or '(none)'}")
    return qs[name]


def expand_iri(value: str) -> str:
    """``kg:Person`` -> the full IRI, for the prefixes queries know; full IRIs pass unchanged."""
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    if not value.startswith(("http://", "https://", "urn:")):
        raise QueryError(f"not a valid IRI: {value!r} (give https://… or a known prefix such as kg:)")
    return value


def to_term(p: Param, value: str) -> Node:
    if p.type == "iri":
        return URIRef(expand_iri(value))
    if p.type == "date":
        if not _DATE.match(value):
            raise QueryError(f"parameter {p.name}: expected a date YYYY-MM-DD, got {value!r}")
        return Literal(value, datatype={10: XSD.date, 7: XSD.gYearMonth, 4: XSD.gYear}[len(value)])
    if p.type == "integer":
        if not value.lstrip("-").isdigit():
            raise QueryError(f"parameter {p.name}: expected an integer, got {value!r}")
        return Literal(int(value))
    return Literal(value)


def bindings_for(q: Query, values: dict[str, str]) -> dict[str, Node]:
    known = {p.name: p for p in q.params}
    unknown = set(values) - set(known)
    if unknown:
        raise QueryError(f"{q.name}: unknown parameter(s) {', '.join(sorted(unknown))}. Known: {', '.join(known)}")
    missing = [p.name for p in q.params if not p.optional and p.name not in values]
    if missing:
        raise QueryError(f"{q.name}: missing parameter(s) {', '.join(missing)}")
    return {k: to_term(known[k], v) for k, v in values.items()}


def run_query(store: Store, name: str, values: dict[str, str] | None = None, directory: Path | None = None) -> Result:
    q = get_query(name, directory)
    return store.query(q.text, bindings_for(q, values or {}))
