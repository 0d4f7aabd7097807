"""Reading article files: odd but valid input is read right, bad input is refused with a reason.

Every odd file is generated here in tmp_path from the fictional SAMPLE article.
"""

from __future__ import annotations

import random
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from ingest_fixtures import SAMPLE, page, write_corpus
from kg.errors import ArticleError, KgError
from kg.read import encodings
from kg.read.ingest import iter_article_paths, read_article
from kg.text import normalize

EXPECTED = normalize(SAMPLE)
TITLE = SAMPLE.split("\n", 1)[0]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def refused(path: Path) -> str:
    with pytest.raises(ArticleError) as e:
        read_article(path)
    return str(e.value)


# ------------------------------------------------------------------------------------ odd but valid


def test_plain_utf8_is_read_with_the_first_line_as_title(tmp_path: Path) -> None:
    a = read_article(write(tmp_path, "bai-1.txt", SAMPLE.encode()))
    assert (a.id, a.title, a.text, a.encoding, a.conversions) == ("bai-1", TITLE, EXPECTED, "utf-8", ())
    assert a.source_path == str(tmp_path / "bai-1.txt") and len(a.sha256) == 64


def test_utf8_bom_is_dropped_and_noted(tmp_path: Path) -> None:
    a = read_article(write(tmp_path, "a.txt", b"\xef\xbb\xbf" + SAMPLE.encode()))
    assert a.text == EXPECTED and a.title == TITLE and a.conversions == ("bom",)


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    a = read_article(write(tmp_path, "a.txt", SAMPLE.encode("utf-16")))
    assert a.text == EXPECTED and a.encoding == "utf-16" and "utf-16" in a.conversions


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_read(tmp_path: Path, codec: str) -> None:
    a = read_article(write(tmp_path, "a.txt", SAMPLE.encode(codec)))
    assert a.text == EXPECTED and a.encoding == "utf-16" and a.conversions == ("utf-16",)


def test_crlf_line_ends_become_lf(tmp_path: Path) -> None:
    a = read_article(write(tmp_path, "a.txt", SAMPLE.replace("\n", "\r\n").encode()))
    assert a.text == EXPECTED and "\r" not in a.text and a.conversions == ("crlf",)


def test_nfd_text_becomes_nfc(tmp_path: Path) -> None:
    a = read_article(write(tmp_path, "a.txt", unicodedata.normalize("NFD", SAMPLE).encode()))
    assert a.text == EXPECTED and unicodedata.is_normalized("NFC", a.text) and a.conversions == ("nfd",)


def test_the_same_text_in_any_odd_form_has_the_same_hash(tmp_path: Path) -> None:
    forms = [SAMPLE.encode(), b"\xef\xbb\xbf" + SAMPLE.replace("\n", "\r\n").encode(),
             unicodedata.normalize("NFD", SAMPLE).encode()] + [encodings.encode(SAMPLE, e) for e in encodings.LEGACY]
    hashes = {read_article(write(tmp_path, f"f{i}.txt", f)).sha256 for i, f in enumerate(forms)}
    assert len(hashes) == 1


@pytest.mark.parametrize("encoding", encodings.LEGACY)
def test_legacy_encodings_are_detected_and_converted(tmp_path: Path, encoding: str) -> None:
    data = encodings.encode(SAMPLE, encoding)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    a = read_article(write(tmp_path, "a.txt", data))
    assert a.text == EXPECTED
    assert a.encoding == encoding and a.conversions == (encoding,)


def test_windows_1258_tone_marks_are_combining_and_are_composed(tmp_path: Path) -> None:
    data = encodings.encode("Nguyễn Thị Mỹ Lệ", "cp1258")
    assert b"\xde" in data and b"\xf2" in data  # ngã and nặng written as combining marks
    a = read_article(write(tmp_path, "a.txt", data + b"\r\n" + encodings.encode(SAMPLE, "cp1258")))
    assert a.title == "Nguyễn Thị Mỹ Lệ" and a.conversions == ("cp1258", "crlf")


@pytest.mark.parametrize("encoding", encodings.LEGACY)
def test_a_short_legacy_line_is_still_detected(tmp_path: Path, encoding: str) -> None:
    text = "Đồng chí Vũ Hải Yến được bầu làm Bí thư Chi bộ."
    a = read_article(write(tmp_path, "a.txt", encodings.encode(text, encoding)))
    assert (a.text, a.encoding) == (text, encoding)


def test_utf8_wins_over_legacy_when_the_bytes_are_valid_utf8(tmp_path: Path) -> None:
    a = read_article(write(tmp_path, "a.txt", "Hội nghị — “Đảng ủy”".encode()))
    assert a.encoding == "utf-8" and a.text == "Hội nghị — “Đảng ủy”"


