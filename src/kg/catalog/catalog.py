"""What the REST API asks the store, and the in-memory name index it searches.

- SPARQL templates: each starts with its bound pattern (Oxigraph joins in the written order, so
  the selective pattern must come first; MEASURED.md shows 20x differences). Values are bound with
  ``store.query(q, bindings)`` or :func:`bind_many` (a VALUES block of checked rdflib terms), never
  pasted as text.
- :class:`NameIndex`: folded name key -> entity, built at start-up and refreshed after writes, so a
  search never scans labels in the store (a full label scan costs 0.2–0.9 s at 10M triples).
- :class:`Catalog`: the API's questions as methods returning the models of :mod:`kg.catalog.records`.
"""

from __future__ import annotations

import bisect
import json
import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

import pyoxigraph as ox
from rdflib import XSD, Literal, URIRef
from rdflib.term import Node

from kg.catalog.records import (
    ArticleGraph,
    ArticleRef,
    AwardOut,
    CitationOut,
    DocHit,
    DocumentProfile,
    DocumentRef,
    EntityRef,
    EventOut,
    EvidenceOut,
    OrgHit,
    OrgProfile,
    PersonHit,
    PersonProfile,
    SameAsCandidate,
    Stats,
    TripleOut,
)
from kg.errors import QueryError, StoreError
from kg.ids import article_graph
from kg.store import PREFIXES, Store, values_first
from kg.text import ascii_fold, fold
from kg.vocab import BASE, DERIVED_GRAPH, GRAPH, ID

D = f"<{DERIVED_GRAPH}>"
SEGMENT = r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,199}(/[A-Za-z0-9._~-]{1,100}){0,4}$"
_SEGMENT = re.compile(SEGMENT)
_CHUNK = 400
MAX_EVIDENCE = 10  # sentences shown per holding (the latest); evidence_total counts them all

# ---------------------------------------------------------------- ids <-> IRIs (the one mapping)

# URL path word -> the {kind} of https://w3id.org/kg-vn/id/{kind}/{segment}
KINDS = {"person": "person", "organization": "org", "document": "doc", "role": "role", "award": "award"}


def iri_of(kind: str, segment: str) -> URIRef | None:
    """``("person", "nguyen-van-a-3f9a01bc2d")`` -> the person's IRI; None when not an id at all."""
    if not _SEGMENT.match(segment):
        return None
    return ID[f"{KINDS[kind]}/{segment}"]


def segment_of(iri: str) -> str:
    """What ``/people/{id}`` takes: the path after ``id/{kind}/`` (``tw/nq/45-…`` for documents)."""
    if iri.startswith(str(ID)):
        kind, _, rest = iri[len(str(ID)) :].partition("/")
        if rest:
            return rest
    return iri.rstrip("/").rsplit("/", 1)[-1]


# the {kind} of one of our IRIs -> the URL path word of its page (/people/{id}.html) and JSON route
PAGE_ROUTES = {"person": "people", "org": "organizations", "doc": "documents", "article": "articles"}


def page_href(iri: str | None) -> str | None:
    """The HTML page of one of our IRIs (``/people/{id}.html`` …), or None for IRIs that have no page.
    Every page that shows an IRI links it with this: the entity pages, the network page's panel."""
    if not iri:
        return None
    for base in (str(ID), str(GRAPH)):
        if iri.startswith(base):
            kind, _, rest = iri[len(base) :].partition("/")
            route = PAGE_ROUTES.get(kind)
            if route and rest:
                return f"/{route}/{quote(rest, safe='/-._~')}.html"
    return None


def article_graphs_for(article_id: str) -> list[URIRef]:
    """The named graphs an article may have, from its own id ("vd-2024-001") or its IRI's segment
    ("vd-2024-001-3f9a01bc2d"): the own-id graph first, since an id may itself end in 10 hex digits."""
    graphs = [article_graph(article_id)]
    if "/" not in article_id and _SEGMENT.match(article_id) and re.search(r"-[0-9a-f]{10}$", article_id):
        graphs.append(GRAPH[f"article/{article_id}"])
    return graphs


def bind_many(sparql: str, var: str, terms: Iterable[Node]) -> str:
    """``VALUES ?var { t1 t2 … }`` at the start of the first WHERE block (see ``values_first``)."""
    return values_first(sparql, [var], [(t,) for t in terms])  # type: ignore[misc]


def _int_or_none(v: str | None) -> int | None:
    try:
        return int(v) if v is not None else None
    except ValueError:
        return None


def _s(t: Node | None) -> str | None:
    return None if t is None else str(t)


def _int(t: Node | None) -> int | None:
    if t is None:
        return None
    try:
        return int(str(t)[:4]) if isinstance(t, Literal) and t.datatype == XSD.gYear else int(str(t))
    except ValueError:
        return None


# ---------------------------------------------------------------- templates
#
# The default graph is the union of the articles' graphs and Oxigraph keeps a triple once per graph
# it is in: a join of two patterns on a node that many articles mention multiplies those copies
# ("?r a kg:Role ; skos:prefLabel ?l" gave 6.3M rows for 9 roles on 2,000 articles, in 103 s). So:
# joins run inside one article's graph (GRAPH ?g { … }), and everything else is a lookup of bound
# subjects (DESCRIBE_*) assembled in Python. No OPTIONAL on hot paths either: Oxigraph evaluates
# the optional side unbound and hash-joins it (377 ms instead of 0.1 ms for 3 holdings).

# The index, whole store (start-up) or one article's graph (after a write).
INDEX_PEOPLE = "SELECT DISTINCT ?x ?name WHERE { ?x foaf:name ?name }"
INDEX_ORGS = "SELECT DISTINCT ?x ?name ?kind WHERE { GRAPH ?g { ?x kg:kind ?kind ; rdfs:label ?name } }"
INDEX_ALIASES = "SELECT DISTINCT ?x ?name WHERE { ?x kg:alias ?name }"
INDEX_DOCS = "SELECT DISTINCT ?x ?name WHERE { GRAPH ?g { ?x a kg:Document ; rdfs:label ?name } }"
INDEX_DOC_NUMBERS = "SELECT DISTINCT ?x ?number WHERE { ?x kg:documentNumber ?number }"
INDEX_DOC_KINDS = "SELECT DISTINCT ?x ?kind WHERE { ?x kg:documentKind ?kind }"
INDEX_AWARDS = "SELECT DISTINCT ?x ?name WHERE { GRAPH ?g { ?x a kg:Award ; rdfs:label ?name } }"
INDEX_EVENTS = "SELECT DISTINCT ?x ?name WHERE { GRAPH ?g { ?x a kg:Event ; rdfs:label ?name } }"
INDEX_ROLES = "SELECT DISTINCT ?x ?name WHERE { ?x skos:prefLabel ?name }"

# A title exactly as an article writes it ("Phó Bí thư Đảng ủy") -> the posts it was read as.
ROLES_BY_TITLE = "SELECT DISTINCT ?role WHERE { GRAPH ?g { ?h kg:title ?title . ?h org:role ?role } }"

