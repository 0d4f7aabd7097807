"""The network's data: a handful of SPARQL SELECTs -> a ``networkx.MultiDiGraph``, and the cuts of it.

- ``build_network(store, …)``: one SELECT per edge kind, never one per node; ``at`` keeps the role
  holdings current on that date (derived graph: kg:firstSeen ≤ at and not kg:endedBy ≤ at);
  ``focus``/``depth`` cut an ego network (``find_focus``, ``neighbourhood``, ``ego_network``); names are
  found by the catalog's name index (:meth:`kg.catalog.catalog.Indexes.named`), the one the API searches.
- ``top_nodes(g, limit)``: the most connected nodes when the network is too big to draw.

The layout is :mod:`kg.viz.layout`; the HTML page is :mod:`kg.viz.page`.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
from rdflib import URIRef

from kg.catalog.catalog import Indexes, load_names
from kg.errors import QueryError
from kg.store import Store, values_first
from kg.text import ascii_fold, collapse_ws
from kg.vocab import DERIVED_GRAPH

# ---------------------------------------------------------------- look

# kind -> (Vietnamese legend label, vis shape, colour). Shapes differ too, for colour-blind readers.
KINDS: dict[str, tuple[str, str, str]] = {
    "person": ("Người", "dot", "#2b6cb0"),
    "unit": ("Đơn vị", "square", "#2f855a"),
    "document": ("Văn bản", "triangle", "#c05621"),
    "award": ("Khen thưởng", "star", "#b7791f"),
    "event": ("Sự kiện", "diamond", "#6b46c1"),
}
# edge kind -> (Vietnamese legend label, colour)
EDGE_KINDS: dict[str, tuple[str, str]] = {
    "holds": ("giữ chức vụ tại", "#4a78b5"),
    "sub_unit": ("trực thuộc", "#5a9e6f"),
    "cites": ("trích dẫn", "#d08a4c"),
    "issued": ("ban hành", "#b86b3a"),
    "awarded": ("được tặng", "#c9a227"),
    "organised": ("tổ chức", "#8a6cc9"),
    "attended": ("tham dự", "#b3a2dd"),
}
MAX_QUOTE = 280  # characters of an evidence sentence kept in the page
MAX_NODE_ARTICLES = 12  # "mentioned in" links per node in the side panel
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_BAD_IRI_CHARS = re.compile(r'[\x00-\x20<>"{}|^`\\]')

# ---------------------------------------------------------------- queries (selective pattern first)

# Three plain queries, not one with two OPTIONALs: Oxigraph 0.5 evaluated that form in 72 s at 2,000
# articles (0.1 s this way). Labels per graph, to pick the spelling most articles use.
_NODE_TYPES = "VALUES ?type { kg:Person kg:Organization kg:Document kg:Award kg:Event }"
Q_NODES = f"SELECT DISTINCT ?n ?type WHERE {{ {_NODE_TYPES} ?n a ?type . }}"
Q_LABELS = f"SELECT ?n ?label WHERE {{ {_NODE_TYPES} GRAPH ?g {{ ?n a ?type ; rdfs:label ?label }} }}"
Q_KINDS = "SELECT DISTINCT ?n ?kind WHERE { ?n kg:kind ?kind }"
# Cut to a node list (VALUES ?n first), a second VALUES block made the same query 10-40x slower.
_TYPE_IN = "FILTER(?type IN (kg:Person, kg:Organization, kg:Document, kg:Award, kg:Event))"
Q_NODES_IN = f"SELECT DISTINCT ?n ?type WHERE {{ ?n a ?type . {_TYPE_IN} }}"
Q_LABELS_IN = "SELECT ?n ?label WHERE { GRAPH ?g { ?n rdfs:label ?label } }"

Q_NAMEKEYS = "SELECT DISTINCT ?n ?key WHERE { ?n kg:nameKey ?key }"
Q_HONORIFICS = "SELECT DISTINCT ?n ?hon WHERE { ?n kg:honorific ?hon }"

Q_ARTICLES = """
SELECT ?art ?title ?url ?date WHERE {
  ?art a kg:Article .
  OPTIONAL { ?art dcterms:title ?title }
  OPTIONAL { ?art schema:url ?url }
  OPTIONAL { ?art schema:datePublished ?date }
}"""

Q_MENTIONS = "SELECT DISTINCT ?art ?n WHERE { ?art kg:mentions ?n }"

# One row per holding per article: the title as that article wrote it, its date and sentence.
Q_HOLDINGS = """
SELECT ?h ?p ?o ?title ?asof ?art ?quote WHERE {
  GRAPH ?g {
    ?h org:member ?p ; kg:title ?title ; prov:wasDerivedFrom ?art .
    OPTIONAL { ?h org:organization ?o }
    OPTIONAL { ?h kg:asOf ?asof }
    OPTIONAL { ?h kg:evidence ?s . ?s kg:text ?quote }
  }
}"""

Q_TIMELINE = f"""
SELECT ?h ?first ?last ?end WHERE {{
  GRAPH <{DERIVED_GRAPH}> {{
    ?h kg:firstSeen ?first .
    OPTIONAL {{ ?h kg:lastSeen ?last }}
    OPTIONAL {{ ?h kg:endedBy ?end }}
  }}
}}"""

Q_SUBUNITS = "SELECT DISTINCT ?o ?parent WHERE { ?o org:subOrganizationOf ?parent }"

Q_CITATIONS = """
SELECT ?doc ?unit ?art ?quote WHERE {
  GRAPH ?g {
    ?c kg:cites ?doc ; prov:wasDerivedFrom ?art .
    OPTIONAL { ?c kg:citedBy ?unit }
    OPTIONAL { ?c kg:evidence ?s . ?s kg:text ?quote }
  }
}"""

Q_ISSUERS = "SELECT DISTINCT ?doc ?issuer WHERE { ?doc dcterms:creator ?issuer }"

Q_AWARDS = """
SELECT ?award ?rec ?by ?year ?art ?quote WHERE {
  GRAPH ?g {
    ?c kg:award ?award ; prov:wasDerivedFrom ?art .
    OPTIONAL { ?c kg:recipient ?rec }
    OPTIONAL { ?c kg:conferredBy ?by }
    OPTIONAL { ?c kg:year ?year }
    OPTIONAL { ?c kg:evidence ?s . ?s kg:text ?quote }
  }
}"""

Q_EVENTS = """
SELECT ?e ?date ?org ?att ?art WHERE {
  GRAPH ?g {
    ?e a kg:Event ; prov:wasDerivedFrom ?art .
    OPTIONAL { ?e schema:startDate ?date }
    { ?e schema:organizer ?org } UNION { ?e schema:attendee ?att }
  }
}"""

_TYPE_KIND = {
    "https://w3id.org/kg-vn/ontology#Person": "person",
    "https://w3id.org/kg-vn/ontology#Organization": "unit",
    "https://w3id.org/kg-vn/ontology#Document": "document",
    "https://w3id.org/kg-vn/ontology#Award": "award",
    "https://w3id.org/kg-vn/ontology#Event": "event",
}


def _s(term: Any) -> str | None:
    return None if term is None else str(term)


def _year(date: str | None) -> int | None:
    return int(date[:4]) if date and date[:4].isdigit() else None


def check_at(at: str | None) -> str | None:
    """``at`` must be YYYY, YYYY-MM or YYYY-MM-DD (compared as ISO strings)."""
    if at is None or at == "":
        return None
    at = at.strip()
    if not _DATE.match(at):
        raise QueryError(f"--at expects a date YYYY-MM-DD (or YYYY-MM, YYYY), got {at[:40]!r}")
    return at


# ---------------------------------------------------------------- network


@dataclass(frozen=True)
class Evidence:
    article: str  # article IRI (looked up in g.graph["articles"])
    date: str | None
    quote: str | None


def build_network(
    store: Store, *, focus: str | None = None, depth: int = 2, at: str | None = None, names: Indexes | None = None
) -> nx.MultiDiGraph:
    """The network of the whole store (or the ego network of ``focus`` within ``depth`` hops).

    Nodes: ``kind`` (person, unit, document, award, event), ``label``, ``unit_kind``, ``honorifics``,
    ``articles`` (IRIs mentioning it). Edges (keyed by kind + source fact): ``kind``, ``label``
    (the title, for role holdings), ``first``/``last``/``ended`` dates, ``years``, ``evidence``.
    ``g.graph["articles"]`` maps article IRIs to title, url and date; ``g.graph["focus"]`` lists the
    matched nodes. Raises QueryError when ``focus`` matches nothing. ``names``: the name indexes to find
    ``focus`` in (a server passes its catalog's); without them they are read from the store.
    """
    at = check_at(at)
    focus_nodes: list[str] = []
    only: set[str] | None = None  # with a focus: the nodes within reach; every query is cut to them
    if focus is not None and focus.strip():
        focus_nodes = find_focus(store, focus, names)
        if not focus_nodes:
            raise QueryError(
                f"nothing matches focus {collapse_ws(focus)[:80]!r}: give a person's, unit's, document's, "
                "award's or event's name (diacritics and case do not matter) or an IRI"
            )
        only = neighbourhood(store, focus_nodes, depth)

    def rows(sparql: str, var: str, cut_form: str | None = None) -> list[tuple[Any, ...]]:
        return store.query(restrict(cut_form or sparql, var, only) if only is not None else sparql).rows

    g = nx.MultiDiGraph()
    _add_nodes(g, rows)
    mentions = rows(Q_MENTIONS, "n")
    articles = _articles(store, None if only is None else {str(a) for a, _ in mentions})
    g.graph["articles"] = articles

    def date_of(art: str) -> str | None:
        a = articles.get(art)
        return a["date"] if a else None

    _add_holdings(store, g, at, rows, only is not None)
    for o, parent in rows(Q_SUBUNITS, "o"):
        _edge(g, str(o), str(parent), "sub_unit", f"sub:{o}>{parent}", {})
    for doc, unit, art, quote in rows(Q_CITATIONS, "doc"):
        if unit is not None:
            _edge(g, str(unit), str(doc), "cites", f"cite:{unit}>{doc}", {},
                  Evidence(str(art), date_of(str(art)), _s(quote)), at)  # fmt: skip
    for doc, issuer in rows(Q_ISSUERS, "doc"):
        _edge(g, str(issuer), str(doc), "issued", f"issued:{issuer}>{doc}", {})
    for award, rec, by, year, art, quote in rows(Q_AWARDS, "award"):
        if rec is None:
            continue
        y = _s(year)
        attrs = {"conferred_by": _s(by), "label": y or ""}
        _edge(g, str(award), str(rec), "awarded", f"award:{award}>{rec}>{y}", attrs,
              Evidence(str(art), y or date_of(str(art)), _s(quote)), at)  # fmt: skip
    for e, date, org, att, art in rows(Q_EVENTS, "e"):
        d = _s(date) or date_of(str(art))
        ev = Evidence(str(art), d, None)
        if org is not None:
            _edge(g, str(org), str(e), "organised", f"org:{org}>{e}", {}, ev, at)
        if att is not None:
            _edge(g, str(att), str(e), "attended", f"att:{att}>{e}", {}, ev, at)
    _mentions(g, mentions)
    _finish_years(g)

    if at:  # the network as of a date: what was not current then drops out
        g.remove_nodes_from([n for n in list(g.nodes) if g.degree(n) == 0 and n not in focus_nodes])
    if focus_nodes:
        g = ego_network(g, focus_nodes, depth)  # exact hops over the edges drawn (and current at ``at``)
    g.graph["focus"] = focus_nodes
    g.graph["at"] = at
    return g


def restrict(sparql: str, var: str, iris: Iterable[str] | None) -> str:
    """``sparql`` with ``VALUES ?var { <iri> … }`` first in its WHERE block (None: unchanged).

    The IRIs come from the store, and still pass ``term_sparql`` (see ``values_first``).
    """
    if iris is None:
        return sparql
    return values_first(sparql, [var], [(URIRef(i),) for i in sorted(iris)])


_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def find_focus(store: Store, focus: str, names: Indexes | None = None) -> list[str]:
    """Nodes named by ``focus``: an IRI in the store as is; else what the name indexes rank first
    (``Indexes.named``: every exact folded name, else every prefix and token match), read from the
    store with ``load_names`` when not given."""
    text = collapse_ws(focus)
    if _IRI.match(text) and not _BAD_IRI_CHARS.search(text):
        if store.query(restrict(Q_NODES_IN, "n", [text])).rows:
            return [text]
    return (names if names is not None else load_names(store)).named(text)


# One hop in every direction over the edges the page draws; VALUES first drives each branch.
Q_NEIGHBOURS = """
SELECT DISTINCT ?y WHERE {
  { ?h org:member ?x ; org:organization ?y } UNION { ?h org:organization ?x ; org:member ?y }
  UNION { ?x org:subOrganizationOf ?y } UNION { ?y org:subOrganizationOf ?x }
  UNION { ?c kg:citedBy ?x ; kg:cites ?y } UNION { ?c kg:cites ?x ; kg:citedBy ?y }
  UNION { ?x dcterms:creator ?y } UNION { ?y dcterms:creator ?x }
  UNION { ?c kg:award ?x ; kg:recipient ?y } UNION { ?c kg:recipient ?x ; kg:award ?y }
  UNION { ?x schema:organizer ?y } UNION { ?y schema:organizer ?x }
  UNION { ?x schema:attendee ?y } UNION { ?y schema:attendee ?x }
}"""
MAX_RESTRICT = 20_000  # beyond this many nodes, reading everything is cheaper than a huge VALUES block


def neighbourhood(store: Store, centres: Iterable[str], depth: int) -> set[str] | None:
    """Every node within ``depth`` hops of the centres: one query per hop (None: too many to list)."""
    seen = set(centres)
    frontier = set(seen)
    for _ in range(max(depth, 0)):
        if not frontier:
            break
        found = {str(y) for (y,) in store.query(restrict(Q_NEIGHBOURS, "x", frontier)).rows}
        frontier = found - seen
        seen |= frontier
        if len(seen) > MAX_RESTRICT:
            return None
    return seen


def _add_nodes(g: nx.MultiDiGraph, rows: Any) -> None:
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    kinds: dict[str, str] = {}
    unit_kind: dict[str, str] = {}
    for n, typ in rows(Q_NODES, "n", Q_NODES_IN):
        kinds.setdefault(str(n), _TYPE_KIND[str(typ)])
    for n, label in rows(Q_LABELS, "n", Q_LABELS_IN):
        labels[str(n)][str(label)] += 1
    for n, kind in rows(Q_KINDS, "n"):
        unit_kind[str(n)] = str(kind)
    keys = {str(n): str(k) for n, k in rows(Q_NAMEKEYS, "n")}
    hons: dict[str, list[str]] = defaultdict(list)
    for n, h in rows(Q_HONORIFICS, "n"):
        hons[str(n)].append(str(h))
    for iri in sorted(kinds):
        # the most frequent spelling across articles; ties go to the alphabetically first
        label = min(labels[iri].items(), key=lambda kv: (-kv[1], kv[0]))[0] if labels[iri] else iri
        g.add_node(
            iri,
            kind=kinds[iri],
            label=label,
            key=keys.get(iri) or ascii_fold(label),
            unit_kind=unit_kind.get(iri),
            honorifics=sorted(set(hons.get(iri, ()))),
            articles=[],
        )


def _articles(store: Store, only: set[str] | None) -> dict[str, dict[str, str | None]]:
    """Title, url and date of every article (or only of these)."""
    out: dict[str, dict[str, str | None]] = {}
    if only is not None and not only:
        return out
    for art, title, url, date in store.query(restrict(Q_ARTICLES, "art", only)).rows:
        out[str(art)] = {"title": _s(title), "url": _s(url), "date": _s(date)}
    return out


def _edge(
    g: nx.MultiDiGraph,
    u: str,
    v: str,
    kind: str,
    key: str,
    attrs: Mapping[str, Any],
    evidence: Evidence | None = None,
    at: str | None = None,
) -> None:
    """Add (or extend with more evidence) one edge between two known nodes; dated after ``at``: skip."""
    if u not in g or v not in g:
        return
    if at and evidence is not None and evidence.date and evidence.date[: len(at)] > at:
        return
    if g.has_edge(u, v, key):
        data = g.edges[u, v, key]
    else:
        g.add_edge(u, v, key=key, kind=kind, label="", evidence=[], first=None, last=None, ended=None)
        data = g.edges[u, v, key]
        data.update(attrs)
    if evidence is not None:
        data["evidence"].append(evidence)
        if evidence.date:
            data["first"] = min(filter(None, (data["first"], evidence.date)))
            data["last"] = max(filter(None, (data["last"], evidence.date)))


def _add_holdings(store: Store, g: nx.MultiDiGraph, at: str | None, query: Any, restricted: bool) -> None:
    rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for r in query(Q_HOLDINGS, "p"):
        rows[str(r[0])].append(r)
    tq = restrict(Q_TIMELINE, "h", rows) if restricted else Q_TIMELINE
    timeline = {str(h): (_s(f), _s(la), _s(e)) for h, f, la, e in (store.query(tq).rows if rows else [])}
    for h in sorted(rows):
        first, last, ended = timeline.get(h, (None, None, None))
        if at and not (first and first <= at and not (ended and ended <= at)):
            continue  # not current on that date (or never dated)
        group = rows[h]
        p, o = str(group[0][1]), next((str(r[2]) for r in group if r[2] is not None), None)
        # the label is the title as the latest article wrote it
        latest = max(group, key=lambda r: (str(r[4] or ""), str(r[3])))
        titles = sorted({str(r[3]) for r in group})
        evidence = sorted(
            {Evidence(str(r[5]), _s(r[4]), _s(r[6])) for r in group}, key=lambda e: (e.date or "", e.article)
        )
        if p not in g:
            continue
        target = o if o is not None and o in g else None
        holding = {"iri": h, "title": str(latest[3]), "titles": titles, "unit": target,
                   "first": first, "last": last, "ended": ended, "evidence": evidence}  # fmt: skip
        g.nodes[p].setdefault("holdings", []).append(holding)
        if target is None:
            continue  # a role without a known unit: shown in the person's panel only
        g.add_edge(p, target, key=f"holds:{h}", kind="holds", label=str(latest[3]), titles=titles,
                   evidence=evidence, first=first, last=last, ended=ended, holding=h)  # fmt: skip


def _mentions(g: nx.MultiDiGraph, mentions: list[tuple[Any, ...]]) -> None:
    arts = g.graph["articles"]
    seen: dict[str, list[str]] = defaultdict(list)
    for art, n in mentions:
        seen[str(n)].append(str(art))
    for n, lst in seen.items():
        if n in g:
            lst.sort(key=lambda a: (arts.get(a, {}).get("date") or "", a), reverse=True)
            g.nodes[n]["articles"] = lst


def _finish_years(g: nx.MultiDiGraph) -> None:
    """Each edge's years (from its dates and evidence); each node's years: the union of its edges'."""
    for u, v, data in g.edges(data=True):
        years: set[int] = set()
        a, b = _year(data.get("first")), _year(data.get("ended") or data.get("last"))
        if a and b and b >= a and b - a <= 80:
            years.update(range(a, b + 1))
        years.update(y for y in (_year(e.date) for e in data.get("evidence", ())) if y)
        data["years"] = sorted(years)
    for n in g.nodes:
        ys: set[int] = set()
        for _, _, d in g.edges(n, data=True):
            ys.update(d["years"])
        for _, _, d in g.in_edges(n, data=True):
            ys.update(d["years"])
        g.nodes[n]["years"] = sorted(ys)


def ego_network(g: nx.MultiDiGraph, centres: Iterable[str], depth: int) -> nx.MultiDiGraph:
    """The nodes within ``depth`` hops (either direction) of any centre, with the edges among them."""
    und = g.to_undirected(as_view=True)
    keep: set[str] = set()
    for c in centres:
        keep.update(nx.single_source_shortest_path_length(und, c, cutoff=max(depth, 0)))
    sub = g.subgraph(keep).copy()
    sub.graph.update(g.graph)
    return sub


def top_nodes(g: nx.MultiDiGraph, limit: int, keep: Iterable[str] = ()) -> tuple[nx.MultiDiGraph, str]:
    """At most ``limit`` nodes, the most connected first (``keep`` always stays); and what was hidden."""
    if g.number_of_nodes() <= limit:
        return g, ""
    must = [n for n in keep if n in g]
    rest = sorted((n for n in g.nodes if n not in set(must)), key=lambda n: (-g.degree(n), g.nodes[n]["label"], n))
    chosen = set(must) | set(rest[: max(limit - len(must), 0)])
    hidden = Counter(g.nodes[n]["kind"] for n in g.nodes if n not in chosen)
    sub = g.subgraph(chosen).copy()
    sub.graph.update(g.graph)
    parts = ", ".join(f"{hidden[k]:,} {KINDS[k][0].lower()}" for k in KINDS if hidden[k])
    note = (
        f"Đang hiện {len(chosen):,} trên {g.number_of_nodes():,} nút (nhiều liên kết nhất). "
        f"Ẩn {sum(hidden.values()):,}: {parts}. "
        "Để xem một nút bị ẩn: kg viz --focus \"TÊN\" (hoặc /graph?focus=TÊN), hoặc tăng --limit."
    )
    return sub, note


__all__ = ["EDGE_KINDS", "KINDS", "Evidence", "build_network", "check_at", "ego_network", "find_focus",
           "neighbourhood", "restrict", "top_nodes"]
