"""People, their roles, and organisations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.extract.doc import Doc, fold
from kg.extract.spans import Barriers, NameMention, OrgPhrase, RolePhrase, read_name, read_org, read_role
from kg.extract.units import complete_units, localities, place_committee, place_names
from kg.models import Evidence, OrgFact, PersonFact, RoleFact
from kg.rules import UPPER, is_allcaps, is_cap, key, tokenize
from kg.rules.grammar import load_localities, load_mined, place_key

# a word of three or more capital letters ("ĐHCN"), found in the text at once rather than token by token
_ACRONYM = re.compile(rf"(?<![\w.&'’])[{UPPER}]{{3,}}(?![\w.&'’])")


# --------------------------------------------------------------------------------------------------
# organisations registry


@dataclass
class OrgEntry:
    forms: list[str]  # as written, first seen first
    kind: str
    count: int = 0
    first_pos: int = 0
    evidence: list[Evidence] = field(default_factory=list)
    parent: str | None = None
    mentions: list[int] = field(default_factory=list)  # char positions

    @property
    def name(self) -> str:
        return self.forms[0]


class OrgRegistry:
    def __init__(self, doc: Doc):
        self.doc = doc
        self.by_key: dict[str, OrgEntry] = {}
        self.acronyms: dict[str, str] = {}  # "đhcn" -> "đại học công nghệ"
        self.main: dict[str, OrgEntry] = {}

    # keys ------------------------------------------------------------------------------------------
    def expand_key(self, name: str) -> str:
        k = self._expand_key(name)
        ro = self.doc.rules.orgs
        parts = k.rsplit(" ", 1)
        if len(parts) == 2 and parts[1] in ro.optional_suffixes:
            return parts[0]
        for suf in ro.optional_suffixes:
            if " " in suf and k.endswith(" " + suf):
                return k[: -len(suf) - 1]
        return k

    def _expand_key(self, name: str) -> str:
        ro = self.doc.rules.orgs
        out: list[str] = []
        toks = tokenize(name)
        pw, before = ro.optional_prefix
        for x, t in enumerate(toks):
            k = key(t)
            if k == pw and x + 1 < len(toks):
                nk = key(toks[x + 1])
                nxt = self.acronyms.get(nk) or key(ro.abbr(toks[x + 1]) or nk)
                if nk in before or nxt.split(" ", 1)[0] in before:
                    continue  # "(Trường) Đại học X" = "(Trường) ĐHX" once the acronym is spelt out
            ab = ro.abbr(t)
            if ab:
                out.append(key(ab))
            elif k in self.acronyms:
                out.append(self.acronyms[k])
            elif t.isalnum() or t == "&":
                out.append(k)
        return " ".join(out)

    def learn_acronyms(self, names: list[str]) -> None:
        """Acronyms written in the article ("ĐHCN") that spell the initials of a unit's words."""
        ro = self.doc.rules.orgs
        unknown = {t.casefold() for t in _ACRONYM.findall(self.doc.work)} - ro.abbrev_tokens
        if not unknown:
            return
        lens = sorted({len(u) for u in unknown})
        for name in dict.fromkeys(names):
            toks = [t for t in tokenize(ro.expand(name)) if t[:1].isalpha()]
            for a in range(len(toks)):
                for n in lens:
                    if a + n > len(toks):
                        break
                    ini = "".join(t[0] for t in toks[a : a + n]).casefold()
                    if ini in unknown:
                        self.acronyms.setdefault(ini, " ".join(key(t) for t in toks[a : a + n]))

    # registry --------------------------------------------------------------------------------------
    def add(self, name: str, kind: str, pos: int, ev: Evidence | None) -> OrgEntry:
        k = self.expand_key(name)
        e = self.by_key.get(k)
        if e is None:
            e = OrgEntry(forms=[name], kind=kind, first_pos=pos)
            self.by_key[k] = e
        elif name not in e.forms:
            e.forms.append(name)
        e.count += 1
        e.mentions.append(pos)
        if ev and ev not in e.evidence and len(e.evidence) < 3:
            e.evidence.append(ev)
        return e

    def find_generic(self, head_name: str, pos: int, si: int | None = None) -> OrgEntry | None:
        """The unit a bare head ("Tỉnh ủy", "Đảng ủy") stands for: one named in the same sentence, else the
        most mentioned, else the nearest before pos."""
        hk = self.expand_key(head_name)
        hf = fold(head_name) + " "
        cands = [
            e for k, e in self.by_key.items()
            if k != hk and (k.startswith(hk + " ") or any(fold(f).startswith(hf) for f in e.forms))
        ]
        if not cands:
            return None
        if si is not None:
            s = self.doc.sents[si]
            same = [e for e in cands if any(s.start <= p < s.end for p in e.mentions)]
            if same:
                return same[0]
            # named in the two sentences before
            lo = self.doc.sents[max(0, si - 2)].start
            near = [(max(p for p in e.mentions if lo <= p < s.start), e) for e in cands
                    if any(lo <= p < s.start for p in e.mentions)]
            if near:
                return max(near, key=lambda x: x[0])[1]

        def score(e: OrgEntry) -> tuple[int, int]:
            before = [p for p in e.mentions if p <= pos]
            return (e.count, max(before) if before else -min(e.mentions))

        return max(cands, key=score)


