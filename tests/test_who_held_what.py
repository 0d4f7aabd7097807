"""Who held post T at unit O on date D: answers written by hand, asked through three doors.

The fictional articles of tests/fixtures/identity (three schools, a province, a ministry) are read by
the real extractor and ingested in several orders. Each row of TABLE is asked of
- the REST API (``GET /roles``),
- SPARQL (``queries/holders_of_title.rq``),
- ``kg why`` (kg.evidence.explain: each holding's block with when it was seen and whether it ended),
and all three must give the hand-written answer. What the rows exercise: a change of rector, a
replacement ("thay PGS.TS. Y đã nghỉ hưu"), a namesake at another school, "Hoà"/"Hòa", an article
stored in NFD, TS. → PGS.TS., "nguyên", acting and deputy posts that end on promotion, and posts of
a school's party organisations (asked for as the school).
"""

from __future__ import annotations

import io
import random
import re
import unicodedata
from pathlib import Path

import pytest

from api_fixtures import TestClient
from kg.catalog.evidence import explain
from kg.catalog.saved import run_query
from kg.config import Settings
from kg.pipeline import ingest_paths
from kg.serve.api import create_app
from kg.store import Store, open_store
from kg.text import ascii_fold

FIX = Path(__file__).parent / "fixtures" / "identity"
ARTICLES = sorted(FIX.glob("*.txt"))

SH, SD, SM = "Trường Đại học Sông Hồng", "Trường Đại học Sông Đà", "Trường Đại học Sông Mã"
LS, BO = "Ủy ban nhân dân tỉnh Lạng Sơn", "Bộ Khoa học và Công nghệ"

# (title asked through the API, the post as normalised (SPARQL, kg why), unit, date, holders)
TABLE: list[tuple[str, str, str, str, set[str]]] = [
    ("Hiệu trưởng", "Hiệu trưởng", SH, "2021-01-01", set()),
    ("Hiệu trưởng", "Hiệu trưởng", SH, "2022-12-01", {"tran van minh"}),
    ("Hiệu trưởng", "Hiệu trưởng", SH, "2024-06-01", {"le thi hoa"}),
    ("Phó Hiệu trưởng", "Phó Hiệu trưởng", SH, "2022-12-01", {"le thi hoa"}),
    ("Phó Hiệu trưởng", "Phó Hiệu trưởng", SH, "2023-11-01", set()),  # promoted to rector
    ("Bí thư Đảng ủy", "Bí thư", SH, "2022-12-01", {"tran van minh"}),  # the school's Đảng ủy
    ("Bí thư", "Bí thư", SH, "2024-06-01", {"le thi hoa"}),
    ("Phó Bí thư Đảng ủy", "Phó Bí thư", SH, "2024-06-01", {"nguyen van phuc"}),
    ("Bí thư", "Bí thư", "Chi bộ Khoa Hóa học", "2024-06-01", {"dang thu ha"}),
    ("Hiệu trưởng", "Hiệu trưởng", SD, "2023-12-01", {"vu van lam"}),
    ("Hiệu trưởng", "Hiệu trưởng", SD, "2024-05-01", {"do minh khang"}),  # "thay … đã nghỉ hưu"
    ("Phó Hiệu trưởng", "Phó Hiệu trưởng", SD, "2023-12-01", {"do minh khang"}),
    ("Phó Hiệu trưởng", "Phó Hiệu trưởng", SD, "2024-05-01", set()),
    ("Phó Bí thư Đảng ủy", "Phó Bí thư", SD, "2024-05-01", {"do minh khang"}),
    ("Bí thư Chi bộ", "Bí thư", "Chi bộ Khoa Vật lý", "2024-05-01", {"ngo thi mai"}),
    ("Phó Bí thư", "Phó Bí thư", "Chi bộ Khoa Vật lý", "2024-05-01", {"hoang van nam"}),
    ("Chủ tịch", "Chủ tịch", "Công đoàn Trường Đại học Sông Đà", "2024-01-01", {"hoang thi lan"}),
    ("Quyền Trưởng khoa", "Quyền Trưởng khoa", "Khoa Vật lý", "2024-07-01", {"trinh quang vinh"}),
    ("Quyền Hiệu trưởng", "Quyền Hiệu trưởng", SM, "2024-03-01", {"bui van tung"}),
    ("Quyền Hiệu trưởng", "Quyền Hiệu trưởng", SM, "2024-10-01", set()),  # now rector (NFD article)
    ("Hiệu trưởng", "Hiệu trưởng", SM, "2024-10-01", {"bui van tung"}),
    ("Trưởng phòng", "Trưởng phòng", "Phòng Đào tạo Trường Đại học Sông Mã", "2024-10-01", {"le thi hoa"}),
    ("Phó Chủ tịch", "Phó Chủ tịch", LS, "2024-01-01", {"tran van minh"}),
    ("Phó Chủ tịch", "Phó Chủ tịch", LS, "2024-06-01", set()),  # "nguyên Phó Chủ tịch"
    ("Chủ tịch", "Chủ tịch", LS, "2024-06-01", {"ho van son"}),
    ("Thứ trưởng", "Thứ trưởng", BO, "2024-01-01", {"phan minh duc"}),
    ("Vụ trưởng", "Vụ trưởng", "Vụ Đánh giá", "2023-12-01", {"ly van tai"}),
    ("Vụ trưởng", "Vụ trưởng", "Vụ Đánh giá", "2024-08-01", {"ly quoc hung"}),  # "thay ông … nghỉ hưu"
]


