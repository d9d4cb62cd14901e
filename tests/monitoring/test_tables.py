"""Roll-ups from tallied groups to table rows (pure)."""

from __future__ import annotations

import pytest

from app.monitoring.layouts import EMAIL_KIND, GENDER, LAYOUTS, TIER, Split
from app.monitoring.states import InvitationState, Tally, state_code
from app.monitoring.tables import (
    Group,
    ReferenceRecord,
    composition_table,
    main_table,
    reference_for,
    row_specs,
    split_table,
)

OFFICIALS = LAYOUTS["officials"]
RESPONDED = state_code(InvitationState("complete", True, False, False, False))
SILENT = state_code(InvitationState("invited", True, False, False, False))


def group(n: int, responded: int = 0, **values: str) -> Group:
    tally = Tally.of_state(SILENT, n - responded)
    tally.add(Tally.of_state(RESPONDED, responded))
    return Group(values, tally)


def officials(
    function: str, tier: str, ftype: str, n: int, r: int, **extra: str
) -> Group:
    return group(n, r, function=function, tier=tier, function_type=ftype, **extra)


class TestRowSpecs:
    def test_officials_rows_follow_table_4_3_with_empty_functions(self) -> None:
        groups = [officials("raadslid", "gemeente", "volksvertegenwoordiger", 10, 2)]
        specs = row_specs(OFFICIALS.rows, groups, totals=OFFICIALS.totals)
        labels = [s.label for s in specs]
        assert labels == [
            "Gemeente",
            "Burgemeesters",
            "Wethouders",
            "Raadsleden",
            "Totaal gemeente",
            "Provincie",
            "CvK",
            "Gedeputeerden",
            "Statenleden",
            "Totaal provincie",
            "Waterschap",
            "Dijkgraven/watergraven",
            "DB-leden",
            "AB-leden",
            "Totaal waterschap",
            "Totaal voorzitters",
            "Totaal leden dagelijks bestuur",
            "Totaal volksvertegenwoordigers",
            "Totaal",
        ]
        assert specs[1].filters == (("tier", "gemeente"), ("function", "burgemeester"))

    def test_unknown_values_get_their_own_rows_at_the_end(self) -> None:
        groups = [
            group(3, 1, tier="gemeente", function="griffier", function_type=""),
            group(2, 0, tier="", function="", function_type=""),
        ]
        labels = [s.label for s in row_specs(OFFICIALS.rows, groups)]
        assert labels.index("griffier") == labels.index("Raadsleden") + 1
        assert labels[-3:] == ["Onbekend", "Totaal onbekend", "Totaal"]


class TestMainTable:
    def test_sums_and_zero_rows(self) -> None:
        groups = [
            officials(
                "burgemeester", "gemeente", "voorzitter", 10, 4, email_kind="algemeen"
            ),
            officials(
                "burgemeester", "gemeente", "voorzitter", 6, 2, email_kind="persoonlijk"
            ),
            officials("cdk", "provincie", "voorzitter", 2, 1),
        ]
        rows = {r.spec.label: r for r in main_table(OFFICIALS, groups)}
        assert (
            rows["Burgemeesters"].tally.invited,
            rows["Burgemeesters"].tally.response,
        ) == (16, 6)
        assert rows["Totaal voorzitters"].tally.response == 7
        assert rows["Totaal"].tally.invited == 18
        assert rows["Wethouders"].tally.invited == 0
        assert rows["Wethouders"].tally.response_rate is None


TABLE_4_3_2022 = [
    ReferenceRecord("gemeente", "burgemeester", 344, 146),
    ReferenceRecord("gemeente", "wethouder", 1347, 392),
    ReferenceRecord("gemeente", "raadslid", 8476, 2136, "alle raadsleden"),
    ReferenceRecord("provincie", "cdk", 12, 5),
    ReferenceRecord("provincie", "gedeputeerde", 63, 14),
    ReferenceRecord("provincie", "statenlid", 567, 145),
]


