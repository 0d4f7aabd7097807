"""A real Oxigraph SPARQL server for tests: started on a free 127.0.0.1 port, killed in teardown."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest


@dataclass(frozen=True)
class Server:
    base: str  # http://127.0.0.1:PORT
    location: Path

    @property
    def query_url(self) -> str:
        return f"{self.base}/query"

    @property
    def update_url(self) -> str:
        return f"{self.base}/update"

    @property
    def store_url(self) -> str:
        return f"{self.base}/store"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def oxigraph_exe() -> str:
    """The ``oxigraph`` server binary the test extras install beside this Python (not looked up on PATH)."""
    exe = Path(sys.executable).parent / "oxigraph"
    if exe.exists():
        return str(exe)
    found = shutil.which("oxigraph")
    if found is None:
        raise RuntimeError(f"the oxigraph server CLI is missing: expected {exe} (pip install -e '.[test]')")
    return found


def start_oxigraph(location: Path, *, union_default_graph: bool = True, timeout: float = 20.0) -> tuple[subprocess.Popen[bytes], Server]:
    """``oxigraph serve`` on a free port; returns once it answers a query."""
    exe = oxigraph_exe()
    for _attempt in range(3):  # the port may be taken between free_port() and bind
        port = free_port()
        args = [exe, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
        if union_default_graph:
            args.append("--union-default-graph")
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        server = Server(f"http://127.0.0.1:{port}", location)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                r = httpx.post(server.query_url, content=b"ASK {}", headers={"Content-Type": "application/sparql-query"},
                               timeout=2)
                if r.status_code == 200:
                    return proc, server
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        stop(proc)
    raise RuntimeError(f"oxigraph serve did not start: {proc.stderr.read().decode() if proc.stderr else ''}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    if proc.stderr:
        proc.stderr.close()


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server per test module (each module gets a fresh, empty store)."""
    proc, server = start_oxigraph(tmp_path_factory.mktemp("oxigraph") / "db")
    try:
        yield server
    finally:
        stop(proc)


# Small fictional articles (invented people and units) for ingestion tests.
SURNAMES = ("Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ")
GIVEN = ("Văn Minh", "Thị Hoà", "Quốc Bảo", "Đức Long", "Thu Hằng", "Hữu Nghĩa", "Minh Châu", "Anh Tuấn")
UNITS = ("Trường Đại học Sông Hồng", "Trường Đại học Lam Sơn", "Trường Đại học Hạ Long Xanh", "Trường Cao đẳng Tây Nguyên")


def fictional_article(i: int, *, variant: int = 0) -> str:
    """Article ``i``: a party meeting of a fictional unit; ``variant`` changes who is deputy."""
    unit = UNITS[i % len(UNITS)]
    chief = f"{SURNAMES[i % 8]} {GIVEN[(i // 8) % 8]}"
    deputy = f"{SURNAMES[(i + 3 + variant) % 8]} {GIVEN[(i + 5 + variant) % 8]}"
    day, month, year = 1 + i % 27, 1 + i % 12, 2020 + i % 4
    return (
        f"Đảng bộ {unit} tổng kết công tác năm {year} (bài {i})\n"
        f"Sáng ngày {day}/{month}/{year}, Đảng bộ {unit} tổ chức Hội nghị tổng kết công tác Đảng năm {year}.\n"
        f"Tham dự hội nghị có PGS.TS. {chief} – Bí thư Đảng ủy, Hiệu trưởng {unit}; "
        f"TS. {deputy} – Phó Bí thư Đảng ủy, Phó Hiệu trưởng.\n"
        f"Hội nghị đã quán triệt Nghị quyết số {10 + i % 40}-NQ/TW của Bộ Chính trị.\n"
    )


def write_articles(folder: Path, ids: range, *, variant: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in ids:
        p = folder / f"fic-{i:03d}.txt"
        p.write_text(fictional_article(i, variant=variant), encoding="utf-8")
        paths.append(p)
    return paths
