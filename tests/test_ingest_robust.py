"""Odd folders and odd files: reported with name and reason, the rest ingested, nothing silent.

Empty files don't stop `kg run`; unreadable folders and links out of the folder are reported; a full
disk still prints the per-file list; file names that aren't UTF-8, ids ending in ten hex digits and
HTML nested past lxml's depth work; extraction work on one very long line grows with its length.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from api_fixtures import TestClient, fixture_extractor
from kg.config import Settings
from kg.extract import extract_facts
from kg.models import OrgFact
from kg.pipeline import ingest_paths
from kg.read.ingest import article_from_text, read_article
from kg.resolve.unitnames import UnitIndex, merge_units, same_unit
from kg.serve.api import create_app
from kg.store import OxigraphStore
from kgtest import ROOT, free_port
from remote_fixtures import fictional_article, write_articles


def failed_names(report: Any) -> dict[str, str]:
    return {Path(p).name: why for p, why in report.failed}


def titles(store: OxigraphStore) -> set[str]:
    return {str(r[0]) for r in store.query("SELECT ?t WHERE { ?a a kg:Article ; dcterms:title ?t }").rows}


@pytest.mark.slow
def test_kg_run_with_an_empty_file_reports_it_and_still_serves(tmp_path: Path) -> None:
    src = tmp_path / "articles"
    write_articles(src, range(2))
    (src / "empty.txt").write_bytes(b"")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "KG_STORE"}
    proc = subprocess.Popen([sys.executable, "-m", "kg.cli", "run", str(src), "--store", str(tmp_path / "store"),
                             "--port", str(port)], env=env, cwd=ROOT, stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline, up = time.monotonic() + 60, False
        while time.monotonic() < deadline and proc.poll() is None and not up:
            try:
                up = httpx.get(f"http://127.0.0.1:{port}/stats", timeout=1).status_code == 200
            except httpx.TransportError:
                time.sleep(0.2)
        assert up, "kg run did not start the server"
        assert httpx.get(f"http://127.0.0.1:{port}/stats", timeout=5).json()["articles"] == 2
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "empty.txt: empty file" in err.decode()


def test_a_folder_that_cannot_be_listed_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests run as root here, where chmod can't lock a folder: the listing itself fails instead."""
    src = tmp_path / "a"
    write_articles(src, range(2))
    write_articles(src / "locked", range(2, 3))
    real = os.scandir

    def scandir(path: Any = ".") -> Any:
        if Path(path).name == "locked":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    r = ingest_paths([src], OxigraphStore(None), workers=1, derive_after=False)
    assert r.ingested == 2 and failed_names(r) == {"locked": "cannot read folder: Permission denied"}


def test_links_out_of_the_folder_are_reported_and_not_followed(tmp_path: Path) -> None:
    src = tmp_path / "a"
    write_articles(src, range(1))
    outside = tmp_path / "elsewhere"
    write_articles(outside, range(5, 6))
    (src / "passwd.txt").symlink_to("/etc/passwd")
    (src / "other.txt").symlink_to(outside / "fic-005.txt")
    (src / "more").symlink_to(outside, target_is_directory=True)
    (src / "same.txt").symlink_to(src / "fic-000.txt")  # inside the folder: read
    (src / "again.txt").symlink_to("fic-000.txt")
    store = OxigraphStore(None)
    r = ingest_paths([src], store, workers=1, derive_after=False)
    failed = failed_names(r)
    assert "not followed" in failed["passwd.txt"] and "/etc/passwd" in failed["passwd.txt"]
    assert "not followed" in failed["other.txt"] and "not followed" in failed["more"]
    assert set(failed) == {"passwd.txt", "other.txt", "more"}
    assert not any("root:" in t for t in titles(store)) and r.ingested == 3  # fic-000, again, same


