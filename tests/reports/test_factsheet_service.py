"""The other tiers' factsheet tables, made from the provincial ones in the shipped definitions."""

from __future__ import annotations

import pytest

from app.config import PROJECT_ROOT
from app.reports import reference
from app.reports.errors import ReportOptionsError
from app.reports.factsheet_service import tier_definition
from app.reports.loader import parse

DEFINITION = PROJECT_ROOT / "reports/officials/2024.yaml"


@pytest.fixture(scope="module")
def shipped():  # type: ignore[no-untyped-def]
    return parse(DEFINITION.read_bytes(), str(DEFINITION)).definition


def test_gemeente_tables_swap_the_base_and_keep_their_own_editions(shipped) -> None:  # type: ignore[no-untyped-def]
    made = tier_definition(shipped, "gemeente", ref=reference.load("officials"))
    ids = [t.id for t in made.tables]
    assert ids == [
        "factsheet_gemeente_vormen",
        "factsheet_gemeente_ernst",
        "factsheet_gemeente_uiting",
        "factsheet_gemeente_melden",
        "factsheet_gemeente_effecten",
        "factsheet_bestuurslagen",
    ]
    forms = made.tables[0]
    assert forms.base == "gemeente"
    assert [(c.variable, c.values) for c in made.bases["gemeente"].where] == [
        ("tier", ("gemeente",))
    ]
    assert "gemeenten" in made.bases["gemeente_victims"].label
    assert made.tables[2].base == "gemeente_victims"
    assert "gemeenten" in forms.title and "provincies" not in forms.title
    # the municipalities' own totals 2014-2022 (F:103-124), never the provinces'
    assert forms.editions == (2014, 2016, 2018, 2020, 2022)


def test_provincie_keeps_the_file_as_written(shipped) -> None:  # type: ignore[no-untyped-def]
    made = tier_definition(shipped, "provincie", ref=reference.load("officials"))
    original = {t.id: t for t in shipped.tables}
    for table in made.tables:
        assert table == original[table.id]


def test_without_a_reference_no_earlier_editions_and_unknown_tiers_refused(
    shipped,
) -> None:  # type: ignore[no-untyped-def]
    made = tier_definition(shipped, "waterschap", ref=None)
    assert all(t.editions == () for t in made.tables if t.id.startswith("factsheet_w"))
    with pytest.raises(ReportOptionsError, match="Onbekende bestuurslaag"):
        tier_definition(shipped, "rijk", ref=None)
