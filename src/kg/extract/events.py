"""Meetings, congresses and ceremonies the article reports, with date, organiser and participants."""

from __future__ import annotations

from bisect import bisect_left

from kg.extract.doc import Doc, fold
from kg.extract.entities import People, SentenceItems
from kg.models import EventFact
from kg.rules import is_cap


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
            if t == "," and k + 1 < end and (toks.keys[k + 1] in doc.rules.documents.term_words
                                             or ev.term_markers.match(toks.keys, k + 1, end)):
                k += 1
                continue
            break
        elif depth == 0 and k > i + n and ev.name_stops.match(toks.keys, k, end):
            break
        elif depth == 0 and k > i + n and toks.keys[k] == "và" and _another_event(doc, k + 1, end):
            break  # "Hội nghị A và các hội nghị liên quan", "Lễ mít tinh và lễ diễu hành": the next event
        elif (
            depth == 0 and k > i + n and toks.keys[k] in doc.rules.dates.day_words
            and k + 1 < end and toks.text[k + 1][:1].isdigit()
        ):
            break
        k += 1
    return k


def _another_event(doc: Doc, k: int, end: int) -> bool:
    """An event head at token k, after a plural word or none ("các hội nghị", "lễ diễu hành")."""
    ev = doc.rules.events
    if k < end and doc.toks.keys[k] in ev.plural_before:
        k += 1
    return bool(k < end and ev.heads.match(doc.toks.keys, k, end) and not ev.not_heads.match(doc.toks.keys, k, end))


