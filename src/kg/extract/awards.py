"""Orders, medals and certificates: name, recipient, conferrer, year."""

from __future__ import annotations

from kg.extract.doc import Doc, fold, own_place
from kg.extract.entities import OrgRegistry, People, SentenceItems, _best_name, _pronoun_before
from kg.extract.spans import Barriers, read_org, read_role
from kg.models import AwardFact
from kg.rules import is_cap
from kg.rules.grammar import load_mined


def _award_end(doc: Doc, i: int, n: int, end: int) -> int:
    """Extent of an award name: kind, then capitalised words, classes, counts, a quoted title."""
    aw = doc.rules.awards
    mined = load_mined()
    toks = doc.toks
    k = i + n
    while k < end:
        t = toks.text[k]
        if t == ":" and k == i + n and k + 1 < end and toks.text[k + 1] in ("“", '"'):
            k += 1  # "kỷ niệm chương: “Vì sự nghiệp ...”"
            continue
        if t in ("“", '"') and k > i:
            q = k + 1
            while q < end and toks.text[q] not in ("”", '"'):
                q += 1
            if q < end and q - k < 20:
                k = q + 1
                continue
            break
        if t == "," and k > i + n and toks.text[k - 1].isdigit() and k + 1 < end and toks.text[k + 1].isdigit():
            k += 1  # "Huy hiệu 60, 50 năm tuổi Đảng"
            continue
        if k + 1 < end and toks.keys[k] in doc.rules.dates.year_words and len(toks.text[k + 1]) == 4 and toks.text[k + 1].isdigit():
            break  # "… tiêu biểu năm 2022": the year of conferral, not part of the name
        cm = aw.classes.match(toks.keys, k, end)
        if cm:
            k += cm[0]
            continue
        lm = aw.name_lowercase.match(toks.keys, k, end)
        if lm:
            k += lm[0]
            continue
        if k > i + n and t[:1].isalpha() and doc.gap(k) == " " and (toks.keys[k - 1], toks.keys[k]) in mined.words:
            k += 1  # the second syllable of a word the name holds ("… quốc tế")
            continue
        if t.isdigit() or (is_cap(t) and t[:1].isalpha()):
            if k > i + n and (doc.rules.roles.heads.match(toks.keys, k, end) or aw.kinds.match(toks.keys, k, end)):
                break
            k += 1
            continue
        break
    # "của Thủ tướng Chính phủ" belongs to the name
    if k + 1 < end and toks.keys[k] in aw.conferrer_markers:
        bar = Barriers()
        rp = read_role(doc, k + 1, end, bar)
        op = read_org(doc, k + 1, end, bar)
        j = max(rp.j if rp else 0, op.j if op else 0)
        if j <= k + 1:
            # "Huân chương Quốc công của Pháp": a country or a unit the reader does not know, capitalised
            j = k + 1
            while j < end and is_cap(toks.text[j]) and toks.text[j][:1].isalpha() and not aw.kinds.match(toks.keys, j, end):
                j += 1
        if j > k + 1:
            k = j
    return k


