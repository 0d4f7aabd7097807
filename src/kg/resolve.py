"""Resolution: give every fact of one article a stable identity (IRI).

Identities depend only on the article itself and on ``identity.yaml``, never on what the store
already holds, so ingesting articles again, twice, or in another order gives the same graph.
Cross-article conclusions (first/last seen, ended holdings, candidate same-person links) are
drawn afterwards over the whole store by :mod:`kg.derive`.

Keys:
- person: folded name + anchor: the core (institution or place) of the article's home unit when the
  person holds a post there or none at all, else of their own units. Namesakes in different
  provinces get different IRIs; the honorific, tone placement, Unicode form and case don't count.
- unit: folded full name; generic names ("Công đoàn") and party cells / faculties are scoped by
  their parent or the article's home unit.
- document: canonical number, ELI-like (issuer / kind / year / number); plenum resolutions by title.
- role holding: person + post (modifiers kept, "nguyên" dropped) + unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict

from kg.errors import RuleError
from kg.ids import make_id, make_path_id
from kg.models import (
    Article,
    ArticleFacts,
    DocumentFact,
    Evidence,
    OrgFact,
    PersonFact,
    Resolved,
    ResolvedAward,
    ResolvedDocument,
    ResolvedEvent,
    ResolvedHolding,
    ResolvedOrg,
    ResolvedPerson,
    RoleFact,
)
from kg.text import ascii_fold, fold
from kg.unitnames import UnitIndex, merge_units


class IdentityRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    generic_units: list[str]
    scoped_kinds: list[str]
    core_prefixes: list[str]
    single_seat_posts: list[str]
    mention_markers: list[str]
    award_kinds: list[str]
    award_classes: list[str]
    local_issuer_codes: list[str]
    self_words: list[str]


@dataclass(frozen=True)
class Identity:
    """``identity.yaml`` compiled to folded lookup sets."""

    generic: frozenset[str]
    scoped_kinds: frozenset[str]
    core_prefixes: tuple[str, ...]  # folded, longest first
    single_seat: frozenset[str]
    markers: tuple[str, ...]
    award_kinds: tuple[str, ...]  # as written, longest first
    award_classes: tuple[str, ...]
    local_issuer_codes: frozenset[str]
    self_words: frozenset[str]


@lru_cache(maxsize=1)
def load_identity() -> Identity:
    try:
        raw = yaml.safe_load(resources.files("kg").joinpath("identity.yaml").read_text("utf-8"))
        r = IdentityRules.model_validate(raw)
    except (OSError, yaml.YAMLError, ValueError) as e:
        raise RuleError(f"identity.yaml: {e}") from e
    return Identity(
        generic=frozenset(fold(x) for x in r.generic_units),
        scoped_kinds=frozenset(r.scoped_kinds),
        core_prefixes=tuple(sorted({fold(x) for x in r.core_prefixes}, key=len, reverse=True)),
        single_seat=frozenset(fold(x) for x in r.single_seat_posts),
        markers=tuple(fold(x) for x in r.mention_markers),
        award_kinds=tuple(sorted(r.award_kinds, key=len, reverse=True)),
        award_classes=tuple(r.award_classes),
        local_issuer_codes=frozenset(c.upper() for c in r.local_issuer_codes),
        self_words=frozenset(fold(w) for w in r.self_words),
    )


def unit_core(name: str, ident: Identity) -> str:
    """The institution or place a unit belongs to: "Đảng ủy Trường ĐH X" -> "trường đh x"."""
    s = fold(name)
    changed = True
    while changed and s:
        changed = False
        for p in ident.core_prefixes:
            if s.startswith(p + " ") and len(s) > len(p) + 1:
                s = s[len(p) + 1 :].strip()
                changed = True
                break
    return s


def post_of(role: RoleFact, ident: Identity) -> str:
    """The post a mention refers to, for identity: modifiers kept, mention markers dropped."""
    base = role.role or role.title
    words = base.split()
    while words and fold(words[0]) in ident.markers:
        words = words[1:]
    base = " ".join(words) or base
    if role.role:
        prefix = [w for w, on in (("Quyền", role.acting), ("Phó", role.deputy)) if on]
        if prefix and not fold(base).startswith(fold(prefix[-1])):
            base = " ".join(prefix + [base])
    return base


class _OrgIndex:
    """Maps every name and alias of the article's units to their IRIs."""

    def __init__(self, orgs: tuple[OrgFact, ...], home: str, ident: Identity) -> None:
        self.by_form: dict[str, str] = {}
        self.forms = UnitIndex()  # form as written -> IRI, for abbreviated look-ups
        self.resolved: list[ResolvedOrg] = []
        names = {fold(f): o for o in orgs for f in (o.name, *o.aliases)}
        iris: dict[str, str] = {}

        def iri_of(o: OrgFact, depth: int = 0) -> str:
            k = fold(o.name)
            if k in iris:
                return iris[k]
            scope = ""
            if k in ident.generic or o.kind in ident.scoped_kinds:
                parent = names.get(fold(o.parent)) if o.parent else None
                if parent is not None and depth < 5 and fold(parent.name) != k:
                    scope = iri_of(parent, depth + 1)
                else:
                    scope = home
            iris[k] = str(make_id("org", o.name, k, scope) if scope else make_id("org", o.name, k))
            return iris[k]

        for o in orgs:
            iri = iri_of(o)
            for form in (o.name, *o.aliases):
                self.by_form.setdefault(fold(form), iri)
                self.forms.add(form, iri)
        for o in orgs:
            parent = names.get(fold(o.parent)) if o.parent else None
            self.resolved.append(
                ResolvedOrg(
                    iri=iri_of(o),
                    name=o.name,
                    kind=o.kind,
                    aliases=tuple(a for a in o.aliases if fold(a) != fold(o.name)),
                    parent=iri_of(parent) if parent is not None else None,
                    evidence=o.evidence,
                )
            )

    def get(self, name: str | None) -> str | None:
        if not name:
            return None
        iri = self.by_form.get(fold(name))
        if iri is None:
            iri = self.forms.first(name)
        return iri

    def get_or_add(self, name: str | None, evidence: Evidence | None) -> str | None:
        """The unit's IRI; a unit named only in a role or as an issuer becomes a unit of its own."""
        if not name:
            return None
        iri = self.get(name)
        if iri is None:
            iri = str(make_id("org", name, fold(name)))
            self.by_form[fold(name)] = iri
            self.resolved.append(ResolvedOrg(iri, name, "other", (), None, (evidence,) if evidence else ()))
        return iri