class _Years:
    """The year of a date written without one ("Sáng 14/12").

    The publication year when the article has one; else the latest year the article reports (years of careers,
    births, plans and the past left out), unless the text states a later day of that year than the first day it
    writes without a year (the day it reports from): a text reports days before its own, so that day, and the
    events, fall in a later year the text does not state, and their dates stay null ("null when not stated").
    """

    def __init__(self, doc: Doc, given: int | None) -> None:
        self.doc = doc
        self.given = given
        self._pub: int | None | bool = False
        self._mentions: list[tuple[int, int, int, int, bool, bool]] | None = None
        self._career: dict[int, bool] = {}
        self._floor: int | None | bool = False
        self._reports: dict[int, bool] = {}  # sentence -> it reports an event or an election
        self._now_ok: bool | None = None  # the latest year stated agrees with the day the article reports from

    def pub(self) -> int | None:
        if self._pub is False:
            from kg.extract import published_date, text_year  # the package imports this module

            p = published_date(self.doc)
            if p:
                self._pub = int(p[:4])
            elif self.given is not None and self.given != text_year(self.doc):
                self._pub = self.given  # the article's own publication date (metadata)
            else:
                self._pub = None
        return self._pub  # type: ignore[return-value]

    def career(self, si: int) -> bool:
        """Sentence si tells someone's career ("Năm 2006, ông giữ chức ...")."""
        c = self._career.get(si)
        if c is None:
            from kg.extract import _career  # the package imports this module

            c = self._career[si] = _career(self.doc, si)
        return c

    def past_career(self, si: int) -> bool:
        """Sentence si tells someone's career and dates it by a month of a year, not a day ("Tháng 11/2015, tại
        phiên họp ..., ông được bầu"; "... tại Hội nghị lần thứ nhất hồi tháng 1/2016")."""
        s = self.doc.sents[si]
        dated = [len(iso) for _, _, iso in self.doc.dates_in(s.start, s.end) if not iso.startswith("--")]
        return 7 in dated and 10 not in dated and self.career(si)

    def mentions(self) -> list[tuple[int, int, int, int, bool, bool]]:
        """(sentence or -1 for a plan, year, month or 0, day or 0, in a range) of every year the article states,
        leaving out years of careers, births, terms' ends and the past ("từ năm", "hồi")."""
        if self._mentions is not None:
            return self._mentions
        doc = self.doc
        dr = doc.rules.dates
        ev = doc.rules.events
        toks = doc.toks
        out: list[tuple[int, int, int, int, bool, bool]] = []
        career = self.career

        def keep(a: int, b: int = 0) -> tuple[int, int, bool] | None:
            k = bisect_left(toks.starts, a)
            if k >= len(toks):
                return None
            si = doc.tok_sent[k]
            s = doc.sents[si]
            if s.noise or career(si):
                return None
            # "từ tháng 4/2016" starts a past post; "từ 1/6 đến 30/6/2017", a closed range of days, is a period
            closed = any(toks.keys[x] in dr.range_words for x in range(k, bisect_left(toks.starts, b)))
            if not closed and dr.not_report_year_before.match_ending(toks.keys, k, max(0, k - 3)):
                return None
            plan = any(
                ev.future_words.match(toks.keys, x, k) or ev.deadline_words.match(toks.keys, x, k)
                for x in range(max(s.t0, k - 8), k)
            )
            return (-1 if plan else si, k, closed)

        for a, b, iso in doc.dates_in():
            if iso.startswith("--"):
                continue
            sk = keep(a, b)
            if not sk:
                continue
            parts = [int(x) for x in iso.split("-")]
            shift = self._anniversary(sk[1])
            if shift:
                # "kỷ niệm 45 năm … (ngày 21-9-1973)": the origin of an anniversary; the report is 45 years on
                out.append((sk[0], parts[0] + shift, 0, 0, False, False))
                continue
            # the end of a range, or a closed range (often a schedule), says nothing of the day of the report
            rng = sk[2] or bool(dr.range_end_re.search(doc.work, max(0, a - 8), a))
            out.append((sk[0], parts[0], parts[1] if len(parts) > 1 else 0, parts[2] if len(parts) > 2 else 0, rng, False))
        for m in dr.year_re.finditer(doc.work):
            a = m.start()
            if dr.range_end_re.search(doc.work, max(0, a - 8), a):
                continue
            sk = keep(a)
            if not sk:
                continue
            term = bool(dr.range_start_re.match(doc.work, m.end()))
            if term and not dr.term_before.match_ending(toks.keys, sk[1], max(0, sk[1] - 3)):
                continue
            if term and sk[0] >= 0 and not self._reports_term(sk[0]):
                continue  # "kỷ luật Ban cán sự đảng nhiệm kỳ 2011-2016": a past term, not the one a congress opens
            out.append((sk[0], int(m.group("y")) + self._anniversary(sk[1]), 0, 0, False, term))
        self._mentions = out
        return out

    def _reports_term(self, si: int) -> bool:
        """Sentence si reports an event or an election, whose term's first year dates the report."""
        r = self._reports.get(si)
        if r is None:
            s = self.doc.sents[si]
            ev = self.doc.rules.events
            keys = self.doc.toks.keys
            r = self._reports[si] = any(ev.heads.match(keys, x, s.t1) or ev.term_events.match(keys, x, s.t1)
                                        for x in range(s.t0, s.t1))  # fmt: skip
        return r

    def _anniversary(self, k: int) -> int:
        """N when the date at token k is the origin of an anniversary its sentence names, in brackets ("kỷ niệm 45 năm …
        (ngày 21-9-1973)")."""
        doc = self.doc
        toks = doc.toks
        s = doc.sents[doc.tok_sent[k]]
        b = k - 1 if k > s.t0 and toks.keys[k - 1] in doc.rules.dates.day_words else k
        if b <= s.t0 or toks.text[b - 1] != "(":
            return 0  # the origin is written in brackets; "(1962 - 2017)" ends with the anniversary's own year
        return _anniversary_years(doc, s.t0, k) or 0

    def floor(self) -> int | None:
        """The latest year a sentence opening "Trước đó, …" states: the report comes after it."""
        if self._floor is not False:
            return self._floor  # type: ignore[return-value]
        doc = self.doc
        ev = doc.rules.events
        found = None
        for s in doc.sents:
            if s.noise or not ev.earlier_words.match(doc.toks.keys, s.t0, s.t1):
                continue
            years = [int(iso[:4]) for _, _, iso in doc.dates_in(s.start, s.end) if not iso.startswith("--")]
            years += [int(m.group("y")) for m in doc.rules.dates.year_re.finditer(doc.work, s.start, s.end)]
            if years:
                found = max(found or 0, *years)
        self._floor = found
        return found

    def fill(self, date: str) -> str | None:
        """ "--MM-DD" or "--MM" with its year, or None when the year can't be told."""
        p = self.pub()
        if p:
            return f"{p:04d}{date[1:]}"
        ms = [m for m in self.mentions() if m[0] >= 0]
        if not ms:
            # only years of plans ("phấn đấu đến hết năm 2018"): a plan looks ahead from the report, the nearest
            plans = [m[1] for m in self.mentions()]
            return f"{min(plans):04d}{date[1:]}" if plans else None
        y = max(m[1] for m in ms)
        fl = self.floor()
        if fl and fl > y:
            y = fl  # "Trước đó, từ tháng 5/2019, …": the report is no earlier than 2019
        if self._now_ok is None:
            # the first day written without a year is the day the article reports from ("Sáng 9/5, ..."): a later
            # day of year y stated in the text puts that day, and the events, in a later year the text doesn't state
            now = next((iso for a, _, iso in self.doc.dates_in() if iso.startswith("--")), date)
            md = [int(x) for x in now[2:].split("-")]
            self._now_ok = not any(
                yy == y and mm and not rng and (mm > md[0] or (mm == md[0] and dd and len(md) > 1 and dd > md[1]))
                for _, yy, mm, dd, rng, _t in ms
            )
        return f"{y:04d}{date[1:]}" if self._now_ok else None


