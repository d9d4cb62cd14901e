"""Reference files of earlier editions: parsing and located errors (pure)."""

from __future__ import annotations

import pytest

from app.errors import InvalidInput
from app.monitoring.reference import (
    SHIPPED,
    ReferenceFileError,
    check_edition,
    parse_reference_csv,
)


def problems(content: str) -> list[str]:
    with pytest.raises(ReferenceFileError) as caught:
        parse_reference_csv(content)
    return caught.value.problems


class TestShippedFiles:
    def test_table_4_3_2022_totals_match_the_report(self) -> None:
        rows = parse_reference_csv(
            SHIPPED["table_4_3_2022"].path.read_text(encoding="utf-8")
        )
        assert len(rows) == 9
        per_tier = {
            tier: (
                sum(r.invited or 0 for r in rows if r.tier == tier),
                sum(r.responses for r in rows if r.tier == tier),
            )
            for tier in ("gemeente", "provincie", "waterschap")
        }
        assert per_tier == {
            "gemeente": (10167, 2674),
            "provincie": (642, 164),
            "waterschap": (616, 195),
        }
        raadsleden = next(r for r in rows if r.function == "raadslid")
        assert (raadsleden.invited, raadsleden.responses) == (8476, 2136)

    def test_table_1_3_2022_has_responses_per_tier_only(self) -> None:
        rows = parse_reference_csv(
            SHIPPED["table_1_3_2022"].path.read_text(encoding="utf-8")
        )
        assert [(r.tier, r.function, r.invited, r.responses) for r in rows] == [
            ("gemeente", "", None, 426),
            ("provincie", "", None, 113),
            ("waterschap", "", None, 118),
        ]


class TestParse:
    def test_labels_bom_commas_and_thousands(self) -> None:
        rows = parse_reference_csv(
            "\ufeffBestuurslaag,Functie,Uitgenodigd,Respons\nGemeenten,Burgemeesters,344,146\n"
            ',Raadsleden,"8.476","2.136"\n'
        )
        assert [(r.tier, r.function, r.invited, r.responses) for r in rows] == [
            ("gemeente", "burgemeester", 344, 146),
            ("gemeente", "raadslid", 8476, 2136),
        ]

    def test_every_problem_with_its_line(self) -> None:
        found = problems(
            "# comment\n"
            "bestuurslaag;functie;uitgenodigd;respons\n"
            "gemeente;wethouderr;10;5\n"
            "provincie;burgemeester;10;5\n"
            "gemeente;raadslid;3;4\n"
            "gemeente;raadslid;30;4\n"
            "gemeente;wethouder;veel;4\n"
            "gemeente;wethouder;4;\n"
            "atlantis;;4;1\n"
        )
        assert found == [
            "regel 3: onbekende functie 'wethouderr'; bedoelt u 'wethouder'?",
            "regel 4: functie 'burgemeester' hoort niet bij 'provincie'",
            "regel 5: meer respondenten (4) dan uitgenodigden (3)",
            "regel 6: dezelfde cel staat ook op regel 5",
            "regel 7: 'veel' is geen aantal",
            "regel 8: het aantal respondenten ontbreekt",
            "regel 9: onbekende bestuurslaag 'atlantis'",
        ]

    def test_missing_columns(self) -> None:
        assert problems("functie;uitgenodigd\nburgemeester;3\n") == [
            "regel 1: kolom 'respons' ontbreekt in de kopregel"
        ]

    def test_empty_file(self) -> None:
        assert problems("# only a comment\n\n") == ["het bestand bevat geen gegevens"]

    def test_header_only(self) -> None:
        assert problems("bestuurslaag;functie;respons\n") == [
            "er zijn geen aantallen ingevuld"
        ]


class TestEdition:
    @pytest.mark.parametrize("label", ["2022", "2020-najaar", "editie 2018"])
    def test_good_labels(self, label: str) -> None:
        assert check_edition(f" {label} ") == label

    @pytest.mark.parametrize("label", ["", "=1+1", "x" * 40, "../2022"])
    def test_bad_labels(self, label: str) -> None:
        with pytest.raises(InvalidInput):
            check_edition(label)
