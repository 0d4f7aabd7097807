"""What the REST API asks the store, and the in-memory name index it searches.

- SPARQL templates: each starts with its bound pattern (Oxigraph joins in the written order, so
  the selective pattern must come first; MEASURED.md shows 20x differences). Values are bound with
  ``store.query(q, bindings)`` or :func:`bind_many` (a VALUES block of checked rdflib terms), never
  pasted as text.
- :class:`NameIndex`: folded name key -> entity, built at start-up and refreshed after writes, so a
  search never scans labels in the store (a full label scan costs 0.2–0.9 s at 10M triples).
- :class:`Catalog`: the API's questions as methods returning the models of :mod:`kg.api_models`.
"""

from __future__ import annotations

import bisect
import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rdflib import XSD, Literal, URIRef
from rdflib.term import Node

from kg.api_models import (
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
    Holding,
    OrgHit,
    OrgProfile,
    PersonHit,
    PersonProfile,
    SameAsCandidate,
    Stats,
    TripleOut,
)
from kg.ids import article_graph
from kg.store import Store, check_term
from kg.text import ascii_fold, fold
from kg.vocab import BASE, DERIVED_GRAPH, GRAPH, ID

D = f"<{DERIVED_GRAPH}>"
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
SEGMENT = r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,199}(/[A-Za-z0-9._~-]{1,100}){0,4}$"
_SEGMENT = re.compile(SEGMENT)
_CHUNK = 400

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


def article_graph_for(article_id: str) -> URIRef:
    """An article's named graph, from its own id ("vd-2024-001") or its IRI's segment."""
    if "/" not in article_id and _SEGMENT.match(article_id) and re.search(r"-[0-9a-f]{10}$", article_id):
        return GRAPH[f"article/{article_id}"]
    return article_graph(article_id)


def bind_many(sparql: str, var: str, terms: Iterable[Node]) -> str:
    """``VALUES ?var { t1 t2 … }`` at the start of the first WHERE block; terms are checked."""
    vals = " ".join(check_term(t).n3() for t in terms)
    m = _WHERE.search(sparql)
    if not m:
        raise ValueError("template has no WHERE block")
    return f"{sparql[: m.end()]}\n  VALUES ?{var} {{ {vals} }}\n{sparql[m.end() :]}"


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

# The index, whole store (start-up) or one article's graph (after a write).
INDEX_PEOPLE = "SELECT DISTINCT ?x ?name WHERE { ?x kg:nameKey ?k ; foaf:name ?name }"
INDEX_ORGS = "SELECT DISTINCT ?x ?name ?kind WHERE { ?x kg:kind ?kind ; rdfs:label ?name }"
INDEX_ALIASES = "SELECT DISTINCT ?x ?name WHERE { ?x kg:alias ?name }"
INDEX_DOCS = """SELECT DISTINCT ?x ?name ?number ?kind WHERE {
  ?x a kg:Document ; rdfs:label ?name .
  OPTIONAL { ?x kg:documentNumber ?number } OPTIONAL { ?x kg:documentKind ?kind } }"""
INDEX_ROLES = "SELECT DISTINCT ?x ?name WHERE { ?x a kg:Role ; skos:prefLabel ?name }"

# A title exactly as an article writes it ("Phó Bí thư Đảng ủy") -> the posts it was read as.
ROLES_BY_TITLE = "SELECT DISTINCT ?role WHERE { ?h kg:title ?title . ?h org:role ?role }"

# Holdings of a post at a unit: unit first (a unit has few holdings, a post has many).
HOLDINGS_AT_UNIT = "SELECT DISTINCT ?h WHERE { ?h org:organization ?org . ?h org:role ?role }"
HOLDINGS_OF_ROLE = "SELECT DISTINCT ?h WHERE { ?h org:role ?role }"
HOLDINGS_OF_PERSON = "SELECT DISTINCT ?h WHERE { ?h org:member ?person }"
HOLDINGS_OF_UNIT = "SELECT DISTINCT ?h WHERE { ?h org:organization ?org }"

HOLDING_TIMELINE = f"""SELECT ?h ?first ?last ?endedBy ?next WHERE {{
  GRAPH {D} {{ ?h kg:firstSeen ?first ; kg:lastSeen ?last .
    OPTIONAL {{ ?h kg:endedBy ?endedBy }} OPTIONAL {{ ?h kg:succeededBy ?next }} }} }}"""

