"""Every shipped table, computed on a constructed wave, against an independent pandas oracle.

The oracle (tests/fixtures/reports.py) reads the definition file as plain YAML
and computes each cell from the export frame with pandas; significance with
its own z statistic and scipy's normal distribution. Value for value:
percentages, counts for small cells, unweighted n, marks and suppression.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from app.reports import compute, reference
from app.reports.catalog import catalog_from_layout
from app.reports.loader import parse
from tests.fixtures.reports import ROOT, Oracle, constructed_wave, read_definition

DEFINITION = ROOT / "reports/officials/2024.yaml"
REFERENCE = ROOT / "app/reports/reference/officials.csv"


@pytest.fixture(scope="module")
def computed():  # type: ignore[no-untyped-def]
    wave = constructed_wave()
    loaded = parse(DEFINITION.read_bytes(), str(DEFINITION))
    tables = compute.compute_tables(
        wave.frame,
        loaded.definition,
        catalog_from_layout(wave.layout),
        reference=reference.load("officials"),
    )
    oracle = Oracle(wave, read_definition(DEFINITION), REFERENCE)
    return {t.id: t for t in tables}, oracle


SPECS = read_definition(DEFINITION)["tables"]


@pytest.mark.parametrize("spec", SPECS, ids=[t["id"] for t in SPECS])
def test_table_matches_the_oracle(computed, spec) -> None:  # type: ignore[no-untyped-def]
    tables, oracle = computed
    table = tables[spec["id"]]
    if len(spec.get("multiple", [])) > 1:
        _check_series(table, oracle, spec)
        return
    expected = oracle.table(spec)
    got = {
        (i, column.key): cell
        for i, row in enumerate(table.rows)
        for column, cell in zip(table.columns, row.cells, strict=True)
    }
    assert set(got) == set(expected)
    for key, want in expected.items():
        cell = got[key]
        where = f"{spec['id']} row {table.rows[key[0]].key} column {key[1]}"
        if want["percent"] is None:
            assert cell.percent is None, where
        else:
            assert cell.percent == pytest.approx(want["percent"], abs=1e-5), where
        assert cell.count == want["count"], where
        assert cell.n == want["n"], where
        assert cell.mark == want["mark"], where
        assert cell.suppressed == want["suppressed"], where


def _check_series(table, oracle, spec) -> None:  # type: ignore[no-untyped-def]
    base = oracle.base(spec["base"])
    for c, question in enumerate(spec["multiple"]):
        rows = {
            key: (valid, hit) for key, valid, hit in oracle.multiple(question, spec)
        }
        for row in table.rows:
            cell = row.cells[c]
            if row.key not in rows:
                assert cell.n == 0
                continue
            valid, hit = rows[row.key]
            n, count, share, _ = oracle.stats(base & valid, hit)
            assert cell.n == n
            if n >= 50:
                assert cell.percent == pytest.approx(100 * share, abs=1e-5)
            else:
                assert cell.count == count


def test_the_constructed_wave_exercises_every_kind_of_cell(computed) -> None:  # type: ignore[no-untyped-def]
    tables, _ = computed
    cells = [c for t in tables.values() for r in t.rows for c in r.cells]
    assert any(c.suppressed for c in cells)
    assert any(c.count is not None for c in cells)
    assert any(c.mark == "hoger" for c in cells)
    assert any(c.mark == "lager" for c in cells)
    statenleden = tables["tabel_2_3"]
    column = next(
        i for i, c in enumerate(statenleden.columns) if c.key == "statenlid_2024"
    )
    assert statenleden.rows[0].cells[column].suppressed
    assert any("Niet getoond" in note for note in statenleden.footnotes)
    assert not math.isnan(tables["figuur_2_2"].rows[0].cells[0].percent or math.nan)


def test_base_label_names_the_unweighted_n_with_dutch_thousands(computed) -> None:  # type: ignore[no-untyped-def]
    tables, oracle = computed
    table = tables["figuur_2_2"]
    n = int(
        ((oracle.df["victim"] >= 0) | (oracle.df["q_aggr_count_verbaal"] >= 0)).sum()
    )
    assert table.n_total == n
    assert table.base_label == f"Basis: politieke ambtsdragers (n={n:,})".replace(
        ",", "."
    )
    assert any(
        "betrouwbaarheid 95%" in note for t in tables.values() for note in t.footnotes
    )
    assert all(any("95%" in note for note in t.footnotes) for t in tables.values())


def test_every_edition_value_is_the_published_one(computed) -> None:  # type: ignore[no-untyped-def]
    tables, _ = computed
    table = tables["figuur_2_3"]
    by_key = dict(zip((c.key for c in table.columns), table.rows[0].cells, strict=True))
    assert by_key["totaal_2014"].percent == 23
    assert by_key["totaal_2022"].percent == 49
    assert by_key["totaal_2022"].n == 3033
    assert by_key["totaal_2016"].percent is None  # not printed in the seed: not guessed
    assert [c.edition for c in table.columns] == [2014, 2016, 2018, 2020, 2022, 2024]


def test_file_path_is_the_shipped_one() -> None:
    assert Path(DEFINITION).is_file()