class FullDisk(OxigraphStore):
    """Every write fails as on a full disk, and so does the final flush."""

    class _Raw:
        def __init__(self, raw: ox.Store) -> None:
            self._raw = raw

        def __getattr__(self, name: str) -> Any:
            return getattr(self._raw, name)

        def load(self, *_: Any, **__: Any) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

    @property
    def raw(self) -> Any:
        return FullDisk._Raw(self._s)

    def update(self, sparql: str) -> None:
        from kg.errors import StoreError

        raise StoreError("update failed, nothing written: No space left on device")

    def close(self) -> None:
        from kg.errors import StoreError

        raise StoreError("could not write the store to disk: No space left on device")


def test_on_a_full_disk_every_failed_file_is_still_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kg.cli

    write_articles(tmp_path / "a", range(3))
    monkeypatch.setattr(kg.cli, "_open", lambda store, read_only=False: FullDisk(None))
    result = CliRunner().invoke(kg.cli.app, ["ingest", str(tmp_path / "a"), "--no-progress", "--workers", "1"])
    out = result.output
    assert result.exit_code == 1
    for i in range(3):
        assert f"kg: failed: {tmp_path / 'a' / f'fic-00{i}.txt'}: store write failed" in out
    assert "ingested 0, unchanged 0, failed 3" in out
    assert "kg: error: could not write the store to disk" in out.split("failed 3")[1]


def test_a_failed_derive_is_reported_after_the_articles(tmp_path: Path) -> None:
    from kg.errors import StoreError
    from kg.pipeline import derive_pending

    class NoDerive(OxigraphStore):
        def update(self, sparql: str) -> None:
            if "kg:firstSeen" in sparql:
                raise StoreError("update failed, nothing written: No space left on device")
            super().update(sparql)

    write_articles(tmp_path / "a", range(2))
    s = NoDerive(None)
    r = ingest_paths([tmp_path / "a"], s, workers=1)
    assert r.ingested == 2 and r.errors and "next run" in r.errors[0] and derive_pending(s)


def test_a_file_name_that_is_not_utf8_is_ingested_and_shown(tmp_path: Path) -> None:
    src = tmp_path / "a"
    src.mkdir()
    name = os.fsdecode(b"tin-caf\xe9.txt")
    (src / name).write_text(fictional_article(1), encoding="utf-8")
    (src / os.fsdecode(b"r\xf4ng.txt")).write_bytes(b"")
    store = OxigraphStore(None)
    r = ingest_paths([src], store, workers=1, derive_after=False)
    assert r.ingested == 1 and failed_names(r) == {"r\\xf4ng.txt": "empty file"}
    ids = {str(x[0]) for x in store.query("SELECT ?i WHERE { ?a a kg:Article ; dcterms:identifier ?i }").rows}
    assert ids == {"tin-caf\\xe9"}
    proc = subprocess.run([sys.executable, "-m", "kg.cli", "ingest", str(src), "--store", ":memory:", "--no-progress"],
                          capture_output=True, cwd=ROOT)  # fmt: skip
    assert b"internal error" not in proc.stderr and b"r\\xf4ng.txt: empty file" in proc.stderr


def test_an_article_id_ending_in_ten_hex_digits_is_found() -> None:
    c = TestClient(create_app(OxigraphStore(None), Settings(write_token="t0ken-0123456789"), extractor=fixture_extractor))
    aid = "tin-0123456789"
    r = c.post("/articles", json={"id": aid, "text": fictional_article(2)},
               headers={"Authorization": "Bearer t0ken-0123456789"})  # fmt: skip
    assert r.status_code == 201, r.text
    assert c.get(f"/articles/{aid}").status_code == 200
    segment = r.json()["graph"].rsplit("/", 1)[1]  # the IRI's own segment still works too
    assert c.get(f"/articles/{segment}").status_code == 200


def test_html_nested_deeper_than_lxml_parses_keeps_its_text(tmp_path: Path) -> None:
    title, body = fictional_article(3).split("\n", 1)
    deep = "<div>" * 400 + "".join(f"<p>{line}</p>" for line in body.splitlines()) + "</div>" * 400
    page = tmp_path / "sau.html"
    page.write_text(f"<html><head><title>{title}</title><script>var x = 1;</script></head>"
                    f"<body>{deep}</body></html>", encoding="utf-8")  # fmt: skip
    a = read_article(page)
    assert a.title == title and body.splitlines()[1] in a.text and "var x" not in a.text
    assert "html" in a.conversions


