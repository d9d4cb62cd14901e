"""Drawing samples from the database: invitations, reproducibility, summaries (both databases)."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.samples import demo_frame
from app.samples import service as samples_service
from app.samples.design import Census, SampleDesign, preset
from app.samples.errors import InvalidDesign, QuestionnaireNotFielded
from app.samples.fields import FrameKind
from app.samples.models import Contact, Invitation, Sample
from tests.fixtures.samples import ACTOR, create_wave, draw, import_bytes, import_demo

pytestmark = pytest.mark.asyncio

SMALL_2024 = SampleDesign.model_validate(
    {
        **preset("officials-2024").model_dump(mode="json"),
        "components": [
            {"kind": "census", "exclude": {"function": ["raadslid"]}},
            {"kind": "cluster", "where": {"function": ["raadslid"]}, "clusters": 8,
             "always_include": ["Amsterdam", "Rotterdam", "Den Haag", "Utrecht"]},
        ],
    }
)  # fmt: skip


async def invited_emails(session: AsyncSession, sample: Sample) -> set[str]:
    rows = await session.scalars(
        select(Contact.email)
        .join(Invitation, Invitation.contact_id == Contact.id)
        .where(Invitation.sample_id == sample.id)
    )
    return set(rows)


class TestDrawSample:
    async def test_invitations_carry_the_sample_attributes(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        await import_demo(session, settings, wave)
        sample = await draw(session, settings, wave, SMALL_2024)
        invitation = await session.scalar(
            select(Invitation)
            .where(Invitation.sample_id == sample.id, Invitation.function == "raadslid")
            .limit(1)
        )
        assert invitation is not None
        contact = await session.get(Contact, invitation.contact_id)
        assert contact is not None
        assert (invitation.tier, invitation.function_type, invitation.stratum) == (
            "gemeente",
            "volksvertegenwoordiger",
            "gemeente/raadslid",
        )
        assert (invitation.organisation_code, invitation.email_kind, invitation.gender) == (
            contact.organisation_code, contact.email_kind, contact.gender,
        )  # fmt: skip
        assert invitation.attributes == {"partij": contact.attributes["partij"]}
        assert (
            invitation.questionnaire == "officials" and invitation.status == "invited"
        )
        assert (
            await session.scalar(select(func.count()).select_from(Invitation))
            == sample.sampled
        )

    async def test_the_2024_design_census_plus_clusters_with_g4(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        await import_demo(session, settings, wave)
        sample = await draw(session, settings, wave, SMALL_2024)
        strata = {
            s["key"]: (s["population"], s["sampled"]) for s in sample.summary["strata"]
        }
        assert strata["gemeente/burgemeester"] == (24, 24)
        assert strata["provincie/statenlid"] == (140, 140)
        orgs = set(await session.scalars(
            select(Invitation.organisation_code).where(Invitation.function == "raadslid").distinct()
        ))  # fmt: skip
        assert {"GM0363", "GM0599", "GM0518", "GM0344"} <= orgs and len(orgs) == 12
        per_org = Counter(
            await session.scalars(
                select(Contact.organisation_code).where(Contact.function == "raadslid")
            )
        )
        assert strata["gemeente/raadslid"][1] == sum(per_org[o] for o in orgs)

    async def test_same_seed_same_people_even_from_a_reordered_file(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        data = demo_frame.demo_frame_bytes("officials", seed=7, size=demo_frame.SMALL)
        lines = data.decode("utf-8-sig").splitlines(keepends=True)
        body = lines[1:]
        random.Random(1).shuffle(body)
        shuffled = ("\ufeff" + lines[0] + "".join(body)).encode()
        samples = []
        for slug, content in (("a-wave", data), ("b-wave", shuffled), ("c-wave", data)):
            wave = await create_wave(session, slug=slug)
            assert (
                await import_bytes(session, settings, wave, content)
            ).frame is not None
            samples.append(
                await draw(
                    session,
                    settings,
                    wave,
                    SMALL_2024,
                    seed=99 if slug != "c-wave" else 100,
                )
            )
        first, reordered, other_seed = [
            await invited_emails(session, s) for s in samples
        ]
        assert first == reordered
        assert first != other_seed

    async def test_dry_run_shows_the_draw_and_writes_nothing(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        await import_demo(session, settings, wave)
        preview = await samples_service.draw_sample(
            session,
            settings,
            wave=wave,
            questionnaire="officials",
            design=SMALL_2024,
            seed=5,
            actor=ACTOR,
            dry_run=True,
        )
        assert preview.sample is None
        assert await session.scalar(select(func.count()).select_from(Invitation)) == 0
        sample = await draw(session, settings, wave, SMALL_2024, seed=5)
        assert sample.summary["strata"] == preview.summary["strata"]

    async def test_verify_redraws_the_stored_sample(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        await import_demo(session, settings, wave)
        sample = await draw(session, settings, wave, SMALL_2024, seed=8)
        # A later frame and a later draw do not disturb the check.
        await import_demo(session, settings, wave, kind="organisations")
        await draw(
            session,
            settings,
            wave,
            preset("organisations-2024"),
            questionnaire="organisations",
        )
        check = await samples_service.verify_sample(session, settings, sample=sample)
        assert check.matches and check.redrawn == check.stored == sample.sampled

    async def test_second_draw_adds_only_people_not_yet_invited(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        await import_demo(session, settings, wave)
        first = await draw(session, settings, wave, SMALL_2024, seed=1)
        second = await draw(session, settings, wave, preset("census"), seed=2)
        assert first.sampled + second.sampled == 887
        contacts = await session.scalar(
            select(func.count(func.distinct(Invitation.contact_id)))
        )
        assert contacts == 887

    async def test_organisations_get_one_invitation_each(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        await import_demo(session, settings, wave, kind="organisations")
        await draw(
            session,
            settings,
            wave,
            preset("organisations-2024"),
            questionnaire="organisations",
        )
        codes = list(await session.scalars(select(Invitation.organisation_code)))
        assert len(codes) == len(set(codes)) == 30

    async def test_split_ballot_is_assigned_from_the_seed(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        await import_demo(session, settings, wave, kind="employees")
        await draw(
            session, settings, wave, preset("employees-2024"), questionnaire="employees"
        )
        ballots = Counter(
            i.attributes.get("ballot")
            for i in await session.scalars(select(Invitation))
        )
        assert set(ballots) == {"a", "b"}
        assert min(ballots.values()) > 0.3 * sum(ballots.values())

    async def test_refusals(self, session: AsyncSession, settings: Settings) -> None:
        wave = await create_wave(session, questionnaires=("officials",))
        with pytest.raises(InvalidDesign, match="nog geen adresbestand"):
            await draw(session, settings, wave, preset("census"))
        await session.rollback()
        wave = await samples_service.require_wave(session, "miv-2024")
        await import_demo(session, settings, wave)
        with pytest.raises(QuestionnaireNotFielded):
            await draw(
                session, settings, wave, preset("census"), questionnaire="employees"
            )
        await session.rollback()
        wave = await samples_service.require_wave(session, "miv-2024")
        nobody = SampleDesign(
            frame_kind=FrameKind.officials,
            components=[Census(where={"panel": ["flitspanel"]})],
        )
        with pytest.raises(InvalidDesign, match="selecteert niemand"):
            await draw(session, settings, wave, nobody)
