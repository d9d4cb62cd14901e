"""The synthetic national frame has the report's shape (pure)."""

from __future__ import annotations

import io
from collections import Counter

from app.samples import demo_frame, importer
from app.samples.fields import FrameKind


def frame_rows(
    kind: str, size: demo_frame.DemoSize = demo_frame.FULL, seed: int = 3
) -> list[importer.FrameRow]:
    data = demo_frame.demo_frame_bytes(kind, seed=seed, size=size)
    report = importer.validate(io.BytesIO(data), kind=FrameKind(kind))
    assert report.ok, [p.text() for p in report.problems[:5]]
    return list(importer.read_rows(io.BytesIO(data), report, kind=FrameKind(kind)))


class TestOfficials:
    def test_counts_per_function_are_those_of_table_4_3(self) -> None:
        counts = Counter(r.function for r in frame_rows("officials"))
        assert counts == {
            "burgemeester": 342, "wethouder": 1397, "raadslid": 8476, "cdk": 12,
            "gedeputeerde": 62, "statenlid": 571, "dijkgraaf": 21, "lid_db": 91, "lid_ab": 502,
        }  # fmt: skip

    def test_personal_address_shares_are_those_of_table_4_4(self) -> None:
        rows = frame_rows("officials")
        for function, share in demo_frame.PERSONAL_SHARE.items():
            of_function = [r for r in rows if r.function == function]
            personal = sum(r.email_kind == "persoonlijk" for r in of_function)
            assert (
                abs(personal / len(of_function) - share) < 0.5 / len(of_function) + 1e-9
            )

    def test_organisations_include_the_g4_with_their_codes(self) -> None:
        orgs = demo_frame.organisations(3)
        assert Counter(o.tier for o in orgs) == {
            "gemeente": 342,
            "provincie": 12,
            "waterschap": 21,
        }
        codes = {o.code: o.name for o in orgs}
        assert (
            codes["GM0363"] == "Gemeente Amsterdam"
            and codes["GM0518"] == "Gemeente Den Haag"
        )
        assert len(codes) == 375

    def test_addresses_are_under_the_reserved_test_domain(self) -> None:
        assert all(
            r.email.endswith(".test") for r in frame_rows("officials", demo_frame.SMALL)
        )

    def test_same_seed_same_file_other_seed_other_file(self) -> None:
        first = demo_frame.demo_frame_bytes("officials", seed=5, size=demo_frame.SMALL)
        assert first == demo_frame.demo_frame_bytes(
            "officials", seed=5, size=demo_frame.SMALL
        )
        assert first != demo_frame.demo_frame_bytes(
            "officials", seed=6, size=demo_frame.SMALL
        )

    def test_gender_is_known_for_most(self) -> None:
        genders = Counter(r.gender for r in frame_rows("officials", demo_frame.SMALL))
        assert genders["man"] > genders["vrouw"] > genders[None] > 0


class TestOtherFrames:
    def test_organisations_frame_is_one_secretary_per_organisation(self) -> None:
        rows = frame_rows("organisations")
        assert len(rows) == 375 == len({r.organisation_code for r in rows})

    def test_employees_panel_frame_has_its_size_and_panel(self) -> None:
        rows = frame_rows("employees")
        assert len(rows) == 1049
        assert {r.panel for r in rows} == {"io_panel"}
        assert set(Counter(r.tier for r in rows)) == {
            "gemeente",
            "provincie",
            "waterschap",
        }

    def test_codes_agree_between_frames_of_one_seed(self) -> None:
        officials = {
            r.organisation_code for r in frame_rows("officials", demo_frame.SMALL)
        }
        organisations = {
            r.organisation_code for r in frame_rows("organisations", demo_frame.SMALL)
        }
        assert officials == organisations
