"""Token-level readers shared by the extractors: personal names, role phrases, unit names.

Every reader takes a :class:`Doc` and a token index and returns a span (token range) with what it read,
or None. They hold no Vietnamese: every word list comes from the RuleSet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.extract.doc import Doc, fold
from kg.rules import UPPER_SET, is_allcaps, is_cap, key
from kg.rules.grammar import load_mined


def _alpha(t: str) -> bool:
    return t[:1].isalpha()


def _titlecase_word(t: str) -> bool:
    return t[0] in UPPER_SET and not (len(t) >= 2 and t.isupper()) and "." not in t


@dataclass
class NameMention:
    i: int  # first token of the mention (including honorifics)
    j: int  # end token (exclusive)
    ni: int  # first token of the name itself
    name: str
    honorifics: tuple[str, ...]
    triggered: bool  # introduced by an honorific or form of address
    sent: int


@dataclass
class RolePhrase:
    i: int
    j: int
    title: str
    head: str
    org_text: str | None  # the unit as written after the head, if any
    org_start: int | None
    former: bool
    acting: bool
    deputy: bool
    org_default: str | None = None
    org_hint: str | None = None
    generic_org: bool = False  # the unit has no proper name ("Tỉnh ủy", "UBND tỉnh")
    place_committee: bool = False  # over a bare place, the post is of its party committee ("Bí thư huyện X")
    org_word: str | None = None  # the word the unit's name starts with when none of the hint's kind is named


@dataclass
class OrgPhrase:
    i: int
    j: int
    name: str
    kind: str
    head_len: int
    generic: bool  # only the head, no proper name


@dataclass
class Barriers:
    name_starts: set[int] = field(default_factory=set)


# --------------------------------------------------------------------------------------------------
# names


def honorific_prefix(doc: Doc, i: int, end: int) -> tuple[int, list[str], bool]:
    """Stacked titles before a name: (next token, kept titles as written, any form of address seen)."""
    hr = doc.rules.honorifics
    keys, kept, addressed = doc.toks.keys, [], False
    while i < end:
        m = hr.keep.match(keys, i, end)
        if m and (i + m[0] < end):
            n = m[0]
            s = doc.span(i, i + n)
            j = i + n
            # a final "." written right after the title belongs to it ("GS.TS.")
            if j < end and doc.toks.text[j] == "." and doc.toks.starts[j] == doc.toks.ends[j - 1]:
                if keys[j - 1] in hr.keep_dotted or "." in s:
                    s += "."
                    j += 1
            if not (is_cap(s) or s[:1].isupper() or i + n < end):
                break
            kept.append(s)
            i = j
            continue
        m = hr.drop.match(keys, i, end)
        if m and i + m[0] < end and is_cap(doc.toks.text[i + m[0]]):
            addressed = True
            i += m[0]
            continue
        break
    return i, kept, addressed


def read_name(doc: Doc, i: int, end: int, sent: int, places: frozenset[str] = frozenset()) -> NameMention | None:
    """A personal name at token i (with its titles), or None. ``places``: folded names of the places the
    article names ("Hạ Giang"): a name never starts inside one ("Tỉnh ủy Hạ Giang Lê Văn A")."""
    toks = doc.toks
    r = doc.rules
    j, kept, addressed = honorific_prefix(doc, i, end)
    triggered = j > i
    ni = j
    if ni >= end or not _titlecase_word(toks.text[ni]):
        return None
    if r.roles.heads.match(toks.keys, ni, end):
        return None  # "đồng chí Tổng Bí thư X": a title follows the form of address, not a name
    om = r.orgs.heads.match(toks.keys, ni, end)
    if om and (om[0] > 1 or not r.names.surnames.match(toks.text, ni, end)):
        # "ông Trường": a given name that is also a unit word, after a form of address
        if not (addressed and om[0] == 1 and (ni + 1 >= end or not is_cap(toks.text[ni + 1]))):
            return None
    # inside a place name ("Sơn La Hoàng Văn Chất": "La" is a family name too)
    if ni > 0 and any(doc.wspan(ni - b, ni + 1).casefold() in r.names.not_names for b in (1, 2) if ni - b >= 0):
        return None
    blocked_near_title = False
    surname = r.names.surnames.match(toks.text, ni, end)
    if triggered and not addressed and not surname:
        return None  # "Thạc sỹ Dầu khí": an academic title alone does not make a name
    if not triggered and not surname and ni > 0 and r.roles.heads.match_ending(toks.keys, ni, max(0, ni - 4)):
        # "HLV Park Hang Seo", "Chủ tịch Quốc hội Lào Pany Yathotou": a foreign name right after a title
        if toks.keys[ni] in r.names.not_names and ni + 1 < end and _titlecase_word(toks.text[ni + 1]):
            ni += 1
            i = ni
        if ni + 1 < end and _titlecase_word(toks.text[ni + 1]) and doc.gap(ni + 1) == " ":
            triggered = True
    if not triggered:
        if not r.names.surnames.match(toks.text, ni, end):
            return None
        if ni > 0 and r.names.blockers.match_ending(toks.text, ni, max(0, ni - 3)):
            # "Chủ tịch Hội đồng quản trị Nguyễn Văn A": the blocker ends a title, the name stands
            near_title = any(
                toks.keys[x] in r.roles.heads.first_keys and r.roles.heads.match(toks.keys, x, ni)
                for x in range(max(0, ni - 6), ni)
            )
            if not near_title:
                return None
            blocked_near_title = True
    k = _hyphenated(doc, ni, end) if triggered else ni + 1
    words = 1
    limit = 5 if triggered else 4
    while k < end and words < limit and _titlecase_word(toks.text[k]) and doc.gap(k) == " ":
        if toks.text[k] in r.names.glued_starts:
            break  # "Trần Văn A Với những đóng góp": a sentence glued on
        # a title or a unit starts here: the name ended ("Nguyễn Văn A Bí thư ...")
        if k + 1 < end and (r.honorifics.drop.match(toks.keys, k + 1, end) or (0, 0))[0] > 1:
            k += 1  # "Trần Văn A Đồng chí ...": a form of address glued on after the name
            break
        hm = r.roles.heads.match(toks.keys, k, end)
        if hm and (hm[0] > 1 or (k + 1 < end and is_cap(toks.text[k + 1]))):
            break
        om = r.orgs.heads.match(toks.keys, k, end)
        if om and (om[0] > 1 or (k - ni >= 3 and k + 1 < end and is_cap(toks.text[k + 1]) and doc.gap(k + 1) == " ")):
            break
        k = _hyphenated(doc, k, end) if triggered else k + 1
        words += 1
    n = k - ni
    if places and n >= 3 and ni > 0 and is_cap(toks.text[ni - 1]) and fold(doc.wspan(ni - 1, ni + 1)) in places:
        ni += 1  # the name's first word ends a place written just before it
        i = max(i, ni)
        n -= 1
    if places and n >= 4:
        for b in (2, 1):
            if n - b >= 2 and fold(doc.wspan(ni, ni + b)) in places:
                ni += b  # "UBND tỉnh Đồng Xanh Trịnh Văn A": the place the article names, then the person
                i = max(i, ni)
                n -= b
                break
    if n < 2 and not triggered:
        return None
    if blocked_near_title and n < 3:
        return None  # "Bí thư Tỉnh ủy Hà Bắc": a two-word place, not a person
    name = doc.span(ni, k)
    nk = doc.wspan(ni, k).casefold()
    if nk in r.names.not_names and n == 3 and ni > 0 and toks.keys[ni - 1] in r.roles.heads.last_keys and (
        r.roles.heads.match_ending(toks.keys, ni, max(0, ni - 4))
    ):
        # "Chủ tịch Hồ Chí Minh": a person's title right before a name that is also a place's
        return NameMention(i=i, j=k, ni=ni, name=doc.span(ni, k), honorifics=tuple(kept), triggered=True, sent=sent)
    if nk in r.names.not_names:
        return None
    # drop a trailing place ("... Phú Yên") or a name made only of place words
    if any(doc.wspan(ni, ni + x).casefold() in r.names.not_names for x in range(2, n + 1)):
        return None
    return NameMention(i=i, j=k, ni=ni, name=name, honorifics=tuple(kept), triggered=triggered, sent=sent)


def _hyphenated(doc: Doc, k: int, end: int) -> int:
    """End of a word written with hyphens ("Phết-tha-von"), as foreign names in Vietnamese news are."""
    toks = doc.toks
    j = k + 1
    while (
        j + 1 < end and toks.text[j] == "-" and doc.gap(j) == "" and doc.gap(j + 1) == ""
        and toks.text[j + 1][:1].isalpha()
    ):
        j += 2
    return j


# --------------------------------------------------------------------------------------------------
# unit tails (shared by roles and organisations)


def read_tail(
    doc: Doc, k: int, end: int, barriers: Barriers, lowercase, stops, allow_new_role: bool = False, lower_units: bool = True,
    units=None,
) -> int:
    """Extend a unit name from token k over capitalised words and allowed lower-case words; returns end.

    A name ends at punctuation, a person, a new title, or a word that ends names (mined: verbs and
    prepositions); it runs on over the second syllable of its capitalised words ("Bộ Ngoại giao") and over
    lower-case words mined as name-internal ("Bộ Giao thông vận tải", "Khoa Kỹ thuật xây dựng")."""
    toks, r = doc.toks, doc.rules
    mined = load_mined()
    start = k
    last_good = k
    after_place = False  # a proper place name after "xã", "tỉnh" has no lower-case syllables
    while k < end:
        t = toks.text[k]
        if k in barriers.name_starts:
            break
        g = doc.gap(k)
        if "\n" in g:
            break
        if (
            t == "-" and g == "" and k > start and is_allcaps(toks.text[k - 1]) and k + 1 < end
            and is_allcaps(toks.text[k + 1]) and doc.gap(k + 1) == ""
        ):
            k += 2  # "Sở GD-ĐT": one abbreviation written with a hyphen
            last_good = k
            continue
        if t in ("-", "–") and g == " " and k + 1 < end and is_cap(toks.text[k + 1]) and (k + 1) not in barriers.name_starts:
            # "Bộ Lao động - Thương binh và Xã hội"; a dash followed by a title is a list separator
            if r.roles.heads.match(toks.keys, k + 1, end) or r.orgs.heads.match(toks.keys, k + 1, end):
                break
            k += 1
            continue
        if t == "&" and k > start:
            k += 1
            continue
        if t == "." and k > start and g == "" and toks.keys[k - 1] in r.text.no_break_before:
            k += 1  # "Thành ủy Tp. Hồ Chí Minh"
            continue
        if not _alpha(t) and not t.isdigit():
            break
        if units is not None:
            um = units.match(toks.keys, k, end)
            if um:
                k += um[0]
                last_good = k
                continue
        if is_cap(t):
            hm = r.roles.heads.match(toks.keys, k, end)
            if hm and hm[0] > 1 and not allow_new_role:
                break
        if is_cap(t) or is_allcaps(t):
            if (
                t in r.orgs.sentence_starts and k > start and toks.keys[k - 1] != r.orgs.conjunction
                and not (k + 1 < end and (toks.keys[k], toks.keys[k + 1]) in mined.compounds and doc.gap(k + 1) == " "
                         and toks.keys[k + 1] not in r.roles.stop_words)
            ):
                break  # (a capitalised two-syllable word goes on: "Tiểu ban Nhân sự")  # a sentence glued on without its full stop ("... Việt Nam Nhiều đại biểu")
            k += 1
            last_good = k
            continue
        if t.isdigit():
            if k > start and (
                is_cap(toks.text[k - 1]) or toks.keys[k - 1] in r.orgs.ordinal_words
                or r.orgs.heads.match_ending(toks.keys, k, start)  # "Quân khu 4", "phường 12"
                or toks.keys[k - 1] in r.roles.place_words
            ):
                k += 1
                last_good = k
                continue
            break
        prev_cap = k > start and is_cap(toks.text[k - 1]) and not is_allcaps(toks.text[k - 1])
        sw = r.orgs.self_words.match(toks.keys, k - 1, end) if prev_cap else None
        if sw and sw[0] == 2:
            k += 1  # "Đảng bộ Nhà trường": the article's own unit (orgs.yaml self_words)
            last_good = k
            continue
        if prev_cap and doc.gap(k) == " " and (toks.keys[k - 1], toks.keys[k]) in mined.words:
            k += 1  # the second syllable of a capitalised word ("Ngoại giao")
            last_good = k
            continue
        m = lowercase.match(toks.keys, k, end)
        if m and toks.text[k] in r.roles.place_words:
            after_place = True
        if m:
            kk = k + m[0]
            # "và" only joins when a capitalised word (not a new unit or title) follows
            if toks.keys[k] == doc.rules.orgs.conjunction:
                if kk < end and not is_cap(toks.text[kk]) and doc.gap(kk) == " ":
                    n_in = _mined_word(doc, kk, end, mined)
                    if n_in:  # "Khoa Điện tử và viễn thông"
                        k = kk + n_in
                        last_good = k
                        continue
                if kk >= end or not is_cap(toks.text[kk]) or kk in barriers.name_starts:
                    break
                if (
                    r.orgs.heads.match(toks.keys, kk, end) or r.roles.heads.match(toks.keys, kk, end)
                    or r.awards.kinds.match(toks.keys, kk, end) or r.events.heads.match(toks.keys, kk, end)
                ):
                    break
                k = kk
                continue
            k = kk
            last_good = k
            continue
        if k > start and last_good == k and doc.gap(k) == " ":
            n_in = _mined_word(doc, k, end, mined)
            if n_in:
                k += n_in
                last_good = k
                continue
        if toks.keys[k] in stops or toks.keys[k] in mined.after:
            break
        om = r.orgs.heads.match(toks.keys, k, end)
        if lower_units and om and k + om[0] < end and is_cap(toks.text[k + om[0]]) and (k + om[0]) not in barriers.name_starts:
            # a unit written in lower case inside the phrase ("Chủ tịch Hội đồng trường trường ĐH X")
            k += om[0]
            continue
        prev_pair = doc.wspan(k - 2, k).casefold() if k - 2 >= start else ""
        if (
            k > start and is_cap(toks.text[k - 1]) and doc.gap(k) == " " and not after_place
            and not is_allcaps(toks.text[k - 1]) and prev_pair not in r.names.not_names
            and not _starts_compound(doc, k, end, mined)
        ):
            # second syllable of a capitalised word ("Chấp hành", "Lao động"); not after an abbreviation
            # or a place name, which are whole ("Bộ GD&ĐT soạn", "Hội Luật gia Việt Nam tiếp")
            k += 1
            last_good = k
            continue
        break
    return last_good


def _lower_unit_end(doc: Doc, k: int, end: int) -> int | None:
    """End of a unit's name written in lower case from token k ("hành chính - quản trị", "kế hoạch tài chính"): two-syllable
    words of running text, none a word that ends names, joined by a dash, closed by punctuation or the text's end."""
    toks, r = doc.toks, doc.rules
    mined = load_mined()
    x = k
    while x + 1 < end:
        a, b = toks.keys[x], toks.keys[x + 1]
        if (is_cap(toks.text[x]) or is_cap(toks.text[x + 1]) or doc.gap(x + 1) != " " or (a, b) not in mined.words
                or a in mined.after or a in r.roles.stop_words or b in r.roles.stop_words):
            break
        x += 2
        if x + 1 < end and toks.text[x] in ("-", "–") and not is_cap(toks.text[x + 1]):
            x += 1
    if x == k or toks.text[x - 1] in ("-", "–"):
        return None
    if x >= end or not toks.text[x][:1].isalnum() or (is_cap(toks.text[x]) and r.orgs.heads.match(toks.keys, x, end)):
        return x  # closed by punctuation, or by the unit it belongs to ("… kế hoạch Công ty X")
    return None


