"""Saved queries (queries/*.rq): every file parses and documents itself, and each one answers its
question on the fictional fixture world of tests/sparql_fixtures.py (built through the real
resolve -> build_graph -> store -> derive path)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.plugins.sparql import prepareQuery

import sparql_fixtures as F
from kg.catalog.saved import bindings_for, get_query, load_queries, parse_query, queries_dir, run_query
from kg.errors import QueryError
from kg.store import PREFIX_HEADER, PREFIXES, Store, bind_values

QUERIES = load_queries()


@pytest.fixture(scope="module")
def store() -> Store:
    s = F.memory_store()
    yield s
    s.close()


def rows(store: Store, name: str, **params: str) -> list[dict[str, str]]:
    res = run_query(store, name, params)
    return [{k: str(v) for k, v in r.items() if v is not None} for r in res.dicts()]


def person(store: Store, name: str) -> str:
    """The IRI of the fixture person with that name who holds a role (namesakes have none)."""
    res = store.query(
        "SELECT DISTINCT ?p WHERE { ?p foaf:name ?n . FILTER EXISTS { ?h org:member ?p } }", {"n": Literal(name)}
    )
    assert len(res.rows) == 1, res.rows
    return str(res.rows[0][0])


def doc(store: Store, number: str) -> str:
    res = store.query("SELECT DISTINCT ?d WHERE { ?d kg:documentNumber ?n }", {"n": Literal(number)})
    return str(res.rows[0][0])


def holding(store: Store, name: str, title: str) -> str:
    res = store.query(
        "SELECT DISTINCT ?h WHERE { ?h kg:title ?t ; org:member ?p . ?p foaf:name ?n }",
        {"t": Literal(title), "n": Literal(name)},
    )
    return str(res.rows[0][0])


UNI, DANG_UY, DANG_BO = (str(F.org_iri(n)) for n in (F.UNI, F.DANG_UY, F.DANG_BO))


# ---------------------------------------------------------------- the files themselves


def test_there_are_at_least_twelve_saved_queries() -> None:
    assert len(QUERIES) >= 12, sorted(QUERIES)


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_saved_query_has_a_summary_and_documented_params(name: str) -> None:
    q = parse_query(Path(QUERIES[name].path))
    assert len(q.summary) > 20
    for p in q.params:
        assert p.doc, f"{name}: parameter {p.name} has no description"
        assert p.example, f"{name}: parameter {p.name} has no example"
        assert "e.g." not in p.example, f"{name}: {p.name}'s example swallowed another 'e.g.': {p.example!r}"
        assert f"?{p.name}" in q.text.split("\n", len(q.params) + 1)[-1] or f"?{p.name}" in q.text


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_saved_query_parses_in_rdflib_and_oxigraph_with_and_without_params(name: str) -> None:
    q = QUERIES[name]
    prepareQuery(PREFIX_HEADER + q.text)
    example = {p.name: p.example or "" for p in q.params}
    bound = bind_values(q.text, bindings_for(q, example))
    prepareQuery(PREFIX_HEADER + bound)
    required = {p.name: p.example or "" for p in q.params if not p.optional}
    prepareQuery(PREFIX_HEADER + bind_values(q.text, bindings_for(q, required)))


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_saved_query_example_parameters_are_accepted_and_run(store: Store, name: str) -> None:
    """The examples in the headers are valid values of their types and the query runs with them. They
    name entities of the demo corpus (data/articles), where tests/test_demo_corpus.py checks that each
    one answers rows; the fixture world here has other names."""
    q = QUERIES[name]
    example = {p.name: p.example or "" for p in q.params}
    assert run_query(store, name, example).kind == "select"


def test_saved_query_with_unknown_or_missing_params_is_refused(store: Store) -> None:
    with pytest.raises(QueryError, match="missing parameter"):
        run_query(store, "holders_of_title", {"role": "Hiệu trưởng"})
    with pytest.raises(QueryError, match="unknown parameter"):
        run_query(store, "counts", {"nope": "1"})
    with pytest.raises(QueryError, match="expected a date"):
        run_query(store, "holders_of_title", {"role": "Hiệu trưởng", "organization": UNI, "at": "12/01/2024"})
    with pytest.raises(QueryError, match="No query"):
        get_query("no_such_query")


def test_saved_query_param_values_never_become_sparql_text(store: Store) -> None:
    evil = '"} ; DROP ALL ; { "'
    assert rows(store, "find_entities", text=evil) == []
    with pytest.raises(QueryError, match="not a valid IRI"):
        run_query(store, "roles_of_person", {"person": "http://x/> } DROP ALL {"})
    assert rows(store, "counts")  # the store is untouched


# ---------------------------------------------------------------- answers on the fixture


def test_holders_of_title_on_a_date_gives_the_holder_then(store: Store) -> None:
    before = rows(store, "holders_of_title", organization=UNI, role="Hiệu trưởng", at="2023-12-01")
    assert {r["name"] for r in before} == {"Lê Thị Mai"}
    after = rows(store, "holders_of_title", organization=UNI, role="hiệu trưởng", at="2024-06-01")
    assert {r["name"] for r in after} == {"Phạm Quốc Bảo"}
    assert rows(store, "holders_of_title", organization=UNI, role="Hiệu trưởng", at="2020-01-01") == []


def test_holders_of_title_without_a_date_lists_every_holder_with_evidence(store: Store) -> None:
    rs = rows(store, "holders_of_title", organization=UNI, role="Hiệu trưởng")
    assert [r["name"] for r in rs] == ["Lê Thị Mai", "Lê Thị Mai", "Phạm Quốc Bảo"]
    mai = rs[0]
    assert (mai["first"], mai["last"], mai["ended"]) == ("2023-03-10", "2023-09-02", "2024-05-20")
    assert {r["article"].rsplit("/", 1)[1][:10] for r in rs} == {"hv-2023-03", "hv-2023-09", "hv-2024-05"}
    assert "PGS.TS Lê Thị Mai, Hiệu trưởng nhà trường" in {r.get("sentence") for r in rs}


def test_roles_of_person_lists_roles_over_time_with_sources(store: Store) -> None:
    mai = person(store, "Lê Thị Mai")
    rs = rows(store, "roles_of_person", person=mai)
    assert [(r["title"], r["first"]) for r in rs] == [
        ("Hiệu trưởng", "2023-03-10"),
        ("Hiệu trưởng", "2023-03-10"),
        ("Bí thư Đảng ủy", "2024-05-20"),
    ]
    assert rs[0]["successorName"] == "Phạm Quốc Bảo" and rs[0]["ended"] == "2024-05-20"
    assert rs[0]["organizationName"] == F.UNI
    assert {r["published"] for r in rs} == {"2023-03-11", "2023-09-03", "2024-05-21"}
    now = rows(store, "roles_of_person", person=mai, at="2024-06-01")
    assert {r["title"] for r in now} == {"Bí thư Đảng ủy"}


def test_members_of_unit_follows_sub_units(store: Store) -> None:
    rs = rows(store, "members_of_unit", unit=DANG_BO)
    by_unit = {(r["subunitName"], r["name"]) for r in rs}
    assert by_unit == {
        (F.CELL_CHEM, "Vũ Hải Yến"),
        (F.CELL_PHYS, "Đỗ Minh Tâm"),
        (F.DANG_UY, "Trần Văn Khải"),
        (F.DANG_UY, "Lê Thị Mai"),
    }
    # Khải's holding ended on 2024-05-20; the cells' secretaries were last seen in 2023 but nothing
    # ended their holdings, so they count as current.
    at = rows(store, "members_of_unit", unit=DANG_BO, at="2024-06-01")
    assert {r["name"] for r in at} == {"Lê Thị Mai", "Đỗ Minh Tâm", "Vũ Hải Yến"}
    assert {r["name"] for r in rows(store, "members_of_unit", unit=DANG_BO, at="2023-03-10")} == {"Trần Văn Khải"}


def test_members_of_a_leaf_unit_are_only_its_own(store: Store) -> None:
    cell = rows(store, "find_entities", text=F.CELL_PHYS)[0]["entity"]
    assert {r["name"] for r in rows(store, "members_of_unit", unit=cell)} == {"Đỗ Minh Tâm"}


def test_succession_of_post_orders_holders_and_names_the_successor(store: Store) -> None:
    rs = rows(store, "succession_of_post", organization=DANG_UY, role="Bí thư")
    assert [r["name"] for r in rs] == ["Trần Văn Khải", "Lê Thị Mai"]
    assert rs[0]["ended"] == "2024-05-20" and rs[0]["successorName"] == "Lê Thị Mai"
    assert "ended" not in rs[1] and "successor" not in rs[1]
    rector = rows(store, "succession_of_post", organization=UNI, role="Hiệu trưởng")
    assert [(r["name"], r.get("successorName")) for r in rector] == [
        ("Lê Thị Mai", "Phạm Quốc Bảo"),
        ("Phạm Quốc Bảo", None),
    ]


def test_citations_of_document_names_the_citing_units_and_events(store: Store) -> None:
    rs = rows(store, "citations_of_document", document=doc(store, "88-NQ/TW"))
    assert [(r["published"], r["unitName"]) for r in rs] == [
        ("2022-11-16", F.PROVINCE),
        ("2023-03-11", F.DANG_BO),
        ("2024-05-21", F.DANG_BO),
    ]
    assert rs[1]["eventName"] == "Hội nghị Ban Chấp hành Đảng bộ mở rộng"
    assert rs[1]["sentence"] == "Nghị quyết số 88-NQ/TW"


def test_most_cited_documents_counts_citing_articles_per_year(store: Store) -> None:
    rs = rows(store, "most_cited_documents")
    table = {(int(r["year"]), r["number"]): int(r["citations"]) for r in rs}
    assert table == {
        (2024, "12-NQ/ĐU"): 1, (2024, "77-CT/TW"): 1, (2024, "88-NQ/TW"): 1,
        (2023, "77-CT/TW"): 2, (2023, "88-NQ/TW"): 1,
        (2022, "88-NQ/TW"): 1,
    }  # fmt: skip
    only = rows(store, "most_cited_documents", year="2023")
    assert [(r["number"], r["citations"]) for r in only] == [("77-CT/TW", "2"), ("88-NQ/TW", "1")]


def test_documents_by_issuer_uses_dcterms_creator(store: Store) -> None:
    rs = rows(store, "documents_by_issuer", issuer=str(F.org_iri(F.POLITBURO)))
    assert [(r["number"], r["kind"], r["issued"], r["citingArticles"]) for r in rs] == [
        ("88-NQ/TW", "Nghị quyết", "2022-05-02", "3")
    ]
    local = rows(store, "documents_by_issuer", issuer=DANG_UY)
    assert [r["number"] for r in local] == ["12-NQ/ĐU"]


def test_awards_by_kind_class_and_year(store: Store) -> None:
    every = rows(store, "awards")
    assert len(every) == 4
    assert {r["recipientName"] for r in every} == {F.UNI, "Lê Thị Mai", "25 đảng viên", "Hoàng Đức Long"}
    medals = rows(store, "awards", kind="huân chương")
    assert {(r["awardClass"], r["awardYear"]) for r in medals} == {("hạng Nhì", "2023"), ("hạng Ba", "2022")}
    second = rows(store, "awards", kind="Huân chương", **{"class": "hạng Nhì"})
    assert [r["recipientName"] for r in second] == [F.UNI]
    in_2024 = rows(store, "awards", year="2024")
    assert {r["awardName"] for r in in_2024} == {"Bằng khen của Thủ tướng Chính phủ", "Giấy khen"}


def test_awards_of_recipient_person_and_unit(store: Store) -> None:
    uni = rows(store, "awards_of_recipient", recipient=UNI)
    assert [(r["awardName"], r["year"], r["conferredBy"]) for r in uni] == [
        ("Huân chương Lao động hạng Nhì", "2023", "Chủ tịch nước")
    ]
    long_ = rows(store, "awards_of_recipient", recipient=person(store, "Hoàng Đức Long"))
    assert [r["awardClass"] for r in long_] == ["hạng Ba"]


def test_co_attendees_counts_shared_events(store: Store) -> None:
    rs = rows(store, "co_attendees", person=person(store, "Lê Thị Mai"))
    assert [(r["name"], r["shared"]) for r in rs][0] == ("Trần Văn Khải", "3")
    assert {r["name"] for r in rs} == {"Trần Văn Khải", "Hoàng Đức Long", "Phạm Quốc Bảo", "Vũ Hải Yến", "Đỗ Minh Tâm"}
    assert rows(store, "co_attendees", person=person(store, "Lê Thị Mai"), min="2") == [rs[0]]


def test_co_attendance_pairs_lists_each_pair_once(store: Store) -> None:
    rs = rows(store, "co_attendance_pairs")
    assert [({r["aName"], r["bName"]}, r["shared"]) for r in rs] == [({"Lê Thị Mai", "Trần Văn Khải"}, "3")]
    everyone = rows(store, "co_attendance_pairs", min="1")
    pairs = [frozenset((r["a"], r["b"])) for r in everyone]
    assert len(pairs) == len(set(pairs)) > 5


def test_interlocks_finds_people_with_roles_in_several_units(store: Store) -> None:
    rs = rows(store, "interlocks")
    assert {r["name"]: r["units"] for r in rs} == {"Trần Văn Khải": "2", "Lê Thị Mai": "2"}
    khai = next(r for r in rs if r["name"] == "Trần Văn Khải")
    assert f"Chủ tịch Hội đồng quản trị @ {F.COMPANY}" in khai["roles"]
    assert rows(store, "interlocks", min="3") == []


def test_evidence_of_fact_lists_articles_and_sentences(store: Store) -> None:
    rs = rows(store, "evidence_of_fact", fact=holding(store, "Lê Thị Mai", "Hiệu trưởng"))
    assert [(r["published"], r.get("sentence")) for r in rs] == [
        ("2023-03-11", "PGS.TS Lê Thị Mai, Hiệu trưởng nhà trường"),
        ("2023-09-03", "PGS.TS Lê Thị Mai, Hiệu trưởng"),
    ]
    r = rs[0]
    a = F.ARTICLES[0]["text"]
    assert a[int(r["start"]) : int(r["end"])] == r["sentence"]
    assert r["graph"].startswith("https://w3id.org/kg-vn/graph/article/hv-2023-03")


def test_counts_has_a_row_per_kind_even_when_zero(store: Store) -> None:
    n = {r["label"]: int(r["n"]) for r in rows(store, "counts")}
    assert n["articles"] == 4 and n["documents"] == 3 and n["events"] == 4 and n["award conferrals"] == 4
    assert n["people"] == 8  # seven people plus the namesake
    assert n["same-person candidates"] == 1
    empty = F.open_store(":memory:")
    assert {r["label"]: r["n"] for r in rows(empty, "counts")}["people"] == "0"


def test_find_entities_is_case_insensitive_and_filters_by_class(store: Store) -> None:
    rs = rows(store, "find_entities", text="hòa vân")
    assert {r["label"] for r in rs} >= {F.UNI, F.DANG_BO, F.DANG_UY}
    people = rows(store, "find_entities", text="THANH HÀ", kind=PREFIXES["kg"] + "Person")
    assert [r["label"] for r in people] == ["Ngô Thanh Hà", "Ngô Thanh Hà"]


def test_possible_same_people_lists_namesake_candidates(store: Store) -> None:
    rs = rows(store, "possible_same_people")
    assert [(r["name"], r["score"]) for r in rs] == [("Ngô Thanh Hà", "0.6")]
    assert rows(store, "possible_same_people", min="7") == []


# ---------------------------------------------------------------- the kg query command


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return F.disk_store(tmp_path_factory.mktemp("kgq") / "store")


def kg(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KG_QUERIES": str(queries_dir())}
    env.pop("KG_STORE", None)
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, timeout=120, env=env
    )


def test_kg_query_list_shows_every_saved_query_and_its_params() -> None:
    out = kg("query", "--list")
    assert out.returncode == 0, out.stderr
    for name in QUERIES:
        assert name in out.stdout
    assert "--param organization=" in out.stdout


def test_kg_query_runs_a_saved_query_on_a_store_folder(store_dir: Path) -> None:
    out = kg(
        "query", "holders_of_title", "--param", f"organization={UNI}", "--param", "role=Hiệu trưởng",
        "--param", "at=2024-06-01", "--format", "json", "--store", str(store_dir),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {b["name"]["value"] for b in data["results"]["bindings"]} == {"Phạm Quốc Bảo"}
    csv_out = kg("query", "counts", "-f", "csv", "--store", str(store_dir))
    assert csv_out.returncode == 0 and csv_out.stdout.startswith("kind,label,n\n")


def test_kg_query_reports_a_missing_param_in_one_line(store_dir: Path) -> None:
    out = kg("query", "holders_of_title", "--param", "role=Bí thư", "--store", str(store_dir))
    assert out.returncode == 1
    assert "missing parameter(s) organization" in out.stderr
    assert "Traceback" not in out.stderr


def test_iri_params_are_rdflib_uris() -> None:
    q = QUERIES["roles_of_person"]
    assert isinstance(bindings_for(q, {"person": "https://w3id.org/kg-vn/id/person/x"})["person"], URIRef)


# ---------------------------------------------------------------- answers on a larger store
# (their speed is measured by benchmarks/bench_queries.py, not by a test)


@pytest.mark.slow
def test_saved_queries_answer_the_same_on_a_thousand_articles() -> None:
    """250 renamed copies of the fixture (1,000 articles, ~180k quads): every saved query answers
    the same rows for copy 7 as the small fixture does, whatever the other copies hold."""
    big = F.fill_scaled(F.open_store(":memory:"), 250)
    params = F.scaled_query_params(big, 7)
    expected_rows = {
        "holders_of_title": 2, "roles_of_person": 3, "members_of_unit": 5, "succession_of_post": 2,
        "citations_of_document": 750, "most_cited_documents": 2, "documents_by_issuer": 1, "awards": 250,
        "awards_of_recipient": 1, "co_attendees": 5, "counts": 11,
        # 2 per copy; namesakes in same-named party cells of different copies stay apart
        "interlocks": 500,
    }  # fmt: skip
    for name, q in QUERIES.items():
        res = big.query(q.text, bindings_for(q, params.get(name, {})))
        if name in expected_rows:
            assert len(res.rows) == expected_rows[name], (name, len(res.rows))
    big.close()


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_saved_query_uses_only_terms_the_ontology_declares(name: str) -> None:
    import re

    from rdflib import Graph as RdfGraph

    onto = RdfGraph().parse(Path(__file__).resolve().parents[1] / "ontology" / "kg.ttl")
    declared = {str(s) for s in onto.subjects()}
    body = "\n".join(line for line in QUERIES[name].text.splitlines() if not line.lstrip().startswith("#"))
    used = {PREFIXES["kg"] + t for t in re.findall(r"(?<![\w:])kg:([A-Za-z]+)", body)}
    assert used - declared == set()
