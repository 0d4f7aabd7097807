"""Graph building: one article's resolved facts -> the triples of its named graph.

The only module that adds triples. Every fact node links to its article (prov:wasDerivedFrom) and
to the sentence it was read from (kg:evidence -> kg:Sentence with text and offsets).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, SKOS

from kg.ids import article_graph, article_iri, sentence_iri
from kg.models import Evidence, Resolved
from kg.vocab import KG, ORG, ORG_CLASS, SCHEMA

# Standard classes asserted beside our own, so that generic SPARQL (``?p a foaf:Person``,
# ``?u a org:Organization``) finds people and units without knowing kg:. A chi bộ or a khoa is a
# part of a larger body (org:OrganizationalUnit); the other kinds are bodies in their own right
# (org:FormalOrganization); "other" stays a plain org:Organization.
PERSON_TYPES = (KG.Person, FOAF.Person, SCHEMA.Person)
ORG_TYPES = (KG.Organization, ORG.Organization, SCHEMA.Organization)
ORG_KIND_TYPES: dict[str, URIRef] = {
    "party_cell": ORG.OrganizationalUnit,
    "faculty_or_department": ORG.OrganizationalUnit,
    **{k: ORG.FormalOrganization for k in
       ("party_central", "party_committee", "state_body", "university", "mass_organization", "company")},
}


def _date(value: str | None) -> Literal | None:
    """ISO date literal typed by its precision (xsd:date, xsd:gYearMonth, xsd:gYear); a day that is
    not in the calendar ("30/2", or 29/2 given a year that has none) keeps its month only."""
    if not value:
        return None
    if len(value) == 10 and not real_day(value):
        value = value[:7]
    dtype = {10: XSD.date, 7: XSD.gYearMonth, 4: XSD.gYear}.get(len(value))
    return Literal(value, datatype=dtype) if dtype else Literal(value)


def real_day(iso: str) -> bool:
    """``YYYY-MM-DD`` names a day of the calendar."""
    try:
        datetime.date.fromisoformat(iso)
    except ValueError:
        return False
    return True


def bind_prefixes(g: Graph) -> Graph:
    for prefix, ns in (
        ("kg", KG._NS), ("org", ORG), ("schema", SCHEMA), ("prov", PROV), ("dcterms", DCTERMS),
        ("foaf", FOAF), ("skos", SKOS), ("owl", OWL),
        ("id", URIRef("https://w3id.org/kg-vn/id/")),
    ):  # fmt: skip
        g.bind(prefix, ns, override=True)
    return g


def build_graph(r: Resolved, into: Callable[..., Graph] = Graph) -> Graph:
    """The triples of one article's named graph (``graph_iri(r)``), added to ``into(identifier=…)``:
    an rdflib Graph, or anything with ``add``, ``bind`` and ``identifier`` (the ingest workers'
    ``kg.pipeline.TripleSink``)."""
    g = bind_prefixes(into(identifier=article_graph(r.article.id)))
    a = r.article
    art = article_iri(a.id)
    add = g.add

    add((art, RDF.type, KG.Article))
    add((art, DCTERMS.identifier, Literal(a.id)))
    add((art, DCTERMS.title, Literal(a.title)))
    add((art, RDFS.label, Literal(a.title, lang="vi")))
    add((art, KG.graph, g.identifier))
    if a.url:
        add((art, SCHEMA.url, Literal(a.url, datatype=XSD.anyURI)))
    if a.published:
        add((art, SCHEMA.datePublished, _date(a.published)))  # type: ignore[arg-type]
    if a.sha256:
        add((art, KG.contentHash, Literal(a.sha256)))
    for c in a.conversions:
        add((art, KG.conversion, Literal(c)))

    def evidence(node: URIRef, ev: Evidence | None) -> None:
        add((node, PROV.wasDerivedFrom, art))
        if ev is None:
            return
        s = sentence_iri(a.id, ev.start, ev.end)
        add((node, KG.evidence, s))
        add((s, RDF.type, KG.Sentence))
        add((s, KG.text, Literal(ev.sentence)))
        add((s, KG.start, Literal(ev.start)))
        add((s, KG.end, Literal(ev.end)))
        add((s, DCTERMS.isPartOf, art))

    for o in r.organizations:
        n = URIRef(o.iri)
        add((n, RDF.type, ORG_CLASS.get(o.kind, KG.OtherOrganization)))
        for t in ORG_TYPES:
            add((n, RDF.type, t))
        if o.kind in ORG_KIND_TYPES:
            add((n, RDF.type, ORG_KIND_TYPES[o.kind]))
        add((n, RDFS.label, Literal(o.name, lang="vi")))
        add((n, KG.kind, Literal(o.kind)))
        for al in o.aliases:
            add((n, KG.alias, Literal(al)))
        if o.parent:
            add((n, ORG.subOrganizationOf, URIRef(o.parent)))
        if o.party_of:
            add((n, KG.partyOrganizationOf, URIRef(o.party_of)))
        add((art, KG.mentions, n))
        for ev in o.evidence[:1]:
            evidence(n, ev)
        if not o.evidence:
            add((n, PROV.wasDerivedFrom, art))

    for p in r.people:
        n = URIRef(p.iri)
        for t in PERSON_TYPES:
            add((n, RDF.type, t))
        add((n, RDFS.label, Literal(p.name, lang="vi")))
        add((n, FOAF.name, Literal(p.name)))
        add((n, KG.nameKey, Literal(p.name_key)))
        for h in p.honorifics:
            add((n, KG.honorific, Literal(h)))
        add((art, KG.mentions, n))
        evidence(n, p.evidence[0] if p.evidence else None)

    for h in r.holdings:
        n, role = URIRef(h.iri), URIRef(h.role)
        add((role, RDF.type, KG.Role))
        add((role, SKOS.prefLabel, Literal(h.post, lang="vi")))
        add((role, RDFS.label, Literal(h.post, lang="vi")))
        add((role, KG.singleSeat, Literal(h.single_seat)))
        add((n, RDF.type, KG.RoleHolding))
        add((n, ORG.member, URIRef(h.person)))
        add((n, ORG.role, role))
        add((n, KG.title, Literal(h.title)))
        if h.organization:
            add((n, ORG.organization, URIRef(h.organization)))
        if h.as_of:
            add((n, KG.asOf, _date(h.as_of)))  # type: ignore[arg-type]
        if h.former:
            add((n, KG.former, Literal(True)))
        if h.acting:
            add((n, KG.acting, Literal(True)))
        evidence(n, h.evidence)

    for d in r.documents:
        n, c = URIRef(d.iri), URIRef(d.citation)
        add((n, RDF.type, KG.Document))
        label = d.number or d.title or f"{d.kind or ''} khóa {d.term or ''}".strip()
        add((n, RDFS.label, Literal(f"{d.kind} {label}" if d.kind and d.number else label, lang="vi")))
        if d.number:
            add((n, KG.documentNumber, Literal(d.number)))
        if d.kind:
            add((n, KG.documentKind, Literal(d.kind)))
        if d.issuer:
            add((n, DCTERMS.creator, URIRef(d.issuer)))
        if d.date:
            add((n, DCTERMS.issued, _date(d.date)))  # type: ignore[arg-type]
        if d.term:
            add((n, KG.term, Literal(d.term)))
        if d.title:
            add((n, DCTERMS.title, Literal(d.title)))
        add((c, RDF.type, KG.Citation))
        add((c, KG.cites, n))
        if d.cited_by:
            add((c, KG.citedBy, URIRef(d.cited_by)))
        add((art, DCTERMS.references, n))
        evidence(c, d.evidence[0] if d.evidence else None)

    for aw in r.awards:
        n, award = URIRef(aw.iri), URIRef(aw.award)
        add((award, RDF.type, KG.Award))
        add((award, RDFS.label, Literal(aw.name, lang="vi")))
        if aw.award_kind:
            add((award, KG.awardKind, Literal(aw.award_kind)))
        if aw.award_class:
            add((award, KG.awardClass, Literal(aw.award_class)))
        add((n, RDF.type, KG.AwardConferral))
        add((n, KG.award, award))
        if aw.recipient:
            add((n, KG.recipient, URIRef(aw.recipient)))
        if aw.recipient_text:
            add((n, KG.recipientText, Literal(aw.recipient_text)))
        if aw.conferred_by:
            add((n, KG.conferredBy, URIRef(aw.conferred_by)))
        if aw.conferred_by_text:
            add((n, KG.conferredByText, Literal(aw.conferred_by_text)))
        if aw.year:
            add((n, KG.year, Literal(str(aw.year), datatype=XSD.gYear)))
        evidence(n, aw.evidence)

    for e in r.events:
        n = URIRef(e.iri)
        add((n, RDF.type, KG.Event))
        add((n, RDFS.label, Literal(e.name, lang="vi")))
        add((n, SCHEMA.name, Literal(e.name)))
        if e.date:
            add((n, SCHEMA.startDate, _date(e.date)))  # type: ignore[arg-type]
        if e.organizer:
            add((n, SCHEMA.organizer, URIRef(e.organizer)))
        for p in e.participants:
            add((n, SCHEMA.attendee, URIRef(p)))
        add((n, SCHEMA.about, art))
        evidence(n, e.evidence)
    return g
