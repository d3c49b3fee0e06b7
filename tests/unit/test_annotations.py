from __future__ import annotations

import os
from pathlib import Path

import pytest

from shipviewer.airbus.annotations import (
    CsvError,
    atomic_write_text,
    format_csv,
    read_csv,
    validate_csv,
    write_csv,
)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_reads_ships_per_image_in_file_order(tmp_path: Path) -> None:
    f = write(tmp_path / "a.csv", "ImageId,EncodedPixels\na.jpg,1 2\nb.jpg,\na.jpg,10 3\nc.jpg,NaN\n")
    result = read_csv(f)
    assert result.ships == {"a.jpg": ["1 2", "10 3"], "b.jpg": [], "c.jpg": []}
    assert result.n_rows == 4 and result.n_ships == 2


def test_bom_crlf_quotes_and_extra_columns(tmp_path: Path) -> None:
    text = '\ufeffExtra,EncodedPixels,ImageId\r\nx,"1 2 5 1",a.jpg\r\ny,,b.jpg\r\n"z,z",nan,c.jpg\r\n'
    result = read_csv(write(tmp_path / "a.csv", text))
    assert result.ships == {"a.jpg": ["1 2 5 1"], "b.jpg": [], "c.jpg": []}


def test_blank_lines_are_ignored(tmp_path: Path) -> None:
    result = read_csv(write(tmp_path / "a.csv", "ImageId,EncodedPixels\n\na.jpg,1 2\n\n"))
    assert result.ships == {"a.jpg": ["1 2"]}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("ImageId,Pixels\na.jpg,1 2\n", "a.csv:1: header 'ImageId,Pixels' lacks the column"),
        ("", "a.csv: the file is empty"),
        ("ImageId,EncodedPixels\na.jpg\n", "a.csv:2: expected 2 fields"),
        ("ImageId,EncodedPixels\na.jpg,1 2\n,3 4\n", "a.csv:3: empty ImageId"),
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(CsvError, match=fragment.replace(".", r"\.")):
        read_csv(write(tmp_path / "a.csv", text))


def test_collect_mode_keeps_the_good_rows(tmp_path: Path) -> None:
    f = write(tmp_path / "a.csv", "ImageId,EncodedPixels\na.jpg,1 2\nbroken\nb.jpg,3 4\n")
    result = read_csv(f, errors="collect")
    assert result.ships == {"a.jpg": ["1 2"], "b.jpg": ["3 4"]}
    assert [(p.line, "expected 2 fields" in p.message) for p in result.problems] == [(3, True)]


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(CsvError, match="no such file"):
        read_csv(tmp_path / "nope.csv")
    with pytest.raises(CsvError, match="is a folder"):
        read_csv(tmp_path)


def test_line_numbers_count_quoted_newlines(tmp_path: Path) -> None:
    text = 'ImageId,EncodedPixels,Note\na.jpg,1 2,"two\nlines"\nb.jpg\n'
    result = read_csv(write(tmp_path / "a.csv", text), errors="collect")
    assert result.problems[0].line == 4


