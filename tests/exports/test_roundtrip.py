"""Every format read back and compared, value for value, with scripted respondents.

Readers are independent of the writers: pyreadstat for .sav/.dta, pandas for
CSV and Parquet, openpyxl for XLSX. Expected values come from the respondents'
own walk through the routing engine (``tests.fixtures.exports.expected``).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pyreadstat
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.exports import runner, service
from app.exports.schemas import ExportFormat, ExportRequest
from app.exports.writers.text import guard_formula
from tests.fixtures.exports import HOSTILE, Dataset, build_dataset, expected, names_of

pytestmark = pytest.mark.asyncio


async def export(
    session: AsyncSession, fmt: ExportFormat, path: Path, **options: Any
) -> tuple[Any, dict]:
    request = ExportRequest(
        wave="mies-2024", questionnaire="officials", format=fmt, **options
    )
    plan = await service.prepare_export(session, request=request, actor="cli:test")
    await session.commit()
    book = await runner.export_to_path(session, plan, path)
    await session.commit()
    return plan, book


def oracle(
    data: Dataset, plan: Any, *, include_partial: bool
) -> dict[int, dict[str, Any]]:
    """response id → variable → value, for the answer variables."""
    rows = {}
    for rid in data.ids(include_partial=include_partial):
        index, log, _ = data.logs[rid]
        cq = data.versions[index][1]
        rows[rid] = expected(cq, log, names_of(plan.layout, index))
    return rows


def answer_names(plan: Any) -> list[str]:
    return [v.name for v in plan.layout.variables if v.role == "answer"]


def text_names(plan: Any) -> set[str]:
    return {v.name for v in plan.layout.variables if v.kind == "text"}


def assert_matches(
    frame: pd.DataFrame, want: dict[int, dict[str, Any]], plan: Any, *, text: Any = None
) -> None:
    assert frame["respondent_id"].astype(int).tolist() == sorted(want)
    texts = text_names(plan)
    for _, row in frame.iterrows():
        expected_row = want[int(row["respondent_id"])]
        for name, value in expected_row.items():
            got = row[name]
            if name in texts:
                value = text(value) if text else value
                assert (got if isinstance(got, str) else "") == value, name
            else:
                assert float(got) == float(value), (
                    int(row["respondent_id"]),
                    name,
                    got,
                    value,
                )


@pytest_asyncio.fixture
async def data(session: AsyncSession, settings: Settings) -> Dataset:
    return await build_dataset(session, settings, texts=HOSTILE)


class TestSav:
    async def test_values_labels_and_missing_ranges(
        self, session: AsyncSession, data: Dataset, tmp_path: Path
    ) -> None:
        plan, book = await export(
            session, ExportFormat.sav, tmp_path / "x.sav", include_partial=True
        )
        frame, meta = pyreadstat.read_sav(str(tmp_path / "x.sav"), user_missing=True)
        assert_matches(
            frame,
            oracle(data, plan, include_partial=True),
            plan,
            text=lambda t: t.replace("\x00", ""),
        )
        assert meta.column_names_to_labels["q_gender"] == "Wat is uw geslacht?"
        assert meta.variable_value_labels["q_gender"] == {
            1.0: "Man",
            2.0: "Vrouw",
            -1.0: "Niet gevraagd (routing)",
            -2.0: "Niet bereikt (afgebroken)",
            -3.0: "Geen antwoord",
            -8.0: "Weet niet",
            -9.0: "Wil ik niet zeggen",
        }
        assert meta.missing_ranges["q_gender"] == [{"lo": -9.0, "hi": -1.0}]
        assert meta.variable_measure["q_safety_veilig"] == "ordinal"
        assert meta.variable_measure["weight"] == "scale"
        assert "q_story" not in meta.missing_ranges
        assert book["dataset"]["rows"] == len(frame)

    async def test_complete_only_by_default_never_test_or_below_threshold(
        self, session: AsyncSession, data: Dataset, tmp_path: Path
    ) -> None:
        await export(session, ExportFormat.sav, tmp_path / "x.sav")
        frame, _ = pyreadstat.read_sav(str(tmp_path / "x.sav"))
        ids = frame["respondent_id"].astype(int).tolist()
        assert ids == data.ids(include_partial=False)
        assert not set(ids) & set(data.test_ids + data.started_ids)
        assert set(frame["status"]) == {2.0}


class TestDta:
    async def test_extended_missing_values_with_labels(
        self, session: AsyncSession, data: Dataset, tmp_path: Path
    ) -> None:
        plan, _ = await export(
            session, ExportFormat.dta, tmp_path / "x.dta", include_partial=True
        )
        frame, meta = pyreadstat.read_dta(str(tmp_path / "x.dta"), user_missing=True)
        letters = {chr(ord("a") + k - 1): -k for k in range(1, 10)}
        decoded = frame.map(
            lambda v: letters.get(v, v) if isinstance(v, str) and len(v) == 1 else v
        )
        for name in text_names(plan):
            decoded[name] = frame[name]
        assert_matches(
            decoded,
            oracle(data, plan, include_partial=True),
            plan,
            text=lambda t: t.replace("\x00", ""),
        )
        labels = meta.variable_value_labels["q_gender"]
        assert (
            labels["h"] == "Weet niet"
            and labels["a"] == "Niet gevraagd (routing)"
            and labels[1] == "Man"
        )
        # the reader lists the extended missing values found in the data
        assert "a" in meta.missing_user_values["q_mayor"]  # routed: only mayors
        assert set(meta.missing_user_values["q_gender"]) <= {"a", "b", "c", "h", "i"}
        assert all(len(name) <= 32 for name in frame.columns)


class TestCsvZip:
    @pytest.mark.parametrize("separator", [",", ";"])
    async def test_values_and_codebook_in_the_zip(
        self, session: AsyncSession, data: Dataset, tmp_path: Path, separator: str
    ) -> None:
        plan, _ = await export(
            session,
            ExportFormat.csv,
            tmp_path / "x.zip",
            include_partial=True,
            separator=separator,
        )
        bundle = zipfile.ZipFile(tmp_path / "x.zip")
        assert bundle.namelist() == ["data.csv", "codebook.json", "codebook.html"]
        raw = bundle.read("data.csv")
        assert raw.startswith(b"\xef\xbb\xbf")
        frame = pd.read_csv(
            io.BytesIO(raw),
            sep=separator,
            encoding="utf-8-sig",
            dtype=str,
            keep_default_na=False,
            decimal="," if separator == ";" else ".",
        )
        assert_matches(
            frame,
            oracle(data, plan, include_partial=True),
            plan,
            text=lambda t: guard_formula(t.replace("\x00", "")),
        )
        weight = frame["weight"].iloc[0]
        assert ("," in weight) == (separator == ";")
        book = json.loads(bundle.read("codebook.json"))
        assert book["dataset"]["rows"] == len(frame)

    async def test_plain_csv_writes_the_codebook_beside_it(
        self, session: AsyncSession, data: Dataset, tmp_path: Path
    ) -> None:
        await export(session, ExportFormat.csv, tmp_path / "data.csv")
        assert (tmp_path / "data.codebook.json").exists()
        assert (tmp_path / "data.codebook.html").exists()


def ooxml_unescape(text: str) -> str:
    """What Excel shows for ``_xHHHH_`` escapes (openpyxl leaves some as they are)."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


