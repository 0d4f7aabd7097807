"""Spellings of one unit within an article: abbreviations and "Nhà trường".

"Trường ĐHCN", "Trường ĐH Công nghệ" and "Trường Đại học Công nghệ" are one unit: an all-capital
token stands for a run of words with those initials ("ĐHCN" = Đại học Công nghệ, "UBND" = Ủy ban
nhân dân), compared without diacritics. "Đảng bộ Nhà trường" is the Đảng bộ of the article's own
school. Pure functions over names; the resolver calls ``merge_units`` before giving IRIs.
"""

from __future__ import annotations

from functools import lru_cache

from kg.models import OrgFact
from kg.text import ascii_fold, fold


def is_acronym(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _initial(word: str) -> str:
    a = ascii_fold(word)
    return a[:1]


@lru_cache(maxsize=65536)
def same_unit(a: str, b: str) -> bool:
    """Do two names spell the same unit, allowing acronyms on either side?"""
    ta, tb = tuple(a.split()), tuple(b.split())
    fa, fb = tuple(fold(t) for t in ta), tuple(fold(t) for t in tb)
    if fa == fb:
        return True
    if not any(is_acronym(t) for t in ta + tb):
        return False

    @lru_cache(maxsize=None)
    def match(i: int, j: int) -> bool:
        if i == len(ta) and j == len(tb):
            return True
        if i < len(ta) and j < len(tb) and fa[i] == fb[j] and match(i + 1, j + 1):
            return True
        for x, y, fx, i2, j2 in ((ta, tb, fa, i, j), (tb, ta, fb, j, i)):
            if i2 < len(x) and is_acronym(x[i2]):
                want = ascii_fold(x[i2]).replace(".", "").replace("-", "")
                for k in range(2, len(y) - j2 + 1):
                    got = "".join(_initial(w) for w in y[j2 : j2 + k])
                    if not want.startswith(got):
                        break
                    if got == want and (match(i2 + 1, j2 + k) if x is ta else match(j2 + k, i2 + 1)):
                        return True
        return False

    return match(0, 0)


def with_home(name: str, self_words: frozenset[str], home_name: str | None) -> str:
    """"Đảng bộ Nhà trường" -> "Đảng bộ Trường Đại học X" when the article's school is known."""
    if not home_name:
        return name
    f = fold(name)
    for w in self_words:
        if f == w:
            return home_name
        if f.endswith(" " + w):
            return name[: len(name) - len(w)] + home_name
    return name


def acronym_expansions(a: str, b: str) -> dict[str, str]:
    """What each acronym of ``a`` stands for in ``b`` ("Trường ĐHCN", "Trường Đại học Công nghệ"
    -> {"ĐHCN": "Đại học Công nghệ"}); empty when they don't align."""
    ta, tb = a.split(), b.split()
    fa, fb = [fold(t) for t in ta], [fold(t) for t in tb]

    @lru_cache(maxsize=None)
    def go(i: int, j: int) -> tuple[tuple[str, str], ...] | None:
        if i == len(ta) and j == len(tb):
            return ()
        if i < len(ta) and j < len(tb) and fa[i] == fb[j]:
            rest = go(i + 1, j + 1)
            if rest is not None:
                return rest
        if i < len(ta) and is_acronym(ta[i]):
            want = ascii_fold(ta[i]).replace(".", "").replace("-", "")
            for k in range(2, len(tb) - j + 1):
                got = "".join(_initial(w) for w in tb[j : j + k])
                if not want.startswith(got):
                    break
                rest = go(i + 1, j + k) if got == want else None
                if rest is not None:
                    return ((ta[i], " ".join(tb[j : j + k])), *rest)
        return None

    return dict(go(0, 0) or ())


def expand_acronyms(name: str, table: dict[str, str]) -> str:
    return " ".join(table.get(t, t) for t in name.split())


def _display_rank(name: str) -> tuple[int, int, int, str]:
    """Prefer written-out names, the most words, capitalised; then a stable order."""
    toks = name.split()
    return (sum(is_acronym(t) for t in toks), -len(toks), int(name[:1].islower()), name)


def _capitalised(name: str) -> str:
    return name[:1].upper() + name[1:]


def merge_units(orgs: tuple[OrgFact, ...], self_words: frozenset[str], home_name: str | None) -> tuple[OrgFact, ...]:
    """One OrgFact per unit: spellings of the same unit merged, the fullest form as the name."""
    n = len(orgs)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    forms = [[with_home(f, self_words, home_name) for f in (o.name, *o.aliases)] for o in orgs]
    for i in range(n):
        for j in range(i + 1, n):
            if find(i) != find(j) and any(same_unit(x, y) for x in forms[i] for y in forms[j]):
                parent[find(j)] = find(i)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    # acronyms the article itself spells out ("Trường ĐHCN" beside "Trường Đại học Công nghệ")
    table: dict[str, str] = {}
    for members in groups.values():
        names = [f for m in members for f in forms[m]]
        full = [x for x in names if not any(is_acronym(t) for t in x.split())]
        for x in names:
            for y in full:
                table.update(acronym_expansions(x, y))
    merged = []
    for members in sorted(groups.values()):
        names = [f for m in members for f in forms[m]] + [orgs[m].name for m in members]
        names += [expand_acronyms(x, table) for x in names]
        best = _capitalised(min(names, key=_display_rank))
        seen = {fold(best)}
        aliases = []
        for m in members:
            for a in (orgs[m].name, *orgs[m].aliases):
                if fold(a) not in seen:
                    seen.add(fold(a))
                    aliases.append(a)
        kinds = [orgs[m].kind for m in members if orgs[m].kind != "other"]
        merged.append(
            OrgFact(
                name=best,
                kind=kinds[0] if kinds else "other",
                aliases=tuple(aliases),
                parent=next((orgs[m].parent for m in members if orgs[m].parent), None),
                evidence=tuple(e for m in members for e in orgs[m].evidence),
            )
        )
    return tuple(merged)
