"""The address-file parser on files as they arrive (pure: no database)."""

from __future__ import annotations

import io

import openpyxl
import pytest
import xlsxwriter

from app.samples import importer
from app.samples.fields import FrameKind, FrameRow, Problem, ProblemCode

OFFICIALS = FrameKind.officials


def check(
    data: bytes, kind: FrameKind = OFFICIALS, **options: object
) -> importer.ValidationReport:
    return importer.validate(io.BytesIO(data), kind=kind, **options)  # type: ignore[arg-type]


def rows(data: bytes, kind: FrameKind = OFFICIALS) -> list[FrameRow]:
    report = check(data, kind)
    assert report.ok, [p.text() for p in report.problems]
    return list(importer.read_rows(io.BytesIO(data), report, kind=kind))


def only(report: importer.ValidationReport) -> Problem:
    assert report.problem_count == 1, [p.text() for p in report.problems]
    return report.problems[0]


def xlsx(*table: list[object]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in table:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HEADER = "Naam;E-mailadres;Bestuurslaag;Organisatie;Functie;Soort adres;Geslacht"


class TestReadingRealFiles:
    def test_dutch_excel_csv_semicolons_bom_crlf(self) -> None:
        data = (
            "\ufeff" + HEADER + "\r\n"
            "Jan de Vries ;  J.deVries@Gemeente-Oosterwolde.TEST ;Gemeente; Gemeente Oosterwolde ;Wethouder;persoonlijk;M\r\n"
        ).encode()
        (row,) = rows(data)
        assert row == FrameRow(
            line=2, email="j.devries@gemeente-oosterwolde.test", name="Jan de Vries",
            tier="gemeente", organisation="Gemeente Oosterwolde", function="wethouder",
            email_kind="persoonlijk", gender="man",
        )  # fmt: skip

    def test_comma_separated_utf8_without_bom_with_english_headers(self) -> None:
        data = (
            "Name,Email,Tier,Organisation,Function,Email kind,Gender\n"
            'Ana Sánchez,ana@x.test,Province,"Provincie Zeeland, Middelburg",Statenlid,personal,female\n'
        ).encode()
        (row,) = rows(data)
        assert (row.name, row.tier, row.organisation, row.email_kind, row.gender) == (
            "Ana Sánchez", "provincie", "Provincie Zeeland, Middelburg", "persoonlijk", "vrouw",
        )  # fmt: skip

    def test_windows_1252_with_accented_names(self) -> None:
        data = (HEADER + "\r\nAna Sánchez;a@x.test;gemeente;Gemeente Zoë;raadslid;;V\r\n"
                "Mehmet Çelik;m@x.test;gemeente;Gemeente Zoë;raadslid;;\r\n").encode("cp1252")  # fmt: skip
        report = check(data)
        assert report.format is not None and report.format.encoding == "cp1252"
        names = [(r.name, r.organisation) for r in rows(data)]
        assert names == [
            ("Ana Sánchez", "Gemeente Zoë"),
            ("Mehmet Çelik", "Gemeente Zoë"),
        ]

    def test_blank_lines_and_separator_only_lines_are_skipped_and_lines_keep_counting(
        self,
    ) -> None:
        data = (
            HEADER
            + "\n\n;;;;;;\nA;a@x.test;gemeente;G;raadslid;;\n   \nB;bad;gemeente;G;raadslid;;\n"
        ).encode()
        problem = only(check(data))
        assert (problem.line, problem.column, problem.code) == (
            6,
            "B",
            ProblemCode.EMAIL_INVALID,
        )

    def test_quoted_cell_with_a_line_break_keeps_later_line_numbers_right(self) -> None:
        data = (
            HEADER
            + '\n"A\nB";a@x.test;gemeente;G;raadslid;;\nC;c@x;gemeente;G;raadslid;;\n'
        ).encode()
        problem = only(check(data))
        assert (problem.line, problem.code) == (4, ProblemCode.EMAIL_INVALID)

    def test_a_file_mixing_utf8_and_windows_1252_is_refused_with_its_lines(
        self,
    ) -> None:
        data = (
            (HEADER + "\r\n").encode()
            + "María López;m@x.test;gemeente;Gemeente Zoë;raadslid;;V\r\n".encode()
            + b"Jan;j@x.test;gemeente;G;raadslid;;\r\n"
            + "Ana Sánchez;a@x.test;gemeente;G;raadslid;;V\r\n".encode("cp1252")
            + "José;jo@x.test;gemeente;G;raadslid;;\r\n".encode()
        )
        problem = only(check(data))
        assert problem.code == ProblemCode.FILE_ENCODING
        assert problem.line == 2
        assert "regels 2, 5 in UTF-8" in problem.message
        assert "regel 4 in Windows-1252" in problem.message

    @pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
    def test_names_garbled_before_the_file_was_made_are_refused(
        self, encoding: str
    ) -> None:
        data = (
            HEADER + "\nMarÃ\xada López;m@x.test;gemeente;Gemeente ZoÃ«;raadslid;;V\n"
            "José Müller;j@x.test;gemeente;G;raadslid;;\n"
        ).encode(encoding)
        report = check(data)
        assert [(p.line, p.column, p.code) for p in report.problems] == [
            (2, "A", ProblemCode.VALUE_GARBLED),
            (2, "D", ProblemCode.VALUE_GARBLED),
        ]
        assert "bedoeld is waarschijnlijk 'María López'" in report.problems[0].message

    def test_garbled_names_in_xlsx_are_refused_too(self) -> None:
        data = xlsx(
            ["Naam", "E-mailadres", "Functie", "Organisatie"],
            ["Hâ€™s MarÃ\xada", "m@x.test", "wethouder", "Gemeente X"],
        )
        problem = only(check(data))
        assert (problem.line, problem.column, problem.code) == (
            2,
            "A",
            ProblemCode.VALUE_GARBLED,
        )

    def test_excel_unicode_text_is_utf16_with_tabs(self) -> None:
        data = "Naam\tE-mailadres\tFunctie\tOrganisatie\r\nAna Sánchez\ta@x.test\tWethouder\tGemeente Zoë\r\n"
        (row,) = rows(data.encode("utf-16"))
        assert (row.name, row.organisation, row.function) == (
            "Ana Sánchez",
            "Gemeente Zoë",
            "wethouder",
        )

    def test_excel_sep_hint_line(self) -> None:
        data = (
            b"sep=,\nNaam,E-mailadres,Functie,Organisatie\nA,a@x.test,burgemeester,G\n"
        )
        (row,) = rows(data)
        assert (row.line, row.function, row.tier) == (3, "burgemeester", "gemeente")

    def test_title_line_above_the_header_is_skipped(self) -> None:
        data = b"Adresbestand MIV 2024;;;\n;;;\nNaam;E-mailadres;Functie;Organisatie\nA;a@x.test;Lid AB;WS Rijnland\n"
        (row,) = rows(data)
        assert (row.line, row.function, row.tier) == (4, "lid_ab", "waterschap")

    def test_xlsx_from_openpyxl_with_numbers_blank_rows_and_spaces(self) -> None:
        data = xlsx(
            [
                "Naam",
                "E-mailadres",
                "Organisatiecode",
                "Organisatie",
                "Functie",
                "Inwoners",
            ],
            [
                " Piet Bakker ",
                "Piet.Bakker@Gemeente-Y.test ",
                363,
                "Gemeente Y",
                "Raadslid",
                12500.0,
            ],
            [None, None, None, None, None, None],
            [
                "Kim Jansen",
                "kim@gemeente-y.test",
                "gm0363",
                "Gemeente Y",
                "Gemeenteraadslid",
                None,
            ],
        )
        first, second = rows(data)
        assert (first.line, first.name, first.email, first.organisation_code) == (
            2, "Piet Bakker", "piet.bakker@gemeente-y.test", "363",
        )  # fmt: skip
        assert first.attributes == {"inwoners": "12500"}
        assert (second.line, second.function, second.organisation_code) == (
            4,
            "raadslid",
            "GM0363",
        )

    def test_xlsx_written_like_excel_by_xlsxwriter(self) -> None:
        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
        sheet = workbook.add_worksheet("Blad1")
        for r, values in enumerate([
            ["E-MAILADRES", "BESTUURSLAAG", "GESLACHT", "PANEL"],
            ["X.Y@Provincie.test", "Provincies", "Vrouw", "I&O Research Panel"],
        ]):  # fmt: skip
            sheet.write_row(r, 0, values)
        workbook.close()
        (row,) = rows(buffer.getvalue(), FrameKind.employees)
        assert (row.email, row.tier, row.gender, row.panel) == (
            "x.y@provincie.test",
            "provincie",
            "vrouw",
            "io_panel",
        )

    def test_name_is_composed_from_its_parts(self) -> None:
        data = b"Voornaam;Tussenvoegsel;Achternaam;E-mail;Functie;Organisatie\nJan;van der;Berg;j@x.test;dijkgraaf;WS\n"
        (row,) = rows(data)
        assert (row.name, row.tier) == ("Jan van der Berg", "waterschap")

    def test_extra_columns_become_attributes(self) -> None:
        data = b"Naam;E-mailadres;Functie;Organisatie;Partij;Telefoon\nA;a@x.test;wethouder;G;D66;06-12345678\n"
        (row,) = rows(data)
        assert row.attributes == {"partij": "D66", "telefoon": "06-12345678"}

    def test_function_column_of_an_employees_panel_is_an_attribute(self) -> None:
        data = b"E-mailadres;Bestuurslaag;Functie\na@x.test;gemeente;Beleid / advies\n"
        (row,) = rows(data, FrameKind.employees)
        assert row.function is None
        assert row.attributes == {"functie": "Beleid / advies"}

    def test_general_secretariat_address_shared_by_named_officials_is_fine(
        self,
    ) -> None:
        data = (HEADER + "\nA;bestuur@x.test;gemeente;G;wethouder;algemeen;\n"
                "B;bestuur@x.test;gemeente;G;wethouder;algemeen;\n").encode()  # fmt: skip
        assert [r.name for r in rows(data)] == ["A", "B"]

    def test_format_facts_are_reported(self) -> None:
        report = check((HEADER + "\nA;a@x.test;gemeente;G;raadslid;;\n").encode())
        assert report.format is not None and report.layout is not None
        assert (
            report.format.kind,
            report.format.encoding,
            report.format.delimiter,
        ) == ("csv", "utf-8", ";")
        assert len(report.format.sha256) == 64 and report.rows == 1
        assert report.layout.describe()[1] == {
            "column": "B",
            "header": "E-mailadres",
            "field": "email",
            "attribute": None,
        }


class TestRejections:
    """Every reason, with the line and column it reports."""

    def test_invalid_email(self) -> None:
        problem = only(
            check((HEADER + "\nA;jan@@x.test;gemeente;G;raadslid;;\n").encode())
        )
        assert (problem.line, problem.column, problem.header, problem.code) == (
            2, "B", "E-mailadres", ProblemCode.EMAIL_INVALID,
        )  # fmt: skip
        assert "jan@@x.test" in problem.message and "na de @" in problem.message

    @pytest.mark.parametrize(
        ("row", "column"),
        [
            ("A;;gemeente;G;raadslid;;", "B"),
            ("A;a@x.test;gemeente;;raadslid;;", "D"),
            ("A;a@x.test;gemeente;G;;;", "E"),
        ],
    )
    def test_missing_required_value(self, row: str, column: str) -> None:
        problem = only(check((HEADER + "\n" + row + "\n").encode()))
        assert (problem.line, problem.column, problem.code) == (
            2,
            column,
            ProblemCode.VALUE_MISSING,
        )

    def test_duplicate_within_the_file_names_the_first_line(self) -> None:
        data = (HEADER + "\nA;a@x.test;gemeente;G;raadslid;;\nB;b@x.test;gemeente;G;raadslid;;\n"
                "C;A@X.TEST;gemeente;G;raadslid;;\n").encode()  # fmt: skip
        problem = only(check(data))
        assert (problem.line, problem.column, problem.code) == (
            4,
            "B",
            ProblemCode.DUPLICATE_IN_FILE,
        )
        assert "regel 2" in problem.message

    def test_same_person_twice_on_a_general_address(self) -> None:
        data = (HEADER + "\nA;bestuur@x.test;gemeente;G;wethouder;algemeen;\n"
                "A;bestuur@x.test;gemeente;G;wethouder;algemeen;\n").encode()  # fmt: skip
        assert only(check(data)).code is ProblemCode.DUPLICATE_IN_FILE

    def test_duplicate_against_the_wave(self) -> None:
        existing = FrameRow(line=0, email="a@x.test")
        data = (
            HEADER
            + "\nB;b@x.test;gemeente;G;raadslid;;\nA;a@x.test;gemeente;G;raadslid;;\n"
        ).encode()
        report = check(
            data,
            existing_keys=[importer.duplicate_hash(existing.duplicate_key(OFFICIALS))],
        )
        problem = only(report)
        assert (problem.line, problem.column, problem.code) == (
            3,
            "B",
            ProblemCode.DUPLICATE_IN_WAVE,
        )

    def test_unknown_tier_with_suggestion(self) -> None:
        problem = only(check((HEADER + "\nA;a@x.test;gemeent;G;raadslid;;\n").encode()))
        assert (problem.line, problem.column, problem.code) == (
            2,
            "C",
            ProblemCode.TIER_UNKNOWN,
        )
        assert problem.message.endswith("bedoelt u 'gemeente'?")

    def test_unknown_function_with_suggestion(self) -> None:
        problem = only(
            check((HEADER + "\nA;a@x.test;gemeente;G;wethouderr;;\n").encode())
        )
        assert (problem.line, problem.column, problem.code) == (
            2,
            "E",
            ProblemCode.FUNCTION_UNKNOWN,
        )
        assert problem.message.endswith("bedoelt u 'wethouder'?")

    def test_unknown_function_without_a_close_match(self) -> None:
        problem = only(
            check((HEADER + "\nA;a@x.test;gemeente;G;kapitein;;\n").encode())
        )
        assert (
            problem.code is ProblemCode.FUNCTION_UNKNOWN
            and "bedoelt" not in problem.message
        )

    def test_function_not_matching_tier(self) -> None:
        problem = only(
            check((HEADER + "\nA;a@x.test;provincie;G;wethouder;;\n").encode())
        )
        assert (problem.line, problem.column, problem.code) == (
            2,
            "E",
            ProblemCode.FUNCTION_TIER_MISMATCH,
        )
        assert "gemeente" in problem.message and "provincie" in problem.message

    def test_unknown_email_kind(self) -> None:
        problem = only(
            check((HEADER + "\nA;a@x.test;gemeente;G;raadslid;algemen;\n").encode())
        )
        assert (problem.line, problem.column, problem.code) == (
            2,
            "F",
            ProblemCode.EMAIL_KIND_UNKNOWN,
        )
        assert "algemeen" in problem.message

    def test_unknown_gender(self) -> None:
        problem = only(
            check((HEADER + "\nA;a@x.test;gemeente;G;raadslid;;mnl\n").encode())
        )
        assert (problem.line, problem.column, problem.code) == (
            2,
            "G",
            ProblemCode.GENDER_UNKNOWN,
        )

    def test_value_too_long(self) -> None:
        problem = only(
            check((HEADER + f"\nA;a@x.test;gemeente;{'G' * 201};raadslid;;\n").encode())
        )
        assert (problem.line, problem.column, problem.code) == (
            2,
            "D",
            ProblemCode.VALUE_TOO_LONG,
        )

    def test_value_in_a_column_without_header(self) -> None:
        problem = only(
            check((HEADER + "\nA;a@x.test;gemeente;G;raadslid;;;verdwaald\n").encode())
        )
        assert (problem.line, problem.column, problem.code) == (
            2,
            "H",
            ProblemCode.VALUE_WITHOUT_HEADER,
        )

    def test_missing_column_suggests_the_misspelt_header(self) -> None:
        problem = only(
            check(b"Naam;E-mailadress;Functie;Organisatie\nA;a@x.test;raadslid;G\n")
        )
        assert (problem.line, problem.column, problem.code) == (
            1,
            None,
            ProblemCode.HEADER_MISSING,
        )
        assert "e-mailadres" in problem.message and "E-mailadress" in problem.message

    def test_two_columns_meaning_the_same(self) -> None:
        problem = only(
            check(
                b"Naam;E-mail;Functie;Organisatie;Emailadres\nA;a@x.test;raadslid;G;b@x.test\n"
            )
        )
        assert (problem.line, problem.column, problem.code) == (
            1,
            "E",
            ProblemCode.HEADER_DUPLICATE,
        )

    def test_organisation_code_twice_in_an_organisations_file(self) -> None:
        data = b"Organisatie;Organisatiecode;Bestuurslaag;E-mailadres\nA;GM0001;gemeente;s@a.test\nB;gm0001;gemeente;s@b.test\n"
        problem = only(check(data, FrameKind.organisations))
        assert (problem.line, problem.column, problem.code) == (
            3,
            "B",
            ProblemCode.DUPLICATE_IN_FILE,
        )

    @pytest.mark.parametrize(
        ("data", "code", "line"),
        [
            (b"", ProblemCode.FILE_EMPTY, 1),
            (HEADER.encode() + b"\n", ProblemCode.FILE_NO_ROWS, 2),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", ProblemCode.FILE_FORMAT, 1),
            (b"PK\x03\x04not really a zip", ProblemCode.FILE_FORMAT, 1),
            (
                (HEADER + "\nA;a@x.test;gemeente;G;raadslid;;\n").encode()
                + b"B;\x81\x8d;x\n",
                ProblemCode.FILE_ENCODING,
                3,
            ),
            (
                (
                    HEADER + "\nA;a@x.test;gemeente;G;raadslid;;\nB\x00;b@x.test\n"
                ).encode(),
                ProblemCode.FILE_MALFORMED,
                3,
            ),
        ],
    )
    def test_unreadable_files(self, data: bytes, code: ProblemCode, line: int) -> None:
        problem = only(check(data))
        assert (problem.code, problem.line) == (code, line)

    def test_every_problem_is_counted_but_the_report_is_capped(self) -> None:
        data = (
            HEADER
            + "\n"
            + "".join(f"A;bad{i};gemeente;G;raadslid;;\n" for i in range(20))
        ).encode()
        report = check(data, max_problems=5)
        assert report.problem_count == 20
        assert [p.line for p in report.problems] == [2, 3, 4, 5, 6]

    def test_problems_come_sorted_by_line_with_duplicates_in_place(self) -> None:
        data = (HEADER + "\nA;a@x.test;gemeente;G;raadslid;;\nA;a@x.test;gemeente;G;raadslid;;\n"
                "B;bad;gemeente;G;raadslid;;\n").encode()  # fmt: skip
        report = check(data)
        assert [(p.line, p.code) for p in report.problems] == [
            (3, ProblemCode.DUPLICATE_IN_FILE), (4, ProblemCode.EMAIL_INVALID),
        ]  # fmt: skip

    def test_read_rows_refuses_an_unvalidated_file(self) -> None:
        data = (HEADER + "\nB;bad;gemeente;G;raadslid;;\n").encode()
        report = check(data)
        with pytest.raises(ValueError, match="passed validation"):
            next(importer.read_rows(io.BytesIO(data), report, kind=OFFICIALS))

    def test_problem_text_names_line_column_and_header(self) -> None:
        problem = only(
            check((HEADER + "\nA;a@x.test;gemeente;G;wethouderr;;\n").encode())
        )
        assert problem.text() == (
            "regel 2, kolom E (Functie): onbekende waarde 'wethouderr' voor functie; "
            "bedoelt u 'wethouder'? [FUNCTION_UNKNOWN]"
        )