def _line_events(fn: Any) -> int:
    n = 0

    def local(frame: Any, event: str, arg: Any) -> Any:
        nonlocal n
        n += event == "line"
        return local

    sys.settrace(lambda frame, event, arg: local if "/kg/" in frame.f_code.co_filename else None)
    try:
        fn()
    finally:
        sys.settrace(None)
    return n


def _one_long_line(n: int) -> str:
    parts = (f"Ngày {1 + i % 28}/{1 + i % 12}/{2001 + i % 20}, Hội đồng xã Bến Lội họp phiên thứ {i} "
             f"và thông qua kế hoạch tháng {1 + i % 12}/{2001 + i % 20}." for i in range(n))  # fmt: skip
    return "Một dòng rất dài\n" + " ".join(parts)


def test_extraction_work_on_one_long_line_grows_with_its_length() -> None:
    """Lines of kg code run (not time) for a one-line article of N and 4N dated sentences: 4× the text
    is about 4× the work. (Scanning every date for every sentence made it 7.7×; a 1.9 MB line took 54 s.)"""
    small, large = (article_from_text("dai", _one_long_line(n)) for n in (100, 400))
    extract_facts(small)  # rules loaded, caches warm
    ratio = _line_events(lambda: extract_facts(large)) / _line_events(lambda: extract_facts(small))
    assert ratio < 4.6


WORDS = ("Trường", "Đại", "học", "Công", "nghệ", "ĐH", "ĐHCN", "CN", "đhcn", "Cn", "Đảng", "bộ", "UBND", "Ủy",
         "ban", "nhân", "dân", "U.B.N.D", "tỉnh", "Hà", "Nội", "HN", "Hòa", "Vân", "HV", "-", "(ĐHCN)")  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join), min_size=2, max_size=12))
def test_the_unit_index_never_misses_two_spellings_of_one_unit(names: list[str]) -> None:
    index = UnitIndex()
    for i, n in enumerate(names):
        index.add(n, i)
    for a in names:
        found = set(index.candidates(a))
        assert {j for j, b in enumerate(names) if same_unit(a, b)} <= found


def _units(n: int) -> tuple[OrgFact, ...]:
    """n invented units: a few shapes over invented place names (two syllables from a small set)."""
    places = [f"{x} {y}" for x in ("Phù", "Lâm", "Bến", "Thạch", "Đông", "Yên", "Sông", "Hòa")
              for y in ("Vân", "Xuyên", "Lội", "Khê", "Mây", "Thủy", "Lâm", "Hà", "Nam", "Bắc")]  # fmt: skip
    shapes = ("Ủy ban nhân dân xã {p} {i}", "Đảng ủy xã {p} {i}", "UBND xã {p} {i}", "Trường Tiểu học {p} số {i}")
    return tuple(OrgFact(name=shapes[i % 4].format(p=places[(i // 4) % 80], i=i // 320)) for i in range(n))


def test_merging_the_units_of_one_article_grows_with_their_number() -> None:
    """Lines run by merge_units for N and 4N units (one long article names thousands): about 4×, where
    comparing every pair was 16× (0.35 s of resolve for a 135 kB line, 3 s for 400 kB)."""
    small, large = _units(100), _units(400)
    for units in (small, large):
        merge_units(units, frozenset(), None)  # caches of folded names and alignments warm for both
    ratio = _line_events(lambda: merge_units(large, frozenset(), None)) / _line_events(
        lambda: merge_units(small, frozenset(), None))  # fmt: skip
    assert ratio < 5.5
    assert len(merge_units(small, frozenset(), None)) < len(small)  # "UBND xã X" and "Ủy ban nhân dân xã X" merge
