"""Resolution: give every fact of one article a stable identity (IRI).

Identities depend only on the article itself and on ``identity.yaml``, never on what the store
already holds, so ingesting articles again, twice, or in another order gives the same graph.
Cross-article conclusions (first/last seen, ended holdings, candidate same-person links) are
drawn afterwards over the whole store by :mod:`kg.graph.derive`.

Keys:
- person: folded name + anchor: the core (institution or place) of the article's home unit when the
  person holds a post there or none at all, else of their own units. The home unit is read in full
  and without its party organ ("Đảng bộ Trường X" -> "Trường X"), so neither the honorific nor the
  article's phrasing of its home unit changes the key; namesakes in different units get different IRIs.
- unit: folded full name; "Nhà trường", "Công đoàn Trường", "Đảng ủy" alone are the home unit's
  (or left unresolved: never a unit shared by every school); party cells / faculties are scoped by
  the core of their parent or of the home unit. Party organs link to their unit
  (kg:partyOrganizationOf), a chi bộ to its Đảng bộ, bodies to their unit (org:subOrganizationOf).
- document: canonical number, ELI-like (issuer / kind / year / number); plenum resolutions by title.
- role holding: person + post (modifiers kept, "nguyên" dropped) + unit. A mention is former when
  written "nguyên", or when its sentence says the person was replaced ("thay Y"), retired or
  dismissed (identity.yaml); the replaced person gets the replacer's post, as ended.
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
from kg.resolve.unitnames import UnitIndex, merge_units, same_unit, with_home
from kg.text import ascii_fold, fold


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
    school_words: list[str]
    party_organ_prefixes: list[str]
    body_prefixes: list[str]
    head_posts: list[str]
    replaced_markers: list[str]
    ended_after: list[str]
    ended_before: list[str]
    courtesy_words: list[str]
    cell_prefix: str
    branch_prefix: str


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
    school_words: tuple[str, ...]  # folded
    party_organ_prefixes: tuple[str, ...]  # folded, longest first
    body_prefixes: tuple[str, ...]  # folded, longest first
    head_posts: frozenset[str]
    replaced_markers: tuple[str, ...]  # folded, longest first
    ended_after: tuple[str, ...]
    ended_before: tuple[str, ...]
    courtesy_words: frozenset[str]
    cell_prefix: str  # "Chi bộ"
    branch_prefix: str  # "Đảng bộ": what a chi bộ belongs to


def _longest_first(xs: list[str]) -> tuple[str, ...]:
    return tuple(sorted({fold(x) for x in xs}, key=len, reverse=True))


@lru_cache(maxsize=1)
def load_identity() -> Identity:
    try:
        raw = yaml.safe_load(resources.files("kg.resolve").joinpath("identity.yaml").read_text("utf-8"))
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
        school_words=tuple(fold(w) for w in r.school_words),
        party_organ_prefixes=_longest_first(r.party_organ_prefixes),
        body_prefixes=_longest_first(r.body_prefixes),
        head_posts=frozenset(fold(x) for x in r.head_posts),
        replaced_markers=_longest_first(r.replaced_markers),
        ended_after=_longest_first(r.ended_after),
        ended_before=_longest_first(r.ended_before),
        courtesy_words=frozenset(fold(w) for w in r.courtesy_words),
        cell_prefix=r.cell_prefix,
        branch_prefix=r.branch_prefix,
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


def split_body(name: str, prefixes: tuple[str, ...]) -> tuple[str, str] | None:
    """"Đảng ủy Trường X" -> ("Đảng ủy", "Trường X") for a (folded) prefix; the rest must name a
    unit of its own (start with a capital: "Hội đồng nhân dân tỉnh Y" is no body of "nhân dân …")."""
    words = name.split()
    for p in prefixes:
        n = len(p.split())
        if len(words) > n and fold(" ".join(words[:n])) == p:
            rest = " ".join(words[n:])
            if rest[:1].isupper():
                return " ".join(words[:n]), rest
    return None


def home_unit_of(name: str, ident: Identity) -> str:
    """The unit a body belongs to: "Đảng bộ Trường X" -> "Trường X" (party organs and bodies stripped)."""
    for _ in range(4):
        split = split_body(name, ident.party_organ_prefixes) or split_body(name, ident.body_prefixes)
        if split is None:
            break
        name = split[1]
    return name


def _is_school(name: str | None, ident: Identity) -> bool:
    f = fold(name or "")
    return any(f == w or f.startswith(w + " ") for w in ident.school_words)


class _Local:
    """How this article's unit names read once its home unit is known: "Nhà trường", "Công đoàn
    Trường", "Đảng ủy" alone are the home school's (or home unit's); without one they are None."""

    def __init__(self, home_unit: str | None, ident: Identity) -> None:
        self.home_unit = home_unit
        self.ident = ident
        self.self_words = ident.self_words if _is_school(home_unit, ident) else frozenset()

    def __call__(self, name: str | None) -> str | None:
        if not name:
            return None
        n = with_home(name, self.self_words, self.home_unit, self.ident.generic)
        f = fold(n)
        if f in self.ident.generic or any(f == w or f.endswith(" " + w) for w in self.ident.self_words):
            return None  # names no unit in particular
        return n