def extract_awards(doc: Doc, items: list[SentenceItems], people: People, reg: OrgRegistry, year: int | None) -> list[AwardFact]:
    aw = doc.rules.awards
    toks = doc.toks
    out: list[AwardFact] = []
    seen_conf: dict[tuple[str, str], set[str]] = {}
    for si, s in enumerate(doc.sents):
        if s.noise or (si == 0 and len(doc.sents) > 1 and "\n" not in doc.text[s.start : s.end]):
            continue  # the headline repeats the body in short
        it = items[si]
        ev = doc.evidence(si)
        k = s.t0
        found: list[tuple[int, int]] = []
        quoted: dict[int, str] = {}  # start of a quoted honour -> its name
        first = aw.kinds.first_keys | aw.title_words.first_keys
        while k < s.t1:
            if toks.keys[k] not in first:
                k += 1
                continue
            tw = aw.title_words.match(toks.keys, k, s.t1)
            q = k + tw[0] if tw else k
            if tw and q < s.t1 and toks.text[q] in ("“", '"'):
                # 'danh hiệu “Chiến sĩ thi đua cấp bộ”': the quoted words name the honour
                close = next((y for y in range(q + 1, min(s.t1, q + 16)) if toks.text[y] in ("”", '"')), None)
                if close is not None and close > q + 1:
                    found.append((k, close + 1))
                    quoted[k] = doc.span(q + 1, close)
                    k = close + 1
                    continue
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
        got = [(_recipients(doc, si, it, a, b, people, reg), _conferrer(doc, si, it, a, b, people, reg)) for a, b in found]
        # "danh hiệu Nhà giáo Nhân dân, Huân chương Lao động hạng Ba ... đối với X": joined awards share recipients
        for x in range(len(found) - 1):
            gap = range(found[x][1], found[x + 1][0])
            if all(toks.text[g] in (",",) or toks.keys[g] == doc.rules.orgs.conjunction or toks.text[g].isdigit()
                   or aw.quantity.get(toks.keys[g]) for g in gap):
                (r1, c1), (r2, c2) = got[x], got[x + 1]
                if r1 and not r2:
                    got[x + 1] = (r1, c2 or c1)
        for x in range(len(found) - 2, -1, -1):
            gap = range(found[x][1], found[x + 1][0])
            if all(toks.text[g] in (",",) or toks.keys[g] == doc.rules.orgs.conjunction for g in gap):
                (r1, c1), (r2, c2) = got[x], got[x + 1]
                if r2 and not r1:
                    got[x] = (r2, c1 or c2)
        for (a, b), (recips, conf) in zip(found, got):
            name = quoted.get(a) or doc.span(a, b)
            colon = None if a in quoted else next((x for x in range(a, b) if toks.text[x] == ":"), None)
            if colon is not None:
                name = doc.span(a, colon) + " " + doc.span(colon + 1, b)
            nums = [x for x in range(a, b) if toks.text[x].isdigit()]
            per = None
            if len(nums) > 1 and len(nums) == len(recips) and all(toks.text[x + 1] == "," for x in nums[:-1]):
                # "Huy hiệu 60, 50 năm tuổi Đảng cho A và B": the numbers go to the recipients in order
                per = [f"{doc.span(a, nums[0])} {toks.text[x]} {doc.span(nums[-1] + 1, b)}".strip() for x in nums]
            for ri, rcp in enumerate(recips or [None]):
                if per:
                    name = per[ri]
                kk = (name.casefold(), (rcp or "").casefold())
                confs = seen_conf.setdefault(kk, set())
                if confs and (not conf or conf.casefold() in confs or "" in confs):
                    continue
                confs.add((conf or "").casefold())
                out.append(AwardFact(name=name, recipient=rcp, conferred_by=conf, year=sent_year or year, evidence=ev))
    # an award needs a recipient; a generic name ("Huy hiệu Đảng") gives way to a specific one for the same person
    out = [_trimmed(doc, a) for a in out if a.recipient]
    keep = []
    for a in out:
        words = set(fold(a.name).split())
        if any(
            b is not a and b.recipient == a.recipient and len(b.name) > len(a.name)
            and fold(b.name).split()[:2] == fold(a.name).split()[:2] and words <= set(fold(b.name).split())
            for b in out
        ):
            continue
        keep.append(a)
    return keep


def _trimmed(doc: Doc, a: AwardFact) -> AwardFact:
    """A recipient ends where its name ends: words of the verb phrase read into it ("Trường X vinh dự") go."""
    words = (a.recipient or "").split()
    adverbs = doc.rules.awards.adverbs
    n = len(words)
    while n > 1 and fold(words[n - 1]) in adverbs:
        n -= 1
    if n == len(words):
        return a
    return AwardFact(name=a.name, recipient=" ".join(words[:n]), conferred_by=a.conferred_by, year=a.year,
                     evidence=a.evidence)


