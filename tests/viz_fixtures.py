"""Fixtures for the network page: a tiny fictional world in a real store, and a synthetic 5k network.

Everyone and every unit here is invented. The facts are written in GOLD_SCHEMA form (plus evidence),
so these tests do not depend on the extractor.
"""

from __future__ import annotations

import random
from typing import Any

import networkx as nx

from kg.graph.build import build_graph
from kg.graph.derive import derive
from kg.ids import article_graph
from kg.models import ArticleFacts
from kg.read.ingest import article_from_text
from kg.resolve.resolver import resolve
from kg.store import Store, open_store

XSS_NAME = '<script>window.kgPwned=1</script>Hồ Thị Độc'
XSS_UNIT = '<img src=x onerror="window.kgPwned=2">Ban Kiểm tra'
XSS_TITLE = "<b onmouseover=alert(1)>Trưởng ban</b>"


def _ev(text: str, quote: str) -> dict[str, Any]:
    start = text.index(quote)
    return {"sentence": quote, "start": start, "end": start + len(quote)}


def _article(aid: str, text: str, published: str, url: str | None, facts: dict[str, Any]) -> tuple[Any, Any]:
    art = article_from_text(aid, text, published=published, url=url)
    return art, ArticleFacts.from_json({"id": aid, "title": art.title, "published": published, **facts})