# Holdings of a post at a unit: unit first (a unit has few holdings, a post has many).
HOLDINGS_OF_PERSON = "SELECT DISTINCT ?h WHERE { ?h org:member ?person }"
HOLDINGS_OF_UNIT = "SELECT DISTINCT ?h WHERE { ?h org:organization ?org }"

# A holding's own triples, the same in every article that states it (its key is person + post + unit).
HOLDING_FIXED = """SELECT DISTINCT ?h ?p ?o WHERE { ?h ?p ?o FILTER(?p IN (org:member, org:role, org:organization)) }"""
HOLDING_UNITS = "SELECT DISTINCT ?h ?o WHERE { ?h org:organization ?o }"
# What each article says of a holding: its date, the title as written, the article and the sentence.
# (all inside the article's graph: the sentence is written there too)
STATEMENTS = """SELECT DISTINCT ?h ?g ?d ?title ?art ?s ?text ?b ?e ?m ?r WHERE {
  GRAPH ?g { ?h kg:asOf ?d ; kg:title ?title ; prov:wasDerivedFrom ?art ; kg:evidence ?s ; org:member ?m ; org:role ?r .
             ?s kg:text ?text ; kg:start ?b ; kg:end ?e } }"""
TITLES = "SELECT DISTINCT ?h ?d ?title WHERE { GRAPH ?g { ?h kg:asOf ?d ; kg:title ?title } }"
PERSON_HOLDINGS = "SELECT DISTINCT ?person ?h WHERE { ?h org:member ?person }"
TIMELINE = f"""SELECT DISTINCT ?h ?p ?o WHERE {{ GRAPH {D} {{ ?h ?p ?o }}
  FILTER(?p IN (kg:firstSeen, kg:lastSeen, kg:endedBy, kg:succeededBy)) }}"""
# Articles and successor holdings: only what a reference needs.
REFS = """SELECT DISTINCT ?x ?p ?o WHERE {
  ?x ?p ?o FILTER(?p IN (dcterms:identifier, dcterms:title, schema:datePublished, schema:url, org:member)) }"""
# The unit structure, kept in memory beside the name index (a few thousand edges at 10M triples).
INDEX_PARTY_ORGANS = "SELECT DISTINCT ?x ?u WHERE { ?x kg:partyOrganizationOf ?u }"
INDEX_SUB_UNITS = "SELECT DISTINCT ?x ?u WHERE { ?x org:subOrganizationOf ?u }"
# Article references (id, title, date, url), kept in memory too: every piece of evidence names its
# article, and these never change while the article is in the store (a write refreshes them).
# One predicate each, joined in Python: a scan of one predicate is sequential, a join per article is a
# point lookup each (17 s instead of ~2 s for 80,000 articles on a loaded machine).
INDEX_ARTICLES = "SELECT ?a ?id WHERE { ?a dcterms:identifier ?id }"
INDEX_ARTICLE_FIELDS = {
    "title": "SELECT ?a ?v WHERE { ?a dcterms:title ?v }",
    "published": "SELECT ?a ?v WHERE { ?a schema:datePublished ?v }",
    "url": "SELECT ?a ?v WHERE { ?a schema:url ?v }",
}

# Everything said about bound subjects: in the union, per article graph, or in the derived graph.
DESCRIBE = "SELECT DISTINCT ?x ?p ?o WHERE { ?x ?p ?o }"
# Articles and sentences: only what a reference needs (an article also has a kg:mentions per entity).
# (a FILTER, not VALUES ?p: with two VALUES blocks Oxigraph scanned every triple, 4 s at 10M)
DESCRIBE_REFS = """SELECT DISTINCT ?x ?p ?o WHERE {
  ?x ?p ?o
  FILTER(?p IN (dcterms:identifier, dcterms:title, schema:datePublished, schema:url, kg:text, kg:start, kg:end,
                org:member)) }"""

MENTIONED_IN = "SELECT DISTINCT ?a WHERE { ?a kg:mentions ?x }"
AWARDS_OF = "SELECT DISTINCT ?c WHERE { ?c kg:recipient ?x }"
EVENTS_OF = "SELECT DISTINCT ?e WHERE { ?e schema:attendee ?x }"
SAME_AS = f"""SELECT DISTINCT ?other ?score ?reason WHERE {{
  GRAPH {D} {{ ?c kg:candidate ?x . ?c kg:candidate ?other ; kg:score ?score ; kg:reason ?reason FILTER(?other != ?x) }} }}"""
SUB_UNITS = "SELECT DISTINCT ?sub WHERE { ?sub org:subOrganizationOf ?x }"
UNITS_BELOW = "SELECT DISTINCT ?sub WHERE { ?sub org:subOrganizationOf+ ?x }"
DOCS_ISSUED = "SELECT DISTINCT ?doc WHERE { ?doc dcterms:creator ?x }"
CITATIONS_BY_UNIT = "SELECT DISTINCT ?c WHERE { ?c kg:citedBy ?x }"
CITATIONS_OF_DOC = "SELECT DISTINCT ?c WHERE { ?c kg:cites ?x }"

# /awards: the filters are constant fragments switched on; their values are bound. One conferral
# and its award are written in the same article's graph, so the join stays inside it.
AWARDS_FILTERED = """SELECT DISTINCT ?c WHERE {
  GRAPH ?g { ?c kg:award ?award . %(patterns)s }
  %(filters)s
}"""
# (pattern inside the article's graph, filter outside it: a FILTER sees only its own group's variables)
AWARD_FILTERS = {
    "recipient": ("?c kg:recipient ?recipient .", ""),
    "kind": ("?award kg:awardKind ?k .", "FILTER(LCASE(STR(?k)) = LCASE(STR(?kind)))"),
    "class": ("?award kg:awardClass ?cl .", "FILTER(LCASE(STR(?cl)) = LCASE(STR(?class)))"),
    "year": ("?c kg:year ?y .", "FILTER(STR(?y) = STR(?year_q))"),
}

ARTICLE_OF_GRAPH = "SELECT ?a WHERE { GRAPH ?g { ?a kg:graph ?g } }"
ARTICLE_TRIPLES = "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?s ?p ?o"
ARTICLE_COUNTS = "SELECT ?kind (COUNT(DISTINCT ?x) AS ?n) WHERE { GRAPH ?g { ?x a ?kind } } GROUP BY ?kind"
ARTICLE_TRIPLE_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"

STATS_COUNTS = """SELECT ?kind (COUNT(DISTINCT ?x) AS ?n) WHERE {
  VALUES ?kind { kg:Person kg:Organization kg:RoleHolding kg:Role kg:Document kg:Citation kg:Award
                 kg:AwardConferral kg:Event kg:Article kg:Sentence }
  ?x a ?kind } GROUP BY ?kind"""
# Only kg's graphs: an external engine keeps graphs of its own (Virtuoso: virtrdf#, ldp#, …).
STATS_TRIPLES = f"""SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?g) AS ?graphs)
WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{GRAPH}")) }}"""