def test_stray_control_characters_are_dropped_and_noted(tmp_path: Path) -> None:
    a = read_article(write(tmp_path, "a.txt", SAMPLE.encode() + b"\x1a"))  # DOS end-of-file mark
    assert a.text == EXPECTED and a.conversions == ("controls",)


# --------------------------------------------------------------------------------------------- HTML

BODY = """<p>Chiều ngày 12/01/2024, Đảng ủy Trường Đại học Hòa Vân tổ chức Hội nghị tổng kết công tác
xây dựng Đảng năm 2023 và triển khai nhiệm vụ năm 2024.</p>
<p>Đồng chí Trần Văn Khải, Bí thư Đảng ủy, Hiệu trưởng Nhà trường chủ trì hội nghị. Tham dự có đồng chí
Lê Thị Mai Hương, Phó Bí thư Thường trực Đảng ủy.</p>
<p>Hội nghị đã quán triệt Nghị quyết số 88-NQ/TW của Bộ Chính trị về đổi mới giáo dục đại học và
thống nhất các giải pháp thực hiện trong năm học mới.</p>"""
HTML_TITLE = "Đảng ủy Trường Đại học Hòa Vân tổng kết công tác năm 2023"
URL = "https://baolamxuyen.example.vn/xay-dung-dang/tong-ket-2023.html"
FURNITURE = ("Trang chủ", "Đăng nhập", "Tin đọc nhiều", "Giá vàng", "Bản quyền", "Liên hệ quảng cáo", "Cơ quan chủ quản")


def _check_page(a: object) -> None:
    assert a.title == HTML_TITLE  # type: ignore[attr-defined]
    text: str = a.text  # type: ignore[attr-defined]
    assert text.split("\n", 1)[0] == HTML_TITLE
    assert "Đồng chí Trần Văn Khải, Bí thư Đảng ủy" in text and "88-NQ/TW" in text
    assert not [w for w in FURNITURE if w in text], text


def test_html_page_gives_main_text_title_url_and_date(tmp_path: Path) -> None:
    html = page(BODY, title=HTML_TITLE, url=URL, published="2024-01-13")
    a = read_article(write(tmp_path, "trang.html", html.encode()))
    _check_page(a)
    assert (a.url, a.published, a.id) == (URL, "2024-01-13", "trang")
    assert a.conversions == ("html",)


def test_html_saved_as_txt_is_sniffed(tmp_path: Path) -> None:
    html = page(BODY, title=HTML_TITLE, url=URL, published="2024-01-13")
    a = read_article(write(tmp_path, "trang.txt", b"\xef\xbb\xbf\n  " + html.replace("\n", "\r\n").encode()))
    _check_page(a)
    assert a.conversions == ("bom", "crlf", "html")


@pytest.mark.parametrize("encoding", encodings.LEGACY)
def test_html_page_in_a_legacy_encoding_is_decoded_then_extracted(tmp_path: Path, encoding: str) -> None:
    html = page(BODY, title=HTML_TITLE, url=URL, charset="windows-1258" if encoding == "cp1258" else "iso-8859-1")
    a = read_article(write(tmp_path, "trang.htm", encodings.encode(html, encoding)))
    _check_page(a)
    assert a.conversions == (encoding, "html")


def test_html_file_without_markup_is_read_as_text(tmp_path: Path) -> None:
    a = read_article(write(tmp_path, "bai.html", SAMPLE.encode()))
    assert a.text == EXPECTED and a.conversions == ()


def test_html_page_without_main_text_is_refused(tmp_path: Path) -> None:
    html = "<!DOCTYPE html><html><head><title>Trang chủ</title></head><body><nav></nav></body></html>"
    assert "without main text" in refused(write(tmp_path, "rong.html", html.encode()))


# ------------------------------------------------------------------------------------------ refused


@pytest.mark.parametrize("data", [b"", b"   \n\r\n\t ", b"\xef\xbb\xbf", b"\xef\xbb\xbf \r\n"], ids=repr)
def test_empty_files_are_refused(tmp_path: Path, data: bytes) -> None:
    assert refused(write(tmp_path, "a.txt", data)) == "empty file"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF document"),
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(40), "ZIP archive"),
        (b"\x7fELF\x02\x01\x01" + bytes(40), "ELF executable"),
        ("Hội nghị\x00\x00\x00tổng kết".encode(), "NUL bytes"),
    ],
    ids=["png", "pdf", "docx", "elf", "nul"],
)
def test_binary_files_are_refused_with_their_kind(tmp_path: Path, data: bytes, kind: str) -> None:
    reason = refused(write(tmp_path, "a.txt", data))
    assert reason.startswith("binary file") and kind in reason