class _OrgIndex:
    """Maps every name and alias of the article's units to their IRIs."""

    def __init__(self, orgs: tuple[OrgFact, ...], home: str, ident: Identity, local: _Local) -> None:
        self.by_form: dict[str, str] = {}
        self.forms = UnitIndex()  # form as written -> IRI, for abbreviated look-ups
        self.resolved: list[ResolvedOrg] = []
        self.ident = ident
        self.home = home
        self.local = local
        self.kinds: dict[str, str] = {}  # IRI -> kind
        names = {fold(f): o for o in orgs for f in (o.name, *o.aliases)}
        self._names = names
        iris: dict[str, str] = {}
        self._iris = iris

        for o in orgs:
            iri = self.iri_of(o)
            self.kinds[iri] = o.kind
            for form in (o.name, *o.aliases):
                self.by_form.setdefault(fold(form), iri)
                self.forms.add(form, iri)
        for o in orgs:
            parent_name = self.parent_name(o)
            parent = self.get_or_add(parent_name, o.evidence[0] if o.evidence else None, kind="party_committee"
                                     if o.kind == "party_cell" else None) if parent_name else None
            party_of = None
            split = split_body(o.name, ident.party_organ_prefixes)
            if split is not None and fold(split[1]) not in ident.generic:
                party_of = self.get_or_add(split[1], o.evidence[0] if o.evidence else None,
                                           kind="university" if _is_school(split[1], ident) else None)
            elif o.kind == "party_cell" and (cell := split_body(o.name, (fold(ident.cell_prefix),))) is not None:
                party_of = self.get(cell[1])  # "Chi bộ Khoa X" of the article's "Khoa X", when named
            if parent is None and split is None and (body := split_body(o.name, ident.body_prefixes)) is not None:
                if fold(body[1]) not in ident.generic:
                    parent = self.get_or_add(body[1], o.evidence[0] if o.evidence else None,
                                             kind="university" if _is_school(body[1], ident) else None)
            iri = self.iri_of(o)
            self.resolved.append(
                ResolvedOrg(
                    iri=iri,
                    name=o.name,
                    kind=o.kind,
                    aliases=tuple(a for a in o.aliases if fold(a) != fold(o.name)),
                    parent=parent if parent != iri else None,
                    evidence=o.evidence,
                    party_of=party_of if party_of != iri else None,
                )
            )

    def parent_name(self, o: OrgFact) -> str | None:
        """The stated parent, read in this article's terms; a chi bộ's parent is the Đảng bộ (its
        Đảng ủy is the Đảng bộ's committee: "Chi bộ … thuộc Đảng ủy X" is filed under "Đảng bộ X")."""
        p = self.local(o.parent) if o.parent else None
        if p and o.kind == "party_cell":
            split = split_body(p, self.ident.party_organ_prefixes)
            if split is not None and fold(split[0]) != fold(self.ident.branch_prefix):
                p = f"{self.ident.branch_prefix} {split[1]}"
        if p:
            known = self.get(p)
            named = next((o2.name for o2 in self._names.values() if self._iris.get(fold(o2.name)) == known), None)
            p = named or p
        return p if p and fold(p) != fold(o.name) else None

    def iri_of(self, o: OrgFact, depth: int = 0) -> str:
        k = fold(o.name)
        if k in self._iris:
            return self._iris[k]
        scope = ""
        if k in self.ident.generic or o.kind in self.ident.scoped_kinds:
            # the institution the parent belongs to, not the parent's IRI: "Chi bộ Khoa X" of
            # "Đảng bộ Trường Y" and of "Đảng ủy Trường Y" is one chi bộ
            p = self.local(o.parent) if o.parent else None
            scope = unit_core(p, self.ident) if p and fold(p) != k else self.home
        self._iris[k] = str(make_id("org", o.name, k, scope) if scope else make_id("org", o.name, k))
        return self._iris[k]

    def get(self, name: str | None) -> str | None:
        if not name:
            return None
        iri = self.by_form.get(fold(name))  # a form the article itself gave a unit ("Chi bộ" of "Chi bộ Khoa X")
        if iri is not None:
            return iri
        name = self.local(name)
        if not name:
            return None
        iri = self.by_form.get(fold(name))
        if iri is None:
            iri = self.forms.first(name)
        return iri

    def get_or_add(self, name: str | None, evidence: Evidence | None, kind: str | None = None) -> str | None:
        """The unit's IRI; a unit named only in a role, as an issuer or a parent becomes a unit of its
        own; a name that says no unit in particular ("Nhà trường" with no home school) gives None."""
        iri = self.get(name)
        name = self.local(name)
        if iri is None and name:
            iri = str(make_id("org", name, fold(name)))
            self.by_form[fold(name)] = iri
            self.forms.add(name, iri)
            self.kinds[iri] = kind or "other"
            party_of = None
            split = split_body(name, self.ident.party_organ_prefixes)
            if split is not None and fold(split[1]) not in self.ident.generic:
                party_of = self.get_or_add(split[1], evidence, "university" if _is_school(split[1], self.ident) else None)
            self.resolved.append(ResolvedOrg(iri, name, kind or "other", (), None, (evidence,) if evidence else (),
                                             party_of if party_of != iri else None))  # fmt: skip
        return iri

    def name_of(self, iri: str) -> str | None:
        return next((o.name for o in self.resolved if o.iri == iri), None) or next(
            (f for f, i in self.forms.items if i == iri), None
        )