# --------------------------------------------------------------------------------------------------
# people


@dataclass
class PersonEntry:
    name: str
    honorifics: list[str] = field(default_factory=list)
    roles: list[RoleFact] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    first_pos: int = 0
    last_pos: int = 0
    guessed: set[tuple[str, str]] = field(default_factory=set)  # (title, unit) given only as the article's own unit


class People:
    def __init__(self) -> None:
        self.by_key: dict[str, PersonEntry] = {}
        self.subjects: list[tuple[int, PersonEntry]] = []  # (sentence, first person it names), in order

    def topic(self, si: int) -> PersonEntry | None:
        """Whom a bare "Ông"/"Bà" at sentence si stands for: the first person named by the closest
        sentence before it that names one ("Ông X, quê Y, là con ông Z. Ông từng …" -> X)."""
        for s, p in reversed(self.subjects):
            if s < si:
                return p
        return max(self.by_key.values(), key=lambda p: p.last_pos) if self.by_key else None

    def full(self, m: NameMention, pos: int, ev: Evidence) -> PersonEntry:
        k = fold(m.name)
        p = self.by_key.get(k)
        if p is None:
            p = PersonEntry(name=m.name, first_pos=pos)
            self.by_key[k] = p
        for h in m.honorifics:
            if h not in p.honorifics:
                p.honorifics.append(h)
        if ev not in p.evidence and len(p.evidence) < 5:
            p.evidence.append(ev)
        p.last_pos = max(p.last_pos, pos)
        return p

    def resolve_short(self, m: NameMention, pos: int) -> PersonEntry | None:
        """A short re-mention ("ông Lộc", "ông Thiện Nhân") -> the full person ending with those words."""
        k = fold(m.name)
        cands = [p for pk, p in self.by_key.items() if pk != k and (pk.endswith(" " + k))]
        if not cands:
            return None
        before = [p for p in cands if p.first_pos <= pos]
        pool = before or cands
        return max(pool, key=lambda p: p.last_pos)


def _role_fact(rp: RolePhrase, org: str | None, ev: Evidence, former: bool = False) -> RoleFact:
    return RoleFact(
        title=rp.title,
        organization=org,
        role=rp.head,
        former=rp.former or former,
        acting=rp.acting,
        deputy=rp.deputy,
        evidence=ev,
    )


def _bare_title(t: str, former_words: frozenset[str]) -> str:
    """A title's key without a leading "nguyên" ("nguyên Phó Hiệu trưởng" -> "phó hiệu trưởng")."""
    k = fold(t)
    first, _, rest = k.partition(" ")
    return rest if first in former_words and rest else k


def _add_role(p: PersonEntry, rf: RoleFact, former_words: frozenset[str] = frozenset(), expand=lambda s: s) -> None:
    """Add a post, merged into one the person already holds: the same title or one a longer form of the other, in
    the same unit or one written within the other (abbreviations written out: "Công an TP X" in "Công an thành phố X")."""
    nt = _bare_title(rf.title, former_words)
    for x, old in enumerate(p.roles):
        ot = _bare_title(old.title, former_words)
        oo, no = fold(expand(old.organization or "")), fold(expand(rf.organization or ""))
        same_org = not oo or not no or oo in no or no in oo
        if (ot == nt or ot.startswith(nt + " ") or nt.startswith(ot + " ")) and same_org:
            # the longer title, the named organisation, the "nguyên" marker if either has it
            title = old.title if len(ot) >= len(nt) else rf.title
            former = old.former or rf.former
            if former and _bare_title(title, former_words) == fold(title):
                src = old if old.former else rf
                title = src.title if len(_bare_title(src.title, former_words)) >= len(max(ot, nt, key=len)) else title
            org = old.organization or rf.organization
            if old.organization and rf.organization and len(rf.organization) > len(old.organization) and fold(
                rf.organization
            ).startswith(fold(old.organization)):
                org = rf.organization
            p.roles[x] = RoleFact(
                title=title, organization=org, role=old.role, former=former, acting=old.acting or rf.acting,
                deputy=old.deputy, evidence=old.evidence,
            )  # fmt: skip
            return
    p.roles.append(rf)


