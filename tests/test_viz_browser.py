"""The network page in a real headless Chromium (DevTools over --remote-debugging-pipe, stdlib only).

Checks: no console errors or warnings, no network request, markup in names and titles stays text and
never runs, search / filters / as-of / panel work. Screenshots go to artifacts/ (git-ignored).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.viz.page import network_html, render_page
from viz_fixtures import (
    XSS_NAME,
    XSS_TITLE,
    XSS_UNIT,
    Chromium,
    find_chromium,
    synthetic_network,
    world_store,
)

pytestmark = pytest.mark.slow

EXE = find_chromium()
assert EXE is not None, "no chromium on this machine: `make browser` installs it (or set KG_CHROMIUM)"

READY = "window.kgReady === true && typeof window.kgDrawnAt === 'number'"


@pytest.fixture(scope="module")
def store():  # type: ignore[no-untyped-def]
    s = world_store()
    yield s
    s.close()


@pytest.fixture
def browser() -> Iterator[Chromium]:
    with tempfile.TemporaryDirectory() as d:
        c = Chromium(str(EXE), str(Path(d) / "profile"))
        try:
            yield c
        finally:
            c.close()


def open_page(c: Chromium, html: str, tmp_path: Path, name: str = "page.html") -> str:
    page = tmp_path / name
    page.write_text(html, encoding="utf-8")
    c.open(page.as_uri())
    c.wait_for(READY, timeout=120)
    return page.as_uri()


def assert_clean(c: Chromium, url: str) -> None:
    outside = [u for u in c.requests() if u != url and not u.startswith("data:")]
    assert outside == [], outside
    assert c.problems() == []
    assert c.eval("window.kgPwned === undefined")


def node_id(c: Chromium, label: str) -> int:
    return int(c.eval(f"nodes.get().find(function (n) {{ return n.label === {json.dumps(label)}; }}).id"))


def test_world_page_loads_offline_and_clean(browser, store, tmp_path, artifacts_dir) -> None:  # type: ignore[no-untyped-def]
    url = open_page(browser, render_page(store), tmp_path)
    assert browser.eval("nodes.length") == 13 and browser.eval("edges.length") >= 12
    assert browser.eval("document.getElementById('kg-kinds').innerText").count("\n") >= 0
    legend = browser.eval("document.getElementById('kg-kinds').innerText")
    assert all(k in legend for k in ("Người", "Đơn vị", "Văn bản", "Khen thưởng", "Sự kiện"))
    browser.eval(f"kgFocus({node_id(browser, 'Lê Thị Mận')})")
    panel = browser.eval("document.getElementById('kg-panel').innerText")
    assert "PGS.TS. Lê Thị Mận" in panel and "Hiệu trưởng" in panel and "2022-03-09" in panel
    assert "Đã thôi, chậm nhất 2024-05-21" in panel
    links = browser.eval("Array.from(document.querySelectorAll('#kg-panel a')).map(a => [a.href, a.textContent])")
    assert ["https://tin.example.org/hoa-binh/dai-hoi-v", "Đại hội Đảng bộ Trường Đại học Hòa Bình lần thứ V"] in links
    browser.screenshot(str(artifacts_dir / "viz_world.png"))
    assert_clean(browser, url)


def test_markup_in_names_and_titles_is_shown_as_text_and_never_runs(browser, store, tmp_path, artifacts_dir) -> None:  # type: ignore[no-untyped-def]
    url = open_page(browser, render_page(store, focus=XSS_NAME, depth=2), tmp_path)
    assert browser.eval("document.getElementById('kg-title').textContent").endswith(f"Quanh: {XSS_NAME} (bán kính 2)")
    panel = browser.eval("document.getElementById('kg-panel').innerText")  # the focus opens its panel
    assert XSS_NAME in panel and XSS_TITLE in panel and XSS_UNIT in panel and "<i>GS</i>" in panel
    assert browser.eval("document.querySelectorAll('#kg-panel script, #kg-panel img, #kg-panel b, #kg-panel i').length") == 0
    # the article's URL is javascript:…, so its title is plain text, not a link
    assert browser.eval("Array.from(document.querySelectorAll('a')).every(a => /^https?:/.test(a.href))")
    assert "Tin có ký tự lạ <script>alert('tiêu đề')</script>" in panel
    browser.eval(f"kgFocus({node_id(browser, XSS_UNIT)})")
    assert XSS_NAME in browser.eval("document.getElementById('kg-panel').innerText")
    # a real mouse over the person: vis-network's tooltip shows the name as text
    x, y = browser.eval(
        f"(function () {{ var id = {node_id(browser, XSS_NAME)}; var p = network.canvasToDOM(network.getPositions([id])[id]);"
        " var r = document.getElementById('mynetwork').getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; })()"
    )
    for dx in (3, 0):
        browser.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x + dx, "y": y})
    browser.wait_for("(function () { var t = document.querySelector('div.vis-tooltip');"
                     " return !!t && t.style.visibility !== 'hidden' && t.innerText.length > 0; })()", timeout=10)  # fmt: skip
    tip = browser.eval("document.querySelector('div.vis-tooltip').innerText")
    assert tip.startswith(f"<i>GS</i> {XSS_NAME}")
    tags = browser.eval("Array.from(document.querySelectorAll('div.vis-tooltip *')).map(e => e.tagName)")
    assert set(tags) <= {"BR"}, tags  # innerText turns the newline into <br>, nothing else
    assert browser.eval("document.scripts.length") == 3
    browser.screenshot(str(artifacts_dir / "viz_xss.png"))
    assert_clean(browser, url)


def test_search_finds_and_focuses_a_node(browser, store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = open_page(browser, render_page(store), tmp_path)
    browser.eval("document.getElementById('kg-search').value = 'pham quoc'; "
                 "document.getElementById('kg-search-form').requestSubmit(); true")  # fmt: skip
    assert browser.eval("document.querySelector('#kg-panel h2').textContent") == "PGS.TS. Phạm Quốc Vinh"
    assert browser.eval("network.getSelectedNodes()") == [node_id(browser, "Phạm Quốc Vinh")]
    # every word of a name, as the catalog's index matches tokens
    browser.eval(f"kgFocus({node_id(browser, 'Lê Thị Mận')})")
    browser.eval("document.getElementById('kg-search').value = 'vinh quoc'; "
                 "document.getElementById('kg-search-form').requestSubmit(); true")  # fmt: skip
    assert browser.eval("document.querySelector('#kg-panel h2').textContent") == "PGS.TS. Phạm Quốc Vinh"
    browser.eval("document.getElementById('kg-search').value = 'không ai cả'; "
                 "document.getElementById('kg-search-form').requestSubmit(); true")  # fmt: skip
    assert "Không tìm thấy" in browser.eval("document.getElementById('kg-search-msg').textContent")
    assert_clean(browser, url)


def hidden_labels(c: Chromium) -> set[str]:
    return set(c.eval("nodes.get().filter(n => n.hidden).map(n => n.label)"))


def test_filters_by_kind_unit_year_and_as_of(browser, store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = open_page(browser, render_page(store), tmp_path)
    set_value = "var x = document.getElementById('{0}'); x.value = {1}; x.dispatchEvent(new Event('change')); true"
    browser.eval("var b = document.querySelector('#kg-kinds input[value=person]'); b.checked = false; "
                 "b.dispatchEvent(new Event('change')); true")  # fmt: skip
    assert {"Lê Thị Mận", "Phạm Quốc Vinh", "Trần Văn Khải"} <= hidden_labels(browser)
    browser.eval("document.getElementById('kg-reset').click(); true")
    assert hidden_labels(browser) == set()

    browser.eval(set_value.format("kg-at", json.dumps("2023-01-01")))
    assert "Phạm Quốc Vinh" in hidden_labels(browser) and "Lê Thị Mận" not in hidden_labels(browser)
    browser.eval(set_value.format("kg-at", json.dumps("2024-06-01")))
    assert "Lê Thị Mận" in hidden_labels(browser) and "Phạm Quốc Vinh" not in hidden_labels(browser)
    browser.eval("document.getElementById('kg-reset').click(); true")

    browser.eval(set_value.format("kg-year", json.dumps("2021")))
    shown = {n for n in browser.eval("nodes.get().map(n => n.label)")} - hidden_labels(browser)
    assert shown == {"Huân chương Lao động hạng Ba", "Trường Đại học Hòa Bình"}
    browser.eval("document.getElementById('kg-reset').click(); true")

    unit = node_id(browser, "Đảng bộ Trường Đại học Hòa Bình")
    browser.eval(set_value.format("kg-unit", json.dumps(str(unit))))
    shown = {n for n in browser.eval("nodes.get().map(n => n.label)")} - hidden_labels(browser)
    assert shown == {"Đảng bộ Trường Đại học Hòa Bình", "Đảng ủy Trường Đại học Hòa Bình", "Trần Văn Khải",
                     "Nghị quyết 12-NQ/TW", "Đại hội Đảng bộ Trường Đại học Hòa Bình lần thứ V"}  # fmt: skip
    assert_clean(browser, url)


def test_5000_nodes_are_interactive_without_freezing(browser, tmp_path, artifacts_dir) -> None:  # type: ignore[no-untyped-def]
    url = open_page(browser, network_html(synthetic_network(5000), title="5 000 nút", note="tổng hợp"), tmp_path)
    ready_ms = browser.eval("Math.max(window.kgDrawnAt, window.kgReadyAt)")
    assert ready_ms < 15000, ready_ms  # measured ~2 s (benchmarks/bench_viz.py); bound for slow CI
    assert browser.eval("options.physics.enabled") is False
    browser.eval("document.getElementById('kg-search').value = 'Đơn vị An 0'; "
                 "document.getElementById('kg-search-form').requestSubmit(); true")  # fmt: skip
    assert browser.eval("document.querySelector('#kg-panel h2').textContent") == "Đơn vị An 0"
    browser.screenshot(str(artifacts_dir / "viz_5000.png"))
    assert_clean(browser, url)


# ---------------------------------------------------------------- the page a newcomer sees


@pytest.fixture(scope="module")
def demo_store():  # type: ignore[no-untyped-def]
    """The demo corpus of data/articles, as `make run` builds it."""
    from kg.pipeline import ingest_paths
    from kg.store import OxigraphStore

    s = OxigraphStore(None)
    ingest_paths([Path(__file__).resolve().parents[1] / "data" / "articles"], s, workers=1)
    yield s
    s.close()


def shown_box(c: Chromium) -> list[float]:
    """[left, top, right, bottom] of the shown nodes on screen, and the canvas' width and height."""
    return c.eval(
        "(function () { var ids = nodes.get().filter(n => !n.hidden).map(n => n.id), p = network.getPositions(ids);"
        " var xs = [], ys = []; ids.forEach(function (i) { var d = network.canvasToDOM(p[i]); xs.push(d.x); ys.push(d.y); });"
        " var r = document.getElementById('mynetwork').getBoundingClientRect();"
        " return [Math.min.apply(null, xs), Math.min.apply(null, ys), Math.max.apply(null, xs), Math.max.apply(null, ys),"
        " r.width, r.height]; })()"
    )


