"""Plain typed records passed between the pipeline stages.

ingest  -> Article
extract -> ArticleFacts (mirrors ../shared/corpus/GOLD_SCHEMA.md, plus evidence)
resolve -> Resolved (facts with stable identities)
graph   -> rdflib Graph / quads

Records are frozen dataclasses with slots: cheap to build (bulk ingestion makes millions) and
serialisable with ``to_json`` / ``from_json`` so that every stage can run alone on a JSON file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a fact was read: the sentence, and its character span in ``Article.text``."""

    sentence: str
    start: int
    end: int

    def to_json(self) -> dict[str, Any]:
        return {"sentence": self.sentence, "start": self.start, "end": self.end}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Evidence:
        return cls(sentence=d["sentence"], start=int(d["start"]), end=int(d["end"]))


@dataclass(frozen=True, slots=True)
class Article:
    """One article, decoded and normalised (NFC, clean line breaks). ``text[0]`` line is the title."""

    id: str
    title: str
    text: str
    published: str | None = None  # ISO date (YYYY-MM-DD, YYYY-MM or YYYY)
    url: str | None = None
    source_path: str | None = None
    sha256: str = ""
    encoding: str = "utf-8"
    conversions: tuple[str, ...] = ()  # what reading had to do: "bom", "crlf", "nfd", "tcvn3", "html", ...


@dataclass(frozen=True, slots=True)
class RoleFact:
    """One position held by a person, as the article states it."""

    title: str  # as written, with its modifiers ("Phó Bí thư Đảng ủy", "nguyên Bí thư Tỉnh ủy")
    organization: str | None = None  # the unit, resolved from context where the text leaves it implicit
    role: str | None = None  # normalised head ("Bí thư", "Hiệu trưởng"): the post, without modifiers
    former: bool = False  # "nguyên": the holding had ended by the article's date
    acting: bool = False  # "Quyền"
    deputy: bool = False  # "Phó"
    evidence: Evidence | None = None


@dataclass(frozen=True, slots=True)
class PersonFact:
    name: str
    honorifics: tuple[str, ...] = ()
    roles: tuple[RoleFact, ...] = ()
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class OrgFact:
    name: str
    kind: str = "other"  # GOLD_SCHEMA kinds: party_central, party_committee, party_cell, state_body, ...
    aliases: tuple[str, ...] = ()
    parent: str | None = None  # name of the unit this one belongs to, when the text states it
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class DocumentFact:
    number: str | None  # canonical ("19-NQ/TW"); None for plenum resolutions cited by term
    kind: str | None = None  # Nghị quyết, Kết luận, Chỉ thị, Quy định, Quyết định, Luật, ...
    issuer: str | None = None
    date: str | None = None
    term: str | None = None  # "XII" for plenum and congress resolutions
    title: str | None = None  # "Nghị quyết Trung ương 4 khóa XII", or the subject when stated
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class AwardFact:
    name: str  # "Huân chương Lao động hạng Nhì", "Giấy khen của Đảng ủy"
    recipient: str | None = None  # a person, a unit, or a count ("25 đảng viên")
    conferred_by: str | None = None
    year: int | None = None
    evidence: Evidence | None = None


@dataclass(frozen=True, slots=True)
class EventFact:
    name: str
    date: str | None = None
    organizer: str | None = None
    participants: tuple[str, ...] = ()  # names of people reported as taking part
    evidence: Evidence | None = None