def _bare_date(doc: Doc, a: int, b: int) -> str | None:
    """A month or a year written alone before an event, tokens [a, b): "Cuối tháng 6 vừa qua" -> "--06",
    "năm 2016" -> "2016" (the last one before the head)."""
    dr = doc.rules.dates
    toks = doc.toks
    found = None
    for x in range(a, b - 1):
        w, n = toks.keys[x], toks.text[x + 1]
        if not n.isdigit() or (x + 2 < b and toks.text[x + 2] in ("/", "-", ".")):
            continue
        if w in dr.month_words and len(n) <= 2 and 1 <= int(n) <= 12:
            found = f"--{int(n):02d}"
        elif w in dr.year_words and len(n) == 4 and 1900 <= int(n) <= 2100:
            found = n
    return found


def extract_events(doc: Doc, items: list[SentenceItems], people: People, year: int | None) -> list[EventFact]:
    er = doc.rules.events
    toks = doc.toks
    years = _Years(doc, year)
    out: list[EventFact] = []
    seen: dict[str, int] = {}
    last_date: str | None = None
    last_full: dict[str, str] = {}
    first = er.heads.first_keys | er.verb_heads.first_keys | er.meeting_verbs_person.first_keys
    for si, s in enumerate(doc.sents):
        if s.noise:
            continue
        it = items[si]
        if first.isdisjoint(toks.keys[s.t0 : s.t1]):
            continue
        k = s.t0
        # a cited document's date ("Quyết định số 12/QĐ-UBND ngày 3/2/2021") dates no event
        dates = [d for d in doc.dates_in(s.start, s.end) if not _document_date(doc, d[0])]
        if not dates and last_date:
            # "Chiều cùng ngày, ... tổ chức hội nghị ...": the day of the event reported just before
            for x in range(s.t0, s.t1):
                sm = er.same_day.match(toks.keys, x, s.t1)
                if sm:
                    dates = [(toks.starts[x], toks.ends[x + sm[0] - 1], last_date)]
                    break
        # "Hôm nay, X đã trao quyết định …": a day told relative to the report's, undated
        today = any(er.report_days.match(toks.keys, x, s.t1) for x in range(s.t0, min(s.t1, s.t0 + 8)))
        prev_end = s.t0  # end of the last event named in this sentence
        while k < s.t1:
            if toks.keys[k] not in first:
                k += 1
                continue
            m = er.heads.match(toks.keys, k, s.t1)
            if not m and (dates or today) and not _heading_line(doc, s):
                # "Sáng 6/7, Ban Tổ chức Trung ương đã trao quyết định …": an event named by what is done, reported
                # by a subject on a stated day
                vm = er.verb_heads.match(toks.keys, k, s.t1)
                if not vm:
                    # "Tổng Bí thư … đã tiếp Thủ tướng Pháp …": a reception or talks with someone named
                    vm = er.meeting_verbs_person.match(toks.keys, k, s.t1)
                    if vm and not (k + vm[0] < s.t1 and is_cap(toks.text[k + vm[0]])):
                        vm = None
                if vm and _done_by_subject(doc, it, s.t0, k):
                    j = _event_end(doc, k, vm[0], s.t1)
                    # the name ends with the first person it names ("trao quyết định … điều động ông A"): what follows
                    # (the post, asides) is told many ways
                    pj = next((nm_.j for nm_ in it.names if k + vm[0] <= nm_.i and nm_.j <= j), None)
                    if pj is not None:
                        j = pj
                    name = _without_asides(doc, k, j)
                    if j > k + vm[0]:
                        pos = toks.starts[k]
                        lead = [d for d in dates if d[0] <= pos]
                        date = (lead[-1][2] if lead else dates[0][2]) if dates else None
                        if date and date.startswith("--"):
                            date = years.fill(date)
                        _emit(doc, out, seen, name, date, _organizer_before(doc, it, s.t0, k), it, si)
                        if date:
                            last_date = date
                        k = j
                        continue
            if not m or er.not_heads.match(toks.keys, k, s.t1):
                k += 1
                continue
            if k > s.t0 and toks.keys[k - 1] in er.plural_before:
                k += m[0]  # "các hội nghị liên quan", "những kỳ họp": many events, none named
                continue
            quoted = None
            q = k + m[0]
            if q < s.t1 and toks.text[q] in ("“", '"'):
                # 'lễ kỷ niệm “45 năm thành lập (1979 - 2024) và ...”': the quoted name, without asides
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
                    # runs of tokens keep their spacing ("Hà Nội 2016- Hợp tác"); an aside left out is one space
                    name = doc.span(k, q)
                    for y0, y in zip([None] + parts, parts):
                        name += doc.text[doc.toks.ends[y0] : doc.toks.ends[y]] if y0 is not None and y == y0 + 1 else " " + doc.span(y, y + 1)
                    quoted = (x + 1, name)
            j = _event_end(doc, k, m[0], s.t1) if not quoted else quoted[0]
            # "Hội nghị lần thứ 7 Ban Chấp hành Trung ương Đảng khóa XI nhất trí ...": a numbered name ends where its
            # specifiers end, not at the clause's end
            spec = _specified_end(doc, k + m[0], j, it) if not quoted else None
            if spec is not None:
                j = spec
            # trailing function words and verbs are not part of the name ("Đại hội diễn ra từ")
            jj = k + m[0]
            held_after = jj < s.t1 and bool(er.held_verbs.match(toks.keys, jj, s.t1))
            if not quoted and jj < j and (er.bare_after.match(toks.keys, jj, j) or held_after):
                j = jj
            if k > s.t0 and (
                (toks.text[k - 1][:1].isupper() and toks.text[k - 1][:1].isalpha() and doc.gap(k) == " "
                 and not _clause_first(doc, s.t0, k - 1) and not _after_unit(it, k))
                or er.venue_before.match_ending(toks.keys, k, max(s.t0, k - 3))
                or toks.keys[k - 1] in er.not_after
            ):
                k = j if j > k else k + 1  # "Trung tâm Hội nghị quốc gia": a venue, not an event
                continue
            hk = " ".join(toks.keys[k : k + m[0]])
            bare = j - k == m[0]
            if not bare:
                last_full[hk] = quoted[1] if quoted else doc.span(k, j)
            # a cited document ("Nghị quyết Hội nghị Trung ương 5") or the contents of an event cited ("triển khai
            # các nội dung Hội nghị ...") is not an event reported
            if k >= 2 and (
                doc.rules.documents.kind_words.match_ending(toks.keys, k, max(s.t0, k - 3))
                or er.reference_before.match_ending(toks.keys, k, max(s.t0, k - 3))
            ):
                k = j
                continue
            # planned events are listed too (GOLD_SCHEMA: "past or planned"); a descriptive one of someone's career
            # dated by its year is not ("Tháng 3/2012, tại kỳ họp ..., bà được bầu làm Phó Chủ tịch")
            if not bare and spec is None and years.past_career(si):
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
            at = bool(er.at_words.match_ending(toks.keys, k, max(s.t0, k - 3)))
            # an undated numbered name is reported when it opens its clause or follows a reporting word ("kết thúc
            # Đại hội …"); elsewhere it is mentioned in passing ("sau cuộc bầu cử … khóa XIV"); headings: see _headings
            reported = spec is not None and not _heading_line(doc, s) and (
                _clause_first(doc, s.t0, k) or bool(er.reported_before.match_ending(toks.keys, k, max(s.t0, k - 3)))
            )
            termed = _term_year(doc, k, j) if spec is not None and er.term_dated_heads.match(toks.keys, k, j) else None
            if not (dates or verb or at or reported or termed):
                k = j
                continue
            if bare and at and not out and er.named_alone.match(toks.keys, k, k + m[0]) and hk not in last_full and not er.bare_after.match(toks.keys, k + m[0], s.t1):
                bare = False  # "tại buổi họp báo, ...": before any other event, a many-word head names the event alone
            if bare:
                # "Đại hội diễn ra từ 25/1 ...": the event named in full before
                if hk not in last_full or not (lead or (held_after and dates)):
                    k = j if j > k else k + 1
                    continue
                name = last_full[hk]
            else:
                name = quoted[1] if quoted else doc.span(k, j)
            date = None
            # "công bố kết quả Hội nghị ...": a date before the name is the day of the report of the outcome
            result = bool(er.result_before.match_ending(toks.keys, k, max(s.t0, k - 3)))
            if dates:
                # a date in brackets right after the name ("lần thứ 2 (17/3)"), else the nearest before, else the
                # first after it
                right = [d for d in dates if toks.ends[j - 1] <= d[0] <= toks.ends[j - 1] + 8 and "(" in doc.work[toks.ends[j - 1]: d[0]]]
                after = [d for d in dates if d[0] >= toks.ends[j - 1]]
                d = right[0] if right else (after[0] if after else None) if result else lead[-1] if lead else dates[0]
                date = d[2] if d else None
                ann = _anniversary_year(doc, k, j, right[0][2]) if right else None
                if ann:
                    # "lễ kỷ niệm 42 năm ngày giải phóng (24/3/1975)": the bracket dates what is remembered; the
                    # ceremony falls 42 years later, on the day the sentence states
                    base = next((x[2] for x in reversed(lead) if x is not right[0]), None)
                    date = f"{ann:04d}{base[1:]}" if base and base.startswith("--") else base or f"{ann:04d}"
            elif not result:
                # "Cuối tháng 6 vừa qua, ... tổ chức Hội nghị", "năm 2016 ... đã tổ chức Hội nghị"
                close = next((y for y in range(j, min(s.t1, j + 8)) if toks.text[y] == ")"), None) if (
                    j < s.t1 and toks.text[j] == "(") else None
                # "Hội nghị Trung ương 5 (họp tháng 10)": a month in brackets after the name; else one before it, after
                # the event named before in the sentence
                date = (_bare_date(doc, j, close + 1) if close else None) or _bare_date(doc, max(s.t0, prev_end), k)
            if date and date.startswith("--"):
                date = years.fill(date)
            if not date and termed:
                date = termed  # "sau Đại hội Đảng bộ tỉnh Y nhiệm kỳ 2020-2025": a congress opens its term
            organizer = _organizer(doc, si, it, k)
            # only a bare head that acts ("đại hội đã bầu", "Đại hội diễn ra") may move the event to an earlier day
            acting = bare and (held_after or bool(er.bare_after.match(toks.keys, k + m[0], s.t1)))
            _emit(doc, out, seen, name, date, organizer, it, si, acting, numbered=spec is not None)
            prev_end = j
            # a descriptive name may name a numbered event inside ("họp báo về kết quả Hội nghị lần thứ 8 …"): read on
            # from after the head; a numbered or quoted name is read whole
            k = j if (spec is not None or quoted or bare) else k + m[0]
            if date:
                last_date = date
    _meetings(doc, items, out, seen, years)
    _headings(doc, items, out, seen)
    return _participants(doc, items, out)


