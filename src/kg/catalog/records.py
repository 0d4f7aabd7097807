"""Response models of the REST API (pydantic): what /openapi.json documents and clients rely on.

Every entity is given twice: ``id``, the last path segment of its IRI (what the URL paths take,
``/people/{id}``), and ``iri``, the full stable IRI (what SPARQL takes).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Entity(_Out):
    """What every hit and profile starts with (a subclass's fields follow these)."""

    id: str
    iri: str
    name: str


Match = Literal["exact", "prefix", "token", "all"]  # how a name matched q ("all": no q, browsing)


class EntityRef(_Out):
    id: str = Field(description="Last path segment of the IRI; use it in /people/{id}, /organizations/{id}.")
    iri: str
    name: str | None = Field(None, description="The label, as written in the articles.")


class ArticleRef(_Out):
    id: str = Field(description="The article's own identifier, as given when it was ingested.")
    iri: str
    title: str | None = None
    published: str | None = Field(None, description="Publication date (YYYY-MM-DD, or YYYY-MM / YYYY).")
    url: str | None = None


class EvidenceOut(_Out):
    """One sentence of one article that states a fact."""

    article: ArticleRef
    as_of: str | None = Field(None, description="The date the article states the fact at.")
    title_as_written: str | None = Field(None, description="The title as this article writes it.")
    sentence: str | None = None
    start: int | None = Field(None, description="Character offset of the sentence in the article's text.")
    end: int | None = None


class Holding(_Out):
    """A person holding a post at a unit, over time, with the sentences that say so."""

    holding: str = Field(description="IRI of the role holding (kg:RoleHolding).")
    person: EntityRef
    title: str = Field(description="The title as written in the latest article, e.g. 'Phó Bí thư Đảng ủy'.")
    titles: list[str] = Field(description="Every way the articles write the title.")
    post: str | None = Field(None, description="The normalised post, e.g. 'Phó Bí thư'.")
    organization: EntityRef | None = Field(None, description="The unit the post is at (the school, its Đảng ủy, a chi bộ).")
    unit_relation: Literal["unit", "party_organization", "sub_unit"] | None = Field(
        None, description="With ?organization: how the holding's unit relates to the unit asked for — the unit "
        "itself, one of its party organisations (Đảng bộ, Đảng ủy), or a unit below it.")
    as_of: str | None = Field(None, description="The latest date an article states the holding at.")
    first_seen: str | None = None
    last_seen: str | None = None
    ended: bool = Field(False, description="True when the holding is known to have ended.")
    ended_by: str | None = Field(None, description="It had ended on or before this date.")
    succeeded_by: list[EntityRef] = Field(default_factory=list, description="Later holders of the same seat.")
    evidence: list[EvidenceOut] = Field(default_factory=list, description="The latest sentences, newest last.")
    evidence_total: int = Field(0, description="How many articles state this holding (evidence shows the latest 10).")


class Page(_Out):
    total: int = Field(description="How many items match in all.")
    limit: int
    offset: int


class RolesPage(Page):
    items: list[Holding]


class CurrentPost(_Out):
    """A post a person holds, as far as the articles tell (not known to have ended)."""

    holding: str
    title: str = Field(description="As written in the latest article.")
    post: str | None = None
    organization: EntityRef | None = None
    last_seen: str | None = None


class PersonHit(_Entity):
    name_key: str = Field(description="Case-, tone- and diacritic-folded name ('nguyen dinh duc').")
    match: Match = Field(description="How the name matched q ('all': no q, browsing).")
    current_posts: list[CurrentPost] = Field(default_factory=list, description="Up to 5 posts not known to have ended, latest first.")


class PeoplePage(Page):
    items: list[PersonHit]


class AwardOut(_Out):
    conferral: str = Field(description="IRI of the conferral (kg:AwardConferral).")
    award: str = Field(description="The award's name, e.g. 'Huân chương Lao động hạng Nhì'.")
    award_iri: str
    kind: str | None = Field(None, description="e.g. 'Huân chương', 'Bằng khen'.")
    award_class: str | None = Field(None, description="e.g. 'hạng Nhì'.")
    year: int | None = None
    recipient: EntityRef | None = None
    recipient_text: str | None = Field(None, description="The recipient as written ('25 đảng viên').")
    conferred_by: EntityRef | None = None
    conferred_by_text: str | None = None
    articles: list[ArticleRef] = Field(default_factory=list)


class AwardsPage(Page):
    items: list[AwardOut]


class EventOut(_Out):
    iri: str
    name: str
    date: str | None = None
    organizer: EntityRef | None = None
    articles: list[ArticleRef] = Field(default_factory=list)


class SameAsCandidate(_Out):
    person: EntityRef
    score: float
    reason: str | None = None


class PersonProfile(_Entity):
    names: list[str] = Field(description="Every spelling seen.")
    name_key: str | None = None
    honorifics: list[str] = Field(default_factory=list)
    holdings: list[Holding] = Field(description="All role holdings, oldest first.")
    awards: list[AwardOut] = Field(default_factory=list)
    events: list[EventOut] = Field(default_factory=list)
    articles: list[ArticleRef] = Field(default_factory=list)
    possible_same_as: list[SameAsCandidate] = Field(default_factory=list)


class OrgHit(_Entity):
    kind: str | None = None
    aliases: list[str] = Field(default_factory=list)
    match: Match


class OrgsPage(Page):
    items: list[OrgHit]


class DocumentRef(_Out):
    id: str
    iri: str
    name: str | None = None
    number: str | None = None


class CitationOut(_Out):
    citation: str = Field(description="IRI of the citation (kg:Citation).")
    document: DocumentRef
    cited_by: EntityRef | None = Field(None, description="The unit that studies or implements the document.")
    article: ArticleRef
    sentence: str | None = None
    start: int | None = None
    end: int | None = None


class OrgProfile(_Entity):
    names: list[str]
    kind: str | None = None
    aliases: list[str] = Field(default_factory=list)
    parent: EntityRef | None = None
    sub_units: list[EntityRef] = Field(default_factory=list)
    party_cells: list[EntityRef] = Field(default_factory=list, description="Chi bộ below this unit or its party organisations.")
    party_organizations: list[EntityRef] = Field(
        default_factory=list, description="Its party organisations (Đảng bộ, Đảng ủy): kg:partyOrganizationOf.")
    party_organization_of: EntityRef | None = Field(None, description="The unit this is the party organisation of.")
    officers: list[Holding] = Field(description="Role holdings at this unit over time, oldest first.")
    awards: list[AwardOut] = Field(default_factory=list)
    documents_cited: list[CitationOut] = Field(default_factory=list)
    documents_issued: list[DocumentRef] = Field(default_factory=list)
    articles: list[ArticleRef] = Field(default_factory=list)


class DocHit(_Entity):
    number: str | None = None
    kind: str | None = None
    match: Match


class DocsPage(Page):
    items: list[DocHit]


class DocumentProfile(_Entity):
    number: str | None = None
    kind: str | None = None
    issuer: EntityRef | None = None
    date: str | None = None
    term: str | None = None
    title: str | None = None
    citations: list[CitationOut] = Field(description="Who cites it, when, and the sentence; oldest first.")


class TripleOut(_Out):
    subject: str
    predicate: str
    object: str
    object_type: Literal["iri", "literal", "bnode"]
    datatype: str | None = None
    lang: str | None = None


class ArticleGraph(_Out):
    article: ArticleRef
    graph: str = Field(description="IRI of the article's named graph.")
    counts: dict[str, int] = Field(description="Facts per class in this graph.")
    triples: list[TripleOut]


class Stats(_Out):
    triples: int
    graphs: int
    articles: int
    counts: dict[str, int] = Field(description="Entities per class (Person, Organization, RoleHolding, …).")


class Health(_Out):
    status: Literal["ok"]
    store: str
    writable: bool = Field(description="False when no KG_WRITE_TOKEN is configured (read-only server).")


class NewEntity(_Out):
    """An entity the ingested article brought into the store."""

    kind: str = Field(description="person, organization, document, award or event.")
    iri: str
    label: str | None = None


class IngestResult(_Out):
    article: ArticleRef = Field(description="As stored: the publication date read from the page or the "
                                            "text when none was given, and the page's canonical URL.")
    graph: str
    triples: int = Field(description="Triples in the article's named graph.")
    replaced: bool = Field(description="True when an article with this id was already in the store.")
    counts: dict[str, int] = Field(default_factory=dict, description="What was extracted, per kind: people, "
                                   "organizations, role_holdings, documents, citations, awards, events.")
    new_entities: list[NewEntity] = Field(default_factory=list, description="People, units, documents, awards "
                                          "and events that were not in the store before this article.")


class ArticleIn(BaseModel):
    """An article to ingest, as JSON."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "vd-2024-001",
                    "text": "Hội nghị tổng kết năm 2023\nNgày 12/01/2024, PGS.TS Trần Văn Minh – Hiệu trưởng …",
                    "url": "https://example.org/tin-tuc/hoi-nghi-tong-ket",
                    "published": "2024-01-13",
                }
            ]
        },
    )

    id: str = Field(min_length=1, max_length=200, description="The article's identifier; re-posting replaces it.")
    text: str = Field(min_length=1, description="Plain text; the first line is the title.")
    url: str | None = Field(None, max_length=2000)
    published: str | None = Field(None, pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$", description="YYYY-MM-DD")


class ArticleBatchIn(BaseModel):
    """Many articles in one request: written in one transaction, the derived graph rebuilt once."""

    model_config = ConfigDict(extra="forbid", strict=True)

    articles: list[ArticleIn] = Field(max_length=100, description="At most 100 articles per request (kg ingest sends 50).")
    derive: bool = Field(True, description="Rebuild the derived graph after this batch. False: more "
                         "batches follow; the store keeps a derive-pending marker until a batch with "
                         "`derive: true` (it may be empty) or the next `kg serve` / `kg ingest` run.")
    force: bool = Field(False, description="Rewrite articles whose text is unchanged too.")


class BatchFailure(_Out):
    id: str
    reason: str


class BatchResult(_Out):
    ingested: int
    unchanged: int = Field(description="Articles skipped: the store holds the same text already.")
    failed: list[BatchFailure]
    triples: int = Field(description="Triples written.")
    derived: bool = Field(description="True when the derived graph was rebuilt by this request.")