def test_write_is_canonical_and_sorted(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    write_csv(target, {"b.jpg": ["5 1", "1 2"], "a.jpg": [], "c.jpg": ["", "7 7"]})
    assert target.read_text() == "ImageId,EncodedPixels\na.jpg,\nb.jpg,5 1\nb.jpg,1 2\nc.jpg,7 7\n"
    assert read_csv(target).ships == {"a.jpg": [], "b.jpg": ["5 1", "1 2"], "c.jpg": ["7 7"]}


def test_read_then_write_of_a_canonical_sorted_file_is_byte_identical(tmp_path: Path, real_dir: Path) -> None:
    ships = read_csv(real_dir / "labels.csv").ships
    first = tmp_path / "first.csv"
    write_csv(first, ships)
    second = tmp_path / "second.csv"
    write_csv(second, read_csv(first).ships)
    assert first.read_bytes() == second.read_bytes()


def test_write_rejects_ids_that_would_break_the_csv() -> None:
    with pytest.raises(ValueError, match="comma"):
        format_csv({"a,b.jpg": []})


def test_atomic_write_leaves_old_file_when_interrupted(tmp_path: Path) -> None:
    target = tmp_path / "keep.csv"
    target.write_text("old")

    # A lone surrogate cannot be encoded: the write fails half-way through the text.
    with pytest.raises(UnicodeEncodeError):
        atomic_write_text(target, "new" * 10000 + "\ud800")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.csv"]


def test_atomic_write_keeps_permissions(tmp_path: Path) -> None:
    target = tmp_path / "perm.csv"
    target.write_text("old")
    os.chmod(target, 0o640)
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o640


def test_validate_reports_everything_with_lines(tmp_path: Path) -> None:
    images = tmp_path / "imgs"
    images.mkdir()
    (images / "a.jpg").write_bytes(b"")
    text = (
        "ImageId,EncodedPixels\n"
        "a.jpg,1 10\n"  # 2
        "a.jpg,5 3\n"  # 3 overlaps line 2
        "a.jpg,1 10\n"  # 4 duplicate of line 2
        "b.jpg,1 x\n"  # 5 malformed, b.jpg missing from folder
        "c.jpg,\n"  # 6 empty row ...
        "c.jpg,100 2\n"  # 7 ... and a ship: contradiction
        "d.jpg\n"  # 8 too few fields
        "e.jpg,589824 5\n"  # 9 past the end
    )
    report = validate_csv(write(tmp_path / "v.csv", text), images=images)
    found = [(p.line, p.message) for p in report.problems]
    assert not report.ok
    lines = {line for line, _ in found}
    assert {3, 4, 5, 6, 8, 9} <= lines
    messages = "\n".join(m for _, m in found)
    assert "overlaps the ship on line 2 by 3 pixels" in messages
    assert "duplicate ship row for a.jpg (first on line 2)" in messages
    assert "b.jpg: malformed run-length string" in messages
    assert "c.jpg has an empty row (no ships) and also 1 ship row(s)" in messages
    assert "expected 2 fields" in messages
    assert "runs past pixel 589824" in messages
    assert "b.jpg is not in" in messages and "c.jpg is not in" in messages
    assert [p.line for p in report.problems] == sorted(p.line for p in report.problems)


def test_validate_clean_file(tmp_path: Path) -> None:
    f = write(tmp_path / "ok.csv", "ImageId,EncodedPixels\na.jpg,1 10\na.jpg,21 3\nb.jpg,\n")
    report = validate_csv(f, shape=(10, 10))
    assert report.ok and report.n_images == 2 and report.n_ships == 2 and report.n_rows == 3


# --- issue #11: every bad row reported, binary files, each image's own size ------------------------------
FIVE_BAD = (
    "ImageId,EncodedPixels\n"
    "a.jpg,1 5\n"
    "b.jpg,10 0\n"  # 3: length 0
    'c.jpg,"20 5\n'  # 4: a quote that never closes
    "d.jpg,30 -2\n"  # 5: not a whole number
    "e.jpg,40 5 50\n"  # 6: odd count
    "f.jpg,60 5\n"
    "g.jpg,70 5 71 2\n"  # 8: overlapping runs
)


def test_a_stray_quote_costs_its_own_row_only(tmp_path: Path) -> None:
    path = write(tmp_path / "five.csv", FIVE_BAD)
    report = validate_csv(path)
    assert [p.line for p in report.problems] == [3, 4, 5, 6, 8]
    assert "quote" in report.problems[1].message
    result = read_csv(path, errors="collect")
    assert [p.line for p in result.problems] == [4]  # reading alone does not decode runs
    assert set(result.ships) == {"a.jpg", "b.jpg", "d.jpg", "e.jpg", "f.jpg", "g.jpg"}


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200),
        bytes(range(256)) * 20,
        b"\xff\xd8\xff\xe0" + bytes(64),
    ],
)
def test_a_binary_file_is_not_a_text_csv(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "image.csv"
    path.write_bytes(content)
    with pytest.raises(CsvError, match=r"image\.csv: not a text CSV file") as caught:
        read_csv(path, errors="collect")
    assert "codec" not in str(caught.value)


def test_text_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("ImageId,EncodedPixels\nb\xe9.jpg,1 2\n".encode("latin-1"))
    with pytest.raises(CsvError, match=r"latin\.csv:2: not UTF-8 text"):
        read_csv(path)


def test_validate_with_images_checks_each_row_against_its_own_image(tmp_path: Path) -> None:
    import cv2
    import numpy as np

    folder = tmp_path / "images"
    (folder / "sub").mkdir(parents=True)
    cv2.imwrite(str(folder / "big.png"), np.zeros((2000, 3000, 3), np.uint8))
    cv2.imwrite(str(folder / "sub" / "small.png"), np.zeros((70, 100, 3), np.uint8))
    cv2.imwrite(str(folder / "frame.jpg"), np.zeros((768, 768, 3), np.uint8))
    text = (
        "ImageId,EncodedPixels\n"
        "big.png,5999000 10\n"  # inside 2000 × 3000, past 768²
        "frame.jpg,589820 10\n"  # past 768²
        "sub/small.png,6990 20\n"  # past 70 × 100
        "sub/small.png,1 5\n"
    )
    path = write(tmp_path / "sizes.csv", text)
    report = validate_csv(path, images=folder)
    assert [p.line for p in report.problems] == [3, 4]
    assert "image 100×70" in report.problems[1].message
    lines = [p.line for p in validate_csv(path).problems]  # 768 × 768 for all without --images
    assert lines == [2, 3]