def _headings(doc: Doc, items: list[SentenceItems], out: list[EventFact], seen: dict[str, int]) -> None:
    """A heading line that names an event ("Ra mắt Ban Chấp hành ... nhiệm kỳ 2025 - 2030", a title "Hội nghị
    ..."), before the body reports any: the event the article reports. The first event of the body with the same
    head is that event, under the heading's name; without one, the heading's event stands alone, undated."""
    er = doc.rules.events
    toks = doc.toks
    first_at = min((e.evidence.start for e in out if e.evidence), default=len(doc.work))
    for si, s in enumerate(doc.sents):
        if s.start >= first_at:
            break
        if s.noise or not _heading_line(doc, s):
            continue
        k = s.t0
        m = er.heads.match(toks.keys, k, s.t1) or er.heading_heads.match(toks.keys, k, s.t1)
        if not m or er.not_heads.match(toks.keys, k, s.t1):
            continue
        if k + m[0] >= s.t1 or er.bare_after.match(toks.keys, k + m[0], s.t1):
            continue
        j = _event_end(doc, k, m[0], s.t1)
        if j - k <= m[0]:
            continue
        name = doc.span(k, j)
        nk = _event_key(doc, name)
        if any(nk in x or x in nk for x in seen):
            continue  # named again in the body
        hk = fold(doc.span(k, k + m[0]))
        lead = min(range(len(out)), key=lambda x: out[x].evidence.start if out[x].evidence else 0, default=None)
        if lead is not None and fold(out[lead].name).startswith(hk):
            old = out[lead]
            out[lead] = EventFact(name=name, date=old.date, organizer=old.organizer,
                                  participants=old.participants, evidence=old.evidence)
            seen[nk] = lead
        else:
            _emit(doc, out, seen, name, None, None, items[si], si)
        return  # one heading: the article's own event


