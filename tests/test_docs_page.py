"""/docs (Swagger UI) and /redoc in headless Chromium: they render the API from the installed
fastapi-offline assets and ask no host but our server (no CDN, no fonts, no validator badge)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

import api_fixtures
from kg.config import Settings
from kg.serve.api import create_app
from test_query_page import ARTIFACTS, Browser, browser, only_local  # noqa: F401 - the browser fixture
from test_sparql import serve

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    store = api_fixtures.build_store()
    with serve(create_app(store, Settings())) as url:
        yield url
    store.close()


def _open(b: Browser, url: str, ready: str) -> None:
    b.page("Page.navigate", {"url": url})
    b.wait_for(ready, timeout=30)


def outside(requested: list[str], site: str) -> list[str]:
    """Requests to any host but ours; a blob: URL of our own origin (ReDoc's web worker) stays in the page."""
    return [u for u in only_local(requested, site) if not u.startswith(f"blob:{site}/")]


def _shot(b: Browser, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / name).write_bytes(base64.b64decode(b.page("Page.captureScreenshot", {"format": "png"})["data"]))


def test_swagger_ui_renders_offline_with_every_request_to_our_server(site: str, browser: Browser) -> None:
    _open(browser, f"{site}/docs", "document.querySelectorAll('.opblock').length > 5")
    ops = browser.js("[...document.querySelectorAll('.opblock-summary-path')].map(e => e.textContent)")
    assert "/roles" in ops and "/people/{id}" in ops and "/articles" in ops
    assert "kg" in browser.js("document.querySelector('.info .title').textContent")
    _shot(browser, "docs-swagger.png")
    requested = browser.requested()
    assert outside(requested, site) == [], requested
    assert f"{site}/static-offline-docs/swagger-ui-bundle.js" in requested and f"{site}/openapi.json" in requested
    assert browser.errors() == []


def test_redoc_renders_offline_with_every_request_to_our_server(site: str, browser: Browser) -> None:
    _open(browser, f"{site}/redoc", "document.querySelectorAll('[data-section-id^=\"tag/\"]').length > 2")
    assert "Ai giữ chức vụ" in browser.js("document.body.innerText")
    _shot(browser, "docs-redoc.png")
    requested = browser.requested()
    assert outside(requested, site) == [], requested
    assert f"{site}/docs-assets/redoc.standalone.js" in requested
    assert browser.errors() == []


def test_the_docs_assets_come_from_the_installed_package(site: str) -> None:
    import fastapi_offline
    import httpx

    page = httpx.get(f"{site}/docs").text
    assert "cdn" not in page.lower() and "/static-offline-docs/swagger-ui-bundle.js" in page
    served = httpx.get(f"{site}/static-offline-docs/swagger-ui-bundle.js").content
    shipped = Path(fastapi_offline.__file__).parent / "static" / "swagger-ui-bundle.js"
    assert served == shipped.read_bytes()


def test_redoc_bundle_is_the_packaged_one_with_its_logo_served_here(site: str) -> None:
    import fastapi_offline
    import httpx

    served = httpx.get(f"{site}/docs-assets/redoc.standalone.js").content
    shipped = (Path(fastapi_offline.__file__).parent / "static" / "redoc.standalone.js").read_bytes()
    assert b"cdn.redoc.ly" in shipped and b"cdn.redoc.ly" not in served
    assert len(served) > 0.99 * len(shipped)