# --------------------------------------------------------------------------------------------------
# the reader


@dataclass
class SentenceItems:
    names: list[NameMention]
    roles: list[RolePhrase]
    orgs: list[OrgPhrase]


def scan(doc: Doc, locs=None) -> list[SentenceItems]:
    """Read names, role phrases and unit names sentence by sentence (``locs``: the article's localities)."""
    locs = localities(doc, load_localities()) if locs is None else locs
    out: list[SentenceItems] = []
    toks = doc.toks
    rr = doc.rules.roles
    role_first = rr.heads.first_keys | rr.former | rr.acting | rr.deputy
    org_first = doc.rules.orgs.heads.first_keys
    places = place_names(locs)
    for si, s in enumerate(doc.sents):
        names: list[NameMention] = []
        roles: list[RolePhrase] = []
        orgs: list[OrgPhrase] = []
        if s.noise:
            out.append(SentenceItems(names, roles, orgs))
            continue
        # names first: they bound titles and units
        i = s.t0
        skip_to = -1
        name_first = doc.rules.honorifics.first_keys
        surn_first = doc.rules.names.surnames.first_keys
        head_last = doc.rules.roles.heads.last_keys
        while i < s.t1:
            t = toks.text[i]
            if not (t in surn_first or toks.keys[i] in name_first or t == "(" or (i > s.t0 and toks.keys[i - 1] in head_last)):
                i += 1
                continue
            if t == "(" and i + 1 < s.t1 and doc.rules.text.noise_starts.match(toks.text, i + 1, s.t1):
                # an inline photo credit "(Ảnh: ...)"
                k = i + 1
                while k < s.t1 and toks.text[k] != ")":
                    k += 1
                skip_to = k
            if i <= skip_to:
                i += 1
                continue
            m = read_name(doc, i, s.t1, si, places)
            if m:
                names.append(m)
                i = m.j
            else:
                i += 1
        bar = Barriers(name_starts={m.i for m in names} | {m.ni for m in names})
        name_tok = set()
        for m in names:
            name_tok.update(range(m.i, m.j))
        i = s.t0
        while i < s.t1:
            if i in name_tok:
                i += 1
                continue
            if toks.keys[i] not in role_first:
                i += 1
                continue
            rp = read_role(doc, i, s.t1, bar)
            if rp:
                roles.append(rp)
                i = max(rp.j, i + 1)
                continue
            i += 1
        i = s.t0
        while i < s.t1:
            if i in name_tok:
                i += 1
                continue
            if toks.keys[i] not in org_first:
                i += 1
                continue
            op = read_org(doc, i, s.t1, bar)
            if op:
                orgs.append(op)
                i = op.j
                continue
            i += 1
        out.append(SentenceItems(names, roles, orgs))
    return out