def drawn_labels(c: Chromium, what: str = "nodes") -> tuple[int, int]:
    """(labels vis-network draws at the current zoom, labels in all) over the shown nodes or edges in
    view (vis-network measures, and so draws, only what is on the canvas)."""
    c.eval("network.redraw(); network.redraw(); true")  # the first draw may set fonts for a new zoom
    in_view = ("var r = document.getElementById('mynetwork').getBoundingClientRect(), p = network.getPositions();"
               " function inView(id) { var d = network.canvasToDOM(p[id]); return d.x > 20 && d.y > 20 &&"
               " d.x < r.width - 20 && d.y < r.height - 20; }"
               " function shown(x) { return " + ("inView(x.id)" if what == "nodes" else "inView(x.from) && inView(x.to)") + "; }")  # fmt: skip
    return tuple(c.eval(
        f"(function () {{ {in_view} var all = {what}.get().filter(x => !x.hidden && x.label && shown(x)),"
        f" b = network.body.{what}; return [all.filter(x => b[x.id].labelModule.visible()).length, all.length]; }})()"
    ))  # type: ignore[return-value]


def assert_labels_apart(c: Chromium) -> None:
    """No two drawn node labels overlap (vis-network's measured label boxes, canvas units)."""
    boxes = c.eval("nodes.get().filter(n => !n.hidden && network.body.nodes[n.id].labelModule.visible())"
                   ".map(n => { var s = network.body.nodes[n.id].labelModule.size;"
                   " return [s.left, s.top, s.left + s.width, s.top + s.height, n.label]; })")  # fmt: skip
    for k, a in enumerate(boxes):
        for b in boxes[k + 1 :]:
            overlap_x = min(a[2], b[2]) - max(a[0], b[0])
            overlap_y = min(a[3], b[3]) - max(a[1], b[1])
            assert overlap_x <= 1 or overlap_y <= 1, (a[4], b[4])


