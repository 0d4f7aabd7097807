"""The network page without a browser: data from the store, as-of and ego views, limits, escaping, offline."""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser

import pytest

from kg.errors import QueryError
from kg.viz.layout import layout
from kg.viz.network import build_network, ego_network, top_nodes
from kg.viz.page import network_html, render_page, script_json
from viz_fixtures import XSS_NAME, XSS_TITLE, XSS_UNIT, synthetic_network, world_store


@pytest.fixture(scope="module")
def store():  # type: ignore[no-untyped-def]
    s = world_store()
    yield s
    s.close()


def labels(g) -> set[str]:  # type: ignore[no-untyped-def]
    return {d["label"] for _, d in g.nodes(data=True)}


def edges_of(g, kind: str) -> set[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return {(g.nodes[u]["label"], g.nodes[v]["label"], d.get("label", "")) for u, v, d in g.edges(data=True)
            if d["kind"] == kind}  # fmt: skip


def test_network_has_every_kind_with_vietnamese_labels(store) -> None:  # type: ignore[no-untyped-def]
    g = build_network(store)
    kinds = {d["kind"] for _, d in g.nodes(data=True)}
    assert kinds == {"person", "unit", "document", "award", "event"}
    assert {"Trần Văn Khải", "Trường Đại học Hòa Bình", "Nghị quyết 12-NQ/TW", "Huân chương Lao động hạng Ba",
            "Đại hội Đảng bộ Trường Đại học Hòa Bình lần thứ V"} <= labels(g)  # fmt: skip
    assert ("Lê Thị Mận", "Trường Đại học Hòa Bình", "Hiệu trưởng") in edges_of(g, "holds")
    assert ("Trần Văn Khải", "Đảng ủy Trường Đại học Hòa Bình", "Bí thư Đảng ủy") in edges_of(g, "holds")
    assert ("Khoa Vật lý", "Trường Đại học Hòa Bình", "") in edges_of(g, "sub_unit")
    assert ("Đảng bộ Trường Đại học Hòa Bình", "Nghị quyết 12-NQ/TW", "") in edges_of(g, "cites")
    assert ("Huân chương Lao động hạng Ba", "Trường Đại học Hòa Bình", "2021") in edges_of(g, "awarded")
    assert {e[:2] for e in edges_of(g, "organised")} == {
        ("Đảng bộ Trường Đại học Hòa Bình", "Đại hội Đảng bộ Trường Đại học Hòa Bình lần thứ V")}
    assert {e[:2] for e in edges_of(g, "attended")} == {
        ("Trần Văn Khải", "Đại hội Đảng bộ Trường Đại học Hòa Bình lần thứ V")}


def test_role_edges_carry_dates_and_evidence_links(store) -> None:  # type: ignore[no-untyped-def]
    g = build_network(store)
    (u, v, d), = [(u, v, d) for u, v, d in g.edges(data=True)
                  if d["kind"] == "holds" and g.nodes[u]["label"] == "Lê Thị Mận"]  # fmt: skip
    assert d["first"] == "2022-03-09" and d["ended"] == "2024-05-21"  # a successor ends a single seat
    assert d["years"] == [2022, 2023, 2024]
    (ev,) = d["evidence"]
    art = g.graph["articles"][ev.article]
    assert art["url"] == "https://tin.example.org/hoa-binh/dai-hoi-v"
    assert art["title"] == "Đại hội Đảng bộ Trường Đại học Hòa Bình lần thứ V"
    assert "Hiệu trưởng Trường Đại học Hòa Bình" in ev.quote


@pytest.mark.parametrize(
    ("at", "present", "absent"),
    [
        ("2023-01-01", {"Lê Thị Mận", "Trần Văn Khải"}, {"Phạm Quốc Vinh"}),
        ("2024-06-01", {"Phạm Quốc Vinh", "Trần Văn Khải"}, {"Lê Thị Mận"}),
        ("2022-01-01", set(), {"Lê Thị Mận", "Phạm Quốc Vinh", "Trần Văn Khải"}),  # nobody seen yet
    ],
)
def test_as_of_date_shows_who_held_what_then(store, at, present, absent) -> None:  # type: ignore[no-untyped-def]
    g = build_network(store, at=at)
    assert present <= labels(g)
    assert not absent & labels(g)
    holders = {h for h, _, _ in edges_of(g, "holds")}
    assert holders == present | ({XSS_NAME} if at >= "2023-01-02" else set())


def test_as_of_rejects_a_malformed_date(store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryError, match="YYYY-MM-DD"):
        render_page(store, at="01/02/2024")


@pytest.mark.parametrize("name", ["Trần Văn Khải", "tran van khai", "TRẦN  VĂN KHẢI", "Tran Van Khai"])
def test_focus_matches_names_without_diacritics_or_case(store, name) -> None:  # type: ignore[no-untyped-def]
    g = build_network(store, focus=name, depth=1)
    assert [g.nodes[f]["label"] for f in g.graph["focus"]] == ["Trần Văn Khải"]
    assert labels(g) == {"Trần Văn Khải", "Đảng ủy Trường Đại học Hòa Bình",
                         "Đại hội Đảng bộ Trường Đại học Hòa Bình lần thứ V"}  # fmt: skip


def test_focus_by_iri_unit_name_and_depth(store) -> None:  # type: ignore[no-untyped-def]
    full = build_network(store)
    iri = next(n for n, d in full.nodes(data=True) if d["label"] == "Khoa Vật lý")
    assert labels(build_network(store, focus=iri, depth=0)) == {"Khoa Vật lý"}
    two = labels(build_network(store, focus="truong dai hoc hoa binh", depth=1))
    assert {"Lê Thị Mận", "Phạm Quốc Vinh", "Khoa Vật lý", "Huân chương Lao động hạng Ba"} <= two
    assert "Trần Văn Khải" not in two  # the party side is not linked to the school in this world
    one = labels(build_network(store, focus="dang bo truong dai hoc hoa binh", depth=1))
    assert "Trần Văn Khải" not in one and "Đảng ủy Trường Đại học Hòa Bình" in one
    assert "Trần Văn Khải" in labels(build_network(store, focus="dang bo truong dai hoc hoa binh", depth=2))


def test_focus_that_matches_nothing_is_a_clear_query_error(store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryError, match="nothing matches focus 'Ngô Không Có'"):
        render_page(store, focus="Ngô Không Có")


def _count_queries(store, run=render_page, **kw) -> int:  # type: ignore[no-untyped-def]
    calls: list[str] = []

    class Counting:
        location = store.location

        def query(self, q, bindings=None, **k):  # type: ignore[no-untyped-def]
            calls.append(q)
            return store.query(q, bindings, **k)

    run(Counting(), **kw)  # type: ignore[arg-type]
    return len(calls)


def test_data_comes_from_a_few_queries_not_one_per_node(store) -> None:  # type: ignore[no-untyped-def]
    from kg.catalog.catalog import load_names
    from viz_fixtures import synthetic_store

    big = synthetic_store(60)
    whole = _count_queries(store)
    assert whole <= 14 and _count_queries(big) == whole
    # a focus by name: the name indexes (a fixed number of queries, whatever the store's size), 1 per
    # hop, then the same queries cut to the nodes in reach
    names = _count_queries(store, load_names)
    assert names <= 8 and _count_queries(big, load_names) == names
    assert _count_queries(store, focus="tran van khai", depth=2) <= whole + names + 2
    person = big.query("SELECT ?l WHERE { ?p a kg:Person ; rdfs:label ?l } LIMIT 1").rows[0][0]
    assert _count_queries(big, focus=str(person), depth=3) <= whole + names + 3
    # given the indexes (as the server gives its catalog's), finding a name asks the store nothing
    ix = load_names(big)
    assert _count_queries(big, focus=str(person), depth=3, names=ix) <= whole + 3
    # an IRI: one lookup, no index
    iri = next(iter(ix.people.entries))
    assert _count_queries(big, focus=iri, depth=3) <= whole + 1 + 3
    big.close()


@pytest.mark.parametrize(
    ("focus", "found"),
    [
        ("Khải", ["Trần Văn Khải"]),  # a word of the name (token match)
        ("nghi quyet 12", ["Nghị quyết 12-NQ/TW"]),  # the start of a name (prefix match)
        ("huan chuong lao dong hang ba", ["Huân chương Lao động hạng Ba"]),  # an award
        ("Đại hội Đảng bộ Trường Đại học Hòa Bình lần thứ V", ["Đại hội Đảng bộ Trường Đại học Hòa Bình lần thứ V"]),
        ("Trường ĐH Hòa Bình", ["Trường Đại học Hòa Bình"]),  # a unit's alias, as /organizations?q= finds it
        ("12-NQ/TW", ["Nghị quyết 12-NQ/TW"]),  # a document's number, as /documents?q= finds it
    ],
)
def test_focus_ranks_names_as_the_catalog_does(store, focus, found) -> None:  # type: ignore[no-untyped-def]
    from kg.catalog.catalog import Catalog

    g = build_network(store, focus=focus, depth=0)
    assert [g.nodes[f]["label"] for f in g.graph["focus"]] == found
    # the API's search ranks the same entity first
    catalog = Catalog(store)
    assert g.graph["focus"][0] == catalog.ix.named(focus)[0]


def test_an_exact_name_wins_over_names_that_contain_it(store) -> None:  # type: ignore[no-untyped-def]
    # "Trường Đại học Hòa Bình" is a word run inside "Đảng bộ Trường Đại học Hòa Bình" and others
    g = build_network(store, focus="truong dai hoc hoa binh", depth=0)
    assert [g.nodes[f]["label"] for f in g.graph["focus"]] == ["Trường Đại học Hòa Bình"]


def test_focus_reads_only_the_neighbourhood() -> None:
    from viz_fixtures import synthetic_store

    big = synthetic_store(80)
    person = str(big.query("SELECT ?l WHERE { ?p a kg:Person ; rdfs:label ?l } LIMIT 1").rows[0][0])
    for depth, at in ((0, None), (1, None), (2, None), (3, None), (2, "2019-06-30"), (3, "2022")):
        whole = build_network(big, at=at)
        near = build_network(big, focus=person, depth=depth, at=at)
        centres = near.graph["focus"]
        # the whole network as of ``at`` drops an isolated node; a focus keeps its centre
        expected = ego_network(whole, [c for c in centres if c in whole], depth)
        assert set(near.nodes) == set(expected.nodes) | set(centres), (depth, at)
        assert sorted(k for *_, k in near.edges(keys=True)) == sorted(k for *_, k in expected.edges(keys=True))
    big.close()


def test_top_nodes_keeps_the_most_connected_and_says_what_is_hidden() -> None:
    g = synthetic_network(600)
    focus = "p5"
    small, note = top_nodes(g, 100, keep=[focus])
    assert small.number_of_nodes() == 100 and focus in small
    cut = sorted((g.degree(n) for n in g.nodes if n != focus), reverse=True)[98]
    assert all(g.degree(n) >= cut for n in small.nodes if n != focus)
    assert "Đang hiện 100 trên 600 nút" in note and "Ẩn 500" in note and "--focus" in note
    assert top_nodes(g, 600) == (g, "")


def test_render_page_shows_the_hidden_note(store) -> None:  # type: ignore[no-untyped-def]
    html = render_page(store, limit=4)
    assert 'id="kg-note"' in html and "Đang hiện 4 trên" in html


def test_layout_is_deterministic_finite_and_spread() -> None:
    g = synthetic_network(1000)
    a, b = layout(g), layout(g)
    assert a == b and set(a) == set(g.nodes)
    assert all(math.isfinite(x) and math.isfinite(y) for x, y in a.values())
    assert len(set(a.values())) > 0.9 * len(a)  # the mesh can stack a few nodes in one cell, not many


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append((tag, dict(attrs)))


def test_page_is_self_contained(store, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    html = render_page(store)
    assert list(tmp_path.iterdir()) == []  # pyvis "local" mode would have written lib/ here
    p = _Tags()
    p.feed(html)
    for tag, attrs in p.tags:
        assert "src" not in attrs or tag == "img", (tag, attrs)
        assert tag != "link", attrs
    assert [t for t, _ in p.tags].count("script") == 3  # vis-network, the data, the page's code
    assert not re.search(r"(https?:)?//(cdn|unpkg|fonts|cdnjs)", html)
    assert "default-src 'none'" in html  # CSP: even a bug could not fetch anything


def test_article_text_is_escaped_everywhere(store) -> None:  # type: ignore[no-untyped-def]
    html = render_page(store, focus=XSS_NAME, depth=1)
    for raw in (XSS_NAME, XSS_UNIT, XSS_TITLE, "<i>GS</i>", "alert('tiêu đề')</script>"):
        assert raw not in html
    assert "&lt;script&gt;window.kgPwned=1&lt;/script&gt;Hồ Thị Độc" in html  # the heading, as text
    assert "\\u003cscript\\u003ewindow.kgPwned=1\\u003c/script\\u003e" in html  # the data, script-safe
    p = _Tags()
    p.feed(html)
    assert [t for t, _ in p.tags].count("script") == 3 and "img" not in [t for t, _ in p.tags]


def test_network_html_escapes_title_and_note() -> None:
    g = synthetic_network(50)
    html = network_html(g, title="<script>alert(1)</script>", note='<img src=x onerror="alert(2)">')
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_script_json_cannot_close_the_script() -> None:
    s = script_json({"a": "</script><!-- \u2028 & '"})
    assert "</" not in s and "<!--" not in s and "\u2028" not in s and "&" not in s


def test_pyvis_from_nx_is_never_used(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from pyvis.network import Network

    def boom(*a, **k):  # type: ignore[no-untyped-def]
        raise AssertionError("from_nx is quadratic")

    monkeypatch.setattr(Network, "from_nx", boom)
    monkeypatch.setattr(Network, "add_edge", boom)
    assert "vis.Network" in network_html(synthetic_network(200))


def test_empty_store_gives_a_page_not_an_error() -> None:
    from kg.store import open_store

    s = open_store(":memory:")
    html = render_page(s)
    assert "Kho dữ liệu chưa có nút nào" in html


def test_cli_writes_the_page(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from kg.cli import app
    from kg.store import open_store
    from viz_fixtures import load, world

    s = open_store(tmp_path / "store")
    load(s, world())
    s.close()
    out = tmp_path / "g.html"
    r = CliRunner().invoke(app, ["viz", "--store", str(tmp_path / "store"), "--out", str(out),
                                 "--focus", "pham quoc vinh", "--depth", "1", "--at", "2024-06-01"])  # fmt: skip
    assert r.exit_code == 0, r.output
    html = out.read_text("utf-8")
    assert "Quanh: Phạm Quốc Vinh" in html and "Tại ngày 2024-06-01" in html


@pytest.mark.slow
def test_5000_nodes_page_is_generated_fast_enough() -> None:
    import time

    g = synthetic_network(5000)
    t = time.perf_counter()
    html = network_html(g)
    took = time.perf_counter() - t
    assert took < 20, took  # measured ~1.3 s; generous for a noisy CI machine
    assert len(html.encode()) < 8e6


def test_served_page_links_entity_pages_and_a_written_file_does_not(store) -> None:  # type: ignore[no-untyped-def]
    from kg.catalog.catalog import page_href

    served, written = render_page(store, pages=True), render_page(store)
    g = build_network(store)
    for iri, d in g.nodes(data=True):  # people, units, documents have pages; awards and events none
        assert (page_href(iri) is not None) == (d["kind"] in ("person", "unit", "document"))
        assert f'"page":{script_json(page_href(iri))}' in served
    assert '"page":"/people/' not in written and '"page":null' in written
    art = next(iter(g.graph["articles"]))
    assert script_json(page_href(art)) in served and page_href(art).startswith("/articles/")
