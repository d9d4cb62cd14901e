"""The factsheet's sentences from constructed tables whose significance is known."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from app.reports.factsheet import (
    FactsheetDataMissing,
    build_factsheet,
    compare_with_editions,
)
from app.reports.model import Cell, Row
from tests.reports.tables import factsheet_tables, forms_table, tiers_table


def z_p(p1: float, n1: int, p2: float, n2: int) -> float:
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return math.erfc(abs(z) / math.sqrt(2))


def test_headline_of_the_provincial_factsheet() -> None:
    # By hand: 47% of 170 vs 49% of 380 (2020): p = 0.66 → evenveel;
    # vs 59% of 420 (2022): z = −2.66, p = 0.008 → minder.
    assert z_p(0.47, 170, 0.49, 380) > 0.05
    assert z_p(0.47, 170, 0.59, 420) < 0.01
    sheet = build_factsheet(factsheet_tables(), tier="provincie", edition=2024)
    assert sheet.headline == (
        "In 2024 kreeg bijna de helft (47%) van de politieke ambtsdragers in "
        "provincies te maken met agressie en/of intimidatie. Dat is evenveel als "
        "in 2020 maar minder dan in 2022."
    )
    assert (
        sheet.heading
        == "Bijna de helft politieke ambtsdragers provincies kreeg te maken met agressie"
    )


def test_words_follow_the_test_not_the_raw_difference() -> None:
    # 2022's base shrunk to 40: the same 12-point drop is no longer significant.
    table = forms_table()
    row = table.rows[0]
    cells = list(row.cells)
    cells[4] = Cell(59.0, None, 40)
    small = replace(
        table, rows=(Row(row.key, row.label, tuple(cells)), *table.rows[1:])
    )
    assert z_p(0.47, 170, 0.59, 40) > 0.05
    words, untested = compare_with_editions(small, "victim", edition=2024, count=2)
    assert [(c.edition, c.word) for c in words] == [
        (2020, "evenveel"),
        (2022, "evenveel"),
    ]
    assert untested == []


def test_effective_n_can_only_weaken_a_difference() -> None:
    words, _ = compare_with_editions(
        forms_table(), "victim", edition=2024, count=3, n_effective=40
    )
    assert [c.word for c in words] == ["evenveel", "evenveel", "evenveel"]


def test_an_edition_printed_without_a_base_gets_no_word_and_a_note() -> None:
    tables = factsheet_tables()
    tables["factsheet_bestuurslagen"] = tiers_table(published_2020=False)
    sheet = build_factsheet(tables, tier="provincie", edition=2024)
    assert sheet.headline.endswith("intimidatie. Dat is minder dan in 2022.")
    assert "2020" not in sheet.headline
    assert any(note.startswith("Met 2020 is niet vergeleken") for note in sheet.notes)


def test_forms_severity_and_tiers_sentences() -> None:
    sheet = build_factsheet(factsheet_tables(), tier="provincie", edition=2024)
    assert sheet.forms_sentence == (
        "Politieke ambtsdragers van provincies ervaren met name verbale agressie "
        "(46%) en bedreiging/intimidatie (24%). Fysieke agressie komt weinig voor (Figuur 1)."
    )
    assert sheet.severity_sentence == (
        "Van alle politieke ambtsdragers van provincies maakte bijna één op de vijf "
        "(19%) in 2024 een incident mee dat zij als (zeer) ernstig beschouwen (Figuur 2)."
    )
    # 47% of 170 vs 47% of 760 → evenveel; vs 23% of 146 → meer (z = 4.4).
    assert z_p(0.47, 170, 0.23, 146) < 0.001
    assert sheet.tiers_sentence == (
        "In 2024 kregen politieke ambtsdragers van provincies evenveel te maken met "
        "agressie en/of intimidatie als die van gemeenten, maar meer dan die van "
        "waterschappen (Figuur 3)."
    )
    assert sheet.ways_sentence.endswith("via sociale media (62%).")
    assert sheet.effects_sentence.endswith("minder actief op sociale media (38%).")
    assert list(sheet.figures) == [
        "vormen",
        "ernst",
        "bestuurslagen",
        "wijze",
        "gevolgen",
    ]


def test_waterschap_is_minder_than_both_others() -> None:
    tables = {
        key.replace("provincie", "waterschap"): table
        for key, table in factsheet_tables().items()
    }
    sheet = build_factsheet(tables, tier="waterschap", edition=2024)
    assert (
        "minder te maken met agressie en/of intimidatie dan die van gemeenten en provincies"
        in sheet.tiers_sentence
    )


def test_missing_tables_and_unknown_tiers_are_refused() -> None:
    tables = factsheet_tables()
    del tables["factsheet_provincie_ernst"]
    with pytest.raises(FactsheetDataMissing, match="factsheet_provincie_ernst"):
        build_factsheet(tables, tier="provincie", edition=2024)
    with pytest.raises(ValueError, match="unknown tier"):
        build_factsheet(factsheet_tables(), tier="rijk", edition=2024)
    with pytest.raises(FactsheetDataMissing, match="edition 2026"):
        build_factsheet(factsheet_tables(), tier="provincie", edition=2026)