def test_demo_network_fills_the_view_hides_isolated_nodes_and_labels_by_zoom(browser, demo_store, tmp_path, artifacts_dir) -> None:  # type: ignore[no-untyped-def]
    url = open_page(browser, render_page(demo_store), tmp_path)
    isolated = browser.eval("KG_PAGE.isolated")
    assert isolated > 0 and browser.eval("nodes.get().filter(n => n.hidden).length") == isolated
    assert browser.eval("document.getElementById('kg-isolated').checked") is False
    left, top, right, bottom, width, height = shown_box(browser)
    assert left >= 0 and top >= 0 and right <= width and bottom <= height  # nothing clipped
    assert (right - left) > 0.8 * width or (bottom - top) > 0.8 * height  # fitted: no third left empty
    drawn, total = drawn_labels(browser)
    assert 0 < drawn < total / 2, (drawn, total)  # the hubs' names at the default zoom, not all
    hubs = browser.eval("nodes.get().filter(n => !n.hidden && network.body.nodes[n.id].labelModule.visible()).map(n => n.label)")
    assert "Trường Đại học Vân Khê" in hubs
    assert drawn_labels(browser, "edges")[0] == 0  # edge labels wait until they are readable
    browser.screenshot(str(artifacts_dir / "viz_demo.png"))
    assert_labels_apart(browser)
    browser.eval("network.moveTo({scale: 1.5, animation: false}); true")
    more, total = drawn_labels(browser)
    assert more > drawn and more >= total / 2, (more, total)  # zoomed in: most names, none on another
    assert_labels_apart(browser)
    edge_drawn, edge_total = drawn_labels(browser, "edges")
    assert edge_total > 0 and edge_drawn > 0
    browser.screenshot(str(artifacts_dir / "viz_demo_zoomed.png"))
    # the box shows unconnected nodes, the view fits them in too
    browser.eval("var b = document.getElementById('kg-isolated'); b.checked = true; b.dispatchEvent(new Event('change')); true")
    assert browser.eval("nodes.get().filter(n => n.hidden).length") == 0
    left, top, right, bottom, width, height = shown_box(browser)
    assert left >= 0 and top >= 0 and right <= width and bottom <= height
    browser.screenshot(str(artifacts_dir / "viz_demo_isolated.png"))
    assert_clean(browser, url)