def _mention_at(doc: Doc, it: SentenceItems, k: int, end: int, people: People, reg: OrgRegistry) -> tuple[str | None, int]:
    """A recipient written at token k: a person, a unit, or a count ("25 đảng viên")."""
    toks = doc.toks
    aw = doc.rules.awards
    for m in it.names:
        if m.i == k:
            return _person(doc, people, m), m.j
    for op in it.orgs:
        if op.i == k:
            if k > 0 and toks.keys[k - 1] in aw.descriptor_words:
                return None, op.j  # "9 đảng viên trong Chi bộ", "các đảng viên của Chi bộ": a descriptor
            if op.generic:
                e = reg.find_generic(op.name, toks.starts[k])
                return (_best_name(e, doc.rules) if e else None), op.j
            return op.name, op.j
    if toks.text[k].isdigit() and k + 1 < end:
        cm = aw.count_nouns.match(toks.keys, k + 1, end)
        if cm:
            j = _group_at(doc, k, end, it) or _named_after(doc, it, k + 1 + cm[0], end)
            return doc.span(k, j), j
    pm = doc.rules.roles.place_table.match(toks.text, k, end)
    if pm and k + pm[0] < end and is_cap(toks.text[k + pm[0]]):
        # "cho tỉnh Quảng Nam": a place (its people's authorities) as a recipient
        j = k + pm[0]
        while j < end and is_cap(toks.text[j]) and toks.text[j][:1].isalpha():
            j += 1
        return doc.span(k, j), j
    return None, k + 1


def _named_after(doc: Doc, it: SentenceItems, j: int, end: int) -> int:
    """End of a counted group: "18 vận động viên đội tuyển bóng chuyền X" goes on over a unit it belongs to, written without
    a preposition (a lower-case noun then a capitalised name, or a unit's name); "9 đảng viên trong Chi bộ" stops."""
    toks = doc.toks
    x = next((op.j for op in it.orgs if op.i == j), j)
    if x > j:
        j = x  # a unit's name, then what it goes on with ("đội tuyển U -23 X")
        while x < end and (is_cap(toks.text[x]) or toks.text[x][:1].isdigit() or toks.text[x] in ("-", "–")):
            x += 1
        return x if x == j or toks.text[x - 1] not in ("-", "–") else x - 1
    x = j
    while x < end and x - j < 2 and toks.text[x][:1].isalpha() and not is_cap(toks.text[x]) \
            and toks.keys[x] not in doc.rules.roles.stop_words and toks.keys[x] not in doc.rules.awards.descriptor_words:
        x += 1
    if x == j:
        return j
    y = x
    while y < end and (is_cap(toks.text[y]) or toks.text[y][:1].isdigit() or (toks.text[y] in ("-", "–") and y > x)):
        y += 1
    return y if y > x else j


def _person(doc: Doc, people: People, m) -> str:
    p = people.by_key.get(fold(m.name)) or people.resolve_short(m, doc.toks.starts[m.ni])
    return p.name if p else m.name


def _list_after(doc: Doc, it: SentenceItems, k: int, end: int, people: People, reg: OrgRegistry) -> list[str]:
    """Recipients listed from token k: persons, units, counts; titles, descriptors and asides are skipped."""
    toks = doc.toks
    aw = doc.rules.awards
    out: list[str] = []
    groups: list[str] = []
    start = k
    bar = Barriers(name_starts={m.i for m in it.names})
    while k < end:
        t = toks.text[k]
        if t == ";" and out and _list_clause(doc, k + 1, end):
            k += 1  # "gồm A; B; C": the list goes on while no clause of its own starts
            continue
        if t in (".", ";") or aw.kinds.match(toks.keys, k, end) or aw.give_verbs.match(toks.keys, k, end):
            break
        g = _group_at(doc, k, end, it)
        if g:
            named = _aside_units(doc, k, g, end) if toks.text[k].isdigit() else []
            if named:
                # "02 chi bộ (chi bộ A, B)": the aside names the counted units, one recipient each
                out.extend(named)
                while g < end and toks.text[g] != ")":
                    g += 1
                k = g + 1
                continue
            (out if toks.text[k].isdigit() else groups).append(doc.span(k, g))
            if not out and not any(toks.text[y] == ":" or aw.list_openers.match(toks.keys, y, end) for y in range(g, end)
                                   if toks.text[y] not in (".", ";")):
                return groups[:1]  # "cho các tập thể, cá nhân tiêu biểu ... của Hiệp hội": the group itself
            if toks.text[k].isdigit() and g < end and toks.text[g] == "(":
                while g < end and toks.text[g] != ")":
                    g += 1  # "02 chi bộ (chi bộ A, B)": the aside names the counted units
                g += 1
            k = g
            continue
        rcp, nk = _mention_at(doc, it, k, end, people, reg)
        if rcp:
            if any(op.i == k for op in it.orgs) and not any(m.i == k for m in it.names):
                # "cho Chi bộ Khoa học máy tính và Chi bộ ...": a unit's name goes on to the list's separator
                nj = _unit_end(doc, it, nk, end)
                if nj > nk:
                    rcp, nk = rcp + " " + doc.span(nk, nj), nj
            out.append(rcp)
            k = nk
            continue
        if t == "(" and out:
            # "02 chi bộ (chi bộ A, B)": the aside repeats the count
            while k < end and toks.text[k] != ")":
                k += 1
            k += 1
            continue
        fm = aw.recipient_fillers.match(toks.keys, k, end)
        if fm:
            k += fm[0]
            continue
        rp = read_role(doc, k, end, bar)
        if rp:
            k = max(rp.j, k + 1)
            continue
        if toks.keys[k] == doc.rules.orgs.conjunction and out and _clause_after(doc, it, k + 1, end):
            break  # "… cho 136 cá nhân và Cục X trao Giấy khen cho …": a new clause, not one more recipient
        if t in (",", ":", "(", ")") or toks.keys[k] == doc.rules.orgs.conjunction:
            k += 1
            continue
        if not out and k - start < 20:
            k += 1
            continue
        if out:
            # "Phòng Thanh tra, pháp chế và kiểm định và bà Y": skip to "và" + the next recipient
            starts = {m.i for m in it.names}
            nxt = next((y for y in range(k, min(end, k + 10)) if toks.keys[y] == doc.rules.orgs.conjunction
                        and y + 1 < end and (y + 1) in starts), None)
            if nxt is not None:
                k = nxt + 1
                continue
        break
    return out or groups[:1]