# One row per (holding, article): GRAPH ?g keeps title, date and sentence of the same article.
HOLDING_DETAILS = """SELECT ?h ?person ?role ?org ?title ?asOf ?article ?aid ?atitle ?published ?url
  ?sentence ?start ?end WHERE {
  GRAPH ?g {
    ?h prov:wasDerivedFrom ?article ; org:member ?person ; kg:title ?title .
    OPTIONAL { ?h org:role ?role }
    OPTIONAL { ?h org:organization ?org }
    OPTIONAL { ?h kg:asOf ?asOf }
    OPTIONAL { ?h kg:evidence ?s . ?s kg:text ?sentence ; kg:start ?start ; kg:end ?end }
    OPTIONAL { ?article dcterms:identifier ?aid }
    OPTIONAL { ?article dcterms:title ?atitle }
    OPTIONAL { ?article schema:datePublished ?published }
    OPTIONAL { ?article schema:url ?url }
  } }"""

MEMBER_OF_HOLDING = "SELECT DISTINCT ?h ?person WHERE { ?h org:member ?person }"

OUTGOING = "SELECT DISTINCT ?p ?o WHERE { ?x ?p ?o }"

ARTICLES = """SELECT DISTINCT ?article ?aid ?atitle ?published ?url WHERE {
  GRAPH ?g { ?article ?rel ?x ; dcterms:identifier ?aid .
    OPTIONAL { ?article dcterms:title ?atitle } OPTIONAL { ?article schema:datePublished ?published }
    OPTIONAL { ?article schema:url ?url } } }"""
MENTIONED_IN = ARTICLES.replace("?rel", "kg:mentions")

AWARDS_OF = """SELECT DISTINCT ?c WHERE { ?c kg:recipient ?x }"""
AWARD_DETAILS = """SELECT DISTINCT ?c ?award ?name ?kind ?class ?year ?recipient ?rtext ?by ?btext
  ?article ?aid ?atitle ?published ?url WHERE {
  GRAPH ?g { ?c kg:award ?award ; prov:wasDerivedFrom ?article .
    OPTIONAL { ?c kg:year ?year } OPTIONAL { ?c kg:recipient ?recipient }
    OPTIONAL { ?c kg:recipientText ?rtext } OPTIONAL { ?c kg:conferredBy ?by }
    OPTIONAL { ?c kg:conferredByText ?btext }
    ?award rdfs:label ?name .
    OPTIONAL { ?award kg:awardKind ?kind } OPTIONAL { ?award kg:awardClass ?class }
    OPTIONAL { ?article dcterms:identifier ?aid } OPTIONAL { ?article dcterms:title ?atitle }
    OPTIONAL { ?article schema:datePublished ?published } OPTIONAL { ?article schema:url ?url } } }"""

EVENTS_OF = """SELECT DISTINCT ?e ?name ?date ?organizer ?article ?aid ?atitle ?published ?url WHERE {
  GRAPH ?g { ?e schema:attendee ?x ; schema:name ?name .
    OPTIONAL { ?e schema:startDate ?date } OPTIONAL { ?e schema:organizer ?organizer }
    OPTIONAL { ?e schema:about ?article . ?article dcterms:identifier ?aid
      OPTIONAL { ?article dcterms:title ?atitle } OPTIONAL { ?article schema:datePublished ?published }
      OPTIONAL { ?article schema:url ?url } } } }"""

SAME_AS = f"""SELECT DISTINCT ?other ?score ?reason WHERE {{
  GRAPH {D} {{ ?c kg:candidate ?x . ?c kg:candidate ?other ; kg:score ?score .
    OPTIONAL {{ ?c kg:reason ?reason }} FILTER(?other != ?x) }} }}"""

SUB_UNITS = "SELECT DISTINCT ?sub WHERE { ?sub org:subOrganizationOf ?x }"
PARTY_CELLS = "SELECT DISTINCT ?sub WHERE { ?sub org:subOrganizationOf+ ?x . ?sub a kg:PartyCell }"
DOCS_ISSUED = "SELECT DISTINCT ?doc WHERE { ?doc dcterms:creator ?x }"