def _specified_end(doc: Doc, i: int, end: int, it: SentenceItems) -> int | None:
    """End of the specifiers after an event head at token i ("lần thứ N", "Trung ương 3", "Đảng bộ tỉnh X", "khóa
    XII", "nhiệm kỳ 2015-2020", "(khóa XII)"), when they number the event; None for a descriptive name."""
    ev = doc.rules.events
    toks = doc.toks
    x, numbered = i, False
    org_end = {op.i: op.j for op in it.orgs}
    while x < end:
        t = toks.text[x]
        if x in org_end and org_end[x] > x:  # a unit's name, lower-case words and all ("Ban Chấp hành Trung ương")
            x = min(org_end[x], end)
            continue
        om = ev.ordinals_table.match(toks.keys, x, end)
        if om and ev.number_markers.match_ending(toks.keys, x, max(0, i - 2)):
            numbered = True  # "lần thứ ba", "kỳ họp đầu tiên"
            x += om[0]
            continue
        sm = ev.specifiers.match(toks.keys, x, end)
        if sm:
            x += sm[0]
            continue
        if t[:1].isdigit() and x + 1 < end and toks.keys[x + 1] in ev.duration_words:
            break  # "Lễ kỷ niệm 50 năm …": a duration, not a number of the event
        if t[:1].isdigit() or (t.isupper() and doc.rules.documents.roman_re.match(t)):
            numbered = True  # "lần thứ 14", "Trung ương 3", "khóa XII", "nhiệm kỳ 2020-2025"
            x += 1
            continue
        if t[:1].isupper() and t[:1].isalpha():
            x += 1
            continue
        if t in ("-", "–", "/") and x > i and x + 1 < end and toks.text[x - 1][:1].isdigit() and toks.text[x + 1][:1].isdigit():
            x += 1
            continue
        if t == "," and x + 1 < end and (toks.keys[x + 1] in doc.rules.documents.term_words or (
                ev.term_markers.match(toks.keys, x + 1, end))):
            x += 1  # "lần thứ XVII, nhiệm kỳ 2020-2025"
            continue
        if t == "(" and x + 1 < end and ev.specifiers.match(toks.keys, x + 1, end):
            y = x + 1 + ev.specifiers.match(toks.keys, x + 1, end)[0]
            if y < end and toks.text[y] == ")":
                x = y + 1  # "Kỳ họp thứ tám (bất thường) HĐND tỉnh X"
                continue
        if t == "(" and x + 1 < end and toks.keys[x + 1] in doc.rules.documents.term_words:
            y = x + 1
            while y < end and toks.text[y] != ")":
                y += 1
            if y < end:
                x = y + 1
                continue
        break
    # connectors do not end a name ("Đại hội XII của")
    while x > i and ev.specifiers.match_ending(toks.keys, x, i) and not ev.number_markers.match_ending(toks.keys, x, i):
        n = ev.specifiers.match_ending(toks.keys, x, i)[0]
        if not ev.connectors.match(toks.keys, x - n, x):
            break
        x -= n
    return x if numbered and x > i else None