def _unit_end(doc: Doc, it: SentenceItems, j: int, end: int) -> int:
    """Where a unit's name in a recipient list ends, from token j after the part read as a unit: lower-case words
    go on to a comma, a bracket, the sentence's end or "và" before the next recipient ("Chi bộ Điện tử và
    viễn thông"); a stop word or verb ends it where it was."""
    toks = doc.toks
    stops = doc.rules.roles.stop_words
    starts = {m.i for m in it.names} | {op.i for op in it.orgs}
    x = j
    while x < end:
        t = toks.text[x]
        if t in (",", ";", ".", ":", "(", ")") or x in starts:
            break
        if toks.keys[x] == doc.rules.orgs.conjunction:
            if x + 1 >= end or x + 1 in starts or is_cap(toks.text[x + 1]) or toks.text[x + 1][:1].isdigit():
                break
            x += 1
            continue
        if not t[:1].isalpha() or is_cap(t) or toks.keys[x] in stops or doc.rules.awards.give_verbs.match(toks.keys, x, end):
            return j
        x += 1
    return x


def _aside_units(doc: Doc, k: int, g: int, end: int) -> list[str]:
    """ "02 chi bộ (chi bộ A, B)": the units named in the aside after a count, each with the counted noun as head."""
    toks = doc.toks
    if g >= end or toks.text[g] != "(":
        return []
    close = next((y for y in range(g + 1, end) if toks.text[y] == ")"), None)
    if close is None:
        return []
    head_keys = toks.keys[k + 1 : g]
    head = doc.span(k + 1, g)
    head = head[:1].upper() + head[1:]
    out, x = [], g + 1
    while x < close:
        y = next((z for z in range(x, close) if toks.text[z] == ","), close)
        if toks.keys[x : x + len(head_keys)] == head_keys:
            x += len(head_keys)
        if x < y:
            out.append(f"{head} {doc.span(x, y)}")
        x = y + 1
    return out if len(out) >= 2 else []


def _clause_after(doc: Doc, it: SentenceItems, k: int, end: int) -> bool:
    """A unit or person at k, then (adverbs aside) a verb of giving: a clause of its own starts at k."""
    aw = doc.rules.awards
    toks = doc.toks
    j = next((op.j for op in it.orgs if op.i == k), None) or next((m.j for m in it.names if m.i == k), None)
    if j is None:
        return False
    n = 0  # lower-case words that go on with the unit's name ("Cục Cảnh sát giao thông")
    while j < end and n < 4 and toks.text[j][:1].isalpha() and not is_cap(toks.text[j]) \
            and not aw.give_verbs.match(toks.keys, j, end) and toks.keys[j] not in aw.adverbs:
        j += 1
        n += 1
    while j < end and toks.keys[j] in aw.adverbs:
        j += 1
    return j < end and bool(aw.give_verbs.match(toks.keys, j, end))