def _home(facts: ArticleFacts, units: tuple[OrgFact, ...], ident: Identity) -> str | None:
    """The article's own unit, by name: the first event's organiser, else its first unit, with
    party organs and bodies stripped ("Đảng bộ Trường X" -> "Trường X"), spelled in full."""
    by_form = {fold(f): o for o in units for f in (o.name, *o.aliases)}
    candidates = [e.organizer for e in facts.events if e.organizer] + [
        o.name for o in facts.organizations if o.kind not in ("party_central", "other")
    ]
    for c in candidates:
        o = by_form.get(fold(c)) or next((u for u in units if any(same_unit(c, f) for f in (u.name, *u.aliases))), None)
        name = o.name if o else c
        if o is not None and o.kind in ident.scoped_kinds and o.parent:
            name = o.parent
        f = fold(name)
        if f in ident.generic or any(f == w or f.endswith(" " + w) for w in ident.self_words):
            continue
        return home_unit_of(name, ident)
    return None


def _anchor(p: PersonFact, home: str, ident: Identity, orgs: _OrgIndex) -> str:
    """Where a person belongs, for identity: the article's home unit when they hold a post there
    (or no post at all), else the alphabetically first core of their units (order-independent).

    Generic units and units named only within a parent (chi bộ, khoa: "Chi bộ Khoa Hóa học" exists
    in many universities) say nothing about where the person is: they count as the home unit."""
    cores = set()
    for r in p.roles:
        iri = orgs.get(r.organization)
        if iri is None or orgs.kinds.get(iri) in ident.scoped_kinds:
            continue
        name = orgs.name_of(iri)
        if name and fold(name) not in ident.generic:
            cores.add(unit_core(name, ident))
    cores.discard("")
    if not cores or home in cores:
        return home
    return sorted(cores)[0]


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


def _is_honorific(token: str) -> bool:
    """"PGS.TS.", "TS.", "ThS", "GS": written before a name, never part of it."""
    return "." in token or (len(token) <= 5 and sum(c.isupper() for c in token) >= 2)


def _marked_before(sentence: str, name: str, markers: tuple[str, ...], ident: Identity) -> int | None:
    """Where a marker ("thay", "miễn nhiệm") stands right before ``name`` (only courtesy words and
    honorifics between); None when it doesn't."""
    pos = sentence.find(name)
    while pos >= 0:
        before = sentence[:pos]
        words = before.split()
        k = len(words)
        while k and (fold(words[k - 1]) in ident.courtesy_words or _is_honorific(words[k - 1])) and len(words) - k < 4:
            k -= 1
        head = fold(" ".join(words[:k]))
        for m in markers:
            if head == m or head.endswith(" " + m):
                return len(" ".join(words[: k - len(m.split())]))
        pos = sentence.find(name, pos + 1)
    return None


def _ended_after(sentence: str, name: str, ident: Identity) -> bool:
    """"… Y đã nghỉ hưu", "Y được miễn nhiệm": the holding stated for Y here had ended."""
    pos = sentence.find(name)
    while pos >= 0:
        after = fold(sentence[pos + len(name) :]).lstrip(" ,–-")
        if any(after.startswith(m) for m in ident.ended_after):
            return True
        pos = sentence.find(name, pos + 1)
    return False


@dataclass
class _Mention:
    person: PersonFact
    role: RoleFact
    post: str
    org: str | None
    former: bool