def nquads(store: Store) -> list[str]:
    buf = io.BytesIO()
    store.dump(buf, "nq")
    return sorted(buf.getvalue().decode("utf-8").splitlines())


def _ingest(order: str) -> Store:
    store = open_store(":memory:")
    paths = list(ARTICLES)
    if order == "reversed":
        paths.reverse()
    elif order == "shuffled":
        random.Random(14).shuffle(paths)
    for p in paths:  # one at a time: derive runs after each
        report = ingest_paths([p], store, workers=1)
        assert not report.failed, report.failed
    if order == "shuffled":  # and once more, forced
        assert ingest_paths(paths, store, workers=1, force=True).ingested == len(paths)
    return store


@pytest.fixture(scope="module")
def stores() -> dict[str, Store]:
    return {order: _ingest(order) for order in ("sorted", "reversed", "shuffled")}


def test_the_suite_is_at_least_twelve_articles_one_of_them_nfd() -> None:
    assert len(ARTICLES) >= 12
    assert any(not unicodedata.is_normalized("NFC", p.read_text(encoding="utf-8")) for p in ARTICLES)


def test_any_ingest_order_or_twice_gives_the_same_graph(stores: dict[str, Store]) -> None:
    expected = nquads(stores["sorted"])
    assert len(expected) > 500
    assert nquads(stores["reversed"]) == expected
    assert nquads(stores["shuffled"]) == expected


def _unit_iri(client: TestClient, name: str) -> str:
    exact = [h for h in client.get("/organizations", params={"q": name}).json()["items"] if h["match"] == "exact"]
    assert len(exact) == 1, (name, exact)
    return str(exact[0]["iri"])


def _held(span: str, at: str) -> bool:
    """From kg why's "seen: FIRST … LAST; ended by END" line: held on ``at``?"""
    m = re.match(r"\s*seen: (\S+) … (\S+); (?:ended by (\S+)|not known to have ended)", span)
    assert m, span
    first, end = m.group(1), m.group(3)
    return first <= at and (end is None or end > at)


def _why_holders(store: Store, people: dict[str, str], post: str, unit_names: set[str], at: str) -> set[str]:
    """People whose kg why shows a block "NAME — POST @ UNIT" held on ``at``."""
    out = set()
    for iri, name in people.items():
        lines = explain(store, iri).splitlines()
        for i, line in enumerate(lines):
            head = re.match(r"^(.+) — (.+?)(?: @ (.+))?$", line)
            if head and head.group(2) == post and head.group(3) in unit_names and _held(lines[i + 2], at):
                out.add(ascii_fold(name))
    return out


@pytest.mark.parametrize("order", ["sorted", "reversed", "shuffled"])
@pytest.mark.parametrize(("title", "post", "unit", "at", "holders"), TABLE, ids=[f"{r[0]}@{r[2]}@{r[3]}" for r in TABLE])
def test_who_held_the_post_on_the_date_through_api_sparql_and_why(
    stores: dict[str, Store], order: str, title: str, post: str, unit: str, at: str, holders: set[str]
) -> None:
    store = stores[order]
    client = TestClient(create_app(store, Settings(), cache_size=0))
    # 1. the API, asked as a user would: the unit by name, the title as written
    body = client.get("/roles", params={"title": title, "organization": unit, "at": at}).json()
    assert {ascii_fold(h["person"]["name"]) for h in body["items"]} == holders
    assert all(h["evidence"] and h["evidence"][-1]["sentence"] for h in body["items"])
    # 2. SPARQL: the unit's IRI, the post as normalised
    org = _unit_iri(client, unit)
    rows = run_query(store, "holders_of_title", {"role": post, "organization": org, "at": at}).dicts()
    assert {ascii_fold(str(r["name"])) for r in rows} == holders
    # 3. kg why, for everyone who ever held the post there
    ever = client.get("/roles", params={"title": title, "organization": unit}).json()["items"]
    people = {h["person"]["iri"]: h["person"]["name"] for h in ever}
    units = {h["organization"]["name"] for h in ever}
    assert _why_holders(store, people, post, units, at) == holders


