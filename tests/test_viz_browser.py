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
from viz_fixtures import XSS_NAME, XSS_TITLE, XSS_UNIT, Chromium, find_chromium, synthetic_network, world_store

from kg.viz import network_html, render_page

pytestmark = pytest.mark.slow

EXE = find_chromium()
if EXE is None:
    pytest.skip("no chromium on this machine (set KG_CHROMIUM)", allow_module_level=True)

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