def _home(facts: ArticleFacts, ident: Identity) -> str:
    """The article's own unit, as a core key: the first event's organiser, else its first unit."""
    for e in facts.events:
        if e.organizer:
            return unit_core(e.organizer, ident)
    for o in facts.organizations:
        if o.kind not in ("party_central", "other") and fold(o.name) not in ident.generic:
            return unit_core(o.name, ident)
    return ""


def _anchor(p: PersonFact, home: str, ident: Identity, kinds: dict[str, str]) -> str:
    """Where a person belongs, for identity: the article's home unit when they hold a post there
    (or no post at all), else the alphabetically first core of their units (order-independent).

    Generic units and units named only within a parent (chi bộ, khoa: "Chi bộ Khoa Hóa học" exists
    in many universities) say nothing about where the person is: they count as the home unit."""
    cores = sorted(
        {
            unit_core(r.organization, ident)
            for r in p.roles
            if r.organization
            and fold(r.organization) not in ident.generic
            and kinds.get(fold(r.organization)) not in ident.scoped_kinds
        }
        - {""}
    )
    if not cores or home in cores:
        return home
    return cores[0]


def _document_key(d: DocumentFact) -> tuple[str, tuple[str, ...]]:
    """ELI-like label and identity key: issuer / kind / year / number for numbered documents."""
    if d.number:
        num = d.number.upper().replace(" ", "")
        parts = num.replace("/", "-").split("-")
        digits = [p for p in parts if p.isdigit()]
        year = next((p for p in digits if len(p) == 4), "")
        n = digits[0] if digits else num
        codes = [p for p in parts if p and not p.isdigit()]
        issuer = codes[-1] if codes else ""
        kind = codes[0] if len(codes) > 1 else ""
        label = "/".join(x for x in (issuer, kind, year, n.lstrip("0") or "0") if x)
        return label, ("number", num)
    title = d.title or f"{d.kind or ''} {d.term or ''}"
    return f"plenum/{d.term or ''}/{title}", ("plenum", fold(d.kind or ""), fold(d.term or ""), fold(title))


def _award_parts(name: str, ident: Identity) -> tuple[str | None, str | None]:
    f = fold(name)
    kind = next((k for k in ident.award_kinds if fold(k) in f), None)
    cls = next((c for c in ident.award_classes if fold(c) in f), None)
    return kind, cls


