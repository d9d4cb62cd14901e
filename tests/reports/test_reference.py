"""The earlier editions' figures: a bad file is refused whole, and every shipped value is
the one printed on the seed line it cites."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.reports import reference

HEADER = "table,row,column,edition,percent,n,source,n_source,note\n"
SEEDS = next(
    (
        p
        for p in (
            Path(__file__).resolve().parents[3] / "shared" / "seeds",
            Path("/work/shared/seeds"),
        )
        if p.is_dir()
    ),
    Path("shared/seeds"),
)
"""The report and factsheet texts, in ``shared/`` beside the checkout (as on a
developer's machine and in CI)."""
REPORT = SEEDS / "000_816849b79ae26b0e.txt"
FACTSHEET = SEEDS / "001_c21367dd10a010f8.txt"


def test_the_shipped_series_loads() -> None:
    ref = reference.load("officials")
    value = ref.get("tabel_2_3", "victim", "burgemeester", 2022)
    assert value is not None and (value.percent, value.n) == (77.0, 146)
    assert ref.get("figuur_2_3", "victim", "totaal", 2016) is None


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("t,r,totaal,2022,120,,R:1,,", "percentage 120 outside 0-100"),
        ("t,r,totaal,2022,40,,page 3,,", "source must be R:<line> or F:<line>"),
        ("t,r,totaal,2022,40,300,R:1,,", "a base n needs its n_source"),
        ("t,r,totaal,2022,40,-3,R:1,R:2,", "n -3 must be positive"),
        ("t,r,totaal,twintig,40,,R:1,,", "invalid literal"),
    ],
)
def test_a_bad_line_refuses_the_file_with_its_line_number(
    line: str, reason: str
) -> None:
    text = "# comment\n" + HEADER + "t,r,totaal,2020,30,,R:1,,\n" + line + "\n"
    with pytest.raises(ValueError, match=re.escape(f"x.csv:4: {reason}")):
        reference.parse(text, "x.csv")


def test_the_same_cell_twice_is_refused() -> None:
    text = HEADER + "t,r,totaal,2020,30,,R:1,,\nt,r,totaal,2020,31,,R:2,,\n"
    with pytest.raises(ValueError, match=re.escape("x.csv:3: the same cell twice")):
        reference.parse(text, "x.csv")


@pytest.mark.skipif(
    not REPORT.exists(), reason="the seed texts are not in this checkout"
)
def test_every_value_is_printed_on_the_line_it_cites() -> None:
    lines = {
        "R": REPORT.read_text(encoding="utf-8").splitlines(),
        "F": FACTSHEET.read_text(encoding="utf-8").splitlines(),
    }
    ref = reference.load("officials")
    for key, value in ref.values.items():
        kind, number = value.source.split(":")
        text = lines[kind][int(number) - 1]
        p = int(value.percent)
        assert re.search(rf"(?<!\d){p}(%| procent)", text), (key, value.source, text)
        if value.n is not None:
            cited = [lines[s[0]][int(s[2:]) - 1] for s in value.n_source.split("+")]
            numbers = [
                int(m.replace(".", ""))
                for t in cited
                for m in re.findall(r"\d[\d.]*", t)
            ]
            if "+" not in value.n_source:
                assert value.n in numbers, (key, value.n_source, cited)
            else:  # a sum: the note lists one published count per cited line
                addends = [int(x) for x in re.findall(r"\d+", value.note)]
                assert sum(addends) == value.n, (key, value.note)
                for addend, text in zip(addends, cited, strict=True):
                    assert addend in [
                        int(m.replace(".", "")) for m in re.findall(r"\d[\d.]*", text)
                    ], (key, addend, text)
