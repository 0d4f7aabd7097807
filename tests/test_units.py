"""Units named in full and once: the article's locality completes local units; spellings merge."""

from __future__ import annotations

from kg.extract import extract_facts
from kg.extract.evaluate import norm
from kg.models import Article
from kg.rules import load_rules
from kg.rules.grammar import load_mined
from kg.text import normalize

RULES = load_rules()


def _facts(text: str):
    t = normalize("Tin tức\n" + text)
    return extract_facts(Article(id="t", title="Tin tức", text=t), RULES)


def _orgs(text: str) -> dict[str, set[str]]:
    return {norm(o.name): {norm(a) for a in o.aliases} for o in _facts(text).organizations}


def test_the_articles_locality_completes_generic_local_units() -> None:
    f = _facts(
        "Sáng nay, UBND tỉnh Hạ Giang tổ chức hội nghị. Ông Lê Văn Tám, Tỉnh ủy viên, Giám đốc Sở Tài chính báo cáo. "
        "Các sở của tỉnh Hạ Giang thực hiện."
    )
    o = {norm(x.name): {norm(a) for a in x.aliases} for x in f.organizations}
    assert "sở tài chính tỉnh hạ giang" in o and "sở tài chính" in o["sở tài chính tỉnh hạ giang"]
    roles = {(norm(r.title), norm(r.organization)) for p in f.people for r in p.roles}
    # the role keeps the unit as written (the list's fuller name has it as an alias); "Tỉnh ủy viên" -> that Tỉnh ủy
    assert {("giám đốc", "sở tài chính"), ("tỉnh ủy viên", "tỉnh ủy hạ giang")} <= roles
    assert "tỉnh ủy hạ giang" in o


def test_a_unit_with_and_without_its_locality_is_one_unit() -> None:
    o = _orgs("Ban Thường vụ Thành ủy Đông Hà họp. Ban Thường vụ Thành ủy đã thống nhất. Thành phố Đông Hà phát triển.")
    names = [n for n in o if n.startswith("ban thường vụ")]
    assert names == ["ban thường vụ thành ủy đông hà"]


def test_a_foreign_or_other_place_after_a_unit_is_not_merged_into_it() -> None:
    o = _orgs("Bộ Ngoại giao và Bộ Ngoại giao Nam Vân ký kết hợp tác.")
    assert "bộ ngoại giao" in o and "bộ ngoại giao nam vân" in o


def test_unit_names_run_on_over_mined_lower_case_words_and_stop_at_verbs() -> None:
    mined = load_mined()
    assert ("ngoại", "giao") in mined.compounds
    o = _orgs("Bộ Ngoại giao cho biết, Bộ Giao thông vận tải và Chi bộ Công nghệ thông tin, Sở GD-ĐT Hạ Giang đều dự.")
    assert {"bộ ngoại giao", "bộ giao thông vận tải", "chi bộ công nghệ thông tin", "sở gd-đt hạ giang"} <= set(o)


def test_the_executive_committee_of_a_dang_bo_is_its_committee() -> None:
    o = _orgs("Ông Cao Văn Sáu, Ủy viên Ban Chấp hành Đảng bộ xã Đông An phát biểu.")
    assert "đảng ủy xã đông an" in o and "ban chấp hành đảng bộ xã đông an" in o["đảng ủy xã đông an"]


def test_the_articles_own_unit_word_is_read_whole() -> None:
    o = _orgs("Trường Đại học Hạ Lâm tổ chức hội nghị. Đảng bộ Nhà trường đã lãnh đạo thực hiện nhiệm vụ.")
    assert "đảng bộ nhà trường" in o and "đảng bộ nhà" not in o


def test_a_mission_abroad_is_named_with_the_place_it_sits_in() -> None:
    o = _orgs("Đại sứ quán Việt Nam tại Nam Vân và Phái đoàn Việt Nam tại Liên Hợp Quốc tổ chức lễ.")
    assert "đại sứ quán việt nam tại nam vân" in o and "phái đoàn việt nam tại liên hợp quốc" in o


def test_a_unit_name_ends_before_a_word_of_the_clause_and_runs_on_over_two_syllable_words() -> None:
    o = _orgs("Báo cáo của Công an Hạ Giang thể hiện rõ điều đó. Đại diện Hội Sinh viên Hạ Giang dự họp.")
    assert "công an hạ giang" in o and "hội sinh viên hạ giang" in o


def test_an_office_is_a_unit_of_its_own_named_with_the_body_it_serves() -> None:
    o = _orgs("Văn phòng Thành ủy Đông Hà thông báo lịch họp.")
    assert "văn phòng thành ủy đông hà" in o


def test_a_ministry_written_after_its_minister_without_its_head_is_no_person() -> None:
    f = _facts("Bộ Công Thương họp. Quốc hội xóa tư cách nguyên Bộ trưởng Công Thương đối với ông Lê Văn Hải.")
    assert "công thương" not in {norm(p.name) for p in f.people}