def world() -> list[tuple[Any, Any]]:
    """Three articles about the invented Trường Đại học Hòa Bình, and one full of markup."""
    t1 = (
        "Đại hội Đảng bộ Trường Đại học Hòa Bình lần thứ V\n"
        "Ngày 09/3/2022, Đảng bộ Trường Đại học Hòa Bình tổ chức Đại hội lần thứ V.\n"
        "Đồng chí Trần Văn Khải – Bí thư Đảng ủy Trường Đại học Hòa Bình phát biểu.\n"
        "PGS.TS. Lê Thị Mận – Hiệu trưởng Trường Đại học Hòa Bình báo cáo.\n"
        "Đại hội quán triệt Nghị quyết số 12-NQ/TW của Bộ Chính trị.\n"
        "Nhà trường được tặng Huân chương Lao động hạng Ba năm 2021.\n"
        "Khoa Vật lý của Trường Đại học Hòa Bình có nhiều thành tích."
    )
    f1 = {
        "people": [
            {"name": "Trần Văn Khải", "honorifics": [], "roles": [
                {"title": "Bí thư Đảng ủy", "organization": "Đảng ủy Trường Đại học Hòa Bình",
                 "evidence": _ev(t1, "Đồng chí Trần Văn Khải – Bí thư Đảng ủy Trường Đại học Hòa Bình")}]},
            {"name": "Lê Thị Mận", "honorifics": ["PGS.TS."], "roles": [
                {"title": "Hiệu trưởng", "organization": "Trường Đại học Hòa Bình",
                 "evidence": _ev(t1, "PGS.TS. Lê Thị Mận – Hiệu trưởng Trường Đại học Hòa Bình")}]},
        ],
        "organizations": [
            {"name": "Trường Đại học Hòa Bình", "kind": "university", "aliases": ["Trường ĐH Hòa Bình"]},
            {"name": "Đảng bộ Trường Đại học Hòa Bình", "kind": "party_committee"},
            {"name": "Đảng ủy Trường Đại học Hòa Bình", "kind": "party_committee",
             "parent": "Đảng bộ Trường Đại học Hòa Bình"},
            {"name": "Khoa Vật lý", "kind": "faculty_or_department", "parent": "Trường Đại học Hòa Bình"},
            {"name": "Bộ Chính trị", "kind": "party_central"},
        ],
        "documents": [{"number": "12-NQ/TW", "kind": "Nghị quyết", "issuer": "Bộ Chính trị", "date": None,
                       "evidence": [_ev(t1, "Đại hội quán triệt Nghị quyết số 12-NQ/TW của Bộ Chính trị.")]}],
        "awards": [{"name": "Huân chương Lao động hạng Ba", "recipient": "Trường Đại học Hòa Bình",
                    "conferred_by": None, "year": 2021,
                    "evidence": _ev(t1, "Nhà trường được tặng Huân chương Lao động hạng Ba năm 2021.")}],
        "events": [{"name": "Đại hội Đảng bộ Trường Đại học Hòa Bình lần thứ V", "date": "2022-03-09",
                    "organizer": "Đảng bộ Trường Đại học Hòa Bình", "participants": ["Trần Văn Khải"]}],
    }
    t2 = (
        "Trường Đại học Hòa Bình có Hiệu trưởng mới\n"
        "Ngày 20/5/2024, PGS.TS. Phạm Quốc Vinh nhận quyết định làm Hiệu trưởng Trường Đại học Hòa Bình.\n"
        "Đồng chí Trần Văn Khải, Bí thư Đảng ủy, trao quyết định."
    )
    f2 = {
        "people": [
            {"name": "Phạm Quốc Vinh", "honorifics": ["PGS.TS."], "roles": [
                {"title": "Hiệu trưởng", "organization": "Trường Đại học Hòa Bình",
                 "evidence": _ev(t2, "PGS.TS. Phạm Quốc Vinh nhận quyết định làm Hiệu trưởng Trường Đại học Hòa Bình.")}]},
            {"name": "Trần Văn Khải", "honorifics": [], "roles": [
                {"title": "Bí thư Đảng ủy", "organization": "Đảng ủy Trường Đại học Hòa Bình",
                 "evidence": _ev(t2, "Đồng chí Trần Văn Khải, Bí thư Đảng ủy, trao quyết định.")}]},
        ],
        "organizations": [
            {"name": "Trường Đại học Hòa Bình", "kind": "university"},
            {"name": "Đảng bộ Trường Đại học Hòa Bình", "kind": "party_committee"},
            {"name": "Đảng ủy Trường Đại học Hòa Bình", "kind": "party_committee",
             "parent": "Đảng bộ Trường Đại học Hòa Bình"},
        ],
    }
    t3 = f"Tin có ký tự lạ <script>alert('tiêu đề')</script>\n{XSS_NAME} – {XSS_TITLE} {XSS_UNIT}."
    f3 = {
        "people": [{"name": XSS_NAME, "honorifics": ["<i>GS</i>"], "roles": [
            {"title": XSS_TITLE, "organization": XSS_UNIT, "evidence": _ev(t3, f"{XSS_NAME} – {XSS_TITLE}")}]}],
        "organizations": [{"name": XSS_UNIT, "kind": "other", "parent": "Trường Đại học Hòa Bình"},
                          {"name": "Trường Đại học Hòa Bình", "kind": "university"}],
    }
    return [
        _article("viz-hb-1", t1, "2022-03-10", "https://tin.example.org/hoa-binh/dai-hoi-v", f1),
        _article("viz-hb-2", t2, "2024-05-21", "https://tin.example.org/hoa-binh/hieu-truong-moi", f2),
        _article("viz-xss", t3, "2023-01-02", "javascript:window.kgPwned=3", f3),
    ]


def load(store: Store, articles: list[tuple[Any, Any]]) -> Store:
    graphs = {}
    for art, facts in articles:
        graphs[str(article_graph(art.id))] = build_graph(resolve(art, facts))
    store.replace_graphs(graphs)
    derive(store)
    return store


def world_store() -> Store:
    return load(open_store(":memory:"), world())


# ---------------------------------------------------------------- synthetic network, no store


