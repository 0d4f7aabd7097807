"""Spellings of one unit within an article merge into one unit with the fullest name."""

from __future__ import annotations

import pytest

from kg.models import OrgFact
from kg.resolve.unitnames import acronym_expansions, merge_units, same_unit

SELF = frozenset({"nhà trường"})


@pytest.mark.parametrize(
    "a, b",
    [
        ("Trường ĐHCN", "Trường Đại học Công nghệ"),
        ("Trường ĐH Sông Hồng", "Trường Đại học Sông Hồng"),
        ("UBND tỉnh Lạng Sơn", "Ủy ban nhân dân tỉnh Lạng Sơn"),
        ("Đảng bộ ĐHQGHN", "Đảng bộ Đại học Quốc gia Hà Nội"),
        ("trường Đại học Sông Hồng", "Trường Đại học Sông Hồng"),
    ],
)
def test_abbreviated_and_written_out_names_are_the_same_unit(a: str, b: str) -> None:
    assert same_unit(a, b) and same_unit(b, a)


@pytest.mark.parametrize(
    "a, b",
    [
        ("Trường ĐHCN", "Trường Đại học Sông Hồng"),
        ("Đảng bộ ĐHQGHN", "Đại học Quốc gia Hà Nội"),
        ("UBND tỉnh Lạng Sơn", "UBND tỉnh Cao Bằng"),
        ("Chi bộ Khoa Toán", "Chi bộ Khoa Lý"),
    ],
)
def test_different_units_stay_apart(a: str, b: str) -> None:
    assert not same_unit(a, b)


def test_the_article_spells_out_its_own_acronyms() -> None:
    assert acronym_expansions("Trường ĐHSH", "Trường Đại học Sông Hồng") == {"ĐHSH": "Đại học Sông Hồng"}


def test_merged_unit_takes_the_fullest_name_and_keeps_the_others_as_aliases() -> None:
    orgs = (
        OrgFact(name="Trường Đại học Sông Hồng", kind="university"),
        OrgFact(name="Trường ĐHSH", kind="other"),
        OrgFact(name="Đảng ủy Trường ĐHSH", kind="party_committee"),
        OrgFact(name="Đảng bộ Nhà trường", kind="party_committee"),
        OrgFact(name="Đảng bộ Trường Đại học Sông Hồng", kind="party_committee"),
    )
    merged = {o.name: o for o in merge_units(orgs, SELF, "Trường Đại học Sông Hồng")}
    assert set(merged) == {
        "Trường Đại học Sông Hồng",
        "Đảng ủy Trường Đại học Sông Hồng",
        "Đảng bộ Trường Đại học Sông Hồng",
    }
    assert merged["Trường Đại học Sông Hồng"].kind == "university"
    assert "Trường ĐHSH" in merged["Trường Đại học Sông Hồng"].aliases
    assert "Đảng bộ Nhà trường" in merged["Đảng bộ Trường Đại học Sông Hồng"].aliases
    assert "Đảng ủy Trường ĐHSH" in merged["Đảng ủy Trường Đại học Sông Hồng"].aliases
