"""The query page (/query) in headless Chromium: it loads the saved queries, runs one, renders the
table with textContent, downloads CSV, logs no console errors and asks nothing of any host but
127.0.0.1.

Chromium is driven through the DevTools protocol over ``--remote-debugging-pipe`` (file
descriptors 3 and 4, NUL-separated JSON): no websocket package, no debugging port to open.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

import sparql_fixtures as F
from test_sparql import serve

CHROMIUM = os.environ.get("KG_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

# no skip without a browser: `make test` installs Debian's chromium (make browser), so a missing one is a failure
pytestmark = pytest.mark.slow


def _high(fd: int) -> int:
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


class Browser:
    """A headless Chromium and one page, spoken to over the DevTools pipe."""

    def __init__(self, profile: str) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # Move the child's ends above 9 so that dup2 onto 3 and 4 never overwrites one of them.
        to_chrome_r, from_chrome_w = (_high(fd) for fd in (to_chrome_r, from_chrome_w))
        flags = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--disable-extensions", "--mute-audio", "--window-size=1400,900",
            f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank",
        ]  # fmt: skip
        def on_fds_3_and_4() -> None:  # in the child, before exec: Chromium's pipe is fds 3 and 4
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        self.proc = subprocess.Popen(
            [CHROMIUM, *flags],
            pass_fds=(3, 4),
            preexec_fn=on_fds_3_and_4,  # noqa: PLW1509 - only dup2, no locks taken
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._next = 0
        self._inbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self.events: list[dict[str, Any]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        try:
            target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                self.call(f"{domain}.enable", session=self.session)
        except BaseException:
            self.close()
            raise

    def _read(self) -> None:
        buf = b""
        while True:
            try:
                chunk = os.read(self._from_chrome, 65536)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while b"\0" in buf:
                msg, buf = buf.split(b"\0", 1)
                self._inbox.put(json.loads(msg))

    def call(self, method: str, params: dict[str, Any] | None = None, *, session: str | None = None,
             timeout: float = 30) -> dict[str, Any]:  # fmt: skip
        self._next += 1
        msg: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            try:
                got = self._inbox.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"no answer to {method} in {timeout} s") from None
            if got.get("id") == self._next:
                if "error" in got:
                    raise RuntimeError(f"{method}: {got['error']}")
                return got.get("result", {})
            self.events.append(got)

    def page(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.call(method, params, session=self.session)

    def open(self, url: str) -> None:
        """Navigate and wait until the page's script has loaded the saved queries."""
        self.page("Page.navigate", {"url": url})
        path = url.split("?", 1)[0]  # the page may rewrite its query string (history.replaceState)
        self.wait_for(f"location.origin + location.pathname === {json.dumps(path)} && document.body !== null "
                      "&& document.body.dataset.ready === '1'")  # fmt: skip

    def js(self, expression: str) -> Any:
        r = self.page("Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True})
        if "exceptionDetails" in r:
            raise RuntimeError(f"page script failed: {r['exceptionDetails']}")
        return r["result"].get("value")

    def run_sparql(self, text: str) -> str:
        """Write ``text`` in the query page's SPARQL box and run it: the status line ("N rows · …") once
        the results are shown, or the error the page shows."""
        self.js(f"document.getElementById('sparql').value = {json.dumps(text)}")
        self.js("document.getElementById('run-sparql').click()")  # the status says "Running…" at once
        return self.wait_for("document.getElementById('error').textContent || "
                             "(/rows? ·/.test(document.getElementById('status').textContent) && "
                             "document.getElementById('status').textContent)")  # fmt: skip

    def wait_for(self, expression: str, timeout: float = 20) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.05)
        raise TimeoutError(f"page never satisfied {expression!r}; status: {self.js('document.body.innerText')[:500]}")

    def errors(self) -> list[str]:
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                out.append(json.dumps(p["exceptionDetails"])[:300])
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
                out.append(json.dumps(p.get("args"))[:300])
            elif m == "Log.entryAdded" and p["entry"].get("level") in ("error", "warning"):
                out.append(p["entry"].get("text", "")[:300])
        return out

    def requested(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.call("Browser.close", timeout=5)
            except (OSError, TimeoutError, RuntimeError):
                self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        os.close(self._to_chrome)
        os.close(self._from_chrome)


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """The whole API (the page's /stats, the entity routes its links open) over the fixture world."""
    from kg.config import Settings
    from kg.serve.api import create_app

    store = F.memory_store()
    with serve(create_app(store, Settings())) as url:
        yield url
    store.close()


@pytest.fixture
def browser() -> Iterator[Browser]:
    with tempfile.TemporaryDirectory(prefix="kg-chromium-") as profile:
        b = Browser(profile)
        try:
            yield b
        finally:
            b.close()


def only_local(urls: list[str], base: str) -> list[str]:
    """Requests that went anywhere but our server (data: URLs never leave the page)."""
    return [u for u in urls if not (u.startswith(base + "/") or u == base or urlsplit(u).scheme in ("data", "about"))]


def test_saved_query_runs_and_renders_a_table(site: str, browser: Browser) -> None:
    params = {"name": "holders_of_title", "organization": str(F.org_iri(F.UNI)), "role": "Hiệu trưởng", "run": "1"}
    browser.open(f"{site}/query?{urlencode(params)}")
    status = browser.wait_for("/rows/.test(document.getElementById('status').textContent) && "
                              "document.getElementById('status').textContent")  # fmt: skip
    assert status.startswith("3 rows")
    header = browser.js("[...document.querySelectorAll('#results thead th')].map(th => th.textContent)")
    assert header[:3] == ["person", "name", "title"]
    names = browser.js("[...document.querySelectorAll('#results tbody tr')].map(tr => tr.children[1].textContent)")
    assert names == ["Lê Thị Mai", "Lê Thị Mai", "Phạm Quốc Bảo"]
    assert browser.js("document.getElementById('saved').options.length") == len(F_queries()) + 1
    csv = browser.js("fetch(document.getElementById('download-csv').href).then(r => r.text())")
    assert csv.startswith("person,name,title,first,last,ended,holding,article,sentence")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = browser.page("Page.captureScreenshot", {"format": "png"})["data"]
    (ARTIFACTS / "query-page.png").write_bytes(base64.b64decode(shot))
    assert browser.errors() == []
    assert only_local(browser.requested(), site) == []


def test_written_sparql_runs_and_values_stay_text(site: str, browser: Browser) -> None:
    browser.open(f"{site}/query")
    evil = '<img src=x onerror="document.title=1">'
    sparql = "SELECT ?v ?n WHERE { VALUES (?v ?n) { (" + json.dumps(evil) + " 1) (<https://w3id.org/kg-vn/id/x> 2) } }"
    assert "rows" in browser.run_sparql(sparql)
    cells = browser.js("[...document.querySelectorAll('#results tbody td')].map(td => td.textContent)")
    assert cells[0] == evil and cells[2] == "id:x"
    assert browser.js("document.querySelectorAll('#results img').length") == 0
    # a syntax error shows the server's message
    err = browser.run_sparql("SELECT ?x WHERE { ?x }")
    assert err.startswith("400: SPARQL syntax error")
    # the failed request is logged by Chromium as a network error; nothing else may be
    assert [e for e in browser.errors() if "400" not in e] == []
    assert only_local(browser.requested(), site) == []


def F_queries() -> list[str]:
    from kg.catalog.saved import load_queries

    return list(load_queries())


def shot(b: Browser, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / name).write_bytes(base64.b64decode(b.page("Page.captureScreenshot", {"format": "png"})["data"]))


def test_landing_view_shows_counts_links_and_entities(site: str, browser: Browser) -> None:
    import httpx

    browser.open(f"{site}/query")
    stats = httpx.get(f"{site}/stats").json()
    counts = browser.js("Object.fromEntries([...document.querySelectorAll('#counts li')]"
                        ".map(li => [li.dataset.kind, li.querySelector('b').textContent]))")  # fmt: skip
    assert counts["Person"] == str(stats["counts"]["Person"]) and counts["articles"] == str(stats["articles"])
    links = browser.js("[...document.querySelectorAll('#landing a')].map(a => a.getAttribute('href'))")
    assert {"/graph", "/docs", "/redoc"} <= set(links)
    people = [h for h in links if h.startswith("/people/")]
    units = [h for h in links if h.startswith("/organizations/")]
    assert people and units and all(h.endswith(".html") for h in people + units)
    assert httpx.get(site + people[0]).status_code == 200 and httpx.get(site + units[0]).status_code == 200
    assert browser.js("document.getElementById('landing').hidden") is False
    shot(browser, "query-landing.png")
    assert browser.errors() == []
    assert only_local(browser.requested(), site) == []


def test_results_link_entities_and_show_numbers_and_dates_plainly(site: str, browser: Browser) -> None:
    import httpx

    params = {"name": "holders_of_title", "organization": str(F.org_iri(F.UNI)), "role": "Hiệu trưởng", "run": "1"}
    browser.open(f"{site}/query?{urlencode(params)}")
    browser.wait_for("/rows/.test(document.getElementById('status').textContent)")
    assert browser.js("document.getElementById('landing').hidden") is True
    person = browser.js("document.querySelector('#results tbody tr td a').getAttribute('href')")
    assert person.startswith("/people/") and person.endswith(".html")  # the person's page
    page = httpx.get(site + person)
    assert page.headers["content-type"].startswith("text/html") and "Lê Thị Mai" in page.text
    assert httpx.get(site + person.removesuffix(".html")).json()["name"] == "Lê Thị Mai"  # the JSON beside it
    holding = browser.js("[...document.querySelectorAll('#results tbody tr:first-child td a')].map(a => a.getAttribute('href'))")
    assert any(h.startswith("/query?name=evidence_of_fact") for h in holding)
    article = next(h for h in holding if h.startswith("/articles/"))
    assert article.endswith(".html") and httpx.get(site + article).status_code == 200
    first = browser.js("[...document.querySelectorAll('#results thead th')].findIndex(th => th.textContent === 'first')")
    dates = browser.js(f"[...document.querySelectorAll('#results tbody tr')].map(tr => tr.children[{first}].textContent)")
    assert all(len(d) == 10 and d[4] == "-" for d in dates), dates  # the date alone, no xsd:date tag
    shot(browser, "query-results-links.png")
    typed = 'SELECT ?n ?d ?x WHERE { VALUES (?n ?d ?x) { (42 "2024-01-12"^^xsd:date "x"^^<https://example.org/t>) } }'
    assert browser.run_sparql(typed).startswith("1 row")
    cells = browser.js("[...document.querySelectorAll('#results tbody td')].map(td => [td.textContent, td.className])")
    assert cells[0] == ["42", "num"] and cells[1] == ["2024-01-12", "date"]
    assert cells[2][0] == "x" + "https://example.org/t"  # an unknown datatype keeps its tag
    assert browser.errors() == []
    assert only_local(browser.requested(), site) == []