_KG = f"{BASE}ontology#"
_ORG = "http://www.w3.org/ns/org#"
_FOAF = "http://xmlns.com/foaf/0.1/"
_DCT = "http://purl.org/dc/terms/"
_SCHEMA = "https://schema.org/"
_PROV = "http://www.w3.org/ns/prov#"
_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
Props = dict[str, list[Node]]
# predicate IRI -> its local name, for the plain-string rows of the hot path
_LOCAL = {
    f"{_KG}firstSeen": "firstSeen", f"{_KG}lastSeen": "lastSeen", f"{_KG}endedBy": "endedBy",
    f"{_KG}succeededBy": "succeededBy", f"{_ORG}member": "member", f"{_ORG}role": "role",
    f"{_ORG}organization": "organization", f"{_DCT}identifier": "identifier", f"{_DCT}title": "title",
    f"{_SCHEMA}datePublished": "datePublished", f"{_SCHEMA}url": "url", f"{_KG}text": "text",
    f"{_KG}start": "start", f"{_KG}end": "end",
}  # fmt: skip


# ---------------------------------------------------------------- name index


@dataclass
class Entry:
    iri: str
    name: str
    names: list[str] = field(default_factory=list)
    kind: str | None = None
    number: str | None = None
    key: str = ""  # ascii_fold(name), the sort key of token matches


class NameIndex:
    """Folded name -> entities, ranked exact > prefix > token match.

    Keys are ``ascii_fold`` forms ("Hoà" and "Hòa" and "hoa" meet); within the exact group an
    entity whose diacritics also match (``fold``) comes first.
    """

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}
        self.by_key: dict[str, set[str]] = defaultdict(set)
        self.by_fold: dict[str, set[str]] = defaultdict(set)
        self.by_token: dict[str, set[str]] = defaultdict(set)
        self._sorted: list[tuple[str, str]] | None = None
        self._all: list[str] | None = None

    def __len__(self) -> int:
        return len(self.entries)

    def add(
        self, iri: str, name: str, *, kind: str | None = None, number: str | None = None, alias: bool = False
    ) -> None:
        """Index ``name`` for ``iri``; the display name is the smallest non-alias spelling (deterministic)."""
        e = self.entries.get(iri)
        if e is None:
            e = self.entries[iri] = Entry(iri, name, [name], kind, number, ascii_fold(name))
        elif name not in e.names:
            e.names.append(name)
            if not alias and name < e.name:
                e.names.remove(name)
                e.names.insert(0, name)
                e.name, e.key = name, ascii_fold(name)
        e.kind = e.kind or kind
        e.number = e.number or number
        key = ascii_fold(name)
        if not key:
            return
        self.by_key[key].add(iri)
        self.by_fold[fold(name)].add(iri)
        for t in key.split():
            self.by_token[t].add(iri)
        self._sorted = None
        self._all = None

    def get(self, iri: str) -> Entry | None:
        return self.entries.get(iri)

    def name(self, iri: str | None) -> str | None:
        e = self.entries.get(iri) if iri else None
        return e.name if e else None

    def browse(self) -> list[tuple[str, str]]:
        """Every entity, by folded name then IRI (``/people`` without ``q``)."""
        if self._all is None:
            self._all = sorted(self.entries, key=lambda i: (self.entries[i].key, i))
        return [(i, "all") for i in self._all]

    def lookup(self, text: str) -> list[str]:
        """Entities named exactly ``text`` (diacritics-exact first, else folded)."""
        hit = self.by_fold.get(fold(text)) or self.by_key.get(ascii_fold(text)) or set()
        return sorted(hit)

    def search(self, q: str) -> list[tuple[str, str]]:
        """``[(iri, "exact" | "prefix" | "token")]`` best first, deterministic."""
        key = ascii_fold(q)
        if not key:
            return []
        out: list[tuple[str, str]] = []
        seen: set[str] = set()
        exact = self.by_key.get(key, set())
        as_typed, folded = " ".join(unicodedata.normalize("NFC", q).casefold().split()), fold(q)

        def closeness(i: str) -> tuple[bool, bool, str, str]:  # same spelling, then same diacritics
            names = self.entries[i].names
            return (as_typed not in {n.casefold() for n in names}, folded not in {fold(n) for n in names},
                    self.entries[i].name, i)  # fmt: skip

        for iri in sorted(exact, key=closeness):
            out.append((iri, "exact"))
            seen.add(iri)
        if self._sorted is None:
            self._sorted = sorted((k, i) for k, iris in self.by_key.items() for i in iris)
        lo = bisect.bisect_left(self._sorted, (key, ""))
        for k, iri in self._sorted[lo:]:
            if not k.startswith(key):
                break
            if iri not in seen:
                out.append((iri, "prefix"))
                seen.add(iri)
        tokens = key.split()
        sets = [self.by_token.get(t, set()) for t in tokens]
        if sets and all(sets):
            common = set.intersection(*sets) - seen
            for iri in sorted(common, key=lambda i: (self.entries[i].key, i)):
                out.append((iri, "token"))
        return out


@dataclass
class Indexes:
    people: NameIndex = field(default_factory=NameIndex)
    orgs: NameIndex = field(default_factory=NameIndex)
    docs: NameIndex = field(default_factory=NameIndex)
    awards: NameIndex = field(default_factory=NameIndex)
    events: NameIndex = field(default_factory=NameIndex)
    roles: NameIndex = field(default_factory=NameIndex)
    party_organs: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # unit -> its party organs
    sub_units: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # unit -> units directly below
    # article IRI -> (id, title, published, url): tuples, ~350 bytes an article
    articles: dict[str, tuple[str | None, ...]] = field(default_factory=dict)

    def named(self, text: str) -> list[str]:
        """The people, units, documents, awards and events ``text`` names (the network's focus): every
        exact match (folded name) when there is one, else every prefix and token match; best first,
        ranked by :meth:`NameIndex.search`."""
        hits = [h for ix in (self.people, self.orgs, self.docs, self.awards, self.events) for h in ix.search(text)]
        exact = [iri for iri, match in hits if match == "exact"]
        return list(dict.fromkeys(exact or [iri for iri, _ in hits]))


def load_names(store: Store, graphs: list[str] | None = None, into: Indexes | None = None) -> Indexes:
    """Fill the name indexes of people, units, documents, awards and events (what ``named`` searches)."""
    ix = into or Indexes()
    kw = {"default_graphs": graphs} if graphs else {}
    for x, name in store.query(INDEX_PEOPLE, **kw).rows:
        ix.people.add(str(x), str(name))
    for x, name, kind in store.query(INDEX_ORGS, **kw).rows:
        ix.orgs.add(str(x), str(name), kind=_s(kind))
    for x, name in store.query(INDEX_ALIASES, **kw).rows:
        if str(x) in ix.orgs.entries:
            ix.orgs.add(str(x), str(name), alias=True)
    for x, name in store.query(INDEX_DOCS, **kw).rows:
        ix.docs.add(str(x), str(name))
    for x, number in store.query(INDEX_DOC_NUMBERS, **kw).rows:
        if str(x) in ix.docs.entries:
            ix.docs.add(str(x), str(number), number=str(number), alias=True)
    for x, kind in store.query(INDEX_DOC_KINDS, **kw).rows:
        if str(x) in ix.docs.entries:
            ix.docs.entries[str(x)].kind = str(kind)
    for x, name in store.query(INDEX_AWARDS, **kw).rows:
        ix.awards.add(str(x), str(name))
    for x, name in store.query(INDEX_EVENTS, **kw).rows:
        ix.events.add(str(x), str(name))
    return ix


