"""Spellings of one unit within an article: abbreviations and "Nhà trường".

"Trường ĐHCN", "Trường ĐH Công nghệ" and "Trường Đại học Công nghệ" are one unit: an all-capital
token stands for a run of words with those initials ("ĐHCN" = Đại học Công nghệ, "UBND" = Ủy ban
nhân dân), compared without diacritics. "Đảng bộ Nhà trường" is the Đảng bộ of the article's own
school, and a generic name alone ("Đảng ủy") that of the article's home unit. Pure functions over names; the resolver calls ``merge_units`` before giving IRIs.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from kg.models import OrgFact
from kg.text import ascii_fold, fold


def is_acronym(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _initial(word: str) -> str:
    a = ascii_fold(word)
    return a[:1]


Alignment = tuple[tuple[str, str], ...]  # (acronym, the words it stands for), in order


@lru_cache(maxsize=65536)
def _align(a: str, b: str) -> Alignment | None:
    """Align two names word by word, an all-capital token on either side standing for a run of
    words with those initials (compared without diacritics); None when they don't align."""
    ta, tb = a.split(), b.split()
    fa, fb = [fold(t) for t in ta], [fold(t) for t in tb]

    @lru_cache(maxsize=None)
    def go(i: int, j: int) -> Alignment | None:
        if i == len(ta) and j == len(tb):
            return ()
        if i < len(ta) and j < len(tb) and fa[i] == fb[j]:
            rest = go(i + 1, j + 1)
            if rest is not None:
                return rest
        # an acronym at a[i] for words of b, or at b[j] for words of a
        for short, long_, s, t, step in ((ta, tb, i, j, lambda k: go(i + 1, j + k)),
                                         (tb, ta, j, i, lambda k: go(i + k, j + 1))):  # fmt: skip
            if s < len(short) and is_acronym(short[s]):
                want = ascii_fold(short[s]).replace(".", "").replace("-", "")
                for k in range(2, len(long_) - t + 1):
                    got = "".join(_initial(w) for w in long_[t : t + k])
                    if not want.startswith(got):
                        break
                    rest = step(k) if got == want else None
                    if rest is not None:
                        return ((short[s], " ".join(long_[t : t + k])), *rest)
        return None

    return go(0, 0)


def same_unit(a: str, b: str) -> bool:
    """Do two names spell the same unit, allowing acronyms on either side?"""
    return _align(a, b) is not None


MAX_KEYED_ACRONYMS = 6  # a name with more acronyms is compared with every other name


@lru_cache(maxsize=65536)
def unit_keys(name: str) -> frozenset[str] | None:
    """Keys such that two names ``same_unit`` aligns always share one (so only names that share a
    key need comparing): the initials of the words in order, an acronym giving either its letters
    (it stands for words) or its initial (it matches a word, or is one of the words an acronym on the
    other side stands for). None when the name has too many acronyms to list its keys."""
    keys = {""}
    acronyms = 0
    for t in name.split():
        first = _initial(t)
        if is_acronym(t):
            acronyms += 1
            if acronyms > MAX_KEYED_ACRONYMS:
                return None
            letters = ascii_fold(t).replace(".", "").replace("-", "")
            keys = {k + first for k in keys} | {k + letters for k in keys}
        else:
            keys = {k + first for k in keys}
    return frozenset(keys)


class UnitIndex:
    """Names (with a value each) indexed by ``unit_keys``: finding the names one may spell the same
    unit as costs the names that share a key, not all of them (an article listing thousands of
    units made the pairwise comparison quadratic)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, Any]] = []
        self._by_key: dict[str, list[int]] = {}
        self._unkeyed: list[int] = []

    def add(self, name: str, value: Any) -> None:
        i = len(self.items)
        self.items.append((name, value))
        keys = unit_keys(name)
        if keys is None:
            self._unkeyed.append(i)
            return
        for k in keys:
            self._by_key.setdefault(k, []).append(i)

    def candidates(self, name: str) -> list[int]:
        """Positions of every name ``same_unit(name, ·)`` may hold for, in the order they were added."""
        keys = unit_keys(name)
        if keys is None:
            return list(range(len(self.items)))
        found = set(self._unkeyed)
        for k in keys:
            found.update(self._by_key.get(k, ()))
        return sorted(found)

    def first(self, name: str) -> Any | None:
        """The value of the first name added that spells the same unit as ``name``."""
        return next((self.items[i][1] for i in self.candidates(name) if same_unit(name, self.items[i][0])), None)


def with_home(
    name: str, self_words: frozenset[str], home_name: str | None, generic: frozenset[str] = frozenset()
) -> str:
    """"Đảng bộ Nhà trường" -> "Đảng bộ Trường Đại học X" when the article's school is known; a
    generic name alone ("Đảng ủy", "Công đoàn", in ``generic``) -> "Đảng ủy Trường Đại học X"."""
    if not home_name:
        return name
    f = fold(name)
    for w in sorted(self_words, key=len, reverse=True):
        if f == w:
            return home_name
        if f.endswith(" " + w):
            return name[: len(name) - len(w)] + home_name
    if f in generic:
        return f"{name} {home_name}"
    return name


def acronym_expansions(a: str, b: str) -> dict[str, str]:
    """What the acronyms stand for, when two names align ("Trường ĐHCN", "Trường Đại học Công
    nghệ" -> {"ĐHCN": "Đại học Công nghệ"}); empty when they don't."""
    return dict(_align(a, b) or ())


def expand_acronyms(name: str, table: dict[str, str]) -> str:
    return " ".join(table.get(t, t) for t in name.split())


def _display_rank(name: str) -> tuple[int, int, int, str]:
    """Prefer written-out names, the most words, capitalised; then a stable order."""
    toks = name.split()
    return (sum(is_acronym(t) for t in toks), -len(toks), int(name[:1].islower()), name)


def _capitalised(name: str) -> str:
    return name[:1].upper() + name[1:]


def merge_units(
    orgs: tuple[OrgFact, ...], self_words: frozenset[str], home_name: str | None, generic: frozenset[str] = frozenset()
) -> tuple[OrgFact, ...]:
    """One OrgFact per unit: spellings of the same unit merged, the fullest form as the name."""
    n = len(orgs)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # a generic name alone is the home unit's only as a unit's own name: as an alias ("Chi bộ" of
    # "Chi bộ Khoa X") it is a short form of that unit
    forms = [[with_home(o.name, self_words, home_name, generic)]
             + [with_home(f, self_words, home_name) for f in o.aliases] for o in orgs]  # fmt: skip
    index = UnitIndex()
    for i, fs in enumerate(forms):
        for f in fs:
            index.add(f, i)
    for i in range(n):  # the same pairs as comparing every form of i with every form of each j > i
        for x in forms[i]:
            for c in index.candidates(x):
                y, j = index.items[c]
                if j > i and find(i) != find(j) and same_unit(x, y):
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
        # the name is chosen among the members' own names (extraction already took the fullest form
        # the text supports); an alias such as "Ban Chấp hành Đảng bộ tỉnh X" of "Tỉnh ủy X" is longer
        # but not the unit's name
        names = [forms[m][0] for m in members] + [orgs[m].name for m in members]
        names += [expand_acronyms(x, table) for x in [f for m in members for f in forms[m]] + names]
        own = {fold(x) for x in names[: 2 * len(members)]}
        names = [x for x in names if fold(x) in own or not any(fold(x) == fold(a) for m in members for a in orgs[m].aliases)]
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
