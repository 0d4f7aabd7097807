"""Cited party and state documents: numbered ones, and plenum or congress resolutions cited by term."""

from __future__ import annotations

from bisect import bisect_left

from kg.extract.doc import Doc, fold, own_place
from kg.extract.spans import Barriers, read_org, read_role
from kg.models import DocumentFact, Evidence
from kg.rules import is_cap, key


def _tok_at(doc: Doc, pos: int) -> int:
    return bisect_left(doc.toks.starts, pos)


def _kind_before(doc: Doc, t: int, t0: int) -> tuple[str | None, int]:
    """The kind word written just before token t ("Nghị quyết số 27-NQ/TW"), and its first token."""
    dr = doc.rules.documents
    keys = doc.toks.keys
    k = t
    if k - 1 >= t0 and keys[k - 1] in dr.number_word:
        k -= 1
    m = dr.kind_words.match_ending(keys, k, max(t0, k - 3))
    if m and dr.not_kind_after.match_ending(keys, k - m[0], max(t0, k - m[0] - 2)):
        m = None  # "kỷ luật" is no "Luật": the kind is further back ("Quyết định kỷ luật số …")
    if not m:
        # "Quyết định khởi tố vụ án số 71/...": a few lower-case words between the kind and "số"
        for back in range(1, 5):
            y = k - back
            if y <= t0 or not doc.toks.text[y][:1].islower():
                break
            m = dr.kind_words.match_ending(keys, y, max(t0, y - 3))
            if m:
                k = y
                break
    if m:
        k0 = k - m[0]
        # "Thông báo kết luận số 50-TB/TW": the outer kind word names the document
        m2 = dr.kind_words.match_ending(keys, k0, max(t0, k0 - 3))
        if m2:
            return m2[1], k0 - m2[0]
        return m[1], k0
    return None, t


def _issuer_before(doc: Doc, kt: int, t0: int) -> tuple[str | None, int | None]:
    """ "Thủ tướng Chính phủ đã có Quyết định số ...": the unit or post just before an issuing verb."""
    dr = doc.rules.documents
    vm = dr.issue_verbs.match_ending(doc.toks.keys, kt, max(t0, kt - 3))
    if not vm:
        return None, None
    v0 = kt - vm[0]
    bar = Barriers()
    best = None
    for x in range(v0 - 1, max(t0, v0 - 14) - 1, -1):
        if doc.toks.text[x] in (".", ";", ":"):
            break
        op = read_org(doc, x, v0, bar)
        if op and op.j == v0 and (not op.generic or key(op.name) in doc.rules.orgs.standalone):
            best = x
            continue
        rp = read_role(doc, x, v0, bar)
        if rp and rp.j == v0:
            best = x
    if best is None:
        return None, v0
    # "Cơ quan Cảnh sát điều tra, Bộ Công an đã ra quyết định": a unit, a comma, the body it belongs to
    if best >= 2 and doc.toks.text[best - 1] == ",":
        for y in range(max(t0, best - 9), best - 1):
            op = read_org(doc, y, best - 1, bar)
            if op and op.j == best - 1 and (y == t0 or doc.toks.text[y - 1] in (",", ";")):
                return doc.span(y, best - 1) + " " + doc.span(best, v0), v0
    return doc.span(best, v0), v0


def _with_place(doc: Doc, issuer: str) -> str:
    """ "Chủ tịch UBND tỉnh" in an article about tỉnh X -> "Chủ tịch UBND tỉnh X": the locality the text states."""
    words = issuer.split()
    for n in (2, 1):  # "thành phố", "tỉnh"
        if len(words) > n and " ".join(words[-n:]) in doc.rules.roles.place_words:
            place = own_place(doc, " ".join(words[-n:]))
            if place:
                return " ".join(words[:-n]) + " " + place
    return issuer


def _without_name(doc: Doc, issuer: str) -> str:
    """ "Chủ tịch UBND TP X Nguyễn Văn A" -> "Chủ tịch UBND TP X": the post issues, not the person holding it."""
    words = issuer.split()
    nm = doc.rules.names
    for n in (3, 4, 2):  # a name of three words is the most common; "Tỉnh X Trần Văn A" is not "X Trần Văn A"
        x = len(words) - n
        if x < 1:
            continue
        rest = words[x:]
        if all(is_cap(w) for w in rest) and nm.surnames.match(rest, 0):
            return " ".join(words[:x])
    return issuer


