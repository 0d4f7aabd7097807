"""The legacy encoding tables (src/kg/encodings/*.yaml) and the detector that chooses among them."""

from __future__ import annotations

import unicodedata

import pytest
import yaml

from ingest_fixtures import LETTERS, LOWER, SAMPLE
from kg.read import encodings
from kg.read.encodings import LEGACY, decode, encode, guess, is_syllable, vietnamese_score


def test_the_fixture_alphabet_has_all_134_vietnamese_letters() -> None:
    assert len(LOWER) == 67 and len(set(LETTERS)) == 134
    assert all(unicodedata.is_normalized("NFC", c) and len(c) == 1 for c in LETTERS)


@pytest.mark.parametrize("encoding", LEGACY)
def test_every_vietnamese_letter_round_trips(encoding: str) -> None:
    bad = [c for c in LETTERS if decode(encode(c, encoding), encoding) != c]
    assert not bad
    words = " ".join(LETTERS)
    assert decode(encode(words, encoding), encoding) == words


@pytest.mark.parametrize("encoding", LEGACY)
def test_every_letter_has_its_own_code(encoding: str) -> None:
    codes = {encode(c, encoding): c for c in LETTERS}
    assert len(codes) == 134


def test_tcvn3_table_agrees_with_known_bytes() -> None:
    # Spot checks from the TCVN 5712 chart: à=0xB5, á=0xB8, ạ=0xB9, đ=0xAE, Đ=0xA7, ơ=0xAC, ư=0xAD,
    # ế=0xD5, ộ=0xE9, ữ=0xF7, ỹ=0xFC, and the VN1 capitals À=0x80, Ụ=0x02.
    expected = {"à": 0xB5, "á": 0xB8, "ạ": 0xB9, "đ": 0xAE, "Đ": 0xA7, "ơ": 0xAC, "ư": 0xAD,
                "ế": 0xD5, "ộ": 0xE9, "ữ": 0xF7, "ỹ": 0xFC, "À": 0x80, "Ụ": 0x02}  # fmt: skip
    assert {c: encode(c, "tcvn3")[0] for c in expected} == expected


def test_tcvn3_combining_tone_marks_compose() -> None:
    assert decode(b"Vi\xaa\xb4t Nam", "tcvn3") == "Việt Nam"  # ê + combining dot below


def test_tcvn3_reads_0x80_0x9f_as_punctuation_or_capitals_whichever_looks_vietnamese() -> None:
    quoted = "“Hội nghị” – Đảng ủy xã Hòa Vân… đồng chí Trần Văn Khải phát biểu."
    assert encode(quoted, "tcvn3").startswith(b"\x93H")  # 0x93 is also VN1's Ỏ
    assert decode(encode(quoted, "tcvn3"), "tcvn3") == quoted
    capitals = "ĐẢNG ỦY TRƯỜNG ĐẠI HỌC HÒA VÂN"
    assert decode(encode(capitals, "tcvn3"), "tcvn3") == capitals


def test_characters_a_table_lacks_can_be_replaced() -> None:
    assert encode("Hà 北", "tcvn3", errors="replace") == b"H\xb5 ?"


def test_vni_writes_base_letters_followed_by_marks() -> None:
    assert encode("Việt Nam", "vni") == "Vieät Nam".encode("cp1252")
    assert encode("Đảng ủy", "vni") == "Ñaûng uûy".encode("cp1252")
    assert encode("Người", "vni") == "Ngöôøi".encode("cp1252")


def test_vni_mixed_case_pairs_are_read_in_the_base_letters_case() -> None:
    assert decode("VIEäT NAM Vieät".encode("cp1252"), "vni") == "VIỆT NAM Việt"


def test_windows_1258_writes_tones_as_combining_marks() -> None:
    data = encode("Lệ", "cp1258")
    assert data == b"L\xea\xf2"  # ê, then the combining dot below
    assert decode(data, "cp1258") == "Lệ"


def test_encoding_text_a_table_lacks_is_refused() -> None:
    for encoding in LEGACY:
        with pytest.raises(ValueError):
            encode("Hà Nội 北京", encoding)


def test_tables_are_nfc_and_declare_their_source() -> None:
    for name in ("tcvn3.yaml", "vni.yaml"):
        data = yaml.safe_load(encodings.resources.files("kg.read").joinpath("encodings", name).read_text("utf-8"))
        assert data["source"]
        values = data.get("bytes", data.get("letters"))
        assert all(unicodedata.is_normalized("NFC", str(k)) for k in values)


@pytest.mark.parametrize(
    "word",
    ["người", "Nghiêng", "khuya", "quốc", "giữ", "thuở", "hoà", "hòa", "xoong", "oách", "ĐẢNG", "Ủy", "yêu", "gì"],
)
def test_well_formed_syllables_are_recognised(word: str) -> None:
    assert is_syllable(word)


@pytest.mark.parametrize("word", ["Hµ", "Néi", "Vieät", "caùc", "ngưòi", "aá", "ñaûng", "café", "tiếngg", "xưởngs"])
def test_misdecoded_or_foreign_words_are_not_syllables(word: str) -> None:
    assert not is_syllable(word)


def test_the_score_ignores_ascii_words_and_counts_controls_as_bad() -> None:
    assert vietnamese_score("Hello world 2024") == 0.0
    assert vietnamese_score("Đảng ủy xã") == 1.0
    assert vietnamese_score("Đảng \x01ủy") == 0.5


@pytest.mark.parametrize("encoding", LEGACY)
def test_the_right_encoding_scores_highest_by_a_wide_margin(encoding: str) -> None:
    ranked = guess(encode(SAMPLE, encoding))
    assert ranked[0].encoding == encoding and ranked[0].score > 0.95
    assert ranked[1].score < 0.5