def _mentions(p: PersonFact, orgs: _OrgIndex, ident: Identity) -> list[_Mention]:
    out = []
    for r in p.roles:
        post = post_of(r, ident)
        org_name = r.organization
        # a rector's post belongs to the school, never to its Đảng ủy or Công đoàn
        if org_name and fold(r.role or post) in ident.head_posts:
            local = orgs.local(org_name)
            if local:
                org_name = home_unit_of(local, ident)
        org = orgs.get_or_add(org_name, r.evidence)
        sentence = r.evidence.sentence if r.evidence else ""
        ended = bool(sentence) and (
            _ended_after(sentence, p.name, ident)
            or _marked_before(sentence, p.name, ident.replaced_markers, ident) is not None
            or _marked_before(sentence, p.name, ident.ended_before, ident) is not None
        )
        out.append(_Mention(p, r, post, org, r.former or ended))
    return out


def _replaced(
    people: tuple[PersonFact, ...], mentions: list[_Mention], ident: Identity, text: str = ""
) -> list[_Mention]:
    """"A … giữ chức Hiệu trưởng, thay PGS.TS. Y": Y held A's post at A's unit, and no longer does.

    The sentence is the one A's post was read from, or another line of the article that names A
    before "thay Y" within one sentence (a headline often states the post, the body the replacement)."""
    out = []
    lines, start = [], 0
    for line in text.split("\n"):
        lines.append(Evidence(sentence=line, start=start, end=start + len(line)))
        start += len(line) + 1
    for y in people:
        for m in mentions:
            if m.former or m.person is y or m.role.evidence is None:
                continue
            candidates = [m.role.evidence] + [e for e in lines if m.person.name in e.sentence and y.name in e.sentence]
            for ev in candidates:
                sentence = ev.sentence
                at = _marked_before(sentence, y.name, ident.replaced_markers, ident)
                mine = sentence.find(m.person.name)
                if at is None or mine < 0 or mine > at or ". " in sentence[mine:at]:
                    continue
                role = RoleFact(title=m.role.title, organization=m.role.organization, role=m.role.role, former=True,
                                acting=m.role.acting, deputy=m.role.deputy, evidence=ev)  # fmt: skip
                out.append(_Mention(y, role, m.post, m.org, True))
                break
    return out


def _deputy_conflicts(mentions: list[_Mention]) -> list[_Mention]:
    """One person is not both "Bí thư" and "Phó Bí thư" of one unit in one article: a head post
    read beside the deputy's is a neighbour's ("bầu A giữ chức Bí thư, B giữ chức Phó Bí thư")."""
    deputies = {(id(m.person), fold(m.post), m.org) for m in mentions if m.role.deputy}
    return [
        m for m in mentions
        if m.role.deputy or m.role.acting or (id(m.person), fold(f"Phó {m.post}"), m.org) not in deputies
    ]  # fmt: skip


def resolve(article: Article, facts: ArticleFacts, ident: Identity | None = None) -> Resolved:
    """Give every fact of one article its stable IRI."""
    ident = ident or load_identity()
    spelled = merge_units(facts.organizations, frozenset(), None)
    home_unit = _home(facts, spelled, ident)
    home = unit_core(home_unit, ident) if home_unit else ""
    local = _Local(home_unit, ident)
    known = tuple(o for o in facts.organizations if local(o.name) or any(local(a) for a in o.aliases) or o.parent)
    units = merge_units(known, local.self_words, home_unit, ident.generic)
    orgs = _OrgIndex(units, home, ident, local)
    event_date = next((e.date for e in facts.events if e.date and len(e.date) == 10), None)
    as_of = event_date or facts.published or article.published

    people: list[ResolvedPerson] = []
    holdings: dict[str, ResolvedHolding] = {}
    person_by_name: dict[str, str] = {}
    iri_of_person: dict[int, str] = {}
    mentions: list[_Mention] = []
    for p in facts.people:
        anchor = _anchor(p, home, ident, orgs)
        iri = str(make_id("person", p.name, fold(p.name), anchor))
        person_by_name[fold(p.name)] = iri
        iri_of_person[id(p)] = iri
        people.append(ResolvedPerson(iri, p.name, ascii_fold(p.name), p.honorifics, p.evidence))
        mentions += _mentions(p, orgs, ident)
    mentions += _replaced(facts.people, mentions, ident, article.text)
    for m in _deputy_conflicts(mentions):
        iri, r, post, org_iri = iri_of_person[id(m.person)], m.role, m.post, m.org
        hid = str(make_id("holding", f"{m.person.name} {post}", iri, fold(post), org_iri or ""))
        prev = holdings.get(hid)
        holdings[hid] = ResolvedHolding(
            iri=hid,
            person=iri,
            role=str(make_id("role", post, fold(post))),
            post=post,
            single_seat=fold(post) in ident.single_seat and not (r.deputy or r.acting),
            title=r.title if not prev or prev.former or m.former else prev.title,
            organization=org_iri,
            as_of=as_of,
            # stated as current anywhere in the article wins over a "nguyên" elsewhere in it?
            # no: an article that says the holding ended is the later word on it
            former=m.former or (prev.former if prev else False),
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