def _date_before(doc: Doc, pos: int, start: int) -> str | None:
    found = None
    for a, b, iso in doc.dates_in(start, pos):
        if not iso.startswith("--"):
            found = iso
    return found


def _date_after(doc: Doc, pos: int, limit: int) -> tuple[str | None, int]:
    for a, b, iso in doc.dates_in(pos, min(limit, len(doc.work))):
        if a - pos > 40:
            break
        if iso.startswith("--"):
            continue
        return iso, b
    return None, pos


def _issuer_after(doc: Doc, t: int, t1: int) -> str | None:
    """ "của Bộ Chính trị" right after the number or date; "do Chủ tịch UBND tỉnh X ký"."""
    dr = doc.rules.documents
    keys = doc.toks.keys
    if t < t1 and dr.signed_by.match(keys, t, t1):
        k = t + dr.signed_by.match(keys, t, t1)[0]
        bar = Barriers()
        rp = read_role(doc, k, t1, bar)
        op = read_org(doc, k, t1, bar)
        j = max(rp.j if rp else 0, op.j if op else 0)
        if j > k:
            return doc.span(k, j)
    # skip a date and punctuation: ", ngày 18/5/2021"
    k = t
    steps = 0
    while k < t1 and steps < 8 and keys[k] not in dr.issuer_words:
        if doc.toks.text[k][:1].isalpha() and keys[k] not in doc.rules.dates.words:
            return None
        k += 1
        steps += 1
    if k >= t1 or keys[k] not in dr.issuer_words:
        return None
    k += 1
    bar = Barriers()
    op = read_org(doc, k, t1, bar)
    if op and not op.generic:
        return op.name
    rp = read_role(doc, k, t1, bar)
    if rp:
        return doc.span(rp.i, rp.j)
    if op:
        return op.name
    return None


