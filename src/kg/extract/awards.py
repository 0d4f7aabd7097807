"""Orders, medals and certificates: name, recipient, conferrer, year."""

from __future__ import annotations

from kg.extract.doc import Doc
from kg.extract.entities import OrgRegistry, People, SentenceItems, _best_name
from kg.extract.spans import Barriers, read_org, read_role
from kg.models import AwardFact
from kg.rules import is_cap
from kg.text import fold


def _award_end(doc: Doc, i: int, n: int, end: int) -> int:
    """Extent of an award name: kind, then capitalised words, classes, counts, a quoted title."""
    aw = doc.rules.awards
    toks = doc.toks
    k = i + n
    while k < end:
        t = toks.text[k]
        if t in ("“", '"') and k > i:
            q = k + 1
            while q < end and toks.text[q] not in ("”", '"'):
                q += 1
            if q < end and q - k < 20:
                k = q + 1
                continue
            break
        cm = aw.classes.match(toks.keys, k, end)
        if cm:
            k += cm[0]
            continue
        lm = aw.name_lowercase.match(toks.keys, k, end)
        if lm:
            k += lm[0]
            continue
        if t.isdigit() or (is_cap(t) and t[:1].isalpha()):
            if doc.rules.roles.heads.match(toks.keys, k, end) and k > i + n:
                break
            k += 1
            continue
        if k > i + n and is_cap(toks.text[k - 1]) and t[:1].isalpha() and toks.keys[k] not in doc.rules.orgs.stop_words:
            k += 1
            continue
        break
    # "của Thủ tướng Chính phủ" belongs to the name
    if k + 1 < end and toks.keys[k] in aw.conferrer_markers:
        bar = Barriers()
        rp = read_role(doc, k + 1, end, bar)
        op = read_org(doc, k + 1, end, bar)
        j = max(rp.j if rp else 0, op.j if op else 0)
        if j > k + 1:
            k = j
    return k


def extract_awards(doc: Doc, items: list[SentenceItems], people: People, reg: OrgRegistry, year: int | None) -> list[AwardFact]:
    aw = doc.rules.awards
    toks = doc.toks
    out: list[AwardFact] = []
    seen: set[tuple[str, str]] = set()
    for si, s in enumerate(doc.sents):
        if s.noise:
            continue
        it = items[si]
        ev = doc.evidence(si)
        k = s.t0
        found: list[tuple[int, int]] = []
        while k < s.t1:
            m = aw.kinds.match(toks.keys, k, s.t1)
            if m:
                j = _award_end(doc, k, m[0], s.t1)
                found.append((k, j))
                k = j
                continue
            k += 1
        if not found:
            continue
        sent_year = None
        ym = list(doc.rules.dates.year_re.finditer(doc.work, s.start, s.end))
        if ym:
            sent_year = int(ym[0].group("y"))
        for a, b in found:
            name = doc.span(a, b)
            recips = _recipients(doc, si, it, a, b, people, reg)
            conf = _conferrer(doc, si, it, a, b, people, reg)
            for rcp in recips or [None]:
                kk = (name.casefold(), (rcp or "").casefold())
                if kk in seen:
                    continue
                seen.add(kk)
                out.append(AwardFact(name=name, recipient=rcp, conferred_by=conf, year=sent_year or year, evidence=ev))
    # an award with no recipient when the same award has one is noise
    named = {a.name.casefold() for a in out if a.recipient}
    return [a for a in out if a.recipient or a.name.casefold() not in named]


def _mention_at(doc: Doc, it: SentenceItems, k: int, end: int, people: People, reg: OrgRegistry) -> tuple[str | None, int]:
    """A recipient written at token k: a person, a unit, or a count ("25 đảng viên")."""
    toks = doc.toks
    aw = doc.rules.awards
    for m in it.names:
        if m.i == k:


            p = people.by_key.get(fold(m.name)) or people.resolve_short(m, toks.starts[m.ni])
            return (p.name if p else m.name), m.j
    for op in it.orgs:
        if op.i == k:
            return op.name, op.j
    if toks.text[k].isdigit() and k + 1 < end:
        cm = aw.count_nouns.match(toks.keys, k + 1, end)
        if cm:
            return doc.span(k, k + 1 + cm[0]), k + 1 + cm[0]
    return None, k + 1


def _recipients(doc: Doc, si: int, it: SentenceItems, a: int, b: int, people: People, reg: OrgRegistry) -> list[str]:
    aw = doc.rules.awards
    toks = doc.toks
    s = doc.sents[si]
    out: list[str] = []
    # "tặng A cho Y, Z và W"
    k = b
    if k < s.t1 and toks.keys[k] in aw.recipient_markers:
        k += 1
        while k < s.t1:
            # skip forms of address and list words
            hm = doc.rules.honorifics.drop.match(toks.keys, k, s.t1)
            if hm and not any(m.i == k for m in it.names):
                k += hm[0]
                continue
            rcp, nk = _mention_at(doc, it, k, s.t1, people, reg)
            if rcp:
                out.append(rcp)
                k = nk
                continue
            if toks.text[k] in (",", "(", ")") or toks.keys[k] == doc.rules.orgs.conjunction:
                k += 1
                continue
            if len(out) == 0 and k - b < 6:
                k += 1
                continue
            break
        if out:
            return out
    # "Y được tặng / nhận / đón nhận A": the nearest person or unit before the verb
    rv = aw.receive_verbs.match_ending(toks.keys, a, max(s.t0, a - 4))
    if rv:
        v0 = a - rv[0]
        cands = [(m.j, m) for m in it.names if m.j <= v0] + [(op.j, op) for op in it.orgs if op.j <= v0]
        if cands:
            j, m = max(cands, key=lambda x: x[0])
            if hasattr(m, "ni"):


                p = people.by_key.get(fold(m.name)) or people.resolve_short(m, toks.starts[m.ni])
                return [p.name if p else m.name]
            return [m.name]
    return out


def _conferrer(doc: Doc, si: int, it: SentenceItems, a: int, b: int, people: People, reg: OrgRegistry) -> str | None:
    aw = doc.rules.awards
    toks = doc.toks
    s = doc.sents[si]
    for k in range(a, b - 1):
        if toks.keys[k] in aw.conferrer_markers:
            return doc.span(k + 1, b)
    gv = aw.give_verbs.match_ending(toks.keys, a, max(s.t0, a - 3))
    if gv:
        v0 = a - gv[0]
        bar = Barriers()
        # "Chủ tịch nước tặng", "Thủ tướng Nguyễn Xuân Phúc trao tặng"
        for m in it.names:
            if m.j == v0:


                p = people.by_key.get(fold(m.name))
                return p.name if p else m.name
        for x in range(max(s.t0, v0 - 6), v0):
            rp = read_role(doc, x, v0, bar)
            if rp and rp.j == v0:
                return doc.span(rp.i, rp.j)
            op = read_org(doc, x, v0, bar)
            if op and op.j == v0:
                return op.name
    return None