def _list_clause(doc: Doc, k: int, end: int) -> bool:
    """The segment from k to the next ";" is one more list item: no award word and no verb of giving."""
    aw = doc.rules.awards
    toks = doc.toks
    for x in range(k, end):
        if toks.text[x] in (";", "."):
            break
        if aw.kinds.match(toks.keys, x, end) or aw.give_verbs.match(toks.keys, x, end) or aw.receive_verbs.match(
            toks.keys, x, end
        ):
            return False
    return True


def _group_at(doc: Doc, k: int, end: int, it: SentenceItems | None = None) -> int | None:
    """ "nhiều tập thể, cá nhân", "các đồng chí lãnh đạo", "18 vận động viên": a counted or quantified group."""
    toks = doc.toks
    aw = doc.rules.awards
    if not (toks.text[k].isdigit() or toks.keys[k] in aw.quantity):
        return None
    j = k + 1
    if j < end and toks.keys[j] in aw.quantity:
        j += 1
    m = (aw.count_nouns if toks.text[k].isdigit() else aw.group_nouns).match(toks.keys, j, end)
    if not m:
        return None
    j += m[0]
    nouns = aw.count_nouns if toks.text[k].isdigit() else aw.group_nouns
    while j + 1 < end and (toks.keys[j] == doc.rules.orgs.conjunction or toks.text[j] == ","):
        m2 = nouns.match(toks.keys, j + 1, end)  # "tập thể và cá nhân", "nhiều tập thể, cá nhân"
        if not m2:
            break
        j += 1 + m2[0]
    if it is not None:
        j = _group_tail(doc, it, _named_after(doc, it, j, end) if toks.text[k].isdigit() else j, end)
    return j


def _group_tail(doc: Doc, it: SentenceItems, j: int, end: int) -> int:
    """Where a group recipient's description ends, from token j: over a modifier ("45 cá nhân tiêu biểu"), a
    capitalised name ("một số cá nhân Hàn Quốc"), places counted ("lãnh đạo 12 huyện") and what the group belongs to
    after a descriptor ("9 đảng viên trong Đảng bộ Y", "… thuộc Cục Z"); not over a verb or a reason ("8 đảng viên
    đạt tiêu chuẩn", "có thành tích")."""
    toks = doc.toks
    aw = doc.rules.awards
    starts = {m.i for m in it.names}
    x = j
    while x < end and x not in starts:
        mm = aw.group_modifiers.match(toks.keys, x, end)
        if mm:
            x += mm[0]
            continue
        if is_cap(toks.text[x]) and toks.text[x][:1].isalpha():
            while x < end and is_cap(toks.text[x]) and toks.text[x][:1].isalpha() and x not in starts:
                x += 1
            continue
        if toks.text[x].isdigit() and x + 1 < end and toks.text[x + 1] in doc.rules.roles.place_words:
            x += 2  # "12 huyện"
            continue
        if toks.keys[x] in aw.descriptor_words:
            y = _described_end(doc, it, x + 1, end, starts)
            if y > x + 1:
                x = y
                continue
        break
    return x


def _described_end(doc: Doc, it: SentenceItems, y: int, end: int, starts: set[int]) -> int:
    """End of what a group belongs to, from token y after a descriptor: a unit's name, capitalised words, numbers and
    nouns, up to punctuation, a person, a conjunction or a word that ends names ("trong Chi bộ Y được tặng")."""
    toks, r = doc.toks, doc.rules
    mined = load_mined()
    x = y
    while x < end and x not in starts:
        op = next((o for o in it.orgs if o.i == x and o.j > x), None)
        if op is not None:
            x = op.j
            continue
        t, kk = toks.text[x], toks.keys[x]
        if not t[:1].isalnum() or kk == r.orgs.conjunction:
            break
        if is_cap(t) or t.isdigit() or kk in r.awards.descriptor_words:
            x += 1
            continue
        if kk in r.roles.stop_words or kk in mined.after:
            break
        x += 1
    while x > y and toks.keys[x - 1] in r.awards.descriptor_words:
        x -= 1
    return x