def _term_year(doc: Doc, k: int, j: int) -> str | None:
    """The first year of the term named in tokens [k, j) ("… nhiệm kỳ 2015-2020" -> "2015")."""
    toks = doc.toks
    for x in range(k, j - 1):
        if doc.rules.dates.term_before.match(toks.keys, x, j):
            y = x + doc.rules.dates.term_before.match(toks.keys, x, j)[0]
            if y < j and len(toks.text[y]) == 4 and toks.text[y].isdigit():
                return toks.text[y]
    return None


def _after_unit(it: SentenceItems, k: int) -> bool:
    """A unit's name ends just before token k ("Sở Nội vụ họp báo …"): the head starts a new phrase."""
    return any(op.j == k for op in it.orgs)


def _clause_first(doc: Doc, t0: int, x: int) -> bool:
    """Token x opens its clause ("Tại Hội nghị ...": a capital that starts the clause, not a venue's name)."""
    return x == t0 or doc.toks.text[x - 1] in (",", ";", ":", "(", "-", "–")


def _done_by_subject(doc: Doc, it: SentenceItems, t0: int, k: int) -> bool:
    """A unit, a person or a post ends just before token k, adverbs aside ("Ban Tổ chức Trung ương đã trao …")."""
    x = _skip_adverbs(doc, t0, k)
    return any(op.j == x for op in it.orgs) or any(m.j == x for m in it.names) or any(r.j == x for r in it.roles)