def extract_entities(doc: Doc) -> tuple[list[PersonFact], list[OrgFact], People, OrgRegistry, list[SentenceItems]]:
    r = doc.rules
    toks = doc.toks
    locs = localities(doc, load_localities())
    items = scan(doc, locs)
    reg = OrgRegistry(doc)
    # organisations: full names first (they teach acronyms), then bare heads
    all_orgs = [(si, op) for si, it in enumerate(items) for op in it.orgs]
    role_orgs = [
        (si, rp) for si, it in enumerate(items) for rp in it.roles if rp.org_text and not rp.generic_org
    ]
    reg.learn_acronyms([op.name for _, op in all_orgs if not op.generic])
    for si, op in all_orgs:
        if op.generic and key(op.name) not in r.orgs.standalone:
            continue
        reg.add(op.name, op.kind, toks.starts[op.i], doc.evidence(si))
    for si, rp in role_orgs:
        if rp.org_text and rp.org_start is not None and is_cap(rp.org_text):
            hm = r.orgs.heads.match([key(t) for t in tokenize(rp.org_text)], 0)
            if hm and hm[0] < len(tokenize(rp.org_text)):
                reg.add(rp.org_text, r.orgs.kind_of(rp.org_text), toks.starts[rp.org_start], doc.evidence(si))
    # units seen only through a post ("Thủ tướng" -> Chính phủ, "Ủy viên Bộ Chính trị" -> Bộ Chính trị)
    for si, it in enumerate(items):
        for rp in it.roles:
            if rp.org_default and not rp.org_text:
                reg.add(rp.org_default, r.orgs.kind_of(rp.org_default), toks.starts[rp.i], doc.evidence(si))
    # aliases: bare heads and self words resolve to the nearest named unit
    for si, op in all_orgs:
        if op.generic and key(op.name) not in r.orgs.standalone:
            e = reg.find_generic(op.name, toks.starts[op.i])
            if e and op.name not in e.forms:
                e.forms.append(op.name)

    people = People()
    for si, it in enumerate(items):
        ev = doc.evidence(si)
        resolved: dict[int, PersonEntry] = {}
        for m in it.names:
            pos = toks.starts[m.ni]
            if m.j - m.ni >= 2:
                short = people.resolve_short(m, pos) if m.j - m.ni == 2 and m.triggered else None
                p = short if short else people.full(m, pos, ev)
                if short and ev not in short.evidence and len(short.evidence) < 5:
                    short.evidence.append(ev)
            else:
                p = people.resolve_short(m, pos)
                if p is None:
                    continue
                if ev not in p.evidence and len(p.evidence) < 5:
                    p.evidence.append(ev)
            p.last_pos = max(p.last_pos, pos)
            resolved[m.i] = p
        _attach_roles(doc, si, it, resolved, people, reg, ev)
        first = min(resolved, default=None)
        if first is not None:
            people.subjects.append((si, resolved[first]))

    main_univ = _main_of_kind(reg, "university")
    main_party = _main_of_kind(reg, "party_committee")
    persons: list[PersonFact] = []
    for p in sorted(people.by_key.values(), key=lambda p: p.first_pos):
        if not p.honorifics and not r.names.surnames.match(tokenize(p.name), 0) and any(
            reg.expand_key(f"{u} {p.name}") in reg.by_key for u in r.roles.head_units
        ) and not _addressed(doc, p.name):
            continue  # "nguyên Bộ trưởng Công Thương" in an article that writes "Bộ Công Thương": a unit, no person
        roles = []
        for rf in p.roles:
            org = rf.organization
            if (fold(rf.title), fold(org or "")) in p.guessed and any(
                o is not rf and fold(o.title) == fold(rf.title) and o.organization and fold(o.organization) != fold(org)
                for o in p.roles
            ):
                continue  # "Bộ trưởng X …, Bộ trưởng Bộ Y X": the post's own unit, not the article's, where one is named
            roles.append(RoleFact(
                title=rf.title, organization=org, role=rf.role, former=rf.former, acting=rf.acting,
                deputy=rf.deputy, evidence=rf.evidence,
            ))  # fmt: skip
        persons.append(PersonFact(name=p.name, honorifics=tuple(p.honorifics), roles=tuple(roles), evidence=tuple(p.evidence)))
    orgs_out = []
    for e in sorted(reg.by_key.values(), key=lambda e: e.first_pos):
        name = _best_name(e, r)
        aliases = [f for f in e.forms if f != name]
        exp = r.orgs.expand(name)
        if exp != name and exp not in aliases:
            aliases.append(exp)
        parent = None
        if e.kind == "faculty_or_department" and main_univ and main_univ is not e:
            parent = _best_name(main_univ, r)  # "Khoa X" in an article about one school
        elif e.kind == "party_cell" and main_party and main_party is not e:
            parent = _best_name(main_party, r)  # "Chi bộ X" under the article's Đảng bộ
        orgs_out.append(OrgFact(name=name, kind=e.kind, aliases=tuple(aliases), parent=parent, evidence=tuple(e.evidence)))
    persons, orgs_out = complete_units(doc, persons, orgs_out, locs)
    return persons, orgs_out, people, reg, items


def _best_name(e: OrgEntry, r) -> str:
    def score(f: str) -> tuple[int, int, int]:
        toks = tokenize(f)
        caps = sum(1 for t in toks if is_cap(t))
        abbr = sum(1 for t in toks if is_allcaps(t))
        return (len(toks) - 2 * abbr, caps, len(f))

    return max(e.forms, key=score)


def _main_org(reg: OrgRegistry) -> OrgEntry | None:
    """The institution the article is about: the most mentioned unit outside the party and the state."""
    kinds = reg.doc.rules.orgs.main_kinds  # in order of preference
    for kind in kinds:
        cands = [e for e in reg.by_key.values() if e.kind == kind and e.count >= 2]
        if cands:
            return max(cands, key=lambda e: (e.count, -e.first_pos))
    return None


def _addressed(doc: Doc, name: str) -> bool:
    """The text writes a form of address before the name somewhere ("ông Kenji Sato"): a person."""
    keys = doc.toks.keys
    nk = [key(t) for t in tokenize(name)]
    drop = doc.rules.honorifics.drop
    return any(
        keys[x : x + len(nk)] == nk and drop.match_ending(keys, x, max(0, x - 2))
        for x in range(1, len(keys) - len(nk) + 1) if keys[x] == nk[0]
    )


def _main_of_kind(reg: OrgRegistry, kind: str) -> OrgEntry | None:
    cands = [e for e in reg.by_key.values() if e.kind == kind]
    return max(cands, key=lambda e: e.count) if cands else None