def load_indexes(store: Store, graphs: list[str] | None = None, into: Indexes | None = None) -> Indexes:
    """Fill the indexes from the whole store, or from some named graphs only (after a write)."""
    ix = load_names(store, graphs, into)
    kw = {"default_graphs": graphs} if graphs else {}
    for x, name in store.query(INDEX_ROLES, **kw).rows:
        ix.roles.add(str(x), str(name))
    for x, u in store.query(INDEX_PARTY_ORGANS, **kw).rows:
        ix.party_organs[str(u)].add(str(x))
    for x, u in store.query(INDEX_SUB_UNITS, **kw).rows:
        ix.sub_units[str(u)].add(str(x))
    for a, aid in plain_rows(store, INDEX_ARTICLES, graphs):  # only articles have a dcterms:identifier
        ix.articles[a] = (aid, None, None, None)  # type: ignore[index]
    for i, sparql in enumerate(INDEX_ARTICLE_FIELDS.values(), start=1):
        for a, v in plain_rows(store, sparql, graphs):
            ref = ix.articles.get(a)  # type: ignore[arg-type]
            if ref is not None and (ref[i] is None or str(v) < str(ref[i])):
                ix.articles[a] = (*ref[:i], v, *ref[i + 1 :])  # type: ignore[index]
    return ix


def plain_rows(store: Store, sparql: str, graphs: list[str] | None = None) -> list[tuple[str | None, ...]]:
    """Rows as plain strings (IRIs, lexical forms): on embedded Oxigraph straight from its terms, no
    rdflib term per value (that conversion was half of a /roles answer at 10M triples)."""
    raw = getattr(store, "raw", None)
    if isinstance(raw, ox.Store):
        kw: dict[str, object] = {"prefixes": PREFIXES}
        if graphs:
            kw["default_graph"] = [ox.NamedNode(g) for g in graphs]
        else:
            kw["use_default_graph_as_union"] = True
        try:
            res = raw.query(sparql, **kw)  # type: ignore[arg-type]
        except SyntaxError as e:
            raise QueryError(f"SPARQL syntax error: {e}") from e
        except OSError as e:
            raise StoreError(f"query failed: {e}") from e
        n = len(res.variables)  # type: ignore[union-attr]
        return [tuple(None if (t := sol[i]) is None else t.value for i in range(n)) for sol in res]  # type: ignore[union-attr]
    kwargs = {"default_graphs": graphs} if graphs else {}
    return [tuple(None if t is None else str(t) for t in row) for row in store.query(sparql, **kwargs).rows]


def held_at(first: str | None, ended_by: str | None, at: str) -> bool:
    """Held on ``at``: first seen on or before it, and not known to have ended by then.

    ISO dates compare as strings, also partial ones ("2024" <= "2024-01-12").
    """
    return first is not None and first <= at and (ended_by is None or ended_by > at)


# ---------------------------------------------------------------- the catalog