def test_random_bytes_are_refused(tmp_path: Path) -> None:
    rng = random.Random(9)
    for i in range(20):
        data = rng.randbytes(rng.randrange(1, 4000))
        with pytest.raises(ArticleError):
            read_article(write(tmp_path, f"r{i}.txt", data))


def test_truncated_utf8_is_refused(tmp_path: Path) -> None:
    full = SAMPLE.encode()
    data = full[: full.rfind("Ớ".encode()) + 2]  # cut off inside the last "Ớ" (3 bytes)
    reason = refused(write(tmp_path, "a.txt", data))
    assert reason.startswith("truncated UTF-8") and str(len(data)) in reason


def test_damaged_utf8_is_refused_not_read_as_a_legacy_encoding(tmp_path: Path) -> None:
    data = SAMPLE.encode()
    data = data[:200] + b"\xff" + data[201:]
    assert refused(write(tmp_path, "a.txt", data)).startswith("damaged UTF-8: invalid sequence at byte")


def test_western_text_in_latin1_is_refused(tmp_path: Path) -> None:
    data = "Le comité a étudié le problème à Noël, déjà très tôt.".encode("latin-1")
    assert refused(write(tmp_path, "a.txt", data)).startswith("not UTF-8, and not Vietnamese text")


def test_files_over_the_size_limit_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = SAMPLE.encode()
    monkeypatch.setenv("KG_MAX_ARTICLE_BYTES", str(len(data)))
    assert read_article(write(tmp_path, "ok.txt", data)).text == EXPECTED
    reason = refused(write(tmp_path, "big.txt", data + b"x"))
    assert reason.startswith(f"too large ({len(data) + 1} bytes > limit {len(data)}")


def test_a_bad_size_limit_setting_is_a_configuration_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_MAX_ARTICLE_BYTES", "2MB")
    with pytest.raises(KgError, match="KG_MAX_ARTICLE_BYTES"):
        read_article(write(tmp_path, "a.txt", SAMPLE.encode()))


def test_missing_files_and_folders_are_refused(tmp_path: Path) -> None:
    assert refused(tmp_path / "nowhere.txt") == "no such file"
    assert refused(tmp_path) == "not a file"


def test_folders_are_walked_in_a_stable_order_for_article_suffixes(tmp_path: Path) -> None:
    for name in ["b.txt", "a.HTML", "c.htm", "d.pdf", ".hidden.txt", "sub/e.txt"]:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("x")
    assert [p.relative_to(tmp_path).as_posix() for p in iter_article_paths([tmp_path])] == [
        "a.HTML", "b.txt", "c.htm", "sub/e.txt"
    ]


# ---------------------------------------------------------------------------------------------- CLI


def _ingest_with_bad_files(tmp_path: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
    src = tmp_path / "in"
    write_corpus(src, 3)
    bad = {
        "rong.txt": b"",
        "anh.txt": b"\x89PNG\r\n\x1a\n" + bytes(100),
        "cut.txt": "Hội nghị tổng kết Đảng ủ".encode()[:-1],
    }
    for name, data in bad.items():
        (src / name).write_bytes(data)
    (src / "cu.txt").write_bytes(encodings.encode(SAMPLE, "tcvn3"))
    proc = subprocess.run(
        [sys.executable, "-m", "kg.cli", "ingest", "--workers", "1", "--no-progress",
         "--store", str(tmp_path / "store"), str(src)],
        capture_output=True, text=True, timeout=120,
    )
    return src, proc


def test_kg_ingest_reports_each_bad_file_by_name_and_reason_and_goes_on(tmp_path: Path) -> None:
    src, proc = _ingest_with_bad_files(tmp_path)
    failed = [line for line in proc.stderr.splitlines() if line.startswith("kg: failed: ")]
    assert sorted(failed) == sorted([
        f"kg: failed: {src / 'anh.txt'}: binary file (PNG image)",
        f"kg: failed: {src / 'cut.txt'}: truncated UTF-8: the file ends inside a character (byte 34 of 36)",
        f"kg: failed: {src / 'rong.txt'}: empty file",
    ]), proc.stderr
    assert "ingested 4, unchanged 0, failed 3" in proc.stderr


def test_kg_ingest_exit_status_says_some_files_failed(tmp_path: Path) -> None:
    _, proc = _ingest_with_bad_files(tmp_path)
    assert proc.returncode == 1, proc.stderr