def _main_named(reg: OrgRegistry, word: str, exact: bool = False) -> OrgEntry | None:
    """The most mentioned unit whose name starts with ``word`` and goes on ("Trường Tiểu học X"), or (``exact``) is it."""
    w = fold(word)
    cands = [e for e in reg.by_key.values() if fold(e.name).startswith(w + " ") or (exact and fold(e.name) == w)]
    return max(cands, key=lambda e: (e.count, -e.first_pos)) if cands else None


# --------------------------------------------------------------------------------------------------
# attaching role phrases to people


def _place_of(doc: Doc, org: str | None) -> str | None:
    """The place part of a unit name ("UBND tỉnh Hà Giang" -> "tỉnh Hà Giang")."""
    if not org:
        return None
    toks = tokenize(org)
    for x, t in enumerate(toks):
        if t in doc.rules.roles.place_words and x + 1 < len(toks) and is_cap(toks[x + 1]):
            return " ".join(toks[x:])
    return None


def _with_place(doc: Doc, unit: str, place: str | None) -> str | None:
    """A generic unit completed by a place of the same level ("UBND tỉnh" + "tỉnh Y" -> "UBND tỉnh Y", "Tỉnh ủy" +
    "tỉnh Y" -> "Tỉnh ủy Y"); None when the place is of another level ("Tỉnh ủy" + "huyện Z") or none."""
    pt = tokenize(place) if place else []
    pm = doc.rules.roles.place_table.match(pt, 0) if pt else None
    if not pm or pm[0] >= len(pt):
        return None
    word, name = pt[: pm[0]], " ".join(pt[pm[0] :])
    ut = tokenize(unit)
    if [key(t) for t in ut[-len(word) :]] == [key(t) for t in word]:
        return f"{unit} {name}"  # "UBND tỉnh" + "tỉnh Y"
    if key(unit) in doc.rules.roles.leveled_units:
        pw = load_localities().executive_by_place.match([key(t) for t in word], 0)
        return f"{unit} {name}" if pw and key(pw[1]) == key(unit) else None
    if not any(t in doc.rules.roles.place_words for t in ut):
        return f"{unit} {place}"  # "HĐND" + "tỉnh Y"
    return None


def _resolve_org_text(doc: Doc, text: str, reg: OrgRegistry) -> str:
    """The registry's fullest spelling of a unit written in a title ("ĐH Sư phạm Huế" -> "Trường Đại học Sư phạm Huế")."""
    e = reg.by_key.get(reg.expand_key(text))
    return _best_name(e, doc.rules) if e else text


