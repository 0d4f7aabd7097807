"""One article's units, named in full and once: the locality it states completes the names of its local
units, and a unit written with and without that locality is one unit.

Data: ``rules/localities.yaml`` (loaded by :func:`kg.grammar.load_localities`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from functools import lru_cache

from kg.extract.doc import Doc, fold
from kg.models import OrgFact, PersonFact
from kg.rules import is_allcaps, is_cap, key, tokenize
from kg.rules.grammar import Localities, load_localities


@lru_cache(maxsize=65536)
def _toks_keys(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    toks = tokenize(name)
    return tuple(toks), tuple(key(t) for t in toks)


def localities(doc: Doc, loc: Localities) -> Counter:
    """(level, place word as written, proper name) -> mentions ("tỉnh Hạ Giang", "Tỉnh ủy Hạ Giang")."""
    toks = doc.toks
    surn = doc.rules.names.surnames
    not_names = doc.rules.names.not_names
    out: Counter = Counter()
    n = len(toks)
    first = loc.place_words.first_keys | loc.committees.first_keys
    keys = toks.keys
    for k in [x for x in range(n) if keys[x] in first]:
        level = word = None
        m = loc.committees.match(toks.keys, k, n)
        if m and is_cap(toks.text[k]):
            level = m[1]
        else:
            m = loc.place_words.match(toks.keys, k, n)
            if not m:
                continue
            level, word = m[1], doc.span(k, k + m[0])
        j = k + m[0]
        if j < n and toks.text[j] == "." and doc.gap(j) == "":
            j += 1
        a = j
        while j < n and j - a < 4 and is_cap(toks.text[j]) and "\n" not in doc.gap(j):
            if is_allcaps(toks.text[j]) and j > a:
                break
            if j - a >= 2 and surn.match(toks.text, j, n) and j + 2 < n and is_cap(toks.text[j + 1]) and is_cap(toks.text[j + 2]):
                if doc.wspan(j, j + 2).casefold() not in not_names:
                    break  # "UBND tỉnh Lê Văn A", "tỉnh Hạ Giang Lê Văn A": a person starts
            if doc.rules.roles.heads.match(toks.keys, j, n) or doc.rules.orgs.heads.match(toks.keys, j, n):
                break
            j += 1
            if is_allcaps(toks.text[j - 1]):
                break  # "TP. HCM"
            if j + 1 < n and toks.text[j] in ("-", "–") and is_cap(toks.text[j + 1]):
                j += 1  # "Thừa Thiên - Huế"
        if j > a and toks.text[j - 1] not in ("-", "–"):
            out[level, word or loc.default_word[level], doc.span(a, j)] += 1
    return out


def place_names(counts: Counter) -> frozenset[str]:
    """Folded proper names of the places the article names after a place word or committee."""
    return frozenset(fold(name) for (_, _, name) in counts)


def _dominant(counts: Counter, loc: Localities) -> tuple[str, str, str] | None:
    by_place: Counter = Counter()
    word_of: dict[tuple[str, str], Counter] = {}
    for (level, word, name), c in counts.items():
        by_place[level, name] += c
        if word:
            word_of.setdefault((level, name), Counter())[word] += c
    if not by_place:
        return None
    ranked = by_place.most_common(2)
    (level, name), c = ranked[0]
    if c < loc.min_mentions or (len(ranked) > 1 and c < loc.dominance * ranked[1][1]):
        return None
    words = word_of.get((level, name))
    word = words.most_common(1)[0][0] if words else loc.default_word[level]
    return level, word, name


def complete_units(
    doc: Doc, persons: list[PersonFact], orgs: list[OrgFact], counts: Counter | None = None
) -> tuple[list[PersonFact], list[OrgFact]]:
    """``counts``: :func:`localities` of the article, when already counted."""
    if not orgs and not persons:
        return persons, orgs
    loc = load_localities()
    counts = localities(doc, loc) if counts is None else counts
    dom = _dominant(counts, loc)
    places = {fold(name) for (_, _, name) in counts}
    not_names = doc.rules.names.not_names
    rename: dict[str, str] = {}
    generic: set[str] = set()
    for o in orgs:
        c = executive_committee(o.name, loc)
        if c:
            rename[o.name] = c  # names that are no name alone ("Tỉnh ủy", "UBND tỉnh"): roles follow their completion
    if dom:
        level, word, pname = dom
        folded = [fold(o.name) for o in orgs]
        for o in orgs:
            n = o.name
            if n in rename:
                continue
            toks, kt = _toks_keys(n)
            keys = list(kt)
            if fold(pname) in fold(n):
                continue
            c = loc.committees.match_ending(keys, len(keys))
            pw = loc.place_words.match_ending(keys, len(keys))
            fn = fold(n) + " "
            fuller = [orgs[x].name for x, f in enumerate(folded) if f.startswith(fn)] if c or pw else []
            if (c or (pw and len(keys) > pw[0])) and len(fuller) == 1:
                rename[n] = fuller[0]  # the article's own fuller spelling ("Thành ủy" -> "Thành ủy TP. Đông Hà")
                generic.add(n)
                continue
            if c and c[1] == level:
                rename[n] = f"{n} {pname}"  # "Tỉnh ủy" -> "Tỉnh ủy Hạ Giang"
                generic.add(n)
                continue
            if pw and pw[1] == level and len(keys) > pw[0]:
                rename[n] = f"{n} {pname}"  # "UBND tỉnh" -> "UBND tỉnh Hạ Giang"
                generic.add(n)
                continue
            if keys and keys[0] in loc.provincial_heads and len(keys) >= 2 and is_cap(toks[1]):
                if any(loc.place_words.match(keys, x) for x in range(len(keys))):
                    continue
                if any(" ".join(keys[x:]) in not_names or fold(" ".join(toks[x:])) in places for x in range(1, len(keys))):
                    continue
                rename[n] = f"{n} {word} {pname}"  # "Sở Tài chính" -> "Sở Tài chính tỉnh Hạ Giang"
    # a unit written with and without a locality is one unit
    merged: dict[str, OrgFact] = {}
    order: list[str] = []
    for o in orgs:
        name = rename.get(o.name, o.name)
        aliases = list(o.aliases) + ([o.name] if name != o.name else [])
        f = fold(name)
        if f in merged:
            old = merged[f]
            merged[f] = replace(old, aliases=tuple(dict.fromkeys(list(old.aliases) + [o.name] + aliases)))
            if o.name != old.name:
                rename.setdefault(o.name, old.name)
            continue
        merged[f] = replace(o, name=name, aliases=tuple(a for a in dict.fromkeys(aliases) if a != name))
        order.append(f)
    keys_ = list(order)
    for f in keys_:
        o = merged.get(f)
        if o is None:
            continue
        longer = [g for g in keys_ if g in merged and g != f and g.startswith(f + " ") and _locality_tail(
            g[len(f) + 1 :], merged[g].name, loc, places)]
        if len(longer) == 1:
            g = longer[0]
            big = merged[g]
            merged[g] = replace(big, aliases=tuple(dict.fromkeys(list(big.aliases) + [o.name] + list(o.aliases))))
            rename[o.name] = big.name
            del merged[f]
    out_orgs = [merged[f] for f in order if f in merged]
    persons, out_orgs = _committee_members(persons, out_orgs, loc, dom, doc)
    # a role keeps the unit as the text wrote it (the list's name is fuller, the written form its alias),
    # unless what was written names no unit alone
    rename = {a: b for a, b in rename.items() if a in generic or executive_committee(a, loc)}
    # follow chains ("UBND tỉnh" -> "UBND tỉnh Y" merged into another spelling)
    def final(n: str) -> str:
        seen = set()
        while n in rename and n not in seen:
            seen.add(n)
            n = rename[n]
        return n

    out_p = []
    for p in persons:
        roles = tuple(replace(r, organization=final(_member_of(r.title, r.organization, loc))) if r.organization else r
                      for r in p.roles)  # fmt: skip
        out_p.append(replace(p, roles=roles))
    out_orgs = [replace(o, parent=final(o.parent)) if o.parent else o for o in out_orgs]
    return out_p, out_orgs


def _locality_tail(tail_folded: str, full_name: str, loc: Localities, places: set[str]) -> bool:
    """The words a longer spelling adds are a locality: a place word and a name, or a place the article names."""
    ks = tail_folded.split()
    if not ks:
        return False
    if loc.place_words.match(ks, 0):
        return True
    return tail_folded in places


def _committee_members(persons, orgs, loc: Localities, dom, doc: Doc):
    """ "Tỉnh ủy viên" with no unit: the Tỉnh ủy the article names (one), else that of its locality."""
    if not loc.committee_members:
        return persons, orgs
    out = []
    added: list[OrgFact] = []
    for p in persons:
        roles = []
        for r in p.roles:
            com = loc.committee_members.get(key(r.title))
            if com and r.organization and fold(r.organization).startswith(fold(com)):
                com = None  # already that committee ("Tỉnh ủy viên" of "Tỉnh ủy Y")
            if com:
                cands = [o.name for o in orgs + added if fold(o.name).startswith(fold(com) + " ")]
                if len(set(cands)) == 1:
                    r = replace(r, organization=cands[0])
                elif not cands and dom:
                    c = loc.committees.match([key(t) for t in tokenize(com)], 0)
                    if c and c[1] == dom[0]:
                        name = f"{com} {dom[2]}"
                        added.append(OrgFact(name=name, kind=doc.rules.orgs.kind_of(name), evidence=r.evidence and (r.evidence,) or ()))
                        r = replace(r, organization=name)
                    else:
                        r = replace(r, organization=None)
                else:
                    r = replace(r, organization=None)  # not another post's unit
            roles.append(r)
        out.append(replace(p, roles=tuple(roles)))
    return out, orgs + added


def executive_committee(name: str, loc: Localities) -> str | None:
    """ "Ban Chấp hành Đảng bộ tỉnh Y" -> "Tỉnh ủy Y"; "Ban Chấp hành Đảng bộ xã Z" -> "Đảng ủy xã Z"."""
    toks, kt = _toks_keys(name)
    keys = list(kt)
    m = loc.executive_prefix.match(keys, 0)
    if not m or m[0] >= len(toks):
        return None
    return place_committee(" ".join(toks[m[0] :]), loc)


def place_committee(place: str, loc: Localities) -> str:
    """The party committee of a place: "tỉnh Y" -> "Tỉnh ủy Y", "xã Z" -> "Đảng ủy xã Z"."""
    toks, keys = _toks_keys(place)
    pw = loc.executive_by_place.match(list(keys), 0)
    if pw and pw[0] < len(toks):
        return " ".join([pw[1], *toks[pw[0] :]])
    return " ".join([loc.executive_committee, *toks])


def _member_of(title: str, org: str, loc: Localities) -> str:
    """ "Ủy viên Ban Chấp hành Đảng bộ tỉnh" of "Đảng bộ tỉnh Y": a member of Tỉnh ủy Y."""
    tk = list(_toks_keys(title)[1])
    ok = list(_toks_keys(org)[1])
    if not any(tk[x : x + 3] == ["ban", "chấp", "hành"] for x in range(len(tk))) or ok[:2] != ["đảng", "bộ"]:
        return org
    return executive_committee(f"Ban Chấp hành {org}", loc) or org