class TestXlsx:
    async def test_values_text_cells_and_codebook_sheet(
        self, session: AsyncSession, data: Dataset, tmp_path: Path
    ) -> None:
        plan, _ = await export(
            session, ExportFormat.xlsx, tmp_path / "x.xlsx", include_partial=True
        )
        workbook = openpyxl.load_workbook(tmp_path / "x.xlsx")
        # the first sheet says this working file can identify people
        assert workbook.sheetnames == ["privacy", "data", "codebook", "toelichting"]
        assert "KAN PERSONEN IDENTIFICEREN" in str(workbook["privacy"]["A1"].value)
        sheet = workbook["data"]
        rows = list(sheet.iter_rows(values_only=True))
        frame = pd.DataFrame(rows[1:], columns=rows[0])
        frame = frame.astype(object).where(frame.notna(), "")
        for name in text_names(plan):
            frame[name] = frame[name].map(
                lambda v: ooxml_unescape(v) if isinstance(v, str) else v
            )
        assert_matches(
            frame,
            oracle(data, plan, include_partial=True),
            plan,
            text=lambda t: t.replace("\x00", ""),
        )
        header = rows[0]
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, str) and cell.value[:1] in (
                    "=",
                    "+",
                    "-",
                    "@",
                    "\t",
                    "\r",
                ):
                    assert cell.data_type == "s" and cell.quotePrefix, (
                        header[cell.column - 1],
                        cell.value,
                    )
                if header[cell.column - 1] == "weight":
                    assert isinstance(cell.value, float)