def _subject_run(
    doc: Doc, it: SentenceItems, c0: int, v0: int, people: People, reg: OrgRegistry, collective: bool = False
) -> list[str]:
    """The people, units or counts just before a verb, joined by "," / "và" ("A và 8 đảng viên ... được tặng")."""
    toks = doc.toks
    in_role = set()
    for rp in it.roles:
        in_role.update(range(rp.i, rp.j))
    ments: list[tuple[int, int, str]] = []
    x = c0
    unit_at = {op.i for op in it.orgs}
    while x < v0:
        rcp, nx = _mention_at(doc, it, x, v0, people, reg)
        if rcp and not (x in in_role and not any(m.i == x for m in it.names)):
            if x in unit_at and not any(m.i == x for m in it.names):
                # "Chi bộ Khoa học máy tính được tặng …": the unit's name runs to the verb (adverbs aside)
                y = v0
                while y > nx and toks.keys[y - 1] in doc.rules.awards.adverbs:
                    y -= 1
                if y > nx and _unit_end(doc, it, nx, y) == y:
                    rcp, nx = rcp + " " + doc.span(nx, y), y
            ments.append((x, nx, rcp))
            x = nx
        else:
            x += 1
    if not ments:
        # "nhiều tập thể, cá nhân cũng được nhận ...": a quantified group
        for x in range(c0, v0):
            g = _group_at(doc, x, v0, it)
            if g:
                one = _one_of_subject(doc, c0, x)
                if one is not None:
                    return [one] if one else []
                return [doc.span(x, g)]
        # "Vinatex đã vinh dự được nhận ...": a capitalised name right before the verb
        y = v0
        while y > c0 and toks.keys[y - 1] in doc.rules.awards.adverbs:
            y -= 1
        x = y
        while x > c0 and is_cap(toks.text[x - 1]) and toks.text[x - 1][:1].isalpha():
            x -= 1
        if x < y and toks.text[x] not in doc.rules.orgs.sentence_starts and not doc.rules.honorifics.drop.match(toks.keys, x, y):
            return [doc.span(x, y)]
        # "Dịp này, tỉnh vinh dự đón nhận …", "trường cũng đón nhận …": the article's own province or school
        sw = doc.rules.awards.self_units.match_ending(toks.keys, y, max(c0, y - 2))
        if sw and (y - sw[0] == c0 or toks.text[y - sw[0] - 1] in (",", ";")):
            own = _own_unit(doc, reg, sw[1])
            return [own] if own else []
        return []
    if v0 - ments[-1][1] > 15:
        return []  # too far from the verb to be its subject
    aw = doc.rules.awards
    sm = aw.subset_markers.match_ending(toks.keys, ments[-1][0], max(c0, ments[-1][0] - 3))
    if sm and any(toks.text[x].isdigit() and _group_at(doc, x, ments[-1][0] - sm[0]) for x in range(doc.sents[doc.tok_sent[c0]].t0, ments[-1][0] - sm[0])):
        return []  # "… cho 18 vận động viên, trong đó 12 người được tặng …": part of the recipients already counted
    if toks.text[ments[-1][0]].isdigit():
        one = _one_of_subject(doc, c0, ments[-1][0])
        if one is not None:
            # "A là một trong 6 đơn vị được nhận …": A
            return [ments[-2][2]] if len(ments) >= 2 else [one] if one else []
    last = ments[-1]
    if collective and any(m.i == last[0] for m in it.names):
        for rp in it.roles:
            if rp.i >= last[1] and rp.j <= v0 and rp.i - last[1] <= 2 and rp.org_text and v0 - rp.j <= 3:
                return [rp.org_text]  # "Ông A – Tổng giám đốc Công ty X nhận Cờ thi đua": on behalf of the unit
    person_at = {m.i for m in it.names}
    if len(ments) >= 2 and ments[-1][0] not in person_at and ments[-2][0] in person_at and not collective:
        # "Ông A, giáo viên Trường X, được phong tặng …": the unit is the person's apposition, the person receives
        p_, o_ = ments[-2], ments[-1]
        if toks.text[p_[1]] == "," and all(toks.text[g] == "," or toks.keys[g] in aw.adverbs for g in range(o_[1], v0)) \
                and o_[1] < v0 and toks.text[o_[1]] == ",":
            ments = ments[:-1]
    run = [ments[-1]]
    for m in reversed(ments[:-1]):
        gap = range(m[1], run[0][0])
        if all(toks.text[g] == "," or toks.keys[g] == doc.rules.orgs.conjunction or g in in_role for g in gap):
            run.insert(0, m)
        else:
            break
    return [m[2] for m in run]