def resolve(article: Article, facts: ArticleFacts, ident: Identity | None = None) -> Resolved:
    """Give every fact of one article its stable IRI."""
    ident = ident or load_identity()
    home = _home(facts, ident)
    home_name = next(
        (o.name for o in facts.organizations if any(fold(f) == home for f in (o.name, *o.aliases))),
        next((o.name for o in facts.organizations if o.kind == "university"), None),
    )
    units = merge_units(facts.organizations, ident.self_words, home_name)
    orgs = _OrgIndex(units, home, ident)
    event_date = next((e.date for e in facts.events if e.date and len(e.date) == 10), None)
    as_of = event_date or facts.published or article.published

    org_kinds = {fold(form): o.kind for o in units for form in (o.name, *o.aliases)}
    people: list[ResolvedPerson] = []
    holdings: dict[str, ResolvedHolding] = {}
    person_by_name: dict[str, str] = {}
    for p in facts.people:
        anchor = _anchor(p, home, ident, org_kinds)
        iri = str(make_id("person", p.name, fold(p.name), anchor))
        person_by_name[fold(p.name)] = iri
        people.append(ResolvedPerson(iri, p.name, ascii_fold(p.name), p.honorifics, p.evidence))
        for r in p.roles:
            post = post_of(r, ident)
            org_iri = orgs.get_or_add(r.organization, r.evidence)
            hid = str(make_id("holding", f"{p.name} {post}", iri, fold(post), org_iri or ""))
            prev = holdings.get(hid)
            holdings[hid] = ResolvedHolding(
                iri=hid,
                person=iri,
                role=str(make_id("role", post, fold(post))),
                post=post,
                single_seat=fold(post) in ident.single_seat and not (r.deputy or r.acting),
                title=r.title,
                organization=org_iri,
                as_of=as_of,
                former=r.former or (prev.former if prev else False),
                acting=r.acting,
                evidence=(prev.evidence if prev and prev.evidence else r.evidence),
            )

    documents: list[ResolvedDocument] = []
    seen_docs: set[str] = set()
    cited_by = orgs.get(facts.events[0].organizer) if facts.events else None
    for d in facts.documents:
        label, key = _document_key(d)
        if label.split("/")[0] in ident.local_issuer_codes:
            # "12-NQ/ĐU", "123/QĐ-UBND": every Đảng ủy and province numbers its own documents
            scope = orgs.get(d.issuer) or (d.issuer and fold(d.issuer)) or home
            key = (*key, scope)
        iri = str(make_path_id("doc", label.split("/"), *key))
        if iri in seen_docs:
            continue
        seen_docs.add(iri)
        documents.append(
            ResolvedDocument(
                iri=iri,
                number=d.number,
                kind=d.kind,
                issuer=orgs.get_or_add(d.issuer, d.evidence[0] if d.evidence else None),
                issuer_name=d.issuer,
                date=d.date,
                term=d.term,
                title=d.title,
                citation=str(make_id("citation", f"{article.id} {label}", article.id, iri)),
                cited_by=cited_by,
                evidence=d.evidence,
            )
        )

    def agent(name: str | None) -> str | None:
        if not name:
            return None
        return person_by_name.get(fold(name)) or orgs.get(name)

    awards: dict[str, ResolvedAward] = {}
    for a in facts.awards:
        kind, cls = _award_parts(a.name, ident)
        recipient = agent(a.recipient)
        conferrer = agent(a.conferred_by)
        rkey = recipient or f"{article.id}|{fold(a.recipient or '')}"
        iri = str(make_id("conferral", f"{a.name} {a.recipient or ''}", fold(a.name), rkey, str(a.year or "")))
        awards[iri] = ResolvedAward(
            iri=iri,
            award=str(make_id("award", a.name, fold(a.name))),
            name=a.name,
            award_kind=kind,
            award_class=cls,
            recipient=recipient,
            recipient_text=a.recipient,
            conferred_by=conferrer,
            conferred_by_text=a.conferred_by,
            year=a.year,
            evidence=a.evidence,
        )

    events: list[ResolvedEvent] = []
    for e in facts.events:
        organizer = orgs.get(e.organizer)
        scope = e.date or article.id
        iri = str(make_id("event", e.name, fold(e.name), scope, organizer or ""))
        parts = tuple(dict.fromkeys(x for x in (person_by_name.get(fold(n)) for n in e.participants) if x))
        events.append(ResolvedEvent(iri, e.name, e.date, organizer, parts, e.evidence))

    return Resolved(
        article=article,
        as_of=as_of,
        people=tuple(people),
        organizations=tuple(orgs.resolved),
        holdings=tuple(holdings.values()),
        documents=tuple(documents),
        awards=tuple(awards.values()),
        events=tuple(events),
    )