def _role_org(doc: Doc, rp: RolePhrase, reg: OrgRegistry, p: PersonEntry, chain: list[RolePhrase], si: int) -> str | None:
    r = doc.rules
    pos = doc.toks.starts[rp.i]
    if rp.org_text and rp.org_default and not r.orgs.heads.match([key(t) for t in tokenize(rp.org_text)], 0):
        return f"{rp.org_default} {rp.org_text}"  # "Chủ tịch Quốc hội Lào" -> Quốc hội Lào
    if rp.org_text and rp.place_committee and tokenize(rp.org_text)[0] in r.roles.place_words and _place_of(doc, rp.org_text):
        # "Bí thư huyện X", "Phó Bí thư phường Y": the party committee of that place
        name = place_committee(rp.org_text, load_localities())
        return _best_name(reg.add(name, r.orgs.kind_of(name), pos, doc.evidence(si)), r)
    if rp.org_text and rp.place_committee:
        # "Bí thư Tiền Giang": a place name alone, whose level the bulk corpus tells (rules/mined.yaml: places)
        loc = load_localities()
        level = load_mined().places.get(place_key(rp.org_text))
        if level in loc.level_committee:
            name = f"{loc.level_committee[level]} {rp.org_text}"
            return _best_name(reg.add(name, r.orgs.kind_of(name), pos, doc.evidence(si)), r)
    if rp.org_text and tokenize(rp.org_text)[0] in r.roles.place_words:
        # "Phó chủ tịch tỉnh": the people's committee of the province
        e = reg.find_generic(f"{r.roles.place_unit} {rp.org_text}", pos, si)
        if e:
            return _best_name(e, r)
    if rp.org_text:
        ck = r.roles.council_units.match([key(t) for t in tokenize(rp.org_text)], 0)
        if ck:
            # "Chủ tịch Hội đồng trường X": the council belongs to the institution
            rest = " ".join(tokenize(rp.org_text)[ck[0]:])
            if rest:
                return _resolve_org_text(doc, rest, reg)
            e = _main_of_kind(reg, "university")
            return _best_name(e, r) if e else None
        if rp.generic_org:
            # "Phó Bí thư Tỉnh ủy, Chủ tịch UBND tỉnh, Trưởng đoàn ĐBQH tỉnh Hà Giang": the place the person's
            # last title states is the place of each generic one before it (before any other unit of the article)
            for other in chain[chain.index(rp) + 1 :]:
                placed = _with_place(doc, rp.org_text, _place_of(doc, other.org_text))
                if placed:
                    return _best_name(reg.add(placed, r.orgs.kind_of(placed), pos, doc.evidence(si)), r)
            e = reg.find_generic(rp.org_text, pos, si)
            if e:
                return _best_name(e, r)
            # "Bí thư Đảng ủy" in an article about one institution: that institution's party committee
            if key(rp.org_text) in r.roles.attach_to_main:
                # "Bí thư Đảng ủy, Chủ tịch Hội đồng thành viên PVN": the unit of the next title
                for other in chain[chain.index(rp) + 1 :]:
                    if other.org_text and not other.generic_org:
                        o = _role_org(doc, other, reg, p, chain, si)
                        if o and r.orgs.kind_of(o) not in ("party_central", "party_committee", "party_cell"):
                            name = f"{rp.org_text} {o}"
                            reg.add(name, r.orgs.kind_of(name), pos, doc.evidence(si))
                            return name
                main = _main_org(reg)
                if main:
                    name = f"{rp.org_text} {_best_name(main, r)}"
                    reg.add(name, r.orgs.kind_of(name), pos, doc.evidence(si))
                    return name
        return _resolve_org_text(doc, rp.org_text, reg)
    if rp.org_default:
        return rp.org_default
    hm = r.roles.heads.match([key(t) for t in tokenize(rp.head)], 0)
    unit = hm[1].unit if hm and hm[0] == len(tokenize(rp.head)) else None
    if unit:
        # "Đoàn của Bộ Ngoại giao do Thứ trưởng X dẫn đầu": the unit of the head's kind named nearby
        e = reg.find_generic(unit, pos, si)
        lo = doc.sents[max(0, si - 1)].start
        if e and any(lo <= q < doc.sents[si].end for q in e.mentions):
            return _best_name(e, r)
    if rp.org_hint or rp.org_word:
        e = (_main_of_kind(reg, rp.org_hint) if rp.org_hint else None) or (
            _main_named(reg, rp.org_word, exact=not rp.org_hint) if rp.org_word else None)
        if e:
            return _best_name(e, r)
    # "Phó Bí thư" after "Phó Bí thư Đảng ủy" for the same person: the same unit
    hk = fold(rp.title)
    for rf in p.roles:
        if fold(rf.title).startswith(hk + " ") and rf.organization:
            return rf.organization
    # "Phó giám đốc thường trực ĐHQGHN ... giữ chức Giám đốc": a post of the same kind held in the same unit
    for rf in reversed(p.roles):
        if rf.role and fold(rf.role) == fold(rp.head) and rf.organization:
            return rf.organization
    # "Phó Chủ tịch kiêm Tổng thư ký Hội X", "nguyên Thứ trưởng, Tổng cục trưởng Tổng cục Y": the next title's unit
    x = chain.index(rp)
    for other in chain[x + 1 :]:
        if other.org_text and not other.generic_org and fold(other.title) == fold(other.head):
            return _resolve_org_text(doc, other.org_text, reg)
        if other.org_text:
            break
    # a bare post ("Phó Chủ tịch", "giảng viên") in an article about one institution: that institution
    main = _main_org(reg)
    if main:
        p.guessed.add((fold(rp.title), fold(_best_name(main, r))))
        return _best_name(main, r)
    return None