def test_namesakes_at_two_schools_are_two_people_with_a_scored_candidate(stores: dict[str, Store]) -> None:
    client = TestClient(create_app(stores["sorted"], Settings()))
    sh = client.get("/roles", params={"title": "Hiệu trưởng", "organization": SH, "at": "2024-06-01"}).json()["items"]
    sm = client.get("/roles", params={"title": "Trưởng phòng", "organization": "Phòng Đào tạo Trường Đại học Sông Mã"}).json()["items"]  # fmt: skip
    a, b = sh[0]["person"]["id"], sm[0]["person"]["id"]
    assert a != b
    same = client.get(f"/people/{a}").json()["possible_same_as"]
    assert [s["person"]["id"] for s in same] == [b] and 0 < same[0]["score"] < 1


def test_one_person_keeps_one_iri_across_honorifics_and_home_unit_phrasing(stores: dict[str, Store]) -> None:
    client = TestClient(create_app(stores["sorted"], Settings()))
    # Đỗ Minh Khang: TS. and Phó Hiệu trưởng in 2023, PGS.TS. Hiệu trưởng in 2024, read in an article
    # about the school, one about its chi bộ (home: "Đảng bộ …") and one about its Công đoàn
    items = client.get("/roles", params={"person": "Đỗ Minh Khang"}).json()["items"]
    assert len({h["person"]["iri"] for h in items}) == 1
    assert {h["post"] for h in items} == {"Phó Hiệu trưởng", "Hiệu trưởng", "Phó Bí thư"}
    prof = client.get(f"/people/{items[0]['person']['id']}").json()
    assert {"TS.", "PGS.TS."} <= set(prof["honorifics"])
    assert len(prof["articles"]) == 4


def test_a_school_question_names_which_unit_each_post_is_at(stores: dict[str, Store]) -> None:
    client = TestClient(create_app(stores["sorted"], Settings()))
    items = client.get("/roles", params={"organization": SD, "at": "2024-05-01", "include_subunits": "true"}).json()["items"]
    got = {(ascii_fold(h["person"]["name"]), h["post"], h["organization"]["name"], h["unit_relation"]) for h in items}
    assert ("do minh khang", "Hiệu trưởng", SD, "unit") in got
    assert ("do minh khang", "Phó Bí thư", "Đảng ủy Trường Đại học Sông Đà", "party_organization") in got
    assert ("ngo thi mai", "Bí thư", "Chi bộ Khoa Vật lý", "sub_unit") in got
    assert not any(p == "Hiệu trưởng" and n == "vu van lam" for n, p, _, _ in got)


def test_members_of_the_dang_bo_include_its_chi_bo(stores: dict[str, Store]) -> None:
    client = TestClient(create_app(stores["sorted"], Settings()))
    for unit in ("Đảng bộ Trường Đại học Sông Hồng", SH):
        rows = run_query(stores["sorted"], "members_of_unit", {"unit": _unit_iri(client, unit)}).dicts()
        assert "dang thu ha" in {ascii_fold(str(r["name"])) for r in rows}, unit


def test_no_unit_is_shared_between_schools(stores: dict[str, Store]) -> None:
    names = {str(r[0]) for r in stores["sorted"].query("SELECT DISTINCT ?l WHERE { ?o a kg:Organization ; rdfs:label ?l }").rows}
    assert not names & {"Nhà trường", "Trường", "Đảng ủy", "Đảng bộ", "Công đoàn", "Công đoàn Trường", "Chi bộ"}


def test_why_prints_each_holding_once(stores: dict[str, Store]) -> None:
    text = explain(stores["sorted"], "Lê Thị Hòa")
    holdings = re.findall(r"holding: (\S+)", text)
    assert holdings and len(holdings) == len(set(holdings))
    sentences = re.findall(r"sentence \[(\d+:\d+)\]", text)
    assert len(sentences) == len(text.split("  - as of")) - 1


def test_succession_stays_within_one_school(stores: dict[str, Store]) -> None:
    client = TestClient(create_app(stores["sorted"], Settings()))
    for school, before, after in ((SH, "tran van minh", "le thi hoa"), (SD, "vu van lam", "do minh khang")):
        rows = run_query(stores["sorted"], "succession_of_post", {"role": "Hiệu trưởng", "organization": _unit_iri(client, school)}).dicts()
        nexts = {(ascii_fold(str(r["name"])), ascii_fold(str(r["successorName"])) if r["successorName"] else None) for r in rows}
        assert nexts == {(before, after), (after, None)}, school