def _starts_compound(doc: Doc, k: int, end: int, mined) -> bool:
    """The lower-case word at k opens a two-syllable word with the next one ("… Công an tỉnh Y thể hiện", "… Đảng đồng
    ý"): it starts the clause's next word, so it is no second syllable of the capitalised word before it."""
    toks = doc.toks
    return (
        k + 1 < end and doc.gap(k + 1) == " " and not is_cap(toks.text[k + 1])
        and (toks.keys[k], toks.keys[k + 1]) in mined.words
    )


def _mined_word(doc: Doc, k: int, end: int, mined) -> int:
    """Tokens of a lower-case word that goes on inside a unit name at k (0 if none): a word mined as
    name-internal (with its second syllable), or a two-syllable word that closes the name before
    punctuation ("Chi bộ Khoa học máy tính,")."""
    toks, r = doc.toks, doc.rules
    kk = toks.keys[k]
    if r.roles.heads.match(toks.keys, k, end):
        return 0
    nxt = toks.keys[k + 1] if k + 1 < end else None
    pair = nxt is not None and doc.gap(k + 1) == " " and (kk, nxt) in mined.compounds
    if kk in mined.inside:
        if not pair and _starts_compound(doc, k, end, mined):
            return 0  # "… thể hiện": a word of the clause that names never hold, not the name going on
        if kk in r.roles.stop_words:
            return 2 if pair else 0  # "Vụ Tổ chức cán bộ": a word that ends names elsewhere, here in a pair
        return 2 if pair else 1
    if pair and kk not in mined.after and kk not in r.roles.stop_words and toks.keys[k + 1] not in r.roles.stop_words:
        j = k + 2
        # a chain of two-syllable words ("tự động hóa") up to the punctuation that closes the name
        while j < end and doc.gap(j) == " " and (toks.keys[j - 1], toks.keys[j]) in mined.compounds and not is_cap(toks.text[j]):
            j += 1
        if j >= len(toks) or (not toks.text[j][:1].isalnum() and toks.text[j] not in ("-", "&")) or "\n" in doc.gap(j):
            if kk not in mined.leans_after or kk in mined.inside:
                return j - k
            return j - k if k > 0 and not is_cap(toks.text[k - 1]) else 0
    return 0


