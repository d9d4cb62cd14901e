"""Links: re-issue, withdrawal, key rotation, panel links (both databases)."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.errors import InvalidInput
from app.samples import service as samples_service
from app.samples import tokens
from app.samples.design import preset
from app.samples.models import Invitation
from tests.fixtures.samples import create_wave, draw, import_demo

pytestmark = pytest.mark.asyncio


def token_of(settings: Settings, invitation: Invitation) -> str:
    return samples_service.invitation_url(settings, invitation).rsplit("/", 1)[1]


class TestLinks:
    async def test_reissue_kills_the_old_link(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        invitation, token = await samples_service.create_invitation(
            session,
            settings,
            wave=wave,
            questionnaire="officials",
            attributes={"tier": "gemeente"},
        )
        assert token == token_of(settings, invitation)
        new = await samples_service.reissue_link(
            session, settings, invitation=invitation
        )
        await session.commit()
        assert new != token and new == token_of(settings, invitation)
        assert await samples_service.get_invitation_by_token(session, token) is None
        found = await samples_service.get_invitation_by_token(session, new)
        assert found is not None and found.id == invitation.id

    async def test_withdrawn_invitation_opens_nothing_until_restored(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        invitation, token = await samples_service.create_invitation(
            session, settings, wave=wave, questionnaire="officials"
        )
        await samples_service.withdraw_invitation(session, invitation=invitation)
        assert await samples_service.get_invitation_by_token(session, token) is None
        await samples_service.withdraw_invitation(
            session, invitation=invitation, withdrawn=False
        )
        assert await samples_service.get_invitation_by_token(session, token) is not None

    async def test_rotation_moves_every_link_to_the_new_key(
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
        started = await session.scalar(select(Invitation).limit(1))
        assert started is not None
        started.status = "started"
        await session.commit()
        old_tokens = {
            i.id: token_of(settings, i)
            for i in await session.scalars(select(Invitation))
        }

        rotated = settings.model_copy(
            update={"secret_key": SecretStr("a-new-secret-key-after-rotation-0123456789"),
                    "previous_secret_keys": [settings.secret_key]}
        )  # fmt: skip
        # Before re-issuing, links made with the previous key still work.
        some = next(iter(old_tokens.values()))
        assert await samples_service.get_invitation_by_token(session, some) is not None
        result = await samples_service.rotate_links(
            session, rotated, wave=wave, batch_size=7
        )
        await session.commit()
        assert (result.reissued, result.started) == (30, 1)
        new_key = tokens.key_id(rotated.secret_key.get_secret_value())
        invitations = list(await session.scalars(select(Invitation)))
        assert {i.token_key_id for i in invitations} == {new_key}
        only_new = rotated.model_copy(update={"previous_secret_keys": []})
        for invitation in invitations:
            assert (
                await samples_service.get_invitation_by_token(
                    session, old_tokens[invitation.id]
                )
                is None
            )
            assert (
                await samples_service.get_invitation_by_token(
                    session, token_of(only_new, invitation)
                )
                is not None
            )
        again = await samples_service.rotate_links(session, rotated, wave=wave)
        assert again.reissued == 0


class TestPanelLinks:
    async def test_batch_without_contacts_carries_stratum_and_panel(
        self, session: AsyncSession, settings: Settings
    ) -> None:
        wave = await create_wave(session)
        sample = await samples_service.create_panel_links(
            session, settings, wave=wave, questionnaire="employees", panel="Flitspanel",
            stratum=samples_service.parse_stratum("tier=Gemeenten"), count=12, drawn_by="cli:test",
            assign={"ballot": ["a", "b"]}, batch_size=5,
        )  # fmt: skip
        await session.commit()
        rows = [
            row
            async for row in samples_service.sample_links(
                session, settings, sample=sample, batch_size=5
            )
        ]
        assert rows[0] == [
            "referentie",
            "link",
            "vragenlijst",
            "panel",
            "stratum",
            "bestuurslaag",
        ]
        assert len(rows) == 13 and len({r[1] for r in rows[1:]}) == 12
        invitation = await samples_service.get_invitation_by_token(
            session, rows[5][1].rsplit("/", 1)[1]
        )
        assert invitation is not None
        assert (invitation.contact_id, invitation.panel, invitation.tier, invitation.stratum, invitation.sample_id) == (
            None, "flitspanel", "gemeente", "gemeente", sample.id,
        )  # fmt: skip
        assert invitation.attribute_values()["ballot"] in ("a", "b")

    @pytest.mark.parametrize("text", ["", "tier", "tier=stad", "=gemeente"])
    async def test_bad_strata_are_refused(self, text: str) -> None:
        with pytest.raises(InvalidInput):
            samples_service.parse_stratum(text)
