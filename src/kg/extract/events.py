"""Meetings, congresses and ceremonies the article reports, with date, organiser and participants."""

from __future__ import annotations

from kg.extract.doc import Doc, fold
from kg.extract.entities import People, SentenceItems
from kg.models import EventFact


def _event_end(doc: Doc, i: int, n: int, end: int) -> int:
    ev = doc.rules.events
    toks = doc.toks
    k = i + n
    depth = 0
    while k < end:
        t = toks.text[k]
        if t == "(":
            if k + 1 < end and (
                toks.text[k + 1].isdigit() or toks.keys[k + 1] in doc.rules.dates.words
                or doc.rules.text.noise_starts.match(toks.text, k + 1, end)
            ):
                break
            depth += 1
        elif t == ")":
            if depth == 0:
                break
            depth -= 1
        elif t in (",", ";", ":", ".", "!", "?", "“", "”", '"') and depth == 0:
            # "Hội nghị Trung ương 10, khoá XII": a comma before a term stays inside
            if t == "," and k + 1 < end and toks.keys[k + 1] in doc.rules.documents.term_words:
                k += 1
                continue
            break
        elif depth == 0 and k > i + n and ev.name_stops.match(toks.keys, k, end):
            break
        elif (
            depth == 0 and k > i + n and toks.keys[k] in doc.rules.dates.day_words
            and k + 1 < end and toks.text[k + 1][:1].isdigit()
        ):
            break
        k += 1
    return k


def extract_events(doc: Doc, items: list[SentenceItems], people: People, year: int | None) -> list[EventFact]:
    er = doc.rules.events
    toks = doc.toks
    out: list[EventFact] = []
    seen: dict[str, int] = {}
    last_date: str | None = None
    last_full: dict[str, str] = {}
    for si, s in enumerate(doc.sents):
        if s.noise:
            continue
        it = items[si]
        first = er.heads.first_keys
        if not any(toks.keys[x] in first for x in range(s.t0, s.t1)):
            continue
        k = s.t0
        dates = doc.dates_in(s.start, s.end)
        if not dates and last_date:
            # "Chiều cùng ngày, ... tổ chức hội nghị ...": the day of the event reported just before
            for x in range(s.t0, s.t1):
                sm = er.same_day.match(toks.keys, x, s.t1)
                if sm:
                    dates = [(toks.starts[x], toks.ends[x + sm[0] - 1], last_date)]
                    break
        while k < s.t1:
            if toks.keys[k] not in first:
                k += 1
                continue
            m = er.heads.match(toks.keys, k, s.t1)
            if not m:
                k += 1
                continue
            quoted = None
            q = k + m[0]
            if q < s.t1 and toks.text[q] in ("“", '"'):
                # 'lễ kỷ niệm “60 năm ngày thành lập (1957/2017) và ...”': the quoted name, without asides
                parts, depth, x = [], 0, q + 1
                while x < s.t1 and toks.text[x] not in ("”", '"'):
                    if toks.text[x] == "(":
                        depth += 1
                    elif toks.text[x] == ")":
                        depth = max(0, depth - 1)
                    elif depth == 0:
                        parts.append(x)
                    x += 1
                if parts and x < s.t1:
                    quoted = (x + 1, " ".join([doc.span(k, q)] + [doc.span(y, y + 1) for y in parts]))
            j = _event_end(doc, k, m[0], s.t1) if not quoted else quoted[0]
            # trailing function words and verbs are not part of the name ("Đại hội diễn ra từ")
            jj = k + m[0]
            held_after = jj < s.t1 and bool(er.held_verbs.match(toks.keys, jj, s.t1))
            if not quoted and jj < j and (er.bare_after.match(toks.keys, jj, j) or held_after):
                j = jj
            if k > s.t0 and (
                (toks.text[k - 1][:1].isupper() and toks.text[k - 1][:1].isalpha() and doc.gap(k) == " ")
                or er.venue_before.match_ending(toks.keys, k, max(s.t0, k - 3))
                or toks.keys[k - 1] in er.not_after
            ):
                k = j if j > k else k + 1  # "Trung tâm Hội nghị quốc gia": a venue, not an event
                continue
            hk = " ".join(toks.keys[k : k + m[0]])
            bare = j - k == m[0]
            if not bare:
                last_full[hk] = quoted[1] if quoted else doc.span(k, j)
            # a cited document ("Nghị quyết Hội nghị Trung ương 5") is not an event
            if k >= 2 and doc.rules.documents.kind_words.match_ending(toks.keys, k, max(s.t0, k - 3)):
                k = j
                continue
            pos = toks.starts[k]
            lead = [d for d in dates if d[0] <= pos]
            verb = (
                er.organizer_verbs.match_ending(toks.keys, k, max(s.t0, k - 4))
                or er.held_verbs.match(toks.keys, j, s.t1)
                # "Buổi lễ diễn ra tại Hội nghị ...": a held verb just before, across a preposition
                or er.held_verbs.match_ending(toks.keys, k - 1, max(s.t0, k - 5))
            )
            if not (dates or verb):
                k = j
                continue
            if bare:
                # "Đại hội diễn ra từ 25/1 ...": the event named in full before
                if hk not in last_full or not (lead or (held_after and dates)):
                    k = j if j > k else k + 1
                    continue
                name = last_full[hk]
            else:
                name = quoted[1] if quoted else doc.span(k, j)
            date = None
            if dates:
                # a date in brackets right after the name ("lần thứ 2 (17/3)"), else the nearest before, else the
                # first after it
                right = [d for d in dates if toks.ends[j - 1] <= d[0] <= toks.ends[j - 1] + 8 and "(" in doc.work[toks.ends[j - 1]: d[0]]]
                d = right[0] if right else lead[-1] if lead else dates[0]
                date = d[2]
                if date.startswith("--"):
                    date = f"{year:04d}{date[1:]}" if year else None
            organizer = _organizer(doc, si, it, k)
            # only a bare head that acts ("đại hội đã bầu", "Đại hội diễn ra") may move the event to an earlier day
            acting = bare and (held_after or bool(er.bare_after.match(toks.keys, k + m[0], s.t1)))
            _emit(doc, out, seen, name, date, organizer, it, si, acting)
            k = j
            if date:
                last_date = date
    _meetings(doc, items, out, seen, year)
    return _participants(doc, items, out)