def extract_documents(doc: Doc) -> list[DocumentFact]:
    dr = doc.rules.documents
    toks = doc.toks
    out: list[DocumentFact] = []
    seen: dict[str, int] = {}
    for si, s in enumerate(doc.sents):
        if s.noise:
            continue
        ev = doc.evidence(si)
        covered: list[tuple[int, int]] = []
        sent_docs: list[list] = []
        for m in dr.number_re.finditer(doc.work, s.start, s.end):
            number, abbr, code = dr.canonical(m)
            t = _tok_at(doc, m.start())
            kind, kt = _kind_before(doc, t, s.t0)
            if m.group("short") and not kind:
                continue
            covered.append((m.start(), m.end()))
            if kind and key(kind) in dr.kind_synonyms:
                # "văn bản số 93/TB-VP": a generic word; the number's abbreviation tells the kind when it can
                kind = dr.kind_of_abbr(abbr, code) or dr.kind_synonyms[key(kind)]
            if not kind:
                kind = dr.kind_of_abbr(abbr, code)
            te = _tok_at(doc, m.end())
            date, dend = _date_after(doc, m.end(), s.end)
            issuer = _issuer_after(doc, te, s.t1)
            if not issuer and te < s.t1 and toks.text[te] in (",",) or (not issuer and dend and _tok_at(doc, dend) < s.t1
                                                                      and toks.text[_tok_at(doc, dend)] == ","):
                # "tại Quyết định số 902/QĐ-TTg, Thủ tướng bổ nhiệm ...", "Tại Công văn số 17/BTC ngày 9/8/2020, Bộ
                # Tài chính đề nghị ...": the post or unit right after, then a verb
                c = te if toks.text[te] == "," else _tok_at(doc, dend)
                bar = Barriers()
                rp = read_role(doc, c + 1, s.t1, bar)
                op = read_org(doc, c + 1, s.t1, bar)
                for ph in (rp, op):
                    if ph and ph.j < s.t1 and toks.text[ph.j][:1].islower() and (ph is rp or not op.generic):
                        issuer = doc.span(ph.i, ph.j)
                        break
            if not issuer or not date:
                before, v0 = _issuer_before(doc, kt, s.t0)
                issuer = issuer or before
                if not date and v0 is not None:
                    date = _date_before(doc, toks.starts[kt], s.start)
            if issuer:
                issuer = _with_place(doc, _without_name(doc, issuer))
            coded = dr.issuer_codes.get(code.rstrip("0123456789")) if code else None
            if coded and (not issuer or fold(coded).startswith(fold(issuer) + " ")):
                # "Quyết định số 902/QĐ-TTg": the issuer its code stands for, also in full where the text writes
                # it short ("…/QĐ-TTg, Thủ tướng bổ nhiệm …" -> Thủ tướng Chính phủ)
                issuer = coded
            if not date and te < s.t1 and dr.signed_by.match(toks.keys, te, s.t1):
                # "do Chủ tịch UBND tỉnh X ký ngày 3/4/2022": the date after the signer
                date = next((iso for a, _, iso in doc.dates_in(m.end(), s.end) if not iso.startswith("--") and a - m.end() < 120), None)
            if not date and m.group("law"):
                date = m.group("law_year")  # a law is dated by the year in its number ("34/2018/QH14")
            sent_docs.append([kt, te, DocumentFact(number=number, kind=kind, issuer=issuer, date=date, evidence=(ev,))])
        # "Chỉ thị số 05-CT/TW và Chỉ thị số 06-CT-TW của Ban Bí thư": one issuer for both
        for x in range(len(sent_docs) - 2, -1, -1):
            a, b = sent_docs[x], sent_docs[x + 1]
            gap = [toks.keys[y] for y in range(a[1], b[0])]
            if not a[2].issuer and b[2].issuer and gap and all(g in (",", doc.rules.orgs.conjunction) for g in gap):
                f = a[2]
                a[2] = DocumentFact(number=f.number, kind=f.kind, issuer=b[2].issuer, date=f.date, evidence=f.evidence)
        for _, _, f in sent_docs:
            _add(out, seen, f)
        # "Chỉ thị số 05 của Bộ Chính trị": a bare number after the kind word and "số"
        for k in range(s.t0, s.t1 - 1):
            if toks.keys[k] in dr.number_word and dr.bare_number_re.match(toks.text[k + 1]):
                pos = toks.starts[k + 1]
                if any(a <= pos < b for a, b in covered):
                    continue
                if k + 2 < s.t1 and toks.text[k + 2] in ("/", "-") and doc.gap(k + 2) == "":
                    continue
                kind, _ = _kind_before(doc, k + 1, s.t0)
                if not kind:
                    continue
                kind = dr.kind_synonyms.get(key(kind), kind)
                bare = toks.text[k + 1].lstrip("0")
                if any(d.number and d.kind == kind and d.number.lstrip("0").startswith((bare + "-", bare + "/")) for d in out):
                    continue  # "Quy định số 181" re-mentions "Quy định số 181-QĐ/TW"
                date, _ = _date_after(doc, toks.ends[k + 1], s.end)
                issuer = _issuer_after(doc, k + 2, s.t1)
                issuer = _without_name(doc, issuer) if issuer else None
                _add(out, seen, DocumentFact(number=toks.text[k + 1], kind=kind, issuer=issuer, date=date, evidence=(ev,)))
        _plenums(doc, si, out, seen, ev)
    return out


def _add(out: list[DocumentFact], seen: dict[str, int], d: DocumentFact) -> None:
    k = (d.number or "") + "|" + (d.title or "" if not d.number else "")
    if d.number:
        k = d.number.upper().lstrip("0")
    if k in seen:
        old = out[seen[k]]
        out[seen[k]] = DocumentFact(
            number=old.number,
            kind=old.kind or d.kind,
            issuer=old.issuer or d.issuer,
            date=old.date or d.date,
            term=old.term or d.term,
            title=old.title or d.title,
            evidence=old.evidence + tuple(e for e in d.evidence if e not in old.evidence)[:2],
        )
        return
    seen[k] = len(out)
    out.append(d)