def _attach_roles(doc: Doc, si: int, it: SentenceItems, resolved, people: People, reg: OrgRegistry, ev) -> None:
    toks, r = doc.toks, doc.rules
    names = [m for m in it.names if m.i in resolved]
    if not it.roles:
        return
    roles = sorted(it.roles, key=lambda x: x.i)
    # chains: roles joined by "," / "kiêm" / "và"
    chains: list[list[RolePhrase]] = []
    for rp in roles:
        if chains:
            last = chains[-1][-1]
            between = [toks.text[k] for k in range(last.j, rp.i)]
            bkeys = [toks.keys[k] for k in range(last.j, rp.i)]
            if (
                between in ([","], [";"], [])  # "R1; R2": a list of one person's posts, no one named between
                or _joiner(r, bkeys)
                or (len(bkeys) <= 8 and between[-1] in (",", ";") and _skippable(doc, bkeys, between))
            ):
                chains[-1].append(rp)
                continue
        chains.append([rp])
    def give(p: PersonEntry, chain: list[RolePhrase], former: bool = False, unit: str | None = None) -> None:
        # "nguyên Thứ trưởng, Tổng cục trưởng Tổng cục Y": a leading "nguyên" covers the whole list
        lead = toks.text[chain[0].i] if chain and chain[0].former and toks.keys[chain[0].i] in r.roles.former else None
        for rp in chain:
            if unit and not rp.org_default and (
                not rp.org_text
                or (rp.generic_org and r.orgs.kind_of(rp.org_text) == r.orgs.kind_of(unit) == "party_committee")
            ):
                org = unit  # "công tác tại Huyện ủy X, giữ các chức vụ: Ủy viên Ban Thường vụ, …"
            else:
                org = _role_org(doc, rp, reg, p, chain, si)
            rf = _role_fact(rp, org, ev, former)
            if lead and not rp.former:
                rf = RoleFact(title=f"{lead} {rf.title}", organization=rf.organization, role=rf.role, former=True,
                              acting=rf.acting, deputy=rf.deputy, evidence=rf.evidence)
            _add_role(p, rf, r.roles.former, r.orgs.expand)

    name_by_start = {m.i: m for m in names}
    name_by_end = {m.j: m for m in names}
    used_chain: set[int] = set()
    for ci, chain in enumerate(chains):
        a, b = chain[0].i, chain[-1].j
        # "R1, R2 Name" / "R, ông Name"
        k = b
        if k in name_by_start:
            give(resolved[k], chain)
            used_chain.add(ci)
            continue
        if k < len(toks) and toks.text[k] == "," and k + 1 in name_by_start and name_by_start[k + 1].triggered:
            give(resolved[k + 1], chain)
            used_chain.add(ci)
            continue
        # "Chủ tịch Hội X khóa VIII là ông A" / "Các Phó Chủ tịch gồm: A, B"
        kc = k
        while kc < min(len(toks), k + 8) and (toks.keys[kc] in r.roles.chain_skip or toks.text[kc] in (",", "-", "–")
                                              or toks.text[kc][:1].isdigit() or doc.rules.documents.roman_re.match(toks.text[kc])):
            kc += 1
        cm = r.roles.copulas.match(toks.keys, kc, len(toks)) if kc < len(toks) else None
        if cm:
            kc += cm[0]
            if kc < len(toks) and toks.text[kc] == ":":
                kc += 1
            after = [m for m in names if m.j > kc]
            if after and kc in (after[0].i, after[0].ni):
                targets = after if toks.text[kc - 1] == ":" else _list_run(doc, after)
                for m in targets:
                    give(resolved[m.i], chain)
                used_chain.add(ci)
                continue
        # "các Phó Thủ tướng: A, B, C" / "các đồng chí Ủy viên Bộ Chính trị: A; B"
        if k < len(toks) and toks.text[k] == ":":
            after = [m for m in names if m.i > k]
            if after:
                for m in after:
                    give(resolved[m.i], chain)
                used_chain.add(ci)
                continue
        # "Name – R1, R2" / "Name, R1" / "Name (R1)" / "Name nguyên R1"
        k = a
        sep = []
        while k > 0 and toks.text[k - 1] in (",", "-", "–", "(", ":") and len(sep) < 2:
            sep.append(toks.text[k - 1])
            k -= 1
        if not sep and a in name_by_end and (chain[0].former or chain[0].acting):
            sep = [""]
        if sep and k in name_by_end:
            give(resolved[name_by_end[k].i], chain)
            used_chain.add(ci)
            continue
        # "Name [được bầu] giữ chức R" : link verb just before the chain
        lv = r.roles.link_verbs.match_ending(toks.keys, a, max(0, a - 6))
        if lv:
            v0 = a - lv[0]
            subj = [m for m in names if m.j <= v0]
            if not subj and people.by_key and _pronoun_before(doc, doc.sents[si].t0, v0):
                # "Ông từng ... làm Bộ trưởng": the person the pronoun stands for
                p = people.topic(si)
                give(p, chain)
                used_chain.add(ci)
                continue
            if subj:
                give(resolved[subj[-1].i], chain)
                # "A ... và B ... được bầu giữ chức R": every subject joined by "và"
                for m in subj[:-1]:
                    if any(toks.keys[x] == r.orgs.conjunction for x in range(m.j, subj[-1].i)):
                        give(resolved[m.i], chain)
                # "thay ông X": X held the post before
                objs = [m for m in names if m.i >= b]
                for m in objs:
                    give(resolved[m.i], chain)
                used_chain.add(ci)
                continue
        # "Khi đang giữ vị trí R ..., ông Sơn được bổ nhiệm": the only person of the sentence
        if lv:
            persons = {id(resolved[m.i]): resolved[m.i] for m in names}
            if len(persons) == 1:
                give(next(iter(persons.values())), chain)
                used_chain.add(ci)
                continue
        # "phê chuẩn … chức vụ R … đối với ông X": the person after the marker (constructions.yaml: object_after)
        obj = _object_after(doc, si, b, names)
        if obj is not None:
            give(resolved[obj.i], chain)
            used_chain.add(ci)
            continue
        # "3/2001-5/2005: R1, R2": a dated biography entry is the biography's person (constructions.yaml: cv_entry)
        if _cv_entry(doc, si, a) and people.by_key:
            give(max(people.by_key.values(), key=lambda p: (len(p.evidence), -p.first_pos)), chain)
            used_chain.add(ci)
            continue
        # career lists after "từng đảm nhiệm các chức vụ:" belong to the last person named
        co = r.roles.career_openers.match_ending(toks.keys, a if toks.text[a - 1] != ":" else a - 1, max(0, a - 8))
        if co and people.by_key:
            subj = [m for m in names if m.j <= a]
            p = resolved[subj[-1].i] if subj else people.topic(si)
            # the unit the sentence names before the list ("công tác tại Huyện ủy X, giữ các chức vụ: …")
            before = [op for op in it.orgs if op.j <= a - co[0] and not op.generic]
            unit = _resolve_org_text(doc, before[-1].name, reg) if before else None
            for c in chains[ci:]:
                give(p, c, unit=unit)
            break