def synthetic_network(n_nodes: int = 5000, *, seed: int = 1) -> nx.MultiDiGraph:
    """A network of our shape for scale tests: a unit hierarchy, people holding 1-3 roles, documents,
    awards and events; ~1.6 edges per node. Labels are Vietnamese-looking but invented."""
    rng = random.Random(seed)
    fam = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
    mid = ["Văn", "Thị", "Quốc", "Đình", "Minh", "Thu", "Hữu", "Ngọc"]
    giv = ["An", "Bình", "Cường", "Dũng", "Hà", "Khải", "Lan", "Mận", "Nam", "Phúc", "Quyên", "Sơn", "Tâm"]
    titles = ["Bí thư Đảng ủy", "Phó Bí thư", "Hiệu trưởng", "Phó Hiệu trưởng", "Chủ tịch Công đoàn", "Trưởng khoa"]
    g = nx.MultiDiGraph(articles={}, focus=[], at=None)
    n_units = n_nodes // 6
    n_docs = n_nodes // 20
    n_awards = n_nodes // 50
    n_events = n_nodes // 25
    n_people = n_nodes - n_units - n_docs - n_awards - n_events
    arts = g.graph["articles"]
    for a in range(200):
        arts[f"a{a}"] = {"title": f"Bài báo tổng hợp số {a}", "url": f"https://tin.example.org/{a}",
                         "date": f"20{15 + a % 10}-0{1 + a % 9}-1{a % 10}"}
    from kg.viz.network import Evidence

    def ev() -> list[Evidence]:
        a = f"a{rng.randrange(200)}"
        return [Evidence(a, arts[a]["date"], "Câu làm chứng tổng hợp.")]

    def node(n: str, kind: str, label: str) -> None:
        g.add_node(n, kind=kind, label=label, key="", honorifics=[], articles=[], years=[])

    for i in range(n_units):
        node(f"u{i}", "unit", f"Đơn vị {giv[i % len(giv)]} {i}")
        if i:
            g.add_edge(f"u{i}", f"u{rng.randrange(max(1, i // 3))}", key="sub", kind="sub_unit", years=[])
    for i in range(n_people):
        node(f"p{i}", "person", f"{rng.choice(fam)} {rng.choice(mid)} {rng.choice(giv)}")
        for _ in range(rng.choice([1, 1, 2, 3])):
            y = 2015 + rng.randrange(10)
            g.add_edge(f"p{i}", f"u{rng.randrange(n_units)}", key=f"h{_}", kind="holds", label=rng.choice(titles),
                       first=f"{y}-01-01", last=f"{y + 1}-06-01", ended=None, years=[y, y + 1], evidence=ev())
    for i in range(n_docs):
        node(f"d{i}", "document", f"Nghị quyết {i}-NQ/TW")
        for _ in range(rng.choice([1, 2, 4])):
            g.add_edge(f"u{rng.randrange(n_units)}", f"d{i}", key=f"c{_}", kind="cites", years=[], evidence=ev())
    for i in range(n_awards):
        node(f"w{i}", "award", f"Bằng khen loại {i}")
        for _ in range(rng.choice([1, 3])):
            g.add_edge(f"w{i}", f"p{rng.randrange(n_people)}", key=f"w{_}", kind="awarded", years=[2020])
    for i in range(n_events):
        node(f"e{i}", "event", f"Hội nghị {i}")
        g.add_edge(f"u{rng.randrange(n_units)}", f"e{i}", key="o", kind="organised", years=[2021])
        for _ in range(2):
            g.add_edge(f"p{rng.randrange(n_people)}", f"e{i}", key=f"a{_}", kind="attended", years=[2021])
    return g


# ---------------------------------------------------------------- headless Chromium over the DevTools pipe

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
    "--remote-debugging-pipe",
]  # fmt: skip