def test_date_box_takes_dd_mm_yyyy(browser, store, tmp_path, artifacts_dir) -> None:  # type: ignore[no-untyped-def]
    url = open_page(browser, render_page(store), tmp_path)
    at = "document.getElementById('kg-at')"
    assert browser.eval(f"{at}.type") == "text" and browser.eval(f"{at}.placeholder") == "dd/mm/yyyy"
    set_at = "var x = " + at + "; x.value = {0}; x.dispatchEvent(new Event('change')); true"
    browser.eval(set_at.format(json.dumps("01/06/2024")))
    assert "Lê Thị Mận" in hidden_labels(browser) and "Phạm Quốc Vinh" not in hidden_labels(browser)  # = 2024-06-01
    assert browser.eval(f"{at}.validity.valid") is True
    browser.eval(set_at.format(json.dumps("1/1/2023")))
    assert "Phạm Quốc Vinh" in hidden_labels(browser) and "Lê Thị Mận" not in hidden_labels(browser)
    browser.eval(set_at.format(json.dumps("31/02/2024")))  # no such day: refused, not read as March
    assert browser.eval(f"{at}.validity.valid") is False and browser.eval("kgIsoDate('31/02/2024')") is None
    browser.screenshot(str(artifacts_dir / "viz_date_box.png"))
    assert_clean(browser, url)


