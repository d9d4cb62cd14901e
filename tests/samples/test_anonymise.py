"""The contact purge also de-identifies invitations, and changes no figure.

Pure parts first (what an invitation keeps), then on both databases: a wave
with responses is exported and counted before and after the purge, and the
export's rows and weights, the monitor's counts and the response figures must
be identical; the organisation and free address-file columns must be gone.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.exports import runner
from app.exports import service as export_service
from app.exports.schemas import ExportFormat, ExportRequest
from app.flows import purging
from app.monitoring import tallies
from app.samples import anonymise
from app.samples import service as samples_service
from app.samples.design import SampleDesign, preset
from app.samples.models import Invitation
from tests.fixtures.exports import build_dataset
from tests.fixtures.samples import create_wave, draw, import_demo

KEY = b"k" * 32


class TestKeptAttributes:
    def test_free_columns_go_size_class_and_ballot_stay(self) -> None:
        design = SampleDesign.model_validate(
            {**preset("employees-2024").model_dump(mode="json")}
        )
        kept = anonymise.kept_attributes(
            attributes={"partij": "D66", "grootteklasse": "groot", "ballot": "a"},
            values={"tier": "gemeente", "panel": "io_panel"},
            design=design,
            key=KEY,
        )
        assert kept == {"grootteklasse": "groot", "ballot": "a"}

    def test_cluster_drawn_units_get_a_pseudonym_not_the_code(self) -> None:
        design = preset("officials-2024")
        values = {
            "tier": "gemeente",
            "function": "raadslid",
            "organisation_code": "GM0363",
            "organisation": "Gemeente Amsterdam",
        }
        kept = anonymise.kept_attributes(
            attributes={}, values=values, design=design, key=KEY
        )
        pseudonym = kept[anonymise.CLUSTER_ATTRIBUTE]
        assert "0363" not in pseudonym and "Amsterdam" not in pseudonym
        same = anonymise.kept_attributes(
            attributes={}, values=dict(values), design=design, key=KEY
        )
        other = anonymise.kept_attributes(
            attributes={},
            values={**values, "organisation_code": "GM0599"},
            design=design,
            key=KEY,
        )
        assert same[anonymise.CLUSTER_ATTRIBUTE] == pseudonym
        assert other[anonymise.CLUSTER_ATTRIBUTE] != pseudonym
        # another key (another purge) gives another pseudonym: nothing to invert
        assert (
            anonymise.kept_attributes(
                attributes={}, values=values, design=design, key=b"x" * 32
            )[anonymise.CLUSTER_ATTRIBUTE]
            != pseudonym
        )

    def test_census_units_get_no_cluster(self) -> None:
        kept = anonymise.kept_attributes(
            attributes={},
            values={"tier": "gemeente", "function": "burgemeester",
                    "organisation_code": "GM0363"},
            design=preset("officials-2024"),
            key=KEY,
        )  # fmt: skip
        assert kept == {}

    def test_smtp_texts_lose_the_address(self) -> None:
        assert anonymise.reply_code("550 5.1.1 <jan@x.nl> unknown") == "550 5.1.1"
        assert anonymise.reply_code("refused: jan@x.nl") == "geweigerd"
        assert anonymise.reply_code(None) is None


async def _figures(
    session: AsyncSession, tmp_path: Path, wave_id: int, label: str
) -> tuple[pd.DataFrame, list[tuple[str, int, int]], dict]:
    request = ExportRequest(
        wave="mies-2024",
        questionnaire="officials",
        format=ExportFormat.csv,
        include_partial=True,
        separator=";",
    )
    plan = await export_service.prepare_export(
        session, request=request, actor="cli:test"
    )
    await session.commit()
    path = tmp_path / f"{label}.zip"
    await runner.export_to_path(session, plan, path)
    await session.commit()
    frame = pd.read_csv(
        io.BytesIO(zipfile.ZipFile(path).read("data.csv")),
        sep=";",
        encoding="utf-8-sig",
        dtype=str,
        keep_default_na=False,
    )
    monitor = sorted(
        (str(sorted(g.values.items())), g.state, g.n)
        for g in await tallies.live_group_counts(
            session, wave_id=wave_id, questionnaire="officials"
        )
    )
    wave = await samples_service.require_wave(session, "mies-2024")
    status = await samples_service.invitation_status_counts(session, wave=wave)
    return frame, monitor, status


@pytest.mark.asyncio
class TestPurgeChangesNoFigure:
    async def test_export_weights_monitor_and_rates_identical(
        self, session: AsyncSession, settings: Settings, tmp_path: Path
    ) -> None:
        data = await build_dataset(session, settings, respondents=30)
        wave_id = data.wave.id
        # what an address file leaves on invitations: the organisation, free columns
        ids = list(
            await session.scalars(
                select(Invitation.id).where(Invitation.wave_id == wave_id)
            )
        )
        for n, invitation_id in enumerate(ids):
            await session.execute(
                update(Invitation)
                .where(Invitation.id == invitation_id)
                .values(
                    organisation=f"Gemeente {n % 7}",
                    organisation_code=f"GM{n % 7:04d}",
                    gender="v" if n % 3 else "m",
                    undeliverable_reason="550 5.1.1 <p@x.nl> unknown" if n == 3 else None,
                    attributes={"partij": "D66", "grootteklasse": "groot"},
                )
            )  # fmt: skip
        await session.commit()
        before = await _figures(session, tmp_path, wave_id, "before")
        assert len(before[0]) > 20 and before[0]["weight"].nunique() > 1

        wave = await samples_service.require_wave(session, "mies-2024")
        await purging.purge_contacts(session, wave=wave, actor="cli:test")
        await session.commit()

        after = await _figures(session, tmp_path, wave_id, "after")
        pd.testing.assert_frame_equal(before[0], after[0])
        assert before[1] == after[1]
        assert before[2] == after[2]
        rows = (
            await session.execute(
                select(
                    Invitation.organisation,
                    Invitation.organisation_code,
                    Invitation.attributes,
                    Invitation.undeliverable_reason,
                ).where(Invitation.wave_id == wave_id)
            )
        ).all()
        assert {r[0] for r in rows} == {None} and {r[1] for r in rows} == {None}
        assert all(r[2] == {"grootteklasse": "groot"} for r in rows)
        assert {r[3] for r in rows} == {None, "550 5.1.1"}

    async def test_cluster_sample_keeps_a_pseudonymous_cluster(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        await import_demo(session, settings, wave)
        design = preset("officials-2024").model_dump(mode="json")
        design["components"][1].update(clusters=5, always_include=["Amsterdam"])
        await draw(session, settings, wave, SampleDesign.model_validate(design))
        await session.commit()
        codes = {
            i: (function, code)
            for i, function, code in (
                await session.execute(
                    select(
                        Invitation.id, Invitation.function, Invitation.organisation_code
                    ).where(Invitation.wave_id == wave.id)
                )
            ).all()
        }
        monitor_before = sorted(
            (str(sorted(g.values.items())), g.state, g.n)
            for g in await tallies.live_group_counts(
                session, wave_id=wave.id, questionnaire="officials"
            )
        )
        await purging.purge_contacts(session, wave=wave, actor="cli:test")
        await session.commit()
        after = dict(
            (
                await session.execute(
                    select(Invitation.id, Invitation.attributes).where(
                        Invitation.wave_id == wave.id
                    )
                )
            ).all()
        )
        by_code: dict[str, set[str]] = {}
        for invitation_id, (function, code) in codes.items():
            cluster = after[invitation_id].get(anonymise.CLUSTER_ATTRIBUTE)
            if function == "raadslid":
                assert cluster is not None and code not in cluster
                by_code.setdefault(code, set()).add(cluster)
            else:
                assert cluster is None
        assert len(by_code) > 1
        assert all(len(pseudonyms) == 1 for pseudonyms in by_code.values())
        assert len({next(iter(p)) for p in by_code.values()}) == len(by_code)
        monitor_after = sorted(
            (str(sorted(g.values.items())), g.state, g.n)
            for g in await tallies.live_group_counts(
                session, wave_id=wave.id, questionnaire="officials"
            )
        )
        assert monitor_before == monitor_after