CITATIONS_BY_UNIT = "SELECT DISTINCT ?c WHERE { ?c kg:citedBy ?x }"
CITATIONS_OF_DOC = "SELECT DISTINCT ?c WHERE { ?c kg:cites ?x }"
CITATION_DETAILS = """SELECT DISTINCT ?c ?doc ?by ?article ?aid ?atitle ?published ?url ?sentence ?start ?end
  WHERE { GRAPH ?g { ?c kg:cites ?doc ; prov:wasDerivedFrom ?article .
    OPTIONAL { ?c kg:citedBy ?by }
    OPTIONAL { ?c kg:evidence ?s . ?s kg:text ?sentence ; kg:start ?start ; kg:end ?end }
    OPTIONAL { ?article dcterms:identifier ?aid } OPTIONAL { ?article dcterms:title ?atitle }
    OPTIONAL { ?article schema:datePublished ?published } OPTIONAL { ?article schema:url ?url } } }"""

# /awards: the filters are constant fragments switched on; their values are bound.
AWARDS_FILTERED = """SELECT DISTINCT ?c ?year WHERE {
  ?c kg:award ?award .
  %(filters)s
  OPTIONAL { ?c kg:year ?year }
} ORDER BY DESC(?year) ?c"""
AWARD_FILTERS = {
    "recipient": "?c kg:recipient ?recipient .",
    "kind": "?award kg:awardKind ?k . FILTER(LCASE(STR(?k)) = LCASE(STR(?kind)))",
    "class": "?award kg:awardClass ?cl . FILTER(LCASE(STR(?cl)) = LCASE(STR(?class)))",
    "year": "?c kg:year ?y . FILTER(STR(?y) = STR(?year_q))",
}

ARTICLE_META = """SELECT ?article ?aid ?atitle ?published ?url WHERE {
  GRAPH ?g { ?article kg:graph ?g ; dcterms:identifier ?aid .
    OPTIONAL { ?article dcterms:title ?atitle } OPTIONAL { ?article schema:datePublished ?published }
    OPTIONAL { ?article schema:url ?url } } }"""
ARTICLE_TRIPLES = "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?s ?p ?o"
ARTICLE_COUNTS = "SELECT ?kind (COUNT(DISTINCT ?x) AS ?n) WHERE { GRAPH ?g { ?x a ?kind } } GROUP BY ?kind"
ARTICLE_TRIPLE_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"

STATS_COUNTS = """SELECT ?kind (COUNT(DISTINCT ?x) AS ?n) WHERE {
  VALUES ?kind { kg:Person kg:Organization kg:RoleHolding kg:Role kg:Document kg:Citation kg:Award
                 kg:AwardConferral kg:Event kg:Article kg:Sentence }
  ?x a ?kind } GROUP BY ?kind"""
STATS_TRIPLES = "SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?g) AS ?graphs) WHERE { GRAPH ?g { ?s ?p ?o } }"


# ---------------------------------------------------------------- name index


@dataclass
class Entry:
    iri: str
    name: str
    names: list[str] = field(default_factory=list)
    kind: str | None = None
    number: str | None = None


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

    def __len__(self) -> int:
        return len(self.entries)

    def add(
        self, iri: str, name: str, *, kind: str | None = None, number: str | None = None, alias: bool = False
    ) -> None:
        """Index ``name`` for ``iri``; the display name is the smallest non-alias spelling (deterministic)."""
        e = self.entries.get(iri)
        if e is None:
            e = self.entries[iri] = Entry(iri, name, [name], kind, number)
        elif name not in e.names:
            e.names.append(name)
            if not alias and name < e.name:
                e.names.remove(name)
                e.names.insert(0, name)
                e.name = name
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

    def get(self, iri: str) -> Entry | None:
        return self.entries.get(iri)

    def name(self, iri: str | None) -> str | None:
        e = self.entries.get(iri) if iri else None
        return e.name if e else None

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
            for iri in sorted(common, key=lambda i: (ascii_fold(self.entries[i].name), i)):
                out.append((iri, "token"))
        return out


@dataclass
class Indexes:
    people: NameIndex = field(default_factory=NameIndex)
    orgs: NameIndex = field(default_factory=NameIndex)
    docs: NameIndex = field(default_factory=NameIndex)
    roles: NameIndex = field(default_factory=NameIndex)


