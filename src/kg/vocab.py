"""The ontology's terms as a typed namespace (checked against ontology/kg.ttl by a test)."""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

BASE = "https://w3id.org/kg-vn/"
ID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
DERIVED_GRAPH = GRAPH["derived"]


class KG(DefinedNamespace):
    """Terms of ontology/kg.ttl. Unknown names raise, so a typo fails at import time."""

    _fail = True
    _NS = Namespace(BASE + "ontology#")

    Person: URIRef
    honorific: URIRef
    nameKey: URIRef
    possibleSameAs: URIRef
    SameAsCandidate: URIRef
    candidate: URIRef
    score: URIRef
    reason: URIRef
    Organization: URIRef
    PartyCentralBody: URIRef
    PartyCommittee: URIRef
    PartyCell: URIRef
    StateBody: URIRef
    University: URIRef
    Faculty: URIRef
    MassOrganization: URIRef
    Company: URIRef
    OtherOrganization: URIRef
    kind: URIRef
    alias: URIRef
    partyOrganizationOf: URIRef
    Role: URIRef
    singleSeat: URIRef
    RoleHolding: URIRef
    title: URIRef
    asOf: URIRef
    former: URIRef
    acting: URIRef
    firstSeen: URIRef
    lastSeen: URIRef
    EvidenceInterval: URIRef
    ended: URIRef
    endedBy: URIRef
    succeededBy: URIRef
    Document: URIRef
    documentNumber: URIRef
    documentKind: URIRef
    term: URIRef
    Citation: URIRef
    cites: URIRef
    citedBy: URIRef
    Award: URIRef
    awardKind: URIRef
    awardClass: URIRef
    AwardConferral: URIRef
    award: URIRef
    recipient: URIRef
    recipientText: URIRef
    conferredBy: URIRef
    conferredByText: URIRef
    year: URIRef
    Event: URIRef
    Article: URIRef
    graph: URIRef
    contentHash: URIRef
    conversion: URIRef
    Sentence: URIRef
    text: URIRef
    start: URIRef
    end: URIRef
    evidence: URIRef
    mentions: URIRef


# GOLD_SCHEMA organisation kinds -> ontology classes
ORG_CLASS: dict[str, URIRef] = {
    "party_central": KG.PartyCentralBody,
    "party_committee": KG.PartyCommittee,
    "party_cell": KG.PartyCell,
    "state_body": KG.StateBody,
    "university": KG.University,
    "faculty_or_department": KG.Faculty,
    "mass_organization": KG.MassOrganization,
    "company": KG.Company,
    "other": KG.OtherOrganization,
}