class TestParquet:
    async def test_values_and_labels_in_the_schema(
        self, session: AsyncSession, data: Dataset, tmp_path: Path
    ) -> None:
        plan, _ = await export(
            session, ExportFormat.parquet, tmp_path / "x.parquet", include_partial=True
        )
        frame = pd.read_parquet(tmp_path / "x.parquet")
        assert_matches(frame, oracle(data, plan, include_partial=True), plan)
        schema = pq.read_schema(tmp_path / "x.parquet")
        field = schema.field("q_gender")
        assert field.metadata[b"label"].decode() == "Wat is uw geslacht?"
        assert json.loads(field.metadata[b"value_labels"])["-8"] == "Weet niet"
        book = json.loads(
            pq.read_metadata(tmp_path / "x.parquet").metadata[b"veldwerk.codebook"]
        )
        assert book["variables"][0]["name"] == "respondent_id"


class TestDeterminism:
    async def test_same_data_same_bytes_in_every_format(
        self, session: AsyncSession, data: Dataset, tmp_path: Path
    ) -> None:
        for fmt in ExportFormat:
            suffix = ".zip" if fmt is ExportFormat.csv else ".out"
            await export(session, fmt, tmp_path / f"a{suffix}", include_partial=True)
            await export(session, fmt, tmp_path / f"b{suffix}", include_partial=True)
            first, second = (
                (tmp_path / f"a{suffix}").read_bytes(),
                (tmp_path / f"b{suffix}").read_bytes(),
            )
            assert first == second, fmt

    async def test_header_stamps_are_the_data_time(
        self, session: AsyncSession, data: Dataset, tmp_path: Path
    ) -> None:
        plan, _ = await export(session, ExportFormat.sav, tmp_path / "x.sav")
        await export(session, ExportFormat.dta, tmp_path / "x.dta")
        local = plan.data_as_of.astimezone(ZoneInfo("Europe/Amsterdam"))
        assert (tmp_path / "x.sav").read_bytes()[92:109] == local.strftime(
            "%d %b %y%H:%M:%S"
        ).encode()
        assert (
            local.strftime("%d %b %Y %H:%M").encode()
            in (tmp_path / "x.dta").read_bytes()[:400]
        )


class TestVersions:
    async def test_two_versions_together(
        self, session: AsyncSession, settings: Settings, tmp_path: Path
    ) -> None:
        data = await build_dataset(
            session, settings, versions=("2022", "2024"), respondents=30
        )
        plan, book = await export(
            session, ExportFormat.sav, tmp_path / "x.sav", include_partial=True
        )
        frame, meta = pyreadstat.read_sav(str(tmp_path / "x.sav"), user_missing=True)
        assert_matches(frame, oracle(data, plan, include_partial=True), plan)
        old = frame[frame["version"] == 1]
        assert set(old["q_contact__2024"]) == {-4.0}
        assert meta.variable_value_labels["version"] == {1.0: "2022", 2.0: "2024"}
        variables = {v["name"]: v for v in book["variables"]}
        assert variables["q_safety_veilig"]["versions"] == ["2022", "2024"]
        assert "vraagtekst gewijzigd" in " ".join(variables["q_contact__2024"]["notes"])

    async def test_one_version_chosen(
        self, session: AsyncSession, settings: Settings, tmp_path: Path
    ) -> None:
        data = await build_dataset(
            session, settings, versions=("2022", "2024"), respondents=10
        )
        await export(
            session,
            ExportFormat.parquet,
            tmp_path / "x.parquet",
            versions=("2022",),
            include_partial=True,
        )
        frame = pd.read_parquet(tmp_path / "x.parquet")
        assert "q_contact" in frame.columns  # one version: no suffix
        assert set(frame["respondent_id"]) == {
            rid for rid, (i, _, _) in data.logs.items() if i == 0
        }