def _participants(doc: Doc, items: list[SentenceItems], out: list[EventFact]) -> list[EventFact]:
    """People in sentences that report attendance ("Tham dự hội nghị có ...") join the event reported last."""
    if not out:
        return out
    er = doc.rules.events
    toks = doc.toks
    starts = [e.evidence.start if e.evidence else 0 for e in out]
    extra: dict[int, list[str]] = {}
    for si, s in enumerate(doc.sents):
        if s.noise or not items[si].names:
            continue
        if not any(er.attend_words.match(toks.keys, x, s.t1) for x in range(s.t0, s.t1)):
            continue
        before = [x for x, st in enumerate(starts) if st <= s.start]
        if not before:
            continue
        target = before[-1]
        for m in items[si].names:
            if m.j - m.ni >= 2:
                extra.setdefault(target, []).append(doc.span(m.ni, m.j))
    res = []
    for x, e in enumerate(out):
        if x in extra:
            names = tuple(dict.fromkeys(e.participants + tuple(extra[x])))
            e = EventFact(name=e.name, date=e.date, organizer=e.organizer, participants=names, evidence=e.evidence)
        res.append(e)
    return res


def _event_key(doc: Doc, name: str) -> str:
    """Matching key of an event name: folded, without ordinal words ("lần thứ VIII" == "lần VIII")."""
    return " ".join(w for w in fold(name).split() if w not in doc.rules.events.key_skip)


def _emit(
    doc: Doc, out: list[EventFact], seen: dict[str, int], name: str, date, organizer, it, si: int, bare: bool = False
) -> None:
    nk = _event_key(doc, name)
    for x, idx in seen.items():
        if nk in x or x in nk:
            old = out[idx]
            # the same event named again: it brings a missing date or organiser, or an earlier day of it
            # (an event of several days is dated by its first day)
            earlier = bare and bool(old.date and date and len(old.date) == len(date) and date < old.date)
            if (not old.date and date) or (not old.organizer and organizer) or earlier:
                out[idx] = EventFact(name=old.name, date=date if (earlier or not old.date) else old.date,
                                     organizer=old.organizer or organizer, participants=old.participants,
                                     evidence=old.evidence)
            return
    seen[nk] = len(out)
    participants = tuple(dict.fromkeys(m.name for m in it.names if m.j - m.ni >= 2))
    out.append(EventFact(name=name, date=date, organizer=organizer, participants=participants, evidence=doc.evidence(si)))


def _meetings(doc: Doc, items: list[SentenceItems], out: list[EventFact], seen: dict[str, int], year: int | None) -> None:
    """ "Ngày 25/5/2017, Ban Bí thư đã họp ...": a dated meeting named by its verb -> "cuộc họp của Ban Bí thư"."""
    er = doc.rules.events
    toks = doc.toks
    for si, s in enumerate(doc.sents):
        if s.noise:
            continue
        for op in items[si].orgs:
            vm = er.meeting_verbs.match(toks.keys, op.j, s.t1)
            if not vm:
                continue
            dates = doc.dates_in(s.start, toks.starts[op.i])
            if not dates:
                continue
            date = dates[-1][2]
            if date.startswith("--"):
                date = f"{year:04d}{date[1:]}" if year else None
            _emit(doc, out, seen, er.meeting_name.format(org=op.name), date, op.name, items[si], si)
    return out


def _organizer(doc: Doc, si: int, it: SentenceItems, k: int) -> str | None:
    er = doc.rules.events
    toks = doc.toks
    s = doc.sents[si]
    ov = er.organizer_verbs.match_ending(toks.keys, k, max(s.t0, k - 4))
    if not ov:
        return None
    v0 = k - ov[0]
    cands = [op for op in it.orgs if op.j <= v0 and v0 - op.j <= 1]
    if cands:
        return cands[-1].name
    return None