@dataclass(frozen=True, slots=True)
class ArticleFacts:
    """Everything read from one article: the GOLD_SCHEMA form, with evidence on every fact."""

    id: str
    title: str
    published: str | None = None
    source_url: str | None = None
    people: tuple[PersonFact, ...] = ()
    organizations: tuple[OrgFact, ...] = ()
    documents: tuple[DocumentFact, ...] = ()
    awards: tuple[AwardFact, ...] = ()
    events: tuple[EventFact, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """GOLD_SCHEMA JSON plus ``evidence`` keys (ignored by the scorer)."""

        def ev(e: Evidence | None) -> dict[str, Any] | None:
            return e.to_json() if e else None

        return {
            "id": self.id,
            "source_url": self.source_url,
            "title": self.title,
            "published": self.published,
            "people": [
                {
                    "name": p.name,
                    "honorifics": list(p.honorifics),
                    "roles": [
                        {
                            "title": r.title,
                            "organization": r.organization,
                            "role": r.role,
                            "former": r.former,
                            "acting": r.acting,
                            "deputy": r.deputy,
                            "evidence": ev(r.evidence),
                        }
                        for r in p.roles
                    ],
                    "evidence": [e.to_json() for e in p.evidence],
                }
                for p in self.people
            ],
            "organizations": [
                {
                    "name": o.name,
                    "aliases": list(o.aliases),
                    "kind": o.kind,
                    "parent": o.parent,
                    "evidence": [e.to_json() for e in o.evidence],
                }
                for o in self.organizations
            ],
            "documents": [
                {
                    "number": d.number,
                    "kind": d.kind,
                    "issuer": d.issuer,
                    "date": d.date,
                    "term": d.term,
                    "title": d.title,
                    "evidence": [e.to_json() for e in d.evidence],
                }
                for d in self.documents
            ],
            "awards": [
                {
                    "name": a.name,
                    "recipient": a.recipient,
                    "conferred_by": a.conferred_by,
                    "year": a.year,
                    "evidence": ev(a.evidence),
                }
                for a in self.awards
            ],
            "events": [
                {
                    "name": e.name,
                    "date": e.date,
                    "organizer": e.organizer,
                    "participants": list(e.participants),
                    "evidence": ev(e.evidence),
                }
                for e in self.events
            ],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ArticleFacts:
        def ev(x: dict[str, Any] | None) -> Evidence | None:
            return Evidence.from_json(x) if x else None

        def evs(xs: list[dict[str, Any]] | None) -> tuple[Evidence, ...]:
            return tuple(Evidence.from_json(x) for x in xs or [])

        return cls(
            id=d["id"],
            title=d.get("title") or "",
            published=d.get("published"),
            source_url=d.get("source_url"),
            people=tuple(
                PersonFact(
                    name=p["name"],
                    honorifics=tuple(p.get("honorifics") or ()),
                    roles=tuple(
                        RoleFact(
                            title=r["title"],
                            organization=r.get("organization"),
                            role=r.get("role"),
                            former=bool(r.get("former")),
                            acting=bool(r.get("acting")),
                            deputy=bool(r.get("deputy")),
                            evidence=ev(r.get("evidence")),
                        )
                        for r in p.get("roles") or ()
                    ),
                    evidence=evs(p.get("evidence")),
                )
                for p in d.get("people") or ()
            ),
            organizations=tuple(
                OrgFact(
                    name=o["name"],
                    kind=o.get("kind") or "other",
                    aliases=tuple(o.get("aliases") or ()),
                    parent=o.get("parent"),
                    evidence=evs(o.get("evidence")),
                )
                for o in d.get("organizations") or ()
            ),
            documents=tuple(
                DocumentFact(
                    number=x.get("number"),
                    kind=x.get("kind"),
                    issuer=x.get("issuer"),
                    date=x.get("date"),
                    term=x.get("term"),
                    title=x.get("title"),
                    evidence=evs(x.get("evidence")),
                )
                for x in d.get("documents") or ()
            ),
            awards=tuple(
                AwardFact(
                    name=a["name"],
                    recipient=a.get("recipient"),
                    conferred_by=a.get("conferred_by"),
                    year=a.get("year"),
                    evidence=ev(a.get("evidence")),
                )
                for a in d.get("awards") or ()
            ),
            events=tuple(
                EventFact(
                    name=e["name"],
                    date=e.get("date"),
                    organizer=e.get("organizer"),
                    participants=tuple(e.get("participants") or ()),
                    evidence=ev(e.get("evidence")),
                )
                for e in d.get("events") or ()
            ),
        )


@dataclass(slots=True)
class Issue:
    """Something a stage noticed and did not let pass silently."""

    level: str  # "error" (article skipped) | "warning" (fragment not understood)
    stage: str
    article: str
    message: str
    data: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- resolve -> graph


@dataclass(frozen=True, slots=True)
class ResolvedPerson:
    iri: str
    name: str
    name_key: str  # diacritic-free search key
    honorifics: tuple[str, ...]
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class ResolvedOrg:
    iri: str
    name: str
    kind: str
    aliases: tuple[str, ...]
    parent: str | None  # IRI
    evidence: tuple[Evidence, ...]
    party_of: str | None = None  # IRI of the unit whose party organisation this is (kg:partyOrganizationOf)


@dataclass(frozen=True, slots=True)
class ResolvedHolding:
    iri: str
    person: str  # IRI
    role: str  # IRI of the normalised post
    post: str  # the post's label ("Phó Bí thư")
    single_seat: bool
    title: str  # as written
    organization: str | None  # IRI
    as_of: str | None
    former: bool
    acting: bool
    evidence: Evidence | None


@dataclass(frozen=True, slots=True)
class ResolvedDocument:
    iri: str
    number: str | None
    kind: str | None
    issuer: str | None  # IRI
    issuer_name: str | None
    date: str | None
    term: str | None
    title: str | None
    citation: str  # IRI of this article's citation of it
    cited_by: str | None  # IRI of the citing unit
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class ResolvedAward:
    iri: str  # the conferral
    award: str  # IRI of the award (kind + class)
    name: str
    award_kind: str | None
    award_class: str | None
    recipient: str | None  # IRI of a person or unit
    recipient_text: str | None
    conferred_by: str | None  # IRI
    conferred_by_text: str | None
    year: int | None
    evidence: Evidence | None


@dataclass(frozen=True, slots=True)
class ResolvedEvent:
    iri: str
    name: str
    date: str | None
    organizer: str | None  # IRI
    participants: tuple[str, ...]  # IRIs
    evidence: Evidence | None


@dataclass(frozen=True, slots=True)
class Resolved:
    """One article's facts with stable identities: what graph.build_graph turns into triples."""

    article: Article
    as_of: str | None  # the date its role holdings are stated at: event date, else publication
    people: tuple[ResolvedPerson, ...] = ()
    organizations: tuple[ResolvedOrg, ...] = ()
    holdings: tuple[ResolvedHolding, ...] = ()
    documents: tuple[ResolvedDocument, ...] = ()
    awards: tuple[ResolvedAward, ...] = ()
    events: tuple[ResolvedEvent, ...] = ()