def _skip_adverbs(doc: Doc, t0: int, k: int) -> int:
    """Back from token k over adverbs and a bracketed aside ("UBND TP X (tỉnh Y) đã công bố")."""
    x = k
    while x > t0:
        am = doc.rules.events.verb_adverbs.match_ending(doc.toks.keys, x, t0)
        if am and not (am[0] == 1 and is_cap(doc.toks.text[x - 1]) and x - 1 > t0):
            x -= am[0]  # whole adverbs only ("thân mật"), and not a capitalised name's last word
        elif doc.toks.text[x - 1] == ")":
            y = x - 1
            while y > t0 and doc.toks.text[y] != "(":
                y -= 1
            if doc.toks.text[y] != "(":
                break
            x = y
        else:
            break
    return x


def _document_date(doc: Doc, a: int) -> bool:
    """The date at character a follows a document's number ("số 12/QĐ-UBND ngày 3/2/2021")."""
    w = doc.work[max(0, a - 40) : a]
    return any(len(w) - m.end() <= 8 for m in doc.rules.documents.number_re.finditer(w))


def _without_asides(doc: Doc, k: int, j: int) -> str:
    """Tokens [k, j) as written, bracketed asides left out ("… ông A (Ủy viên …) đến giữ chức …")."""
    toks = doc.toks
    parts: list[tuple[int, int]] = []
    x, a = k, k
    while x < j:
        if toks.text[x] == "(":
            y = next((z for z in range(x, j) if toks.text[z] == ")"), None)
            if y is None:
                break
            if x > a:
                parts.append((a, x))
            x = a = y + 1
            continue
        x += 1
    if a < j:
        parts.append((a, j))
    return " ".join(doc.span(p, q) for p, q in parts)


def _organizer_before(doc: Doc, it: SentenceItems, t0: int, k: int) -> str | None:
    x = _skip_adverbs(doc, t0, k)
    return next((op.name for op in it.orgs if op.j == x), None)


def _anniversary_years(doc: Doc, a: int, b: int) -> int | None:
    """N when tokens [a, b) name an anniversary of N years ("kỷ niệm … 42 năm …"): the last number before a year
    word after the first anniversary word; None without one."""
    ev = doc.rules.events
    toks = doc.toks
    at = next((x for x in range(a, b) if ev.anniversary_words.match(toks.keys, x, b)), None)
    if at is None:
        return None
    n = None
    for x in range(at, b - 1):
        if toks.text[x].isdigit() and toks.keys[x + 1] in doc.rules.dates.year_words:
            n = int(toks.text[x])
    return n


def _anniversary_year(doc: Doc, k: int, j: int, origin: str) -> int | None:
    """The year of an anniversary named in tokens [k, j) ("kỷ niệm … 30 năm ngày …") of something dated origin."""
    n = None if origin.startswith("--") else _anniversary_years(doc, k, j)
    return int(origin[:4]) + n if n else None


def _heading_line(doc: Doc, s) -> bool:
    """Sentence s is a line of its own, short and without final punctuation: a title or a heading."""
    if s.t1 - s.t0 > 25 or doc.work[s.end - 1] in ".!?…:;,":
        return False
    return not ((s.start and doc.work[s.start - 1] != "\n") or (s.end < len(doc.work) and doc.work[s.end] != "\n"))


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
        if er.attend_words.first_keys.isdisjoint(toks.keys[s.t0 : s.t1]) or not any(
            er.attend_words.match(toks.keys, x, s.t1) for x in range(s.t0, s.t1)
        ):
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