def test_at_date_from_the_url_is_shown_as_dd_mm_yyyy(browser, store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = open_page(browser, render_page(store, at="2024-06-01"), tmp_path)
    assert browser.eval("document.getElementById('kg-at').value") == "01/06/2024"
    assert_clean(browser, url)


def test_export_png_and_json_of_what_is_shown(browser, demo_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import base64

    url = open_page(browser, render_page(demo_store), tmp_path)
    png = browser.eval("kgExportPng()")
    assert png["name"].endswith(".png") and png["href"].startswith("data:image/png;base64,")
    data = base64.b64decode(png["href"].split(",", 1)[1])
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    doc = json.loads(browser.eval("decodeURIComponent(kgExportJson().href.split(',')[1])"))
    shown = browser.eval("nodes.get().filter(n => !n.hidden).length")
    assert len(doc["nodes"]) == shown and all(n["iri"].startswith("https://w3id.org/kg-vn/id/") for n in doc["nodes"])
    assert doc["edges"] and {"from", "to", "kind"} <= set(doc["edges"][0])
    assert all(n["degree"] > 0 for n in doc["nodes"])  # the hidden unconnected nodes are not exported
    # the buttons save the files
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.send("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}, session=False)
    browser.eval("document.getElementById('kg-export-png').click(); document.getElementById('kg-export-json').click(); true")
    browser.wait_for("true", timeout=5)
    import time

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and {p.name for p in downloads.iterdir()} != {"mang-quan-he.png", "mang-quan-he.json"}:
        time.sleep(0.1)
    assert {p.name for p in downloads.iterdir()} == {"mang-quan-he.png", "mang-quan-he.json"}
    assert json.loads((downloads / "mang-quan-he.json").read_text(encoding="utf-8"))["nodes"] == doc["nodes"]
    assert_clean(browser, url)


@pytest.mark.parametrize("n", [50, 500])
def test_synthetic_networks_are_fitted_and_clean(browser, tmp_path, artifacts_dir, n) -> None:  # type: ignore[no-untyped-def]
    url = open_page(browser, network_html(synthetic_network(n), title=f"{n} nút", note="tổng hợp"), tmp_path)
    left, top, right, bottom, width, height = shown_box(browser)
    assert left >= 0 and top >= 0 and right <= width and bottom <= height
    assert (right - left) > 0.8 * width or (bottom - top) > 0.8 * height
    browser.screenshot(str(artifacts_dir / f"viz_{n}.png"))
    assert_clean(browser, url)