def _own_unit(doc: Doc, reg: OrgRegistry, what: str) -> str | None:
    """The unit a self-word stands for: "place" -> the place the article names most ("tỉnh X"); a unit kind -> the
    article's most mentioned unit of that kind."""
    if what == "place":
        return own_place(doc)
    cands = [e for e in reg.by_key.values() if e.kind == what]
    return _best_name(max(cands, key=lambda e: e.count), doc.rules) if cands else None


def _one_of_subject(doc: Doc, c0: int, x: int) -> str | None:
    """ "A là một trong số 6 đơn vị …" with the count at x: the capitalised name A before the copula ("" when
    none is written), or None when no "một trong số" comes before the count."""
    toks = doc.toks
    om = doc.rules.awards.one_of.match_ending(toks.keys, x, max(c0, x - 4))
    if not om:
        return None
    y = x - om[0]
    cm = doc.rules.roles.copulas.match_ending(toks.keys, y, max(c0, y - 2))
    if cm:
        y -= cm[0]
    z = y
    while z > c0 and is_cap(toks.text[z - 1]) and toks.text[z - 1][:1].isalpha():
        z -= 1
    return doc.span(z, y) if z < y else ""


def _recipients(doc: Doc, si: int, it: SentenceItems, a: int, b: int, people: People, reg: OrgRegistry) -> list[str]:
    aw = doc.rules.awards
    toks = doc.toks
    s = doc.sents[si]
    # "tặng A cho Y, Z và W" / "A đối với Y"
    k = b
    mm = aw.recipient_markers.match(toks.keys, k, s.t1) if k < s.t1 else None
    if mm:
        out = _list_after(doc, it, k + mm[0], s.t1, people, reg)
        if out:
            return out
    # "Y được tặng A", "Y được Thủ tướng tặng A", "Y đón nhận A", "Y được khen thưởng: A, B"
    va = a  # where the verb ends: before the award, or before a quantity word ("được … trao nhiều Giấy khen")
    while va > s.t0 + 1 and toks.keys[va - 1] in aw.quantity:
        va -= 1
    rv = aw.receive_verbs.match_ending(toks.keys, va, max(s.t0, va - 6))
    if not rv and va > s.t0 and toks.text[va - 1] == ":":
        rv = aw.receive_verbs.match_ending(toks.keys, va - 1, max(s.t0, va - 7))
        rv = (rv[0] + 1, rv[1]) if rv else None
    v0 = va - rv[0] if rv else None
    if v0 is None:
        gv = aw.give_verbs.match_ending(toks.keys, va, max(s.t0, va - 3))
        if gv:
            g0 = va - gv[0]
            for x in range(g0 - 1, max(s.t0, g0 - 16) - 1, -1):
                pm = aw.passive.match(toks.keys, x, g0)
                if pm:
                    v0 = x
                    break
    if v0 is not None:
        # clause by clause back from the verb: "X được A tặng B; được C tặng D": the subject before the first "được"
        end_ = v0
        c0 = s.t0
        while True:
            c0 = s.t0
            for x in range(end_ - 1, s.t0 - 1, -1):
                if toks.text[x] == ";":
                    c0 = x + 1
                    break
            first = end_
            for x in range(c0, end_):
                if aw.passive.match(toks.keys, x, end_) or aw.receive_verbs.match(toks.keys, x, end_):
                    first = x
                    break
            out = _subject_run(doc, it, c0, first, people, reg, collective=bool(aw.collective.match(toks.keys, a, b)))
            if out:
                return out
            if c0 <= s.t0 + 1:
                break
            end_ = c0 - 1
        c0 = s.t0
        if people.by_key and _pronoun_before(doc, c0, v0):
            # "đồng chí được tặng A": the person last named
            return [max(people.by_key.values(), key=lambda p: p.last_pos).name]
        # "Trường X tổ chức Lễ kỷ niệm 45 năm thành lập và đón nhận Huân chương …": the unit holding the
        # ceremony receives
        for x in range(v0 - 1, s.t0, -1):
            om = doc.rules.events.organizer_verbs.match(toks.keys, x, v0)
            if om:
                y = x
                while y > s.t0 and toks.keys[y - 1] in aw.adverbs:
                    y -= 1
                host = next((op.name for op in it.orgs if op.j == y), None)
                if host:
                    return [host]
                break
    return []



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
