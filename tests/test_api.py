"""The read API over a small fictional store (tests/api_fixtures.py): answers, errors, safety."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from api_fixtures import HL, SL, SL_CELL, SL_PARTY, TestClient, build_store, fixture_extractor
from kg.catalog.catalog import NameIndex, held_at, iri_of, segment_of
from kg.config import Settings
from kg.serve.api import create_app
from kg.store import OxigraphStore


@pytest.fixture(scope="module")
def store() -> OxigraphStore:
    return build_store()


@pytest.fixture(scope="module")
def client(store: OxigraphStore) -> TestClient:
    return TestClient(create_app(store, Settings(), extractor=fixture_extractor))


def _person_id(client: TestClient, name: str, unit_word: str | None = None) -> str:
    for hit in client.get("/people", params={"q": name}).json()["items"]:
        prof = client.get(f"/people/{hit['id']}").json()
        units = [h["organization"]["name"] for h in prof["holdings"] if h["organization"]]
        if unit_word is None or any(unit_word in u for u in units):
            return hit["id"]
    raise AssertionError(f"no person {name!r} at {unit_word!r}")


def _org_id(client: TestClient, name: str) -> str:
    return client.get("/organizations", params={"q": name}).json()["items"][0]["id"]


# ---------------------------------------------------------------- /roles


def test_roles_lists_both_rectors_oldest_first_with_evidence(client: TestClient) -> None:
    r = client.get("/roles", params={"title": "Hiệu trưởng", "organization": SL})
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 2
    first, second = body["items"]
    assert first["person"]["name"] == "Lê Văn Hoà" and second["person"]["name"] == "Đỗ Minh Khang"
    assert first["organization"]["name"] == SL
    assert first["title"] == "Hiệu trưởng" and first["post"] == "Hiệu trưởng"
    ev = first["evidence"][0]
    assert ev["article"]["id"] == "sl-2022"
    assert ev["article"]["url"] == "https://example.org/sl/khai-giang-2022"
    assert ev["article"]["published"] == "2022-09-05"
    assert ev["as_of"] == "2022-09-05"
    assert "Hiệu trưởng nhà trường" in ev["sentence"]
    assert ev["end"] - ev["start"] == len(ev["sentence"])
    assert first["evidence_total"] == 1


def test_roles_marks_the_earlier_rector_ended_and_succeeded(client: TestClient) -> None:
    items = client.get("/roles", params={"title": "Hiệu trưởng", "organization": SL}).json()["items"]
    old, new = items
    assert old["ended"] is True and old["ended_by"] == "2024-01-12"
    assert [p["name"] for p in old["succeeded_by"]] == ["Đỗ Minh Khang"]
    assert old["first_seen"] == old["last_seen"] == "2022-09-05"
    assert new["ended"] is False and new["ended_by"] is None and new["first_seen"] == "2024-01-12"


@pytest.mark.parametrize(
    ("at", "holder"),
    [("2023-06-01", "Lê Văn Hoà"), ("2024-01-12", "Đỗ Minh Khang"), ("2025-12-31", "Đỗ Minh Khang")],
)
def test_roles_at_a_date_gives_whoever_held_it_then(client: TestClient, at: str, holder: str) -> None:
    items = client.get("/roles", params={"title": "Hiệu trưởng", "organization": SL, "at": at}).json()["items"]
    assert [h["person"]["name"] for h in items] == [holder]


def test_roles_before_anyone_was_seen_is_empty(client: TestClient) -> None:
    body = client.get("/roles", params={"title": "Hiệu trưởng", "organization": SL, "at": "2020-01-01"}).json()
    assert body == {"total": 0, "limit": 50, "offset": 0, "items": []}


@pytest.mark.parametrize("unit", [SL, "trường đại học sông lam", "truong dai hoc song lam", "ĐHSL", "Trường ĐH Sông Lam"])
def test_roles_finds_the_unit_by_name_alias_or_folded_name(client: TestClient, unit: str) -> None:
    assert client.get("/roles", params={"title": "Hiệu trưởng", "organization": unit}).json()["total"] == 2


def test_roles_finds_the_unit_by_id_and_iri(client: TestClient) -> None:
    oid = _org_id(client, SL)
    for org in (oid, str(iri_of("organization", oid))):
        assert client.get("/roles", params={"title": "Hiệu trưởng", "organization": org}).json()["total"] == 2


@pytest.mark.parametrize("title", ["hieu truong", "HIỆU TRƯỞNG", "Hiệu Trưởng"])
def test_roles_folds_the_title(client: TestClient, title: str) -> None:
    assert client.get("/roles", params={"title": title, "organization": SL}).json()["total"] == 2


def test_roles_takes_a_title_as_written(client: TestClient) -> None:
    items = client.get("/roles", params={"title": "Phó Bí thư Đảng ủy"}).json()["items"]
    assert [(h["person"]["name"], h["organization"]["name"]) for h in items] == [("Phạm Thị Thuý", SL_PARTY)]
    assert items[0]["titles"] == ["Phó Bí thư Đảng ủy"]


def test_roles_without_a_unit_spans_every_unit(client: TestClient) -> None:
    body = client.get("/roles", params={"title": "Hiệu trưởng"}).json()
    assert body["total"] == 2
    assert {h["organization"]["name"] for h in body["items"]} == {SL}
    assert client.get("/roles", params={"title": "Trưởng khoa"}).json()["items"][0]["organization"]["name"] == HL


def test_roles_paginates(client: TestClient) -> None:
    page = client.get("/roles", params={"title": "Hiệu trưởng", "limit": 1, "offset": 1}).json()
    assert page["total"] == 2 and len(page["items"]) == 1
    assert page["items"][0]["person"]["name"] == "Đỗ Minh Khang"


@pytest.mark.parametrize(
    "params", [{"title": "Thủ tướng"}, {"title": "Hiệu trưởng", "organization": "Trường không tồn tại"}]
)
def test_roles_for_an_unknown_title_or_unit_is_empty(client: TestClient, params: dict[str, str]) -> None:
    r = client.get("/roles", params=params)
    assert r.status_code == 200 and r.json()["total"] == 0


def test_roles_for_a_school_include_its_party_organisations_and_say_which_unit(client: TestClient) -> None:
    body = client.get("/roles", params={"title": "Phó Bí thư Đảng ủy", "organization": SL}).json()
    assert [(h["person"]["name"], h["organization"]["name"], h["unit_relation"]) for h in body["items"]] == [
        ("Phạm Thị Thuý", SL_PARTY, "party_organization")]
    assert body["items"][0]["evidence"][0]["sentence"]


def test_roles_without_a_title_lists_every_post_of_the_unit_on_a_date(client: TestClient) -> None:
    body = client.get("/roles", params={"organization": SL, "at": "2024-02-01"}).json()
    got = {(h["person"]["name"], h["post"], h["organization"]["name"]) for h in body["items"]}
    assert ("Đỗ Minh Khang", "Hiệu trưởng", SL) in got
    assert ("Phạm Thị Thúy", "Bí thư", SL_PARTY) in got or ("Phạm Thị Thuý", "Bí thư", SL_PARTY) in got
    assert all(h["post"] != "Hiệu trưởng" or h["person"]["name"] == "Đỗ Minh Khang" for h in body["items"])


def test_roles_include_subunits_reaches_the_chi_bo_below_the_party_organisation(client: TestClient) -> None:
    without = client.get("/roles", params={"title": "Bí thư", "organization": SL}).json()["items"]
    with_sub = client.get("/roles", params={"title": "Bí thư", "organization": SL, "include_subunits": "true"}).json()
    assert SL_CELL not in {h["organization"]["name"] for h in without}
    cell = [h for h in with_sub["items"] if h["organization"]["name"] == SL_CELL]
    assert cell and cell[0]["unit_relation"] == "sub_unit"


def test_roles_filters_by_person_and_ignores_empty_parameters(client: TestClient) -> None:
    body = client.get("/roles?person=Đỗ Minh Khang&title=&organization=&at=").json()
    assert [(h["person"]["name"], h["post"]) for h in body["items"]] == [("Đỗ Minh Khang", "Hiệu trưởng")]
    assert body["items"][0]["unit_relation"] is None
    pid = _person_id(client, "Đỗ Minh Khang")
    assert client.get("/roles", params={"person": pid, "title": "Bí thư"}).json()["total"] == 0


@pytest.mark.parametrize("path", ["/people", "/organizations", "/documents"])
def test_lists_can_be_browsed_page_by_page_without_q(client: TestClient, path: str) -> None:
    first = client.get(path, params={"limit": 1}).json()
    assert first["total"] >= 2 and len(first["items"]) == 1
    rest = client.get(path, params={"limit": 500, "offset": 1}).json()["items"]
    ids = [h["id"] for h in first["items"] + rest]
    assert len(ids) == first["total"] == len(set(ids))
    assert all(h["match"] == "all" for h in first["items"])
    assert client.get(path, params={"q": ""}).json()["total"] == first["total"]


def test_people_hits_list_their_current_posts(client: TestClient) -> None:
    hits = {h["name"]: h for h in client.get("/people", params={"q": "Đỗ Minh Khang"}).json()["items"]}
    posts = hits["Đỗ Minh Khang"]["current_posts"]
    assert [(p["post"], p["organization"]["name"]) for p in posts] == [("Hiệu trưởng", SL)]
    ended = {h["name"]: h for h in client.get("/people", params={"q": "Lê Văn Hoà"}).json()["items"]}
    assert ended["Lê Văn Hoà"]["current_posts"] == []  # succeeded as rector


def test_held_at_compares_partial_dates() -> None:
    assert held_at("2024", None, "2024-01-12")
    assert not held_at("2024-02", None, "2024-01-12")
    assert held_at("2022-09-05", "2024-01-12", "2024-01-11")
    assert not held_at("2022-09-05", "2024-01-12", "2024-01-12")
    assert not held_at(None, None, "2024-01-12")


# ---------------------------------------------------------------- /people


@pytest.mark.parametrize("q", ["le van hoa", "LÊ VĂN HOÀ", "Lê Văn Hòa", "Le Van Hoa", "  lê   văn hoà "])
def test_people_search_ignores_diacritics_case_and_tone_placement(client: TestClient, q: str) -> None:
    body = client.get("/people", params={"q": q}).json()
    assert body["total"] == 2  # the rector of Sông Lam and his namesake at Hồng Lĩnh
    assert {h["match"] for h in body["items"]} == {"exact"}
    assert {h["name_key"] for h in body["items"]} == {"le van hoa"}


def test_people_search_prefers_the_same_diacritics_among_exact_matches(client: TestClient) -> None:
    assert client.get("/people", params={"q": "Lê Văn Hòa"}).json()["items"][0]["name"] == "Lê Văn Hòa"
    assert client.get("/people", params={"q": "Lê Văn Hoà"}).json()["items"][0]["name"] == "Lê Văn Hoà"


def test_people_search_merges_old_and_new_tone_placement_into_one_person(client: TestClient) -> None:
    for q in ("Phạm Thị Thuý", "Phạm Thị Thúy", "pham thi thuy"):
        body = client.get("/people", params={"q": q}).json()
        assert body["total"] == 1, q
    prof = client.get(f"/people/{body['items'][0]['id']}").json()
    assert set(prof["names"]) == {"Phạm Thị Thuý", "Phạm Thị Thúy"}
    titles = [h["title"] for h in prof["holdings"]]
    assert titles[0] == "Phó Bí thư Đảng ủy" and set(titles[1:]) == {"Bí thư Đảng ủy", "Bí thư Chi bộ Khoa Toán"}


def test_people_search_ranks_exact_then_prefix_then_token() -> None:
    ix = NameIndex()
    for i, name in enumerate(["Trần An Bình", "Trần An", "Bình Trần An", "Trần Anh", "Hoàng Minh"]):
        ix.add(f"https://w3id.org/kg-vn/id/person/p{i}", name)
    got = [(ix.entries[i].name, m) for i, m in ix.search("tran an")]
    assert got == [("Trần An", "exact"), ("Trần An Bình", "prefix"), ("Trần Anh", "prefix"), ("Bình Trần An", "token")]


def test_people_search_paginates_with_a_total(client: TestClient) -> None:
    page = client.get("/people", params={"q": "le van hoa", "limit": 1, "offset": 1}).json()
    assert page["total"] == 2 and len(page["items"]) == 1 and page["offset"] == 1


def test_people_search_with_nothing_to_match_is_empty(client: TestClient) -> None:
    for q in ("!!!", "zzz qqq", "Nguyễn"):
        assert client.get("/people", params={"q": q}).json()["total"] == 0


# ---------------------------------------------------------------- profiles


def test_person_profile_has_holdings_events_articles_and_namesakes(client: TestClient) -> None:
    pid = _person_id(client, "Lê Văn Hoà", "Sông Lam")
    prof = client.get(f"/people/{pid}").json()
    assert prof["name"] == "Lê Văn Hoà" and prof["honorifics"] == ["PGS.TS."] and prof["name_key"] == "le van hoa"
    assert [(h["title"], h["organization"]["name"], h["ended"]) for h in prof["holdings"]] == [("Hiệu trưởng", SL, True)]
    assert [e["name"] for e in prof["events"]] == ["Lễ khai giảng năm học 2022-2023"]
    assert [a["id"] for a in prof["articles"]] == ["sl-2022"]
    [cand] = prof["possible_same_as"]
    assert cand["person"]["name"] == "Lê Văn Hòa" and 0 < cand["score"] < 1


def test_person_profile_lists_awards(client: TestClient) -> None:
    pid = _person_id(client, "Lê Văn Hòa", "Hồng Lĩnh")
    awards = client.get(f"/people/{pid}").json()["awards"]
    assert [(a["award"], a["year"], a["kind"]) for a in awards] == [("Bằng khen của Bộ trưởng", 2024, "Bằng khen")]


def test_organization_profile_has_aliases_units_officers_awards_documents(client: TestClient) -> None:
    prof = client.get(f"/organizations/{_org_id(client, SL)}").json()
    assert prof["kind"] == "university"
    assert set(prof["aliases"]) == {"ĐHSL", "Trường ĐH Sông Lam"}
    assert [u["name"] for u in prof["sub_units"]] == [SL_PARTY]
    assert [u["name"] for u in prof["party_cells"]] == ["Chi bộ Khoa Toán"]
    assert [(h["person"]["name"], h["title"]) for h in prof["officers"]] == [
        ("Lê Văn Hoà", "Hiệu trưởng"), ("Đỗ Minh Khang", "Hiệu trưởng")]  # fmt: skip
    assert [(a["award"], a["award_class"], a["conferred_by"]["name"]) for a in prof["awards"]] == [
        ("Huân chương Lao động hạng Nhì", "hạng Nhì", "Chủ tịch nước")]  # fmt: skip
    cited = [(c["document"]["number"], c["article"]["id"]) for c in prof["documents_cited"]]
    assert cited == [("45-NQ/TW", "sl-2022")]
    party = client.get(f"/organizations/{_org_id(client, SL_PARTY)}").json()
    assert party["parent"]["name"] == SL and party["kind"] == "party_committee"
    assert [(c["document"]["number"]) for c in party["documents_cited"]] == ["12-KL/TW"]


def test_organizations_search_finds_aliases(client: TestClient) -> None:
    hits = client.get("/organizations", params={"q": "dhsl"}).json()["items"]
    assert [h["name"] for h in hits] == [SL]
    hits = client.get("/organizations", params={"q": "truong dai hoc"}).json()["items"]
    # the Đảng bộ is the chi bộ's parent (stated as "of the Đảng ủy"): resolved as a unit of its own
    assert [(h["name"], h["match"]) for h in hits] == [
        (HL, "prefix"), (SL, "prefix"), ("Đảng bộ Trường Đại học Sông Lam", "token"), (SL_PARTY, "token")]  # fmt: skip


def test_document_search_and_profile_show_who_cites_it_when(client: TestClient) -> None:
    hits = client.get("/documents", params={"q": "45-nq/tw"}).json()["items"]
    assert [h["number"] for h in hits] == ["45-NQ/TW"]
    doc = client.get(f"/documents/{hits[0]['id']}").json()
    assert doc["number"] == "45-NQ/TW" and doc["kind"] == "Nghị quyết"
    assert doc["issuer"]["iri"].startswith("https://w3id.org/kg-vn/id/org/")
    [cit] = doc["citations"]
    assert cit["article"]["id"] == "sl-2022" and cit["article"]["published"] == "2022-09-05"
    assert "45-NQ/TW" in cit["sentence"] and cit["cited_by"]["name"] == SL


def test_document_ids_keep_their_eli_like_path(client: TestClient) -> None:
    hit = client.get("/documents", params={"q": "12-KL/TW"}).json()["items"][0]
    assert "/" in hit["id"] and segment_of(hit["iri"]) == hit["id"]
    assert client.get(f"/documents/{hit['id']}").status_code == 200


@pytest.mark.parametrize(
    ("params", "awards"),
    [
        ({}, {"Huân chương Lao động hạng Nhì", "Bằng khen của Bộ trưởng"}),
        ({"kind": "Huân chương"}, {"Huân chương Lao động hạng Nhì"}),
        ({"kind": "huân chương"}, {"Huân chương Lao động hạng Nhì"}),
        ({"class": "hạng Nhì"}, {"Huân chương Lao động hạng Nhì"}),
        ({"year": 2024}, {"Bằng khen của Bộ trưởng"}),
        ({"recipient": SL}, {"Huân chương Lao động hạng Nhì"}),
        ({"recipient": "Lê Văn Hòa"}, {"Bằng khen của Bộ trưởng"}),
        ({"kind": "Huân chương", "year": 2024}, set()),
        ({"recipient": "Không ai cả"}, set()),
    ],
)
def test_awards_filter_by_kind_class_year_recipient(client: TestClient, params: dict, awards: set[str]) -> None:
    body = client.get("/awards", params=params).json()
    assert {a["award"] for a in body["items"]} == awards and body["total"] == len(awards)


def test_article_returns_the_triples_of_its_named_graph(client: TestClient) -> None:
    body = client.get("/articles/sl-2024").json()
    assert body["article"]["title"].startswith("Hội nghị tổng kết")
    assert body["counts"]["Person"] == 2 and body["counts"]["RoleHolding"] == 3
    assert all(t["subject"].startswith("https://w3id.org/kg-vn/") for t in body["triples"])
    by_segment = client.get(f"/articles/{body['graph'].rsplit('/', 1)[1]}").json()
    assert by_segment["triples"] == body["triples"]


def test_stats_and_healthz(client: TestClient) -> None:
    stats = client.get("/stats").json()
    assert stats["articles"] == 3 and stats["counts"]["Person"] == 4 and stats["triples"] > 100
    assert client.get("/healthz").json() == {"status": "ok", "store": ":memory:", "writable": False}


# ---------------------------------------------------------------- errors and safety


@pytest.mark.parametrize(
    "path",
    ["/people/khong-co-ai-0000000000", "/organizations/khong-co-0000000000", "/documents/tw/nq/0-0000000000",
     "/articles/khong-co-bai-nay", "/no-such-route"],
)  # fmt: skip
def test_unknown_ids_give_404_in_the_one_error_shape(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404 and set(r.json()) == {"detail"}


@pytest.mark.parametrize(
    "url",
    ["/roles", "/roles?title=", "/roles?title=Hiệu trưởng&at=2024-13-45", "/roles?title=x&at=12/01/2024",
     "/roles?title=x&limit=0", "/roles?title=x&limit=100000", "/roles?title=x&offset=-1", "/roles?at=2024-01-01",
     "/roles?title=&organization=&person=&at=", "/roles?title=x&at=20240112", "/awards?year=abc", "/people/a%20b", "/people/%3E", "/organizations/..%2F..",
     "/graph?depth=99", "/roles?title=" + "x" * 201],
)  # fmt: skip
def test_bad_parameters_give_422_in_the_one_error_shape(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 422, r.text
    assert set(r.json()) == {"detail"}


INJECTIONS = [
    '"} DROP ALL {',
    "'; DROP ALL; '",
    "x\" } ; DELETE WHERE { ?s ?p ?o } ; SELECT * WHERE { \"",
    "}} UNION {{ ?s ?p ?o }}",
    "Hiệu trưởng\nDROP ALL",
    "<https://w3id.org/kg-vn/id/person/x> . ?s ?p ?o",
    "https://w3id.org/kg-vn/id/org/a b>",
    "https://w3id.org/kg-vn/id/org/x> } DROP ALL { <y",
    "\\\" \\u0022 \u0000 \u202e",
    "?org",
    "*",
]


@pytest.mark.parametrize("evil", INJECTIONS)
def test_injection_attempts_are_inert(client: TestClient, store: OxigraphStore, evil: str) -> None:
    before = len(store.raw)
    for path, params in [
        ("/roles", {"title": evil}),
        ("/roles", {"title": "Hiệu trưởng", "organization": evil}),
        ("/roles", {"person": evil, "include_subunits": "true"}),
        ("/roles", {"organization": evil, "at": ""}),
        ("/people", {"q": evil}),
        ("/organizations", {"q": evil}),
        ("/documents", {"q": evil}),
        ("/awards", {"kind": evil, "class": evil}),
        ("/awards", {"recipient": evil}),
        ("/graph", {"focus": evil}),
    ]:
        r = client.get(path, params=params)
        ok = (200, 400, 422, 503) if path == "/graph" else (200, 422)  # /graph: 400 "nothing matches focus"
        assert r.status_code in ok, (path, evil, r.status_code, r.text)
        if r.status_code == 200 and path != "/graph":
            assert r.json()["total"] == 0, (path, evil)
    q = quote(evil, safe="")
    for path in (f"/people/{q}", f"/articles/{q}", f"/documents/{q}"):
        assert client.get(path).status_code in (404, 422)
    assert len(store.raw) == before


def test_internal_errors_hide_the_trace(store: OxigraphStore) -> None:
    app = create_app(store, Settings())

    def boom() -> None:
        raise RuntimeError("secret detail /etc/passwd")

    app.state.catalog.stats = boom
    r = TestClient(app, raise_server_exceptions=False).get("/stats")
    assert r.status_code == 500 and r.json() == {"detail": "internal error"}
    assert "secret" not in r.text and "Traceback" not in r.text


def test_request_bodies_over_the_limit_get_413(store: OxigraphStore) -> None:
    c = TestClient(create_app(store, Settings(write_token="t", max_request_bytes=1000)))
    auth = {"Authorization": "Bearer t"}
    r = c.post("/articles?id=big", content="x" * 5000, headers={**auth, "Content-Type": "text/plain"})
    assert r.status_code == 413 and set(r.json()) == {"detail"}

    def chunks():  # no Content-Length: the limit is enforced while reading
        for _ in range(10):
            yield b"y" * 500

    r = c.post("/articles?id=big", content=chunks(), headers={**auth, "Content-Type": "text/plain"})
    assert r.status_code == 413


def test_cors_is_off_unless_configured(store: OxigraphStore) -> None:
    origin = {"Origin": "https://example.org"}
    off = TestClient(create_app(store, Settings())).get("/healthz", headers=origin)
    assert "access-control-allow-origin" not in off.headers
    on = TestClient(create_app(store, Settings(cors_origins=("https://example.org",)))).get("/healthz", headers=origin)
    assert on.headers["access-control-allow-origin"] == "https://example.org"


def test_root_redirects_to_the_query_page(client: TestClient) -> None:
    r = client.get("/", follow_redirects=False)
    assert r.status_code in (302, 307) and r.headers["location"] in ("/query", "/docs")


def test_openapi_documents_every_endpoint_with_vietnamese_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    assert {"/roles", "/people", "/people/{id}", "/organizations", "/organizations/{id}", "/documents",
            "/documents/{id}", "/awards", "/articles", "/articles/{id}", "/stats", "/healthz", "/graph"} <= paths  # fmt: skip
    params = {p["name"]: p for p in spec["paths"]["/roles"]["get"]["parameters"]}
    assert params["title"]["examples"]["hieu_truong"]["value"] == "Hiệu trưởng"
    assert "application/json" in spec["paths"]["/articles"]["post"]["requestBody"]["content"]
    assert client.get("/docs").status_code == 200


def test_graph_page_is_html(client: TestClient) -> None:
    r = client.get("/graph", params={"focus": "Lê Văn Hoà", "depth": 1, "limit": 50})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "Lê Văn Hoà" in r.text


def test_a_body_that_is_not_utf8_gets_422_not_500() -> None:
    from kg.config import Settings
    from kg.serve.api import create_app
    from kg.store import open_store

    app = create_app(open_store(":memory:"), Settings(write_token="t"))
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/articles", content=b"\x80\x81{", headers={"content-type": "application/json", "authorization": "Bearer t"})
    assert r.status_code in (400, 422) and "detail" in r.json()