def _plenums(doc: Doc, si: int, out: list[DocumentFact], seen: dict[str, int], ev: Evidence) -> None:
    """ "Nghị quyết Trung ương 4 khóa XII", "Nghị quyết Đại hội XIII của Đảng": number null, term."""
    dr = doc.rules.documents
    toks = doc.toks
    s = doc.sents[si]
    keys = toks.keys
    k = s.t0
    while k < s.t1:
        if keys[k] != dr.resolution_key or not (
            doc.toks.text[k][:1].isupper() or (k + 2 < s.t1 and dr.plenum_words.match(keys, k + 2, s.t1))
        ):
            k += 1  # "Nghị quyết …", or "nghị quyết hội nghị …" in lower case
            continue
        # must be "Nghị quyết" (2 tokens)
        m = dr.kind_words.match(keys, k, s.t1)
        if not m or m[1] != dr.resolution_kind:
            k += 1
            continue
        j = k + m[0]
        pm = dr.plenum_words.match(keys, j, s.t1)
        cm = dr.congress_words.match(keys, j, s.t1)
        if not pm and not cm:
            k = j
            continue
        # look for the term within a short window: "khóa XII" or the congress number "Đại hội XIII"
        term = None
        end = min(s.t1, j + 16)
        x = j + (cm[0] if cm else pm[0])
        congress = bool(cm) and (not pm or cm[0] >= pm[0])
        if congress and x < s.t1 and dr.roman_re.match(toks.text[x]):
            term = toks.text[x]
            tend = x + 1
        else:
            tend = x
            for y in range(x, end):
                if keys[y] in dr.term_words and y + 1 < s.t1 and _term(doc, y + 1):
                    term = _term(doc, y + 1)
                    tend = y + 2
                    break
                if toks.text[y] in (";", ".") or (keys[y] == dr.resolution_key and y > x):
                    break
                if congress and toks.text[y][:1].isupper() and keys[y] not in dr.congress_ok:
                    # a local congress ("Đại hội Đảng bộ tỉnh ...") is left out
                    term = None
                    break
        if not term and not congress:
            # "thông qua nghị quyết của hội nghị lần thứ 9": the term of the plenum of that number named elsewhere
            no = _plenum_no(doc, j, min(s.t1, x + 4))
            term = _term_of_plenum(doc, no) if no else None
            if term:
                tend = min(s.t1, x + 3)
                while tend > x and toks.text[tend - 1] != no and toks.keys[tend - 1] != no:
                    tend -= 1
        if not term:
            k = j
            continue
        if tend < s.t1 and toks.text[tend] == ")":
            tend += 1
        title = doc.span(k, tend)
        if congress:
            issuer = dr.congress_issuer.format(term=term)
        else:
            issuer = dr.plenum_issuer
            # "Nghị quyết Hội nghị Ban Chấp hành Hội Nông dân lần thứ 5": a plenum of another body
            op = read_org(doc, x, s.t1, Barriers())
            if op and not op.generic and doc.rules.orgs.kind_of(op.name) != "party_central":
                issuer = op.name
        tkey = f"plenum|{term}|{'c' if congress else 'p'}|{_plenum_no(doc, j, tend)}"
        if tkey not in seen:
            seen[tkey] = len(out)
            out.append(DocumentFact(number=None, kind=dr.resolution_kind, issuer=issuer, term=term, title=title, evidence=(ev,)))
        k = tend


def _term(doc: Doc, y: int) -> str | None:
    """The term written at token y, in roman numerals ("XII"; "khoá 11" -> "XI")."""
    t = doc.toks.text[y]
    if doc.rules.documents.roman_re.match(t):
        return t
    if t.isdigit() and 0 < int(t) < 40:
        n, out = int(t), ""
        for v, r in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
            while n >= v:
                out, n = out + r, n - v
        return out
    return None


def _term_of_plenum(doc: Doc, no: str) -> str | None:
    """The term of the plenum numbered ``no`` where the article names it with one ("hội nghị lần thứ 14 Ban Chấp
    hành Trung ương Đảng khoá 11")."""
    toks = doc.toks
    dr = doc.rules.documents
    for x in range(len(toks) - 1):
        if (toks.text[x] == no or toks.keys[x] == no) and x > 0 and toks.keys[x - 1] in dr.ordinal_words | dr.plenum_words.last_keys:
            for y in range(x + 1, min(len(toks) - 1, x + 12)):
                if toks.text[y] in (".", ";"):
                    break
                if toks.keys[y] in dr.term_words and _term(doc, y + 1):
                    return _term(doc, y + 1)
    return None


def _plenum_no(doc: Doc, a: int, b: int) -> str:
    for y in range(a, b):
        t = doc.toks.text[y]
        if t.isdigit():
            return t
        if y > a and doc.toks.keys[y - 1] in doc.rules.documents.ordinal_words:
            return doc.toks.keys[y]
    return ""