def _object_after(doc: Doc, si: int, b: int, names: list) -> NameMention | None:
    """The person named right after an object marker that follows a post ("… nhiệm kỳ 2021-2026 đối với ông X"):
    only a term, a place or a unit may stand between the post and the marker."""
    toks, r = doc.toks, doc.rules
    end = doc.sents[si].t1
    k = b
    while k < end:
        m = r.roles.object_markers.match(toks.keys, k, end)
        if m:
            k += m[0]
            for nm in names:
                if nm.i == k:
                    return nm
            return None
        t = toks.text[k]
        if t in (",", "-", "–") or t[:1].isdigit() or toks.keys[k] in r.roles.chain_skip or is_cap(t) or (
            r.documents.roman_re.match(t)
        ):
            k += 1
            continue
        if r.roles.unit_lowercase.match(toks.keys, k, end):
            k += r.roles.unit_lowercase.match(toks.keys, k, end)[0]
            continue
        return None
    return None


def _cv_entry(doc: Doc, si: int, a: int) -> bool:
    """A dated entry before the posts: "3/2001-5/2005:", "Tháng 6/2010 - nay:" after a boundary."""
    toks, r = doc.toks, doc.rules
    if a == 0 or toks.text[a - 1] != ":":
        return False
    k = a - 2
    digits = 0
    t0 = doc.sents[si].t0
    while k >= t0:
        t = toks.text[k]
        if t[:1].isdigit():
            digits += 1
        elif toks.keys[k] not in r.roles.cv_words:
            break
        k -= 1
    if digits == 0:
        return False
    return k < t0 or toks.text[k] in (".", ";", ")", ":") or "\n" in doc.gap(k + 1) or not is_cap(toks.text[k])


def _pronoun_before(doc: Doc, a: int, b: int) -> bool:
    """A form of address used alone as a pronoun ("Ông", "bà") between tokens a and b."""
    toks = doc.toks
    drop = doc.rules.honorifics.drop
    for x in range(a, b):
        m = drop.match(toks.keys, x, b)
        if m and (x + m[0] >= len(toks) or not is_cap(toks.text[x + m[0]])):
            return True
    return False


def _skippable(doc: Doc, keys: list[str], texts: list[str]) -> bool:
    """Only a term between two titles: ", nhiệm kỳ 2014-2019," / ", khóa XII,"."""
    r = doc.rules
    if not any(k in r.roles.chain_skip for k in keys):
        return False
    for k, t in zip(keys, texts):
        if k in r.roles.chain_skip or t in (",", ";", "-", "–") or t[:1].isdigit() or r.documents.roman_re.match(t):
            continue
        return False
    return True


def _list_run(doc: Doc, after: list) -> list:
    """Names listed one after another from the first: "A, B và C"."""
    toks = doc.toks
    out = [after[0]]
    for m in after[1:]:
        gap = [toks.text[x] for x in range(out[-1].j, m.i)]
        if all(g == "," or fold(g) == doc.rules.orgs.conjunction for g in gap) and gap:
            out.append(m)
        else:
            break
    return out


def _joiner(r, bkeys: list[str]) -> bool:
    """Only a joining word between two titles: "kiêm", ", đồng thời là"."""
    st = 1 if bkeys and bkeys[0] == "," else 0
    if st >= len(bkeys):
        return False
    m = r.roles.joiners.match(bkeys, st)
    return bool(m) and st + m[0] == len(bkeys)