def find_chromium() -> str | None:
    import os
    import shutil

    for c in (os.environ.get("KG_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
              shutil.which("chromium-browser"), shutil.which("google-chrome")):  # fmt: skip
        if c and os.path.exists(c) and os.access(c, os.X_OK):
            return c
    return None


class Chromium:
    """A headless Chromium driven through the DevTools protocol on file descriptors 3/4
    (``--remote-debugging-pipe``): stdlib only, no port, no websocket client.

    Records every network request, console message, log entry and uncaught exception of the page.
    """

    def __init__(self, exe: str, profile_dir: str, *, width: int = 1400, height: int = 900) -> None:
        import fcntl
        import os
        import queue
        import subprocess
        import threading

        # Chromium wants its end of the pipes as fds 3 (commands in) and 4 (answers out). Move our
        # child-side ends above 9 first, so the shell's redirections never clobber one another.
        r, self._to_child = os.pipe()
        self._from_child, w = os.pipe()
        to_child_r, from_child_w = fcntl.fcntl(r, fcntl.F_DUPFD, 10), fcntl.fcntl(w, fcntl.F_DUPFD, 10)
        os.close(r)
        os.close(w)
        cmd = f'exec "$0" "$@" 3<&{to_child_r} 4>&{from_child_w} {to_child_r}<&- {from_child_w}>&-'
        args = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}", f"--window-size={width},{height}",
                "about:blank"]  # fmt: skip
        self.proc = subprocess.Popen(
            ["/bin/bash", "-c", cmd, *args], pass_fds=(to_child_r, from_child_w),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        os.close(to_child_r)
        os.close(from_child_w)
        self._next = 0
        self._inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.events: list[dict[str, Any]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.session: str | None = None

    def _read(self) -> None:
        import json
        import os

        buf = b""
        while True:
            try:
                chunk = os.read(self._from_child, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                self._inbox.put(None)
                return
            buf += chunk
            while b"\0" in buf:
                msg, buf = buf.split(b"\0", 1)
                self._inbox.put(json.loads(msg))

    def send(self, method: str, params: dict[str, Any] | None = None, *, timeout: float = 30.0,
             session: bool = True) -> dict[str, Any]:  # fmt: skip
        import json
        import os
        import queue
        import time

        self._next += 1
        msg: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self._to_child, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            try:
                m = self._inbox.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                raise TimeoutError(f"no answer to {method} in {timeout} s") from None
            if m is None:
                raise RuntimeError("chromium closed the DevTools pipe")
            if m.get("id") == self._next:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return dict(m.get("result", {}))
            if "method" in m:
                self.events.append(m)

    def wait_event(self, method: str, timeout: float = 30.0) -> dict[str, Any]:
        import queue
        import time

        for e in self.events:
            if e["method"] == method:
                return e
        deadline = time.monotonic() + timeout
        while True:
            try:
                m = self._inbox.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                raise TimeoutError(f"no {method} in {timeout} s") from None
            if m is None:
                raise RuntimeError("chromium closed the DevTools pipe")
            if "method" in m:
                self.events.append(m)
                if m["method"] == method:
                    return m

    def open(self, url: str, *, timeout: float = 60.0) -> None:
        """A fresh tab with network, console and log recording on, then navigate and wait for load."""
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]  # fmt: skip
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired", timeout)

    def eval(self, expression: str, timeout: float = 30.0) -> Any:
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                           "awaitPromise": True}, timeout=timeout)  # fmt: skip
        if "exceptionDetails" in r:
            raise RuntimeError(f"page exception: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 60.0) -> float:
        import time

        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.eval(expression):
                return time.monotonic() - start
            time.sleep(0.05)
        raise TimeoutError(f"{expression} not true after {timeout} s")

    def screenshot(self, path: str) -> None:
        import base64

        data = self.send("Page.captureScreenshot", {"format": "png"}, timeout=60)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e["method"] == "Network.requestWillBeSent"]

    def problems(self) -> list[str]:
        """Console errors and warnings, log errors, uncaught exceptions."""
        out = []
        for e in self.events:
            m, p = e["method"], e.get("params", {})
            if m == "Runtime.exceptionThrown":
                out.append(f"exception: {p['exceptionDetails'].get('exception', {}).get('description') or p['exceptionDetails'].get('text')}")
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
                out.append(f"console.{p['type']}: {[a.get('value', a.get('description')) for a in p.get('args', [])]}")
            elif m == "Log.entryAdded" and p["entry"].get("level") in ("error", "warning"):
                out.append(f"log {p['entry']['level']}: {p['entry'].get('text')} {p['entry'].get('url', '')}")
        return out

    def close(self) -> None:
        import os
        import signal
        import subprocess

        try:
            self.send("Browser.close", session=False, timeout=5)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass


# ---------------------------------------------------------------- a bigger synthetic store (benchmarks)