class Catalog:
    """The API's questions over one store, with the name indexes kept beside it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self.ix = load_indexes(store)
        self._stats: Stats | None = None

    # -- index maintenance
    def refresh(self, graphs: list[str] | None = None) -> None:
        """After a write: add the entities of ``graphs``; rebuild everything when None."""
        with self._lock:
            self.ix = load_indexes(self.store, graphs, self.ix) if graphs else load_indexes(self.store)
            self._stats = None

    # -- small helpers
    def _ref(self, ix: NameIndex, iri: Node | str | None) -> EntityRef | None:
        if iri is None:
            return None
        s = str(iri)
        return EntityRef(id=segment_of(s), iri=s, name=ix.name(s))

    def _agent(self, iri: Node | None) -> EntityRef | None:
        if iri is None:
            return None
        s = str(iri)
        ix = self.ix.people if s.startswith(f"{ID}person/") else self.ix.orgs
        return self._ref(ix, s)

    def _doc_ref(self, iri: str) -> DocumentRef:
        e = self.ix.docs.get(iri)
        return DocumentRef(id=segment_of(iri), iri=iri, name=e.name if e else None, number=e.number if e else None)

    def _rows(self, sparql: str, var: str, terms: Sequence[Node]) -> list[tuple[Node | None, ...]]:
        rows: list[tuple[Node | None, ...]] = []
        terms = list(dict.fromkeys(terms))
        for i in range(0, len(terms), _CHUNK):
            rows += self.store.query(bind_many(sparql, var, terms[i : i + _CHUNK])).rows
        return rows

    def _iris(self, sparql: str, bindings: dict[str, Node]) -> list[URIRef]:
        return [URIRef(str(r[0])) for r in self.store.query(sparql, bindings).rows if r[0] is not None]

    def describe(self, subjects: Sequence[Node], sparql: str = DESCRIBE) -> dict[str, Props]:
        """``{subject: {predicate: [objects]}}`` from bound-subject lookups only."""
        out: dict[str, Props] = defaultdict(lambda: defaultdict(list))
        for x, p, o in self._rows(sparql, "x", subjects):
            objs = out[str(x)][str(p)]
            if o not in objs:
                objs.append(o)  # type: ignore[arg-type]
        return out

    def articles(self, iris: Iterable[Node]) -> dict[str, ArticleRef]:
        iris = list(dict.fromkeys(iris))
        if not iris:
            return {}
        props = self.describe(iris, DESCRIBE_REFS)
        return {a: _article_ref(a, props.get(a, {})) for a in map(str, iris)}

    def exists(self, iri: URIRef) -> bool:
        return bool(self.store.query("SELECT ?p WHERE { ?x ?p ?o } LIMIT 1", {"x": iri}).rows)

    # -- role holdings
    def resolve_roles(self, title: str) -> list[URIRef]:
        """Posts a title names: the normalised post ("hieu truong"), else a title as written."""
        found = self.ix.roles.lookup(title)
        if found:
            return [URIRef(r) for r in found]
        return sorted(set(self._iris(ROLES_BY_TITLE, {"title": Literal(title)})))

    def _resolve(self, kind: str, text: str) -> tuple[list[URIRef], URIRef | None]:
        """The indexed entities of ``kind`` that ``text`` names: by id (IRI segment or full IRI) when it
        is one, else by name, folded (namesakes: all of them); and the IRI ``text`` is as an id (or None)."""
        if text.startswith(f"{ID}{KINDS[kind]}/"):
            text = segment_of(text)
        iri, ix = iri_of(kind, text), self.names(kind)
        if iri is not None and str(iri) in ix.entries:
            return [iri], iri
        return [URIRef(i) for i in ix.lookup(text)], iri

    def resolve_orgs(self, organization: str) -> list[URIRef]:
        """A unit's id (IRI segment or full IRI) or its name / alias, folded; else an id of the store."""
        found, iri = self._resolve("organization", organization)
        return found or ([iri] if iri is not None and self.exists(iri) else [])

    def resolve_people(self, person: str) -> list[URIRef]:
        """A person's id (IRI segment or full IRI) or name, folded (namesakes: all of them)."""
        return self._resolve("person", person)[0]

    def units_matching(self, organization: str, include_subunits: bool) -> dict[str, str]:
        """The units an ``organization`` question covers, each with how it relates to the unit named:
        "unit", "party_organization" (its Đảng bộ, Đảng ủy: kg:partyOrganizationOf) or "sub_unit"
        (org:subOrganizationOf, any depth, also below its party organisations)."""
        out: dict[str, str] = {}
        for o in map(str, self.resolve_orgs(organization)):
            out.setdefault(o, "unit")
            for organ in sorted(self.ix.party_organs.get(o, ())):
                out.setdefault(organ, "party_organization")
        if include_subunits:
            todo = list(out)
            while todo:
                for sub in sorted(self.ix.sub_units.get(todo.pop(), ())):
                    if sub not in out:
                        out[sub] = "sub_unit"
                        todo.append(sub)
        return out

    def holdings_for(
        self, title: str | None, units: Sequence[str] | None, people: Sequence[URIRef] | None
    ) -> list[tuple[str, str | None]]:
        """``[(holding, unit)]`` for the posts ``title`` names (any post when None), at ``units``
        and of ``people`` (any when None). One query: the most selective bound pattern first."""
        roles: list[URIRef] | None = None
        if title is not None:
            roles = self.resolve_roles(title)
            if not roles:
                return []
        if units is None and people is None and roles is None:
            return []
        cols: list[tuple[str, list[Node]]] = []
        patterns = []
        if units is not None:
            cols.append(("org", [URIRef(u) for u in units]))
            patterns.append("?h org:organization ?org .")
        if people is not None:
            cols.append(("person", list(people)))
            patterns.append("?h org:member ?person .")
        if roles is not None:
            cols.append(("role", list(roles)))
            patterns.append("?h org:role ?role .")
        if any(not terms for _, terms in cols):
            return []
        names = [c for c, _ in cols]
        combos: list[tuple[Node, ...]] = [()]
        for _, terms in cols:
            combos = [(*c, t) for c in combos for t in terms]
        select = "?h ?org" if units is not None else "?h"
        template = f"SELECT DISTINCT {select} WHERE {{ GRAPH ?g {{ {' '.join(patterns)} }} }}"
        out: dict[str, str | None] = {}
        for i in range(0, len(combos), _CHUNK):
            for row in self._values(values_first(template, names, combos[i : i + _CHUNK])):  # type: ignore[arg-type]
                out.setdefault(row[0], row[1] if len(row) > 1 else None)  # type: ignore[index]
        if units is None and out:  # the unit each holding is at, when it has one
            for h, o in self._values_many(HOLDING_UNITS, "h", [URIRef(h) for h in out]):
                if out.get(h) is None:  # type: ignore[arg-type]
                    out[h] = o  # type: ignore[index]
        return list(out.items())

    def _values_many(self, sparql: str, var: str, terms: Sequence[Node]) -> list[tuple[str | None, ...]]:
        """:meth:`_values` with ``terms`` bound to ``var``, in VALUES blocks of at most _CHUNK."""
        terms = list(dict.fromkeys(terms))
        rows: list[tuple[str | None, ...]] = []
        for i in range(0, len(terms), _CHUNK):
            rows += self._values(bind_many(sparql, var, terms[i : i + _CHUNK]))
        return rows

    def _values(self, sparql: str) -> list[tuple[str | None, ...]]:
        return plain_rows(self.store, sparql)

    def timeline(self, holdings: Sequence[str]) -> dict[str, dict[str, list[str]]]:
        """``{holding: {"firstSeen"|"lastSeen"|"endedBy"|"succeededBy": [values]}}`` from the derived graph."""
        out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        if holdings:
            for h, p, o in self._values_many(TIMELINE, "h", [URIRef(h) for h in holdings]):
                out[h][_LOCAL[p]].append(o)  # type: ignore[index]
        return out

    def select_holdings(
        self, holdings: Sequence[str], at: str | None
    ) -> tuple[list[str], dict[str, dict[str, list[str]]]]:
        """Filter by date and sort by first sighting (then IRI): the order every list uses."""
        tl = self.timeline(holdings)

        def first(h: str) -> str | None:
            v = tl.get(h, {}).get("firstSeen")
            return min(v) if v else None

        def ended(h: str) -> str | None:
            v = tl.get(h, {}).get("endedBy")
            return min(v) if v else None

        keep = [h for h in holdings if at is None or held_at(first(h), ended(h), at)]
        keep.sort(key=lambda h: (first(h) or "9999", h))
        return keep, tl

    def holding_details(
        self, holdings: Sequence[str], tl: dict[str, dict[str, list[str]]], via: dict[str, str] | None = None,
        units: dict[str, str | None] | None = None,
    ) -> list[dict[str, object]]:
        """The page's holdings as plain dicts of the ``Holding`` model's shape (JSON-ready)."""
        if not holdings:
            return []
        hs = [URIRef(h) for h in holdings]
        # one query for what each article says: date, title as written, sentence; the member and post
        # are the same in every article (they are the holding's key)
        per: dict[str, list[tuple[str, ...]]] = defaultdict(list)  # h -> (asOf, g, title, art, s, text, b, e)
        fixed: dict[str, dict[str, str]] = defaultdict(dict)
        for h, g, d, title, art, sent, text, b, e, m, r in self._values_many(STATEMENTS, "h", hs):
            per[h].append((d, g, title, art, sent, text, b, e))  # type: ignore[index,arg-type]
            fixed[h].setdefault("member", m)  # type: ignore[index,arg-type]
            fixed[h].setdefault("role", r)  # type: ignore[index,arg-type]
        missing = [URIRef(h) for h in holdings if (units or {}).get(h) is None]
        units = dict(units or {})
        if missing:
            for h, o in self._values_many(HOLDING_UNITS, "h", missing):
                units.setdefault(h, o)  # type: ignore[index,arg-type]
        for h in holdings:
            if units.get(h):
                fixed[h]["organization"] = units[h]  # type: ignore[assignment]
        shown: dict[str, list[tuple[str, ...]]] = {}
        for h in holdings:
            rows = sorted(set(per.get(h, ())))
            shown[h] = rows[-MAX_EVIDENCE:]
        arts = self.ix.articles
        refs = list(dict.fromkeys(URIRef(r[3]) for rows in shown.values() for r in rows if r[3] not in arts))
        successors = [URIRef(n) for h in holdings for n in tl.get(h, {}).get("succeededBy", [])]
        info: dict[str, dict[str, str]] = defaultdict(dict)
        if refs or successors:
            for x, p, o in self._values_many(REFS, "x", [*refs, *successors]):
                info[x].setdefault(_LOCAL[p], o)  # type: ignore[index,arg-type]
        out: list[dict[str, object]] = []
        for h in holdings:
            rows = sorted(set(per.get(h, ())))
            if not rows:
                continue
            f, t = fixed.get(h, {}), tl.get(h, {})
            last = rows[-1]
            ended_by = min(t["endedBy"]) if t.get("endedBy") else None
            evidence = []
            for d, _, title, art, _, text, b, e in shown[h]:
                a = info.get(art, {})
                known = arts.get(art)
                aid, atitle, apub, aurl = known if known else (
                    a.get("identifier"), a.get("title"), a.get("datePublished"), a.get("url"))  # fmt: skip
                evidence.append({
                    "article": {"id": aid or segment_of(art), "iri": art, "title": atitle, "published": apub, "url": aurl},
                    "as_of": d, "title_as_written": title, "sentence": text,
                    "start": _int_or_none(b), "end": _int_or_none(e),
                })  # fmt: skip
            org = f.get("organization")
            item: dict[str, object] = {
                "holding": h,
                "person": self._ref_dict(self.ix.people, f.get("member")),
                "title": last[2],
                "titles": list(dict.fromkeys(r[2] for r in rows)),
                "post": self.ix.roles.name(f.get("role")),
                "organization": self._ref_dict(self.ix.orgs, org) if org else None,
                "unit_relation": (via or {}).get(org or "") if via is not None else None,
                "as_of": last[0],
                "first_seen": min(t["firstSeen"]) if t.get("firstSeen") else rows[0][0],
                "last_seen": max(t["lastSeen"]) if t.get("lastSeen") else last[0],
                "ended": ended_by is not None,
                "ended_by": ended_by,
                "succeeded_by": [r for n in sorted(set(t.get("succeededBy", [])))
                                 if (m := info.get(n, {}).get("member")) and (r := self._ref_dict(self.ix.people, m))],
                "evidence": evidence,
                "evidence_total": len({r[1] for r in rows}),
            }  # fmt: skip
            out.append(item)
        return out

    def _ref_dict(self, ix: NameIndex, iri: str | None) -> dict[str, str | None]:
        s = iri or ""
        return {"id": segment_of(s), "iri": s, "name": ix.name(s)}

    def roles(
        self, title: str | None, organization: str | None, at: str | None, limit: int, offset: int,
        *, person: str | None = None, include_subunits: bool = False,
    ) -> tuple[int, list[dict[str, object]]]:  # fmt: skip
        """Who held ``title`` (any post when None) at ``organization`` (with its party
        organisations, and its sub-units when asked) / ``person``, on ``at`` or ever."""
        via = self.units_matching(organization, include_subunits) if organization is not None else None
        people = self.resolve_people(person) if person is not None else None
        if (via is not None and not via) or (people is not None and not people):
            return 0, []
        found = self.holdings_for(title, list(via) if via is not None else None, people)
        keep, tl = self.select_holdings([h for h, _ in found], at)
        return len(keep), self.holding_details(keep[offset : offset + limit], tl, via, dict(found))

    def roles_json(self, **kw: object) -> bytes:
        """``/roles`` as JSON bytes, encoded once (no model validation on the hot path)."""
        limit, offset = kw["limit"], kw["offset"]
        total, items = self.roles(**kw)  # type: ignore[arg-type]
        page = {"total": total, "limit": limit, "offset": offset, "items": items}
        return json.dumps(page, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def current_posts(self, people: Sequence[str], at: str | None = None, limit: int = 5) -> dict[str, list[dict[str, object]]]:
        """A short list of each person's posts not known to have ended (as of ``at``, else now)."""
        if not people:
            return {}
        rows = self._values_many(PERSON_HOLDINGS, "person", [URIRef(p) for p in people])
        by_person: dict[str, list[str]] = defaultdict(list)
        for p, h in rows:
            by_person[p].append(h)  # type: ignore[index,arg-type]
        hs = list(dict.fromkeys(h for v in by_person.values() for h in v))
        tl = self.timeline(hs)
        fixed: dict[str, dict[str, str]] = defaultdict(dict)
        titles: dict[str, list[tuple[str, str]]] = defaultdict(list)
        if hs:
            for h, p, o in self._values_many(HOLDING_FIXED, "h", [URIRef(h) for h in hs]):
                fixed[h].setdefault(_LOCAL[p], o)  # type: ignore[index,arg-type]
            for h, d, t in self._values_many(TITLES, "h", [URIRef(h) for h in hs]):
                titles[h].append((d or "", t or ""))  # type: ignore[index]
        out: dict[str, list[dict[str, object]]] = {}
        for p in people:
            posts = []
            for h in by_person.get(p, []):
                t = tl.get(h, {})
                if t.get("endedBy") and (at is None or min(t["endedBy"]) <= at):
                    continue
                if not t.get("firstSeen") or (at is not None and min(t["firstSeen"]) > at):
                    continue
                org = fixed[h].get("organization")
                posts.append({
                    "holding": h, "title": max(titles[h])[1] if titles.get(h) else "",
                    "post": self.ix.roles.name(fixed[h].get("role")),
                    "organization": self._ref_dict(self.ix.orgs, org) if org else None,
                    "last_seen": max(t["lastSeen"]) if t.get("lastSeen") else None,
                })  # fmt: skip
            posts.sort(key=lambda x: (x["last_seen"] or "", x["holding"]), reverse=True)  # type: ignore[arg-type,return-value]
            out[p] = posts[:limit]
        return out

    def _all_holdings(self, sparql: str, var: str, iri: URIRef) -> list[dict[str, object]]:
        keep, tl = self.select_holdings([str(h) for h in self._iris(sparql, {var: iri})], None)
        return self.holding_details(keep, tl)

    # -- search
    def search(self, ix: NameIndex, q: str | None) -> list[tuple[Entry, str]]:
        """Ranked hits for ``q``; every entity by name when ``q`` is None (browsing)."""
        return [(ix.entries[i], m) for i, m in (ix.search(q) if q is not None else ix.browse())]

    def names(self, kind: str) -> NameIndex:
        """The name index of a page kind: "person", "organization" or "document"."""
        return {"person": self.ix.people, "organization": self.ix.orgs, "document": self.ix.docs}[kind]

    def _page(self, kind: str, q: str | None, limit: int, offset: int) -> tuple[int, list[tuple[Entry, str]]]:
        """How many entities of ``kind`` match ``q`` (all of them when None), and the page asked for."""
        hits = self.search(self.names(kind), q)
        return len(hits), hits[offset : offset + limit]

    def people_page(self, q: str | None, limit: int, offset: int) -> tuple[int, list[PersonHit]]:
        """A page of people (ranked by ``q``, else by name), each with a short list of current posts."""
        total, page = self._page("person", q, limit, offset)
        posts = self.current_posts([e.iri for e, _ in page])
        return total, [
            PersonHit(id=segment_of(e.iri), iri=e.iri, name=e.name, name_key=ascii_fold(e.name), match=m,  # type: ignore[arg-type]
                      current_posts=posts.get(e.iri, []))  # type: ignore[arg-type]
            for e, m in page
        ]  # fmt: skip

    def orgs_page(self, q: str | None, limit: int, offset: int) -> tuple[int, list[OrgHit]]:
        """A page of units, ranked like people."""
        total, page = self._page("organization", q, limit, offset)
        return total, [OrgHit(id=segment_of(e.iri), iri=e.iri, name=e.name, kind=e.kind, aliases=e.names[1:],
                              match=m) for e, m in page]  # type: ignore[arg-type]  # fmt: skip

    def docs_page(self, q: str | None, limit: int, offset: int) -> tuple[int, list[DocHit]]:
        """A page of documents, ranked like people (a document's number is one of its names)."""
        total, page = self._page("document", q, limit, offset)
        return total, [DocHit(id=segment_of(e.iri), iri=e.iri, name=e.name, number=e.number, kind=e.kind,
                              match=m) for e, m in page]  # type: ignore[arg-type]  # fmt: skip

    def profile(self, kind: str, segment: str) -> PersonProfile | OrgProfile | DocumentProfile | None:
        """The page record of the "person", "organization" or "document" whose IRI ends in ``segment``
        (None: not an id, or nothing there): what ``/people/{id}`` and ``/people/{id}.html`` show."""
        iri = iri_of(kind, segment)
        return self.profile_of(kind, iri) if iri is not None else None

    def profile_of(self, kind: str, iri: URIRef) -> PersonProfile | OrgProfile | DocumentProfile | None:
        """The page record of the "person", "organization" or "document" ``iri``."""
        get = {"person": self.person, "organization": self.organization, "document": self.document}[kind]
        return get(iri)  # type: ignore[operator]

    def article_by_id(self, article_id: str) -> ArticleGraph | None:
        """An article by its own id or its IRI's segment: the first of its possible graphs that holds it."""
        if not 0 < len(article_id) <= 200:
            return None
        return next((g for g in map(self.article, article_graphs_for(article_id)) if g is not None), None)

    # -- shared profile parts
    def _mentioned_in(self, iri: URIRef) -> list[ArticleRef]:
        refs = self.articles(self._iris(MENTIONED_IN, {"x": iri}))
        return sorted(refs.values(), key=lambda a: (a.published or "", a.id))

    def _awards(self, conferrals: Sequence[URIRef]) -> list[AwardOut]:
        if not conferrals:
            return []
        said = self.describe(conferrals)
        awards = [a for c in said.values() for a in c.get(f"{_KG}award", [])]
        arts = [a for c in said.values() for a in c.get(f"{_PROV}wasDerivedFrom", [])]
        extra = self.describe([*awards, *arts])
        out = []
        for c in map(str, conferrals):
            p = said.get(c)
            if not p or f"{_KG}award" not in p:
                continue
            award = str(p[f"{_KG}award"][0])
            ap = extra.get(award, {})
            out.append(AwardOut(
                conferral=c, award=_one(ap, _LABEL) or segment_of(award), award_iri=award,
                kind=_one(ap, f"{_KG}awardKind"), award_class=_one(ap, f"{_KG}awardClass"),
                year=_int(_first(p, f"{_KG}year")), recipient=self._agent(_first(p, f"{_KG}recipient")),
                recipient_text=_one(p, f"{_KG}recipientText"), conferred_by=self._agent(_first(p, f"{_KG}conferredBy")),
                conferred_by_text=_one(p, f"{_KG}conferredByText"),
                articles=[_article_ref(str(a), extra.get(str(a), {})) for a in p.get(f"{_PROV}wasDerivedFrom", [])],
            ))  # fmt: skip
        return out

    def _citations(self, citations: Sequence[URIRef]) -> list[CitationOut]:
        if not citations:
            return []
        said = self.describe(citations)
        more = [x for c in said.values() for k in (f"{_KG}evidence", f"{_PROV}wasDerivedFrom") for x in c.get(k, [])]
        extra = self.describe(more) if more else {}
        out = []
        for c in map(str, citations):
            p = said.get(c)
            if not p or f"{_KG}cites" not in p or f"{_PROV}wasDerivedFrom" not in p:
                continue
            art = str(p[f"{_PROV}wasDerivedFrom"][0])
            sp = extra.get(_one(p, f"{_KG}evidence") or "", {})
            out.append(CitationOut(
                citation=c, document=self._doc_ref(str(p[f"{_KG}cites"][0])),
                cited_by=self._ref(self.ix.orgs, _first(p, f"{_KG}citedBy")),
                article=_article_ref(art, extra.get(art, {})),
                sentence=_one(sp, f"{_KG}text"), start=_int(_first(sp, f"{_KG}start")), end=_int(_first(sp, f"{_KG}end")),
            ))  # fmt: skip
        return sorted(out, key=lambda c: (c.article.published or "", c.article.id, c.citation))

    def _events(self, events: Sequence[URIRef]) -> list[EventOut]:
        said = self.describe(events) if events else {}
        arts = self.articles([a for e in said.values() for a in e.get(f"{_SCHEMA}about", [])])
        out = [
            EventOut(iri=e, name=_one(p, f"{_SCHEMA}name") or _one(p, _LABEL) or segment_of(e),
                     date=_one(p, f"{_SCHEMA}startDate"), organizer=self._ref(self.ix.orgs, _first(p, f"{_SCHEMA}organizer")),
                     articles=[arts[str(a)] for a in p.get(f"{_SCHEMA}about", []) if str(a) in arts])
            for e, p in said.items()
        ]  # fmt: skip
        return sorted(out, key=lambda e: (e.date or "", e.iri))

    # -- profiles
    def person(self, iri: URIRef) -> PersonProfile | None:
        props = self.describe([iri]).get(str(iri))
        if not props or URIRef(f"{_KG}Person") not in props.get(_TYPE, []):
            return None
        names = [str(n) for n in props.get(f"{_FOAF}name", [])]
        same = [
            SameAsCandidate(person=self._ref(self.ix.people, o), score=float(str(sc)), reason=_s(r))  # type: ignore[arg-type]
            for o, sc, r in self.store.query(SAME_AS, {"x": iri}).rows
        ]
        return PersonProfile(
            id=segment_of(str(iri)),
            iri=str(iri),
            name=self.ix.people.name(str(iri)) or (min(names) if names else segment_of(str(iri))),
            names=sorted(set(names)),
            name_key=_one(props, f"{_KG}nameKey"),
            honorifics=sorted({str(h) for h in props.get(f"{_KG}honorific", [])}),
            holdings=self._all_holdings(HOLDINGS_OF_PERSON, "person", iri),
            awards=self._awards(self._iris(AWARDS_OF, {"x": iri})),
            events=self._events(self._iris(EVENTS_OF, {"x": iri})),
            articles=self._mentioned_in(iri),
            possible_same_as=sorted(same, key=lambda s: (-s.score, s.person.iri)),
        )

    def organization(self, iri: URIRef) -> OrgProfile | None:
        props = self.describe([iri]).get(str(iri))
        if not props or URIRef(f"{_KG}Organization") not in props.get(_TYPE, []):
            return None
        names = sorted({str(n) for n in props.get(_LABEL, [])})

        def refs(iris: Iterable[URIRef]) -> list[EntityRef]:
            return sorted((self._ref(self.ix.orgs, x) for x in iris), key=lambda r: (r.name or "", r.iri))  # type: ignore[union-attr,return-value]

        organs = [URIRef(o) for o in sorted(self.ix.party_organs.get(str(iri), ()))]
        below = list(dict.fromkeys(u for x in (iri, *organs) for u in self._iris(UNITS_BELOW, {"x": x})))
        cells = [u for u in below if (e := self.ix.orgs.get(str(u))) is not None and e.kind == "party_cell"]
        party_of = next((u for u, os in self.ix.party_organs.items() if str(iri) in os), None)
        issued = [self._doc_ref(str(d)) for d in self._iris(DOCS_ISSUED, {"x": iri})]
        parent = _first(props, f"{_ORG}subOrganizationOf")
        return OrgProfile(
            id=segment_of(str(iri)),
            iri=str(iri),
            name=self.ix.orgs.name(str(iri)) or (names[0] if names else segment_of(str(iri))),
            names=names,
            kind=_one(props, f"{_KG}kind"),
            aliases=sorted({str(a) for a in props.get(f"{_KG}alias", [])}),
            parent=self._ref(self.ix.orgs, parent),
            sub_units=refs(self._iris(SUB_UNITS, {"x": iri})),
            party_cells=refs(cells),
            party_organizations=refs(organs),
            party_organization_of=self._ref(self.ix.orgs, party_of),
            officers=self._all_holdings(HOLDINGS_OF_UNIT, "org", iri),
            awards=self._awards(self._iris(AWARDS_OF, {"x": iri})),
            documents_cited=self._citations(self._iris(CITATIONS_BY_UNIT, {"x": iri})),
            documents_issued=sorted(issued, key=lambda d: (d.name or "", d.iri)),
            articles=self._mentioned_in(iri),
        )

    def document(self, iri: URIRef) -> DocumentProfile | None:
        props = self.describe([iri]).get(str(iri))
        if not props or URIRef(f"{_KG}Document") not in props.get(_TYPE, []):
            return None
        return DocumentProfile(
            id=segment_of(str(iri)),
            iri=str(iri),
            name=self.ix.docs.name(str(iri)) or _one(props, _LABEL) or segment_of(str(iri)),
            number=_one(props, f"{_KG}documentNumber"),
            kind=_one(props, f"{_KG}documentKind"),
            issuer=self._ref(self.ix.orgs, _first(props, f"{_DCT}creator")),
            date=_one(props, f"{_DCT}issued"),
            term=_one(props, f"{_KG}term"),
            title=_one(props, f"{_DCT}title"),
            citations=self._citations(self._iris(CITATIONS_OF_DOC, {"x": iri})),
        )

    def awards(
        self, *, kind: str | None, award_class: str | None, year: int | None, recipient: str | None,
        limit: int, offset: int,
    ) -> tuple[int, list[AwardOut]]:  # fmt: skip
        bindings: dict[str, Node] = {}
        filters = []
        if kind:
            bindings["kind"] = Literal(kind)
            filters.append("kind")
        if award_class:
            bindings["class"] = Literal(award_class)
            filters.append("class")
        if year is not None:
            bindings["year_q"] = Literal(str(year))
            filters.append("year")
        if recipient is not None:
            filters.append("recipient")
        sparql = AWARDS_FILTERED % {"patterns": " ".join(AWARD_FILTERS[f][0] for f in filters),
                                    "filters": " ".join(AWARD_FILTERS[f][1] for f in filters)}  # fmt: skip
        if recipient is not None:
            cs: list[URIRef] = []
            for a in self._recipients(recipient):
                cs += self._iris(sparql, {**bindings, "recipient": a})
        else:
            cs = self._iris(sparql, bindings) if bindings else self._iris(sparql, {})
        cs = list(dict.fromkeys(cs))
        years = {c: _one(p, f"{_KG}year") or "" for c, p in self.describe(cs, YEARS).items()} if cs else {}
        cs.sort(key=lambda c: (years.get(str(c), ""), str(c)), reverse=True)
        return len(cs), self._awards(cs[offset : offset + limit])

    def _recipients(self, recipient: str) -> list[URIRef]:
        """The people and units ``recipient`` names (an id: that one; a name: every namesake)."""
        return self._resolve("person", recipient)[0] + self._resolve("organization", recipient)[0]

    # -- articles and stats
    def article(self, graph: URIRef) -> ArticleGraph | None:
        arts = self._iris(ARTICLE_OF_GRAPH, {"g": graph})
        if not arts:
            return None
        triples = []
        for s, p, o in self.store.query(ARTICLE_TRIPLES, {"g": graph}).rows:
            lit = isinstance(o, Literal)
            triples.append(TripleOut(
                subject=str(s), predicate=str(p), object=str(o),
                object_type="literal" if lit else ("iri" if isinstance(o, URIRef) else "bnode"),
                datatype=str(o.datatype) if lit and o.datatype else None,  # type: ignore[union-attr]
                lang=o.language if lit else None,  # type: ignore[union-attr]
            ))  # fmt: skip
        counts = {str(k).split("#")[-1]: int(str(n)) for k, n in self.store.query(ARTICLE_COUNTS, {"g": graph}).rows}
        ref = self.articles(arts[:1])[str(arts[0])]
        return ArticleGraph(article=ref, graph=str(graph), counts=counts, triples=triples)

    def triple_count(self, graph: URIRef) -> int:
        rows = self.store.query(ARTICLE_TRIPLE_COUNT, {"g": graph}).rows
        return int(str(rows[0][0])) if rows else 0

    def stats(self) -> Stats:
        """Counted once, then cached until the next write (a full count costs seconds at 10M triples)."""
        if self._stats is None:
            counts = {str(k).split("#")[-1]: int(str(n)) for k, n in self.store.query(STATS_COUNTS).rows}
            n, graphs = self.store.query(STATS_TRIPLES).rows[0]
            self._stats = Stats(triples=int(str(n)), graphs=int(str(graphs)), articles=counts.get("Article", 0),
                                counts=counts)  # fmt: skip
        return self._stats


YEARS = "SELECT DISTINCT ?x ?p ?o WHERE { ?x ?p ?o FILTER(?p = kg:year) }"


def _first(props: Props, p: str) -> Node | None:
    v = props.get(p)
    return v[0] if v else None


def _one(props: Props, p: str) -> str | None:
    """One value of ``p`` as text; the smallest when articles disagree (deterministic)."""
    v = props.get(p)
    return min(str(x) for x in v) if v else None


def _article_ref(iri: str, props: Props) -> ArticleRef:
    return ArticleRef(
        id=_one(props, f"{_DCT}identifier") or segment_of(iri),
        iri=iri,
        title=_one(props, f"{_DCT}title"),
        published=_one(props, f"{_SCHEMA}datePublished"),
        url=_one(props, f"{_SCHEMA}url"),
    )
