"""Fictional Vietnamese articles for the ingest, property and crash tests.

Every person, unit and document here is invented (the province "Lâm Xuyên", the university "Hòa
Vân", the party committee numbers). ``fictional_article(i)`` is deterministic: article ``i`` is the
same text in every run, so two ingests of the same folder must give the same graph.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

# One article with every shape the legacy encodings must carry: all tones, ă â ê ô ơ ư đ, capitals,
# the glide-ending syllables ("người", "khuya") and old-style tone placement ("hoà").
SAMPLE = """Hội nghị tổng kết công tác xây dựng Đảng năm 2023 của Đảng bộ Trường Đại học Hòa Vân
Chiều ngày 12/01/2024, Đảng ủy Trường Đại học Hòa Vân tổ chức Hội nghị tổng kết công tác xây dựng Đảng năm 2023 và triển khai nhiệm vụ năm 2024.
Đồng chí Trần Văn Khải, Bí thư Đảng ủy, Hiệu trưởng Nhà trường chủ trì hội nghị.
Tham dự có đồng chí Lê Thị Mai Hương, Phó Bí thư Thường trực Đảng ủy, và đồng chí Phạm Quốc Bảo, Ủy viên Ban Thường vụ.
Hội nghị đã quán triệt Nghị quyết số 88-NQ/TW của Bộ Chính trị về đổi mới giáo dục đại học.
Năm qua, 25 đảng viên được tặng Giấy khen; Chi bộ Khoa Vật lý được khen thưởng vì đã hoàn thành xuất sắc nhiệm vụ.
Người dân xã Yên Thuỷ phấn khởi, khuya khoắt vẫn nghiêng ngả bàn chuyện ruộng vườn, hoà thuận và quyết tâm.
ĐẢNG ỦY TRƯỜNG ĐẠI HỌC HÒA VÂN KHÓA MỚI ỨNG XỬ ĐÚNG MỰC, ỔN ĐỊNH, ỦNG HỘ ĐỔI MỚI."""

# Every lower-case Vietnamese letter that is not ASCII (67), and their capitals: 134 letters.
_BASES = ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")
_TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
LOWER = tuple(
    c for c in (unicodedata.normalize("NFC", b + t) for b in _BASES for t in _TONES) if not c.isascii()
) + ("đ",)
LETTERS = LOWER + tuple(c.upper() for c in LOWER)

_SURNAMES = ("Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đỗ", "Ngô", "Dương", "Lý", "Đinh", "Mai", "Tạ")
_MIDDLE = ("Văn", "Thị", "Quốc", "Minh", "Đức", "Thu", "Hải", "Ngọc", "Xuân", "Thanh")
_GIVEN = ("Khải", "Hương", "Bảo", "Tâm", "Yến", "Long", "Nghĩa", "Thưởng", "Lan", "Phúc", "Dũng", "Hà",
          "Quyên", "Tuấn", "Thủy", "Việt", "Hậu", "Khánh", "Oanh", "Sơn")  # fmt: skip
_PLACES = ("Lâm Xuyên", "Hòa Vân", "Sông Mây", "Yên Thủy", "Bến Lội", "Đông Khê", "Thạch Lâm", "Phù Vân")
_UNITS = (
    "Đảng ủy xã {p}",
    "Đảng ủy Trường Đại học {p}",
    "Huyện ủy {p}",
    "Chi bộ Khoa Vật lý Trường Đại học {p}",
    "Ủy ban nhân dân huyện {p}",
    "Hội Cựu chiến binh tỉnh {p}",
)
_TITLES = ("Bí thư", "Phó Bí thư", "Chủ tịch", "Phó Chủ tịch", "Hiệu trưởng", "Trưởng ban Tuyên giáo")


def person(i: int) -> str:
    return f"{_SURNAMES[i % 12]} {_MIDDLE[(i // 12) % 10]} {_GIVEN[(i // 7) % 20]}"


def fictional_article(i: int, paragraphs: int = 6) -> str:
    """Article ``i`` of an invented news feed: a title, a lead, people with roles, a document, an award."""
    place = _PLACES[i % len(_PLACES)]
    unit = _UNITS[i % len(_UNITS)].format(p=place)
    day, month, year = 1 + i % 28, 1 + (i // 28) % 12, 2019 + i % 6
    lines = [
        f"Hội nghị sơ kết công tác số {i} của {unit}",
        f"Sáng ngày {day}/{month}/{year}, {unit} tổ chức Hội nghị sơ kết công tác quý {1 + i % 4} "
        f"và triển khai nhiệm vụ thời gian tới.",
    ]
    for k in range(paragraphs):
        j = i * 7 + k
        title = _TITLES[j % len(_TITLES)]
        lines.append(
            f"Đồng chí {person(j)}, {title} {unit}, phát biểu ý kiến về việc thực hiện "
            f"Nghị quyết số {10 + j % 50}-NQ/TW của Bộ Chính trị và Chỉ thị số {j % 30 + 1}-CT/TU "
            f"của Tỉnh ủy {place}."
        )
    lines.append(
        f"Dịp này, đồng chí {person(i + 3)} được tặng Bằng khen của Ủy ban nhân dân tỉnh {place} "
        f"vì đã có thành tích xuất sắc trong năm {year - 1}."
    )
    return "\n".join(lines) + "\n"


def write_corpus(folder: Path, n: int, paragraphs: int = 6, start: int = 0) -> list[Path]:
    """Write fictional articles ``start``… ``start + n - 1`` as UTF-8 files ``a0000.txt``…; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + n):
        p = folder / f"a{i:04d}.txt"
        p.write_text(fictional_article(i, paragraphs), encoding="utf-8")
        paths.append(p)
    return paths


def page(body_html: str, *, title: str, url: str | None = None, published: str | None = None,
         charset: str = "utf-8") -> str:
    """A news web page around ``body_html``: head metadata, a menu, a sidebar and a footer."""
    meta = [f'<meta charset="{charset}">', f"<title>{title} | Báo Lâm Xuyên điện tử</title>",
            f'<meta property="og:title" content="{title}">']
    if url:
        meta.append(f'<link rel="canonical" href="{url}">')
    if published:
        meta.append(f'<meta property="article:published_time" content="{published}T07:30:00+07:00">')
    return f"""<!DOCTYPE html>
<html lang="vi"><head>{"".join(meta)}</head>
<body>
<header><nav class="menu"><ul>
<li><a href="/">Trang chủ</a></li><li><a href="/thoi-su">Thời sự</a></li>
<li><a href="/xay-dung-dang">Xây dựng Đảng</a></li><li><a href="/the-thao">Thể thao</a></li>
<li><a href="/dang-nhap">Đăng nhập tài khoản bạn đọc</a></li></ul></nav></header>
<main><article><h1>{title}</h1>
{body_html}
</article>
<aside class="sidebar"><h3>Tin đọc nhiều</h3><ul><li><a href="/x">Giá vàng hôm nay biến động mạnh</a></li>
<li><a href="/y">Lịch cắt điện cuối tuần ở thành phố</a></li></ul></aside></main>
<footer><p>Cơ quan chủ quản: Tòa soạn Báo Lâm Xuyên điện tử, số 9 đường Bến Lội.</p>
<p>Bản quyền thuộc về tòa soạn. Liên hệ quảng cáo: 0200 000 000.</p></footer>
</body></html>
"""