def _event_number(doc: Doc, name: str) -> tuple[str, int] | None:
    """(first word of the head, number) of a numbered event name: "Đại hội 12 của Đảng" and "Đại hội đại biểu toàn
    quốc lần thứ XII" -> ("đại", 12); "kỳ họp thứ tư" -> ("kỳ", 4). None without a number."""
    ev = doc.rules.events
    words = fold(name).split()
    if len(words) < 2:
        return None
    for x, w in enumerate(words[1:], 1):
        if w.isdigit() and not (x + 1 < len(words) and words[x + 1] in ev.duration_words):
            n = int(w)
        elif doc.rules.documents.roman_re.match(w.upper()) and x > 0 and words[x - 1] in ev.roman_before:
            n = _roman(w.upper())
        elif w in ev.ordinal_values and x > 0 and words[x - 1] in ev.roman_before:
            n = ev.ordinal_values[w]
        else:
            continue
        if 1900 <= n <= 2100:
            return None  # "năm 2023", "nhiệm kỳ 2020-2025": a year, not the event's number
        return (words[0], n)
    return None


def _roman(s: str) -> int:
    vals = {"I": 1, "V": 5, "X": 10, "L": 50}
    total = 0
    for a, b in zip(s, s[1:] + " "):
        v = vals.get(a, 0)
        total += -v if vals.get(b, 0) > v else v
    return total


def _emit(
    doc: Doc, out: list[EventFact], seen: dict[str, int], name: str, date, organizer, it, si: int, bare: bool = False,
    numbered: bool = False,
) -> None:
    nk = _event_key(doc, name)
    for x, idx in seen.items():
        # the same event named again ("Đại hội XII" in "Đại hội … lần thứ XII"); a numbered name inside another
        # event's name is another event ("họp báo về kết quả Hội nghị lần thứ 8")
        if (nk in x or x in nk) and not (numbered and nk in x and not x.startswith(nk)):
            old = out[idx]
            # the same event named again: it brings a missing date or organiser, or an earlier day of it
            # (an event of several days is dated by its first day)
            earlier = bare and bool(old.date and date and len(old.date) == len(date) and date < old.date)
            if (not old.date and date) or (not old.organizer and organizer) or earlier:
                out[idx] = EventFact(name=old.name, date=date if (earlier or not old.date) else old.date,
                                     organizer=old.organizer or organizer, participants=old.participants,
                                     evidence=old.evidence)
            return
    # "Hội nghị Trung ương 14" and "Hội nghị lần thứ 14 Ban Chấp hành Trung ương": one event, by its head and number
    num = _event_number(doc, name)
    if num is not None:
        for idx, old in enumerate(out):
            if _event_number(doc, old.name) == num and (not old.date or not date or old.date == date):
                longer = name if len(name) > len(old.name) else old.name
                out[idx] = EventFact(name=longer, date=old.date or date, organizer=old.organizer or organizer,
                                     participants=old.participants, evidence=old.evidence)
                seen[nk] = idx
                return
    seen[nk] = len(out)
    participants = tuple(dict.fromkeys(m.name for m in it.names if m.j - m.ni >= 2))
    out.append(EventFact(name=name, date=date, organizer=organizer, participants=participants, evidence=doc.evidence(si)))


def _meetings(doc: Doc, items: list[SentenceItems], out: list[EventFact], seen: dict[str, int], years: _Years) -> None:
    """ "Ngày 25/5/2017, Ban Bí thư đã họp ...": a dated meeting named by its verb -> "cuộc họp của Ban Bí thư"."""
    er = doc.rules.events
    toks = doc.toks
    for si, s in enumerate(doc.sents):
        if s.noise:
            continue
        for op in items[si].orgs:
            vm = er.meeting_verbs.match(toks.keys, op.j, s.t1)
            # "... đã họp Hội nghị giao ban lần thứ 4": the meeting is the event named after the verb
            if not vm or er.heads.match(toks.keys, op.j + vm[0], s.t1):
                continue
            hm = er.heads.match(toks.keys, op.j + vm[0] - 1, s.t1)
            if hm and hm[0] > 1:
                continue  # "X họp báo …": a press conference, read from its head
            dates = [d for d in doc.dates_in(s.start, toks.starts[op.i]) if not _document_date(doc, d[0])]
            if not dates:
                continue
            date = dates[-1][2]
            if date.startswith("--"):
                date = years.fill(date)
            p = op.j + vm[0]
            if p + 1 < s.t1 and toks.keys[p] in er.session_words and toks.text[p + 1][:1].isdigit():
                # "Ủy ban Kiểm tra Trung ương đã họp kỳ 37": the numbered session of that body
                name = er.meeting_numbered.format(n=toks.text[p + 1], org=op.name)
            else:
                name = er.meeting_name.format(org=op.name)
            _emit(doc, out, seen, name, date, op.name, items[si], si)
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