def load_indexes(store: Store, graphs: list[str] | None = None, into: Indexes | None = None) -> Indexes:
    """Fill the indexes from the whole store, or from some named graphs only (after a write)."""
    ix = into or Indexes()
    kw = {"default_graphs": graphs} if graphs else {}
    for x, name in store.query(INDEX_PEOPLE, **kw).rows:
        ix.people.add(str(x), str(name))
    for x, name, kind in store.query(INDEX_ORGS, **kw).rows:
        ix.orgs.add(str(x), str(name), kind=_s(kind))
    for x, name in store.query(INDEX_ALIASES, **kw).rows:
        if str(x) in ix.orgs.entries:
            ix.orgs.add(str(x), str(name), alias=True)
    for x, name, number, kind in store.query(INDEX_DOCS, **kw).rows:
        ix.docs.add(str(x), str(name), kind=_s(kind), number=_s(number))
        if number is not None:
            ix.docs.add(str(x), str(number), alias=True)
    for x, name in store.query(INDEX_ROLES, **kw).rows:
        ix.roles.add(str(x), str(name))
    return ix


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
        ix = self.ix.people if s.startswith(f"{BASE}id/person/") else self.ix.orgs
        return self._ref(ix, s)

    @staticmethod
    def _article(row: dict[str, Node | None]) -> ArticleRef:
        return ArticleRef(
            id=_s(row.get("aid")) or segment_of(str(row["article"])),
            iri=str(row["article"]),
            title=_s(row.get("atitle")),
            published=_s(row.get("published")),
            url=_s(row.get("url")),
        )

    def _select(self, sparql: str, var: str, terms: Sequence[Node]) -> list[dict[str, Node | None]]:
        rows: list[dict[str, Node | None]] = []
        for i in range(0, len(terms), _CHUNK):
            rows += self.store.query(bind_many(sparql, var, terms[i : i + _CHUNK])).dicts()
        return rows

    def _iris(self, sparql: str, bindings: dict[str, Node]) -> list[URIRef]:
        return [URIRef(str(r[0])) for r in self.store.query(sparql, bindings).rows if r[0] is not None]

    def exists(self, iri: URIRef) -> bool:
        return bool(self.store.query("SELECT ?p WHERE { ?x ?p ?o } LIMIT 1", {"x": iri}).rows)

    # -- role holdings
    def resolve_roles(self, title: str) -> list[URIRef]:
        """Posts a title names: the normalised post ("hieu truong") or a title as written."""
        found = set(self.ix.roles.lookup(title))
        found |= {str(r) for r in self._iris(ROLES_BY_TITLE, {"title": Literal(title)})}
        return [URIRef(r) for r in sorted(found)]

    def resolve_orgs(self, organization: str) -> list[URIRef]:
        """A unit's id (IRI segment or full IRI) or its name / alias, folded."""
        if organization.startswith(f"{ID}org/"):
            organization = segment_of(organization)
        iri = iri_of("organization", organization)
        if iri is not None and str(iri) in self.ix.orgs.entries:
            return [iri]
        named = self.ix.orgs.lookup(organization)
        if named:
            return [URIRef(i) for i in named]
        return [iri] if iri is not None and self.exists(iri) else []

    def holdings_for(self, title: str, organization: str | None) -> list[URIRef]:
        roles = self.resolve_roles(title)
        if not roles:
            return []
        out: dict[URIRef, None] = {}
        if organization is not None:
            for o in self.resolve_orgs(organization):
                for r in roles:
                    out.update(dict.fromkeys(self._iris(HOLDINGS_AT_UNIT, {"org": o, "role": r})))
        else:
            for r in roles:
                out.update(dict.fromkeys(self._iris(HOLDINGS_OF_ROLE, {"role": r})))
        return list(out)

    def timeline(self, holdings: Sequence[URIRef]) -> dict[str, dict[str, object]]:
        tl: dict[str, dict[str, object]] = {}
        for r in self._select(HOLDING_TIMELINE, "h", holdings):
            t = tl.setdefault(str(r["h"]), {"first": _s(r["first"]), "last": _s(r["last"]),
                                            "ended_by": _s(r["endedBy"]), "next": []})  # fmt: skip
            if r["next"] is not None and str(r["next"]) not in t["next"]:  # type: ignore[operator]
                t["next"].append(str(r["next"]))  # type: ignore[attr-defined]
        return tl

    def select_holdings(
        self, holdings: Sequence[URIRef], at: str | None
    ) -> tuple[list[URIRef], dict[str, dict[str, object]]]:
        """Filter by date and sort by first sighting (then IRI): the order every list uses."""
        tl = self.timeline(holdings)
        keep = [h for h in holdings if at is None or held_at(
            tl.get(str(h), {}).get("first"), tl.get(str(h), {}).get("ended_by"), at)]  # type: ignore[arg-type]
        keep.sort(key=lambda h: (str(tl.get(str(h), {}).get("first") or "9999"), str(h)))
        return keep, tl

    def holding_details(self, holdings: Sequence[URIRef], tl: dict[str, dict[str, object]]) -> list[Holding]:
        if not holdings:
            return []
        rows = self._select(HOLDING_DETAILS, "h", holdings)
        grouped: dict[str, list[dict[str, Node | None]]] = defaultdict(list)
        for r in rows:
            grouped[str(r["h"])].append(r)
        successors = [URIRef(n) for t in tl.values() for n in t["next"]]  # type: ignore[attr-defined]
        succ_person = {str(r["h"]): str(r["person"]) for r in self._select(MEMBER_OF_HOLDING, "h", successors)} \
            if successors else {}  # fmt: skip
        out = []
        for h in holdings:
            rs = sorted(grouped.get(str(h), []), key=lambda r: (_s(r["asOf"]) or "", _s(r["aid"]) or ""))
            if not rs:
                continue
            last = rs[-1]
            t = tl.get(str(h), {})
            titles = list(dict.fromkeys(str(r["title"]) for r in rs))
            evidence = []
            seen = set()
            for r in rs:
                k = (str(r["article"]), _s(r["sentence"]), _s(r["start"]))
                if k in seen:
                    continue
                seen.add(k)
                evidence.append(EvidenceOut(
                    article=self._article(r), as_of=_s(r["asOf"]), title_as_written=str(r["title"]),
                    sentence=_s(r["sentence"]), start=_int(r["start"]), end=_int(r["end"])))  # fmt: skip
            ended_by = t.get("ended_by")
            out.append(Holding(
                holding=str(h),
                person=self._ref(self.ix.people, last["person"]),  # type: ignore[arg-type]
                title=str(last["title"]),
                titles=titles,
                post=self.ix.roles.name(_s(last["role"])),
                organization=self._ref(self.ix.orgs, last["org"]),
                as_of=_s(last["asOf"]),
                first_seen=t.get("first") or _s(rs[0]["asOf"]),  # type: ignore[arg-type]
                last_seen=t.get("last") or _s(last["asOf"]),  # type: ignore[arg-type]
                ended=ended_by is not None,
                ended_by=ended_by,  # type: ignore[arg-type]
                succeeded_by=[self._ref(self.ix.people, succ_person[n])  # type: ignore[misc]
                              for n in t.get("next", []) if n in succ_person],  # type: ignore[attr-defined]
                evidence=evidence,
            ))  # fmt: skip
        return out

    def roles(
        self, title: str, organization: str | None, at: str | None, limit: int, offset: int
    ) -> tuple[int, list[Holding]]:
        keep, tl = self.select_holdings(self.holdings_for(title, organization), at)
        return len(keep), self.holding_details(keep[offset : offset + limit], tl)

    def _all_holdings(self, sparql: str, var: str, iri: URIRef) -> list[Holding]:
        keep, tl = self.select_holdings(self._iris(sparql, {var: iri}), None)
        return self.holding_details(keep, tl)

    # -- search
    def search(self, ix: NameIndex, q: str) -> list[tuple[Entry, str]]:
        return [(ix.entries[i], m) for i, m in ix.search(q)]

    def person_hits(self, q: str) -> list[tuple[Entry, str]]:
        return self.search(self.ix.people, q)

    @staticmethod
    def person_hit(e: Entry, match: str) -> PersonHit:
        return PersonHit(id=segment_of(e.iri), iri=e.iri, name=e.name, name_key=ascii_fold(e.name), match=match)  # type: ignore[arg-type]

    @staticmethod
    def org_hit(e: Entry, match: str) -> OrgHit:
        return OrgHit(id=segment_of(e.iri), iri=e.iri, name=e.name, kind=e.kind, aliases=e.names[1:], match=match)  # type: ignore[arg-type]

    @staticmethod
    def doc_hit(e: Entry, match: str) -> DocHit:
        return DocHit(id=segment_of(e.iri), iri=e.iri, name=e.name, number=e.number, kind=e.kind, match=match)  # type: ignore[arg-type]

    # -- shared profile parts
    def _outgoing(self, iri: URIRef) -> dict[str, list[Node]]:
        props: dict[str, list[Node]] = defaultdict(list)
        for p, o in self.store.query(OUTGOING, {"x": iri}).rows:
            if o not in props[str(p)]:
                props[str(p)].append(o)  # type: ignore[arg-type]
        return props

    def _articles(self, sparql: str, iri: URIRef) -> list[ArticleRef]:
        arts = {str(r["article"]): self._article(r) for r in self.store.query(sparql, {"x": iri}).dicts()}
        return sorted(arts.values(), key=lambda a: (a.published or "", a.id))

    def _awards(self, conferrals: Sequence[URIRef]) -> list[AwardOut]:
        if not conferrals:
            return []
        by_c: dict[str, AwardOut] = {}
        for r in self._select(AWARD_DETAILS, "c", conferrals):
            c = str(r["c"])
            if c not in by_c:
                by_c[c] = AwardOut(
                    conferral=c, award=str(r["name"]), award_iri=str(r["award"]), kind=_s(r["kind"]),
                    award_class=_s(r["class"]), year=_int(r["year"]), recipient=self._agent(r["recipient"]),
                    recipient_text=_s(r["rtext"]), conferred_by=self._agent(r["by"]), conferred_by_text=_s(r["btext"]),
                )  # fmt: skip
            art = self._article(r)
            if art.iri not in {a.iri for a in by_c[c].articles}:
                by_c[c].articles.append(art)
        return [by_c[str(c)] for c in conferrals if str(c) in by_c]

    def _citations(self, citations: Sequence[URIRef]) -> list[CitationOut]:
        if not citations:
            return []
        out: dict[str, CitationOut] = {}
        for r in self._select(CITATION_DETAILS, "c", citations):
            c = str(r["c"])
            if c in out:
                continue
            doc = str(r["doc"])
            e = self.ix.docs.get(doc)
            out[c] = CitationOut(
                citation=c,
                document=DocumentRef(id=segment_of(doc), iri=doc, name=e.name if e else None,
                                     number=e.number if e else None),
                cited_by=self._ref(self.ix.orgs, r["by"]),
                article=self._article(r),
                sentence=_s(r["sentence"]), start=_int(r["start"]), end=_int(r["end"]),
            )  # fmt: skip
        return sorted(out.values(), key=lambda c: (c.article.published or "", c.article.id, c.citation))

    # -- profiles
    def person(self, iri: URIRef) -> PersonProfile | None:
        props = self._outgoing(iri)
        if not props:
            return None
        names = [str(n) for n in props.get(f"{_FOAF}name", []) or props.get(_LABEL, [])]
        keys = props.get(f"{_KG}nameKey", [])
        events: dict[str, EventOut] = {}
        for r in self.store.query(EVENTS_OF, {"x": iri}).dicts():
            e = events.setdefault(str(r["e"]), EventOut(
                iri=str(r["e"]), name=str(r["name"]), date=_s(r["date"]), organizer=self._ref(self.ix.orgs, r["organizer"])))  # fmt: skip
            if r["article"] is not None and str(r["article"]) not in {a.iri for a in e.articles}:
                e.articles.append(self._article(r))
        same = []
        for r in self.store.query(SAME_AS, {"x": iri}).dicts():
            same.append(SameAsCandidate(person=self._ref(self.ix.people, r["other"]), score=float(str(r["score"])),  # type: ignore[arg-type]
                                        reason=_s(r["reason"])))  # fmt: skip
        return PersonProfile(
            id=segment_of(str(iri)),
            iri=str(iri),
            name=self.ix.people.name(str(iri)) or (names[0] if names else segment_of(str(iri))),
            names=sorted(set(names)),
            name_key=str(keys[0]) if keys else None,
            honorifics=sorted({str(h) for h in props.get(f"{_KG}honorific", [])}),
            holdings=self._all_holdings(HOLDINGS_OF_PERSON, "person", iri),
            awards=self._awards(self._iris(AWARDS_OF, {"x": iri})),
            events=sorted(events.values(), key=lambda e: (e.date or "", e.iri)),
            articles=self._articles(MENTIONED_IN, iri),
            possible_same_as=sorted(same, key=lambda s: (-s.score, s.person.iri)),
        )

    def organization(self, iri: URIRef) -> OrgProfile | None:
        props = self._outgoing(iri)
        if not props:
            return None
        names = sorted({str(n) for n in props.get(_LABEL, [])})
        kinds = props.get(f"{_KG}kind", [])
        parents = props.get(f"{_ORG}subOrganizationOf", [])

        def refs(sparql: str) -> list[EntityRef]:
            return sorted((self._ref(self.ix.orgs, x) for x in self._iris(sparql, {"x": iri})),  # type: ignore[misc]
                          key=lambda r: (r.name or "", r.iri))  # fmt: skip

        issued = []
        for d in self._iris(DOCS_ISSUED, {"x": iri}):
            e = self.ix.docs.get(str(d))
            issued.append(DocumentRef(id=segment_of(str(d)), iri=str(d), name=e.name if e else None,
                                      number=e.number if e else None))  # fmt: skip
        return OrgProfile(
            id=segment_of(str(iri)),
            iri=str(iri),
            name=self.ix.orgs.name(str(iri)) or (names[0] if names else segment_of(str(iri))),
            names=names,
            kind=str(kinds[0]) if kinds else None,
            aliases=sorted({str(a) for a in props.get(f"{_KG}alias", [])}),
            parent=self._ref(self.ix.orgs, parents[0]) if parents else None,
            sub_units=refs(SUB_UNITS),
            party_cells=refs(PARTY_CELLS),
            officers=self._all_holdings(HOLDINGS_OF_UNIT, "org", iri),
            awards=self._awards(self._iris(AWARDS_OF, {"x": iri})),
            documents_cited=self._citations(self._iris(CITATIONS_BY_UNIT, {"x": iri})),
            documents_issued=sorted(issued, key=lambda d: (d.name or "", d.iri)),
            articles=self._articles(MENTIONED_IN, iri),
        )

    def document(self, iri: URIRef) -> DocumentProfile | None:
        props = self._outgoing(iri)
        if not props or URIRef(f"{_KG}Document") not in props.get(_TYPE, []):
            return None

        def one(p: str) -> str | None:
            v = props.get(p)
            return str(v[0]) if v else None

        issuer = props.get(f"{_DCT}creator")
        return DocumentProfile(
            id=segment_of(str(iri)),
            iri=str(iri),
            name=self.ix.docs.name(str(iri)) or one(_LABEL) or segment_of(str(iri)),
            number=one(f"{_KG}documentNumber"),
            kind=one(f"{_KG}documentKind"),
            issuer=self._ref(self.ix.orgs, issuer[0]) if issuer else None,
            date=one(f"{_DCT}issued"),
            term=one(f"{_KG}term"),
            title=one(f"{_DCT}title"),
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
            filters.append(AWARD_FILTERS["kind"])
        if award_class:
            bindings["class"] = Literal(award_class)
            filters.append(AWARD_FILTERS["class"])
        if year is not None:
            bindings["year_q"] = Literal(str(year))
            filters.append(AWARD_FILTERS["year"])
        sparql = AWARDS_FILTERED % {"filters": "\n  ".join(filters)}
        if recipient is not None:
            agents = self._recipients(recipient)
            if not agents:
                return 0, []
            sparql = sparql.replace("?c kg:award ?award .", AWARD_FILTERS["recipient"] + "\n  ?c kg:award ?award .")
            rows = []
            for a in agents:
                rows += self.store.query(sparql, {**bindings, "recipient": a}).rows
        else:
            rows = self.store.query(sparql, bindings or None).rows
        cs = list(dict.fromkeys(URIRef(str(r[0])) for r in rows))
        return len(cs), self._awards(cs[offset : offset + limit])

    def _recipients(self, recipient: str) -> list[URIRef]:
        for kind, ix in (("person", self.ix.people), ("organization", self.ix.orgs)):
            iri = iri_of(kind, segment_of(recipient) if recipient.startswith(BASE) else recipient)
            if iri is not None and str(iri) in ix.entries:
                return [iri]
        return [URIRef(i) for i in self.ix.people.lookup(recipient) + self.ix.orgs.lookup(recipient)]

    # -- articles and stats
    def article(self, graph: URIRef) -> ArticleGraph | None:
        meta = self.store.query(ARTICLE_META, {"g": graph}).dicts()
        if not meta:
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
        counts = {segment_of(str(k)).split("#")[-1]: int(str(n))
                  for k, n in self.store.query(ARTICLE_COUNTS, {"g": graph}).rows}  # fmt: skip
        return ArticleGraph(article=self._article(meta[0]), graph=str(graph), counts=counts, triples=triples)

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


_KG = f"{BASE}ontology#"
_ORG = "http://www.w3.org/ns/org#"
_FOAF = "http://xmlns.com/foaf/0.1/"
_DCT = "http://purl.org/dc/terms/"
_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