def cut_term(doc: Doc, i: int, j: int) -> int:
    """Drop a trailing "khóa XII" / "nhiệm kỳ 2015-2020" from a unit span."""
    toks = doc.toks
    tw = doc.rules.documents.term_words
    cs = doc.rules.roles.chain_skip
    for k in range(i, j):
        if toks.keys[k] in tw or (toks.keys[k] in cs and k + 1 < j and toks.keys[k + 1] in cs):
            return k
    return j


# --------------------------------------------------------------------------------------------------
# roles


def read_role(doc: Doc, i: int, end: int, barriers: Barriers) -> RolePhrase | None:
    toks, rr = doc.toks, doc.rules.roles
    k = i
    former = acting = deputy = False
    while k < end:
        kk = toks.keys[k]
        if kk in rr.former:
            former = True
        elif kk in rr.acting:
            acting = True
        elif kk in rr.deputy:
            deputy = True
        else:
            break
        k += 1
    hm = rr.heads.match(toks.keys, k, end)
    if not hm:
        return None
    n, head = hm
    hk = k
    k += n
    # "Phó" inside a head ("Phó Thủ tướng" is Phó + Thủ tướng)
    while k < end:
        pm = rr.post_modifiers.match(toks.keys, k, end)
        if not pm:
            break
        k += pm[0]
    title_end = k
    tail_start = k
    tail_end = read_tail(doc, k, end, barriers, rr.unit_lowercase, rr.stop_words, units=rr.title_units)
    tail_end = cut_term(doc, tail_start, tail_end)
    lower_unit = None
    if tail_end == tail_start and head.unit:
        # "Phó trưởng phòng hành chính - quản trị": a department named in lower case after the head of one
        lower_unit = _lower_unit_end(doc, tail_start, end)
    # title keeps party and council unit words, and place words, not proper names
    t = tail_start
    generic = True
    while t < tail_end:
        um = rr.title_units.match(toks.keys, t, tail_end)
        if um:
            t += um[0]
            title_end = t
            continue
        pw = rr.place_table.match(toks.text, t, tail_end)
        if pw:
            t += pw[0]
            title_end = t
            # the proper name after a place word goes to the unit
            if t < tail_end:
                generic = False
            break
        generic = False
        break
    if title_end < tail_end and t >= tail_end:
        generic = True
    head_text = doc.span(hk, hk + n)
    title = doc.span(i, title_end)
    org_text = doc.span(tail_start, tail_end) if tail_end > tail_start else None
    if lower_unit:
        tail_end = lower_unit
        org_text = f"{head.unit} {doc.span(tail_start, tail_end)}"
        generic = False
    if (org_text and head.unit and (is_cap(org_text) or toks.text[tail_start] in rr.place_words)
            and not doc.rules.orgs.expand(org_text).casefold().startswith(head.unit.casefold())):  # "Viện trưởng VKSND"
        org_text = head.unit + " " + org_text
    return RolePhrase(
        i=i,
        j=max(tail_end, title_end),
        title=title,
        head=head_text,
        org_text=org_text,
        org_start=tail_start if org_text else None,
        former=former,
        acting=acting,
        deputy=deputy,
        org_default=head.org_default,
        org_hint=head.org_hint,
        generic_org=bool(org_text) and generic and tail_end == title_end,
        place_committee=head.place_committee,
        org_word=head.org_word,
    )


