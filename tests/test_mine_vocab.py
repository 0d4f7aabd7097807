"""The vocabulary miner, run on a small folder of sentences we wrote: what it counts and what it keeps."""

from pathlib import Path

from kg.rules.mine_vocab import mine


def _folder(tmp_path: Path, lines: list[str]) -> Path:
    d = tmp_path / "bulk"
    d.mkdir()
    for n in range(0, len(lines), 5):
        (d / f"a{n:03d}.txt").write_text("Tin\n" + "\n".join(lines[n : n + 5]) + "\n", encoding="utf-8")
    return d


def test_place_levels_come_from_the_place_words_before_them_and_people_are_left_out(tmp_path: Path) -> None:
    lines = ["Đoàn công tác làm việc với tỉnh Hòa Lâm về nông nghiệp."] * 12
    lines += ["Tỉnh ủy Hòa Lâm tổ chức hội nghị."] * 3
    lines += ["Lãnh đạo thành phố Đông Hà tiếp đoàn."] * 11
    lines += ["Chủ tịch UBND thành phố Lê Văn Ba phát biểu."] * 11 + ["Sau đó ông Lê Văn Ba trả lời."] * 11
    lines += ["Họ đến thăm tỉnh Vân Sơn."] * 9  # too rare
    places = mine(_folder(tmp_path, lines))["places"]
    assert places["Hòa Lâm"] == {"level": "province", "count": 15}
    assert places["Đông Hà"]["level"] == "city"
    assert "Lê Văn Ba" not in places and "Vân Sơn" not in places


def test_two_syllable_words_are_frequent_pairs_that_meet_more_often_than_chance(tmp_path: Path) -> None:
    lines = ["Kết quả thể hiện rõ sự cố gắng của cả nhóm."] * 40
    lines += [f"Báo cáo số {n} cho thấy điều mới." for n in range(20)]
    lines += ["Họ có nhiều sách."] * 35 + ["Nhà có vườn rộng."] * 365 + ["Sân nhiều cây xanh."] * 365
    words = mine(_folder(tmp_path, lines))["words"]
    assert words["thể hiện"] == 40
    assert "điều mới" not in words  # seen 20 times: too rare to tell
    assert "có nhiều" not in words  # "có" and "nhiều" are everywhere; they meet no more than chance has them