def synthetic_articles(n_articles: int, *, seed: int = 3) -> list[tuple[Any, Any]]:
    """``n_articles`` invented articles about ``n_articles // 8`` invented schools: 3-6 people with roles,
    a cited resolution, an event and sometimes an award each. Through resolve() like real facts."""
    rng = random.Random(seed)
    fam = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
    mid = ["Văn", "Thị", "Quốc", "Đình", "Minh", "Thu", "Hữu", "Ngọc", "Xuân", "Thanh"]
    giv = ["An", "Bình", "Cường", "Dũng", "Hà", "Khải", "Lan", "Mận", "Nam", "Phúc", "Quyên", "Sơn", "Tâm",
           "Uyên", "Vinh", "Xuân", "Yến"]  # fmt: skip
    places = ["Hòa Bình", "Sơn La", "Lào Cai", "Yên Bái", "Phú Thọ", "Thái Bình", "Nam Định", "Ninh Bình",
              "Quảng Trị", "Kon Tum", "Gia Lai", "Đắk Nông", "Cà Mau", "Bạc Liêu", "An Giang", "Tây Ninh"]  # fmt: skip
    posts = [("Hiệu trưởng", "school"), ("Phó Hiệu trưởng", "school"), ("Bí thư Đảng ủy", "party"),
             ("Phó Bí thư Đảng ủy", "party"), ("Chủ tịch Công đoàn", "union"), ("Trưởng khoa", "faculty")]  # fmt: skip
    n_schools = max(n_articles // 8, 1)
    schools = [f"Trường Đại học {places[i % len(places)]} số {i}" for i in range(n_schools)]
    staff = {s: [f"{rng.choice(fam)} {rng.choice(mid)} {rng.choice(giv)}" for _ in range(12)] for s in schools}
    out = []
    for a in range(n_articles):
        school = schools[rng.randrange(n_schools)]
        y, m, d = 2015 + rng.randrange(10), 1 + rng.randrange(12), 1 + rng.randrange(28)
        date = f"{y}-{m:02d}-{d:02d}"
        units = {"school": school, "party": f"Đảng ủy {school}", "union": f"Công đoàn {school}",
                 "faculty": f"Khoa Toán {school}"}  # fmt: skip
        lines = [f"Tin số {a} về {school}"]
        people = []
        for name in rng.sample(staff[school], rng.randrange(3, 7)):
            post, unit = rng.choice(posts)
            quote = f"Đồng chí {name} – {post} {units[unit]} phát biểu."
            lines.append(quote)
            people.append({"name": name, "roles": [{"title": post, "organization": units[unit]}]})
        doc = f"{rng.randrange(1, 60)}-NQ/TW"
        lines.append(f"Hội nghị quán triệt Nghị quyết số {doc}.")
        text = "\n".join(lines)
        for p, line in zip(people, lines[1:], strict=False):
            p["roles"][0]["evidence"] = _ev(text, line)
        facts = {
            "people": people,
            "organizations": [
                {"name": school, "kind": "university"},
                {"name": f"Đảng bộ {school}", "kind": "party_committee"},
                {"name": units["party"], "kind": "party_committee", "parent": f"Đảng bộ {school}"},
                {"name": units["union"], "kind": "mass_organization", "parent": school},
                {"name": units["faculty"], "kind": "faculty_or_department", "parent": school},
            ],
            "documents": [{"number": doc, "kind": "Nghị quyết", "issuer": None, "date": None}],
            "events": [{"name": f"Hội nghị quán triệt năm {y}", "date": date, "organizer": f"Đảng bộ {school}",
                        "participants": [p["name"] for p in people[:2]]}],  # fmt: skip
            "awards": [{"name": "Bằng khen của Bộ trưởng", "recipient": people[0]["name"], "year": y}]
            if rng.random() < 0.3 else [],
        }
        out.append(_article(f"viz-syn-{a}", text, date, f"https://tin.example.org/syn/{a}", facts))
    return out


def synthetic_store(n_articles: int, *, batch: int = 200) -> Store:
    store = open_store(":memory:")
    arts = synthetic_articles(n_articles)
    for i in range(0, len(arts), batch):
        graphs = {str(article_graph(a.id)): build_graph(resolve(a, f)) for a, f in arts[i : i + batch]}
        store.replace_graphs(graphs)
    derive(store)
    return store