# --------------------------------------------------------------------------------------------------
# organisations


def read_org(doc: Doc, i: int, end: int, barriers: Barriers) -> OrgPhrase | None:
    toks, ro = doc.toks, doc.rules.orgs
    m = ro.heads.match(toks.keys, i, end)
    if not m:
        return None
    n, (kind, head) = m
    first = toks.text[i]
    if ro.not_heads.match(toks.keys, i, end):
        return None
    if not is_cap(first):
        hk = " ".join(toks.keys[i : i + n])
        if hk not in ro.lowercase_heads and toks.keys[i] not in ro.lowercase_heads:
            return None
        need = ro.lowercase_head_next.get(hk)
        if need and (i + n >= end or toks.keys[i + n] not in need):
            return None
        if n == 1 and i > 0 and toks.keys[i - 1] in ro.lowercase_head_not_after and doc.gap(i) == " ":
            return None  # "Học viện cán bộ TP HCM": "bộ" ends "cán bộ"
    nxt_cap = i + n < end and is_cap(toks.text[i + n]) and doc.gap(i + n) == " " and (i + n) not in barriers.name_starts
    if not is_cap(first) and not nxt_cap:
        return None
    if not is_cap(first) and i > 0 and is_cap(toks.text[i - 1]) and doc.gap(i) == " ":
        return None  # second syllable of a capitalised word ("Đại hội Đảng bộ"), not a unit head
    if not is_cap(first) and nxt_cap and doc.rules.roles.heads.match(toks.keys, i + n, end):
        return None
    j = read_tail(doc, i + n, end, barriers, ro.name_lowercase, ro.stop_words, lower_units=False)
    j = cut_term(doc, i + n, j)
    if (j > i + n and j + 1 < end and key(head) in ro.located_heads and toks.keys[j] == ro.located_word
            and is_cap(toks.text[j + 1]) and (j + 1) not in barriers.name_starts):
        # "Đại sứ quán Việt Nam tại Nhật Bản": a mission goes on with the place it sits in
        j = read_tail(doc, j + 1, end, barriers, ro.name_lowercase, ro.stop_words, lower_units=False)
    if j == i + n and not is_cap(first):
        return None
    name = doc.span(i, j)
    # "UBND tỉnh": only place words after the head, no proper name
    generic = not any(is_cap(toks.text[x]) or toks.text[x][:1].isdigit() for x in range(i + n, j))
    return OrgPhrase(i=i, j=j, name=name, kind=ro.kind_of(name), head_len=n, generic=generic)
