"""extract_facts: sentence tables (tests/cases/*.yaml) and properties that hold on any text."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.extract import extract_facts
from kg.models import Article, ArticleFacts
from kg.rules import load_rules
from kg.text import fold, normalize

CASES = Path(__file__).resolve().parent / "cases"
RULES = load_rules()


def _article(text: str, published: str | None = None) -> Article:
    t = normalize(text)
    return Article(id="t", title=t.split("\n", 1)[0], text=t, published=published)


def _load(name: str) -> list[dict]:
    return yaml.safe_load((CASES / f"{name}.yaml").read_text(encoding="utf-8"))


def _check_evidence(a: Article, f: ArticleFacts) -> None:
    evs = [e for p in f.people for e in p.evidence] + [r.evidence for p in f.people for r in p.roles]
    evs += [e for o in f.organizations for e in o.evidence] + [e for d in f.documents for e in d.evidence]
    evs += [x.evidence for x in f.awards] + [x.evidence for x in f.events]
    for e in evs:
        assert e is not None
        assert a.text[e.start : e.end] == e.sentence


@pytest.mark.parametrize("case", _load("people"), ids=lambda c: c["text"][:40])
def test_people_cases(case: dict) -> None:
    a = _article("Tiêu đề\n" + case["text"])
    f = extract_facts(a, RULES)
    _check_evidence(a, f)
    got = {fold(p.name): p for p in f.people}
    assert len(got) == len(case["expect"]), [p.name for p in f.people]
    for exp in case["expect"]:
        p = got[fold(exp["name"])]
        assert list(p.honorifics) == exp["honorifics"]
        titles = [r.title for r in p.roles]
        assert titles == exp["roles"]
        for flag in ("former", "acting", "deputy"):
            if flag in exp:
                assert [getattr(r, flag) for r in p.roles] == exp[flag]


@pytest.mark.parametrize("case", _load("documents"), ids=lambda c: c["text"][:40])
def test_document_cases(case: dict) -> None:
    a = _article("Tiêu đề\n" + case["text"])
    f = extract_facts(a, RULES)
    _check_evidence(a, f)
    got = [{k: getattr(d, k) for k in e} for d, e in zip(f.documents, case["expect"])]
    assert len(f.documents) == len(case["expect"]), f.documents
    assert got == case["expect"]


def _norm(x):
    return fold(x) if isinstance(x, str) else x


@pytest.mark.parametrize("case", _load("awards"), ids=lambda c: c["text"][:40])
def test_award_cases(case: dict) -> None:
    a = _article("Tiêu đề\n" + case["text"])
    f = extract_facts(a, RULES)
    _check_evidence(a, f)
    got = sorted((_norm(x.name), _norm(x.recipient), _norm(x.conferred_by)) for x in f.awards)
    want = sorted((_norm(e["name"]), _norm(e["recipient"]), _norm(e["conferred_by"])) for e in case["expect"])
    assert got == want


@pytest.mark.parametrize("case", _load("events"), ids=lambda c: c["text"][:40])
def test_event_cases(case: dict) -> None:
    a = _article("Tiêu đề\n" + case["text"], published="2023")
    f = extract_facts(a, RULES)
    _check_evidence(a, f)
    got = [(_norm(x.name), x.date, _norm(x.organizer)) for x in f.events]
    assert got == [(_norm(e["name"]), e["date"], _norm(e["organizer"])) for e in case["expect"]]


@pytest.mark.parametrize("case", _load("orgs"), ids=lambda c: c["text"][:40])
def test_org_cases(case: dict) -> None:
    a = _article("Tiêu đề\n" + case["text"])
    f = extract_facts(a, RULES)
    _check_evidence(a, f)
    got = {(_norm(n), o.kind) for o in f.organizations for n in (o.name, *o.aliases)}
    for e in case["expect"]:
        assert (_norm(e["name"]), e["kind"]) in got, sorted(got)


def test_published_from_page_furniture() -> None:
    a = _article("Tiêu đề\nNội dung.\n|\n13/01/2024\n|\nTags:\nđảng bộ\n681 Views")
    assert extract_facts(a, RULES).published == "2024-01-13"
    b = _article("Tiêu đề\nNội dung.", published="2020-10-01")
    assert extract_facts(b, RULES).published == "2020-10-01"


def test_word_segmented_and_old_tones() -> None:
    a = _article("Tiêu đề\nÔng Hoàng_Văn_Mười , Bí_thư Tỉnh_uỷ Hà_Bắc , phát_biểu .")
    f = extract_facts(a, RULES)
    assert [p.name for p in f.people] == ["Hoàng Văn Mười"]
    assert [r.title for r in f.people[0].roles] == ["Bí thư Tỉnh uỷ"]
    _check_evidence(a, f)


vi_chars = st.sampled_from(list("aăâbcdđeêghiklmnoôơpqrstuưvxyÁÀẢÃẠĐƯƠÊÔ ,.;:-–()\n/0123456789") + [
    "Nguyễn ", "Văn ", "Bí thư ", "Đảng ủy ", "Chủ tịch ", "Phó ", "nguyên ", "ông ", "GS.TS. ", "số ",
    "Nghị quyết ", "19-NQ/TW ", "ngày 18/5/2021 ", "Huân chương ", " cho ", "Hội nghị ", "khóa XII ", "của ",
    "Trường Đại học ", "UBND tỉnh ", "Tỉnh ủy ", ": ", "các đồng chí ", "Ảnh: ", "V\nề ", "Ð", "_",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(vi_chars, max_size=80).map("".join))
def test_never_crashes_and_evidence_is_exact(raw: str) -> None:
    a = _article(raw)
    f = extract_facts(a, RULES)
    _check_evidence(a, f)
    f.to_json()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_never_crashes_on_any_text(raw: str) -> None:
    a = _article(raw)
    f = extract_facts(a, RULES)
    _check_evidence(a, f)


# Articles without a publication date: a day written without a year takes the latest year the text reports, unless
# the text reports a later day of that year (then the year is not stated), and never a year of a career or a plan.
UNDATED_EVENTS = [
    ("Sáng 9/5, Hội Nông dân tỉnh Đồng Xanh tổ chức Hội nghị lần thứ 3 Ban Chấp hành khoá IX. Hội được thành lập lại"
     " theo Quyết định số 160/QĐ-UBND ngày 28/12/2012.", None),
    ("Ngày 19/7, Đảng ủy Công ty Sao Mai tổ chức hội nghị học tập Nghị quyết. Hội nghị nhằm thực hiện Kế hoạch số"
     " 35-KH/ĐU ngày 5/7/2019 của Đảng ủy.", "2019-07-19"),
    ("Chiều 10/2, Đảng bộ Công ty Sao Mai long trọng tổ chức lễ trao tặng Huy hiệu 30 năm tuổi Đảng cho đảng viên"
     " Lê Văn Tâm. Đồng chí Lê Văn Tâm sinh ngày 06/10/1958, vào Đảng ngày 16/2/1988.", None),
    ("Sáng 2-7, Bệnh viện Đồng Xanh đã tổ chức lễ kỷ niệm “60 năm ngày thành lập (24-6-1961/ 24-6-2021)”. Bệnh viện"
     " phấn đấu tiến tới xóa bỏ bệnh lao vào năm 2030.", "2021-07-02"),
    ("Sáng 9/5, Hội nghị Trung ương 9 đã biểu quyết đồng ý để ông Lê Văn Tâm thôi giữ chức. Ông Tâm ra Hà Nội làm"
     " Phó chủ tịch Ủy ban vào tháng 10/2015.", None),
    # a closed range of days (a schedule) gives its year, not a later day of the report
    ("Sáng 30/5, Sở Văn hóa tỉnh Đồng Xanh tổ chức Lễ phát động chiến dịch truyền thông về gia đình. Chiến dịch"
     " diễn ra từ ngày 1/6 đến 30/6/2017.", "2017-05-30"),
]


@pytest.mark.parametrize(("text", "date"), UNDATED_EVENTS, ids=lambda x: str(x)[:40])
def test_event_year_without_publication_date(text: str, date: str | None) -> None:
    a = _article("Tiêu đề\n" + text)
    f = extract_facts(a, RULES)
    _check_evidence(a, f)
    assert len(f.events) == 1, f.events
    assert f.events[0].date == date


def test_event_year_from_publication_date() -> None:
    text = "Tiêu đề\nSáng 9/5, Hội Nông dân tỉnh Đồng Xanh tổ chức Hội nghị lần thứ 3. Quyết định ngày 28/12/2012."
    f = extract_facts(_article(text, published="2024-05-10"), RULES)
    assert [e.date for e in f.events] == ["2024-05-09"]