class TestReference:
    def test_function_cell(self) -> None:
        figures = reference_for(
            TABLE_4_3_2022, (("tier", "gemeente"), ("function", "burgemeester"))
        )
        assert figures is not None
        assert (figures.invited, figures.responses) == (344, 146)
        assert figures.rate == pytest.approx(146 / 344)

    def test_tier_total_is_the_sum_of_its_functions(self) -> None:
        figures = reference_for(TABLE_4_3_2022, (("tier", "gemeente"),))
        assert figures is not None
        assert (figures.invited, figures.responses) == (10167, 2674)  # Table 4.3
        assert figures.notes == ("alle raadsleden",)

    def test_function_type_total(self) -> None:
        figures = reference_for(TABLE_4_3_2022, (("function_type", "voorzitter"),))
        assert figures is not None
        assert (figures.invited, figures.responses) == (356, 151)

    def test_tier_cells_are_used_when_an_edition_has_no_functions(self) -> None:
        records = [
            ReferenceRecord("gemeente", "", None, 426),
            ReferenceRecord("provincie", "", None, 113),
        ]
        overall = reference_for(records, ())
        assert overall is not None
        assert (overall.invited, overall.responses, overall.rate) == (None, 539, None)
        assert reference_for(records, (("function", "burgemeester"),)) is None

    def test_function_cells_win_over_a_tier_total(self) -> None:
        records = [*TABLE_4_3_2022, ReferenceRecord("gemeente", "", 1, 1)]
        figures = reference_for(records, (("tier", "gemeente"),))
        assert figures is not None and figures.invited == 10167

    def test_other_dimensions_have_no_reference(self) -> None:
        assert reference_for(TABLE_4_3_2022, (("email_kind", "algemeen"),)) is None

    def test_difference_in_points_on_the_row(self) -> None:
        groups = [officials("burgemeester", "gemeente", "voorzitter", 342, 78)]
        rows = {r.spec.label: r for r in main_table(OFFICIALS, groups, TABLE_4_3_2022)}
        # Table 4.3: 23% in 2024 against 42% in 2022
        assert rows["Burgemeesters"].difference_pp == pytest.approx(
            (78 / 342 - 146 / 344) * 100
        )
        assert rows["Dijkgraven/watergraven"].reference is None
        assert rows["Dijkgraven/watergraven"].difference_pp is None


class TestSplitTable:
    def test_shares_per_email_kind(self) -> None:
        split = Split(rows=(TIER,), by=EMAIL_KIND, title="t")
        groups = [
            group(56, 10, tier="gemeente", email_kind="persoonlijk"),
            group(44, 8, tier="gemeente", email_kind="algemeen"),
        ]
        table = split_table(split, groups)
        assert table.labels == ["Persoonlijk", "Algemeen"]
        row = next(r for r in table.rows if r.spec.label == "Gemeente")
        assert row.invited_shares() == [pytest.approx(0.56), pytest.approx(0.44)]
        assert row.response_shares() == [pytest.approx(10 / 18), pytest.approx(8 / 18)]
        empty = next(r for r in table.rows if r.spec.label == "Provincie")
        assert empty.invited_shares() == [None, None]


class TestComposition:
    def test_flags_a_significantly_under_represented_group(self) -> None:
        groups = [
            group(1000, 100, gender="vrouw"),
            group(1000, 300, gender="man"),
            group(50, 10, gender=""),
        ]
        table = composition_table(GENDER, groups)
        rows = {r.label: r for r in table.rows}
        assert rows["Vrouw"].sample_share == pytest.approx(0.5)
        assert rows["Vrouw"].response_share == pytest.approx(0.25)
        assert rows["Vrouw"].ratio == pytest.approx(0.5)
        assert rows["Vrouw"].flag == "onder"
        assert rows["Man"].flag == "over"
        assert (table.unknown_sample, table.unknown_responses) == (50, 10)
        assert "Onbekend" not in rows

    def test_small_differences_are_not_flagged(self) -> None:
        groups = [group(20, 2, gender="vrouw"), group(20, 4, gender="man")]
        rows = {r.label: r for r in composition_table(GENDER, groups).rows}
        assert rows["Vrouw"].ratio == pytest.approx(2 / 3)
        assert rows["Vrouw"].p_value is not None and rows["Vrouw"].p_value > 0.05
        assert rows["Vrouw"].flag == ""

    def test_not_eligible_leaves_the_sample(self) -> None:
        ineligible = state_code(InvitationState("invited", True, False, False, True))
        groups = [
            group(10, 5, gender="vrouw"),
            Group({"gender": "vrouw"}, Tally.of_state(ineligible, 5)),
        ]
        rows = composition_table(GENDER, groups).rows
        assert (rows[0].sample, rows[0].responses) == (10, 5)
