"""Hostile and broken XLSX files are refused quickly with a clear message
(pure: no database; the upload page and the CLI are tested in test_routes and
test_cli)."""

from __future__ import annotations

import io
import resource
import time
from pathlib import Path

import pytest

from app.samples import importer
from app.samples.fields import FrameKind, ProblemCode
from app.samples.tables import TableLimits
from tests.samples import hostile_xlsx as hx


def check(data: bytes, limits: TableLimits | None = None) -> importer.ValidationReport:
    return importer.validate(io.BytesIO(data), kind=FrameKind.officials, limits=limits)


def refused(
    data: bytes, code: ProblemCode, limits: TableLimits | None = None
) -> tuple[str, float]:
    started = time.process_time()
    report = check(data, limits)
    spent = time.process_time() - started
    assert not report.ok
    assert [p.code for p in report.problems] == [code], [
        p.text() for p in report.problems
    ]
    return report.problems[0].message, spent


def test_a_good_hand_built_file_is_read() -> None:
    data = hx.good()
    report = check(data)
    assert report.ok, [p.text() for p in report.problems]
    rows = list(importer.read_rows(io.BytesIO(data), report, kind=FrameKind.officials))
    assert [(r.line, r.email) for r in rows] == [
        (2, "persoon2@gemeente-x.test"),
        (3, "persoon3@gemeente-x.test"),
    ]


def test_a_lying_dimension_is_not_trusted() -> None:
    report = check(hx.lying_dimension())
    assert report.ok and report.rows == 1


def test_one_cell_at_row_99_999_999_is_refused_at_once() -> None:
    data = hx.far_row()
    assert len(data) < 2000
    message, spent = refused(data, ProblemCode.FILE_TOO_BIG)
    assert "99999999" in message and "rijen" in message
    assert spent < 1.0


def test_a_far_row_within_excel_is_read_without_filling_the_gap() -> None:
    # Row 900,000 is allowed, and costs nothing: rows missing from the file
    # are not made up.
    started = time.process_time()
    report = check(hx.far_row(900_000))
    assert time.process_time() - started < 1.0
    assert report.rows == 1  # the one row with a value (its problems don't matter)


def test_a_cell_far_to_the_right_is_refused() -> None:
    message, _ = refused(hx.far_column(), ProblemCode.FILE_TOO_BIG)
    assert "kolom 200" in message


def test_a_zip_of_empty_cells_is_refused_before_parsing() -> None:
    data = hx.empty_rows(20_000, cells_per_row=50)
    assert len(data) < 100_000  # packs small, unpacks to ~5 MB of XML
    message, spent = refused(data, ProblemCode.FILE_TOO_BIG)
    assert "pakt uit tot" in message
    assert spent < 1.0


def test_total_unpacked_size_is_bounded() -> None:
    limits = TableLimits(max_unpacked_bytes=1000)
    message, _ = refused(hx.good(), ProblemCode.FILE_TOO_BIG, limits)
    assert "uitgepakt" in message


def test_empty_cells_count_towards_the_cell_limit() -> None:
    limits = TableLimits(max_cells=5000, max_ratio=10_000)
    message, _ = refused(
        hx.empty_rows(200, cells_per_row=30, refs=True),
        ProblemCode.FILE_TOO_BIG,
        limits,
    )
    assert "5000 cellen" in message


def test_rows_are_bounded_while_reading() -> None:
    limits = TableLimits(max_rows=50, max_ratio=10_000)
    message, _ = refused(hx.empty_rows(500), ProblemCode.FILE_TOO_BIG, limits)
    assert "50 rijen" in message


def test_reading_time_is_bounded() -> None:
    message, _ = refused(
        hx.good(), ProblemCode.FILE_TOO_BIG, TableLimits(max_seconds=0)
    )
    assert "seconden" in message


def test_empty_rows_bomb_with_default_limits_stays_small_and_quick() -> None:
    # 24 MB of empty cells packed into a few dozen kilobytes: refused before
    # any XML is parsed, without the memory a parse would take.
    data = hx.empty_rows(60_000, cells_per_row=100)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _message, spent = refused(data, ProblemCode.FILE_TOO_BIG)
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert spent < 2.0 and grown_kb < 100_000


@pytest.mark.parametrize(
    "build",
    [hx.no_sheets, hx.broken_xml, hx.broken_workbook_xml, hx.entity_bomb,
     hx.shared_strings_bomb],
)  # fmt: skip
def test_broken_and_malicious_files_are_refused_as_unreadable(build: object) -> None:
    message, spent = refused(build(), ProblemCode.FILE_FORMAT)  # type: ignore[operator]
    assert ("Excel" in message and "werkblad" in message) or "niet te openen" in message
    assert spent < 2.0


def test_an_external_entity_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "geheim.txt"
    secret.write_text("HET-GEHEIM")
    report = check(hx.external_entity(str(secret)))
    assert not report.ok
    assert [p.code for p in report.problems] == [ProblemCode.FILE_FORMAT]
    assert "HET-GEHEIM" not in repr(report)


def test_csv_rows_are_bounded_too() -> None:
    lines = ["Naam;E-mailadres;Functie;Organisatie"] + [
        f"P{i};p{i}@x.test;wethouder;G" for i in range(30)
    ]
    data = "\n".join(lines).encode()
    message, _ = refused(data, ProblemCode.FILE_TOO_BIG, TableLimits(max_rows=20))
    assert "20 rijen" in message
