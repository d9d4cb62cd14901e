"""Population counts come from the address file, not the sample, and say when unconfirmed.

A constructed wave: an address file of 6 municipalities (1 mayor, 2
aldermen and 10 council members each), 20 provincial council members and 15
water-board members, drawn with the 2024 design (census, council members of 2
of the 6 municipalities). The export's weights are compared, respondent by
respondent, with post-stratification computed in pandas from the counts of
the file written down here, not from anything the export code returns.
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.demo.simulate import walk
from app.exports import runner, service
from app.exports.schemas import ExportFormat, ExportRequest
from app.flows import purging
from app.questionnaires import routing
from app.responses.models import Response
from app.samples.design import SampleDesign
from app.samples.models import Invitation
from app.staff.models import Role
from tests.fixtures.exports import START, demo, publish
from tests.fixtures.samples import csv_bytes, draw, import_bytes
from tests.fixtures.staff import logged_in

MUNICIPALITIES = [f"Gemeente {name}" for name in "ABCDEF"]
FRAME = {  # stratum → people in the address file (the population)
    "gemeente/burgemeester": 6,
    "gemeente/wethouder": 12,
    "gemeente/raadslid": 60,
    "provincie": 20,
    "waterschap": 15,
}
DESIGN = SampleDesign.model_validate(
    {
        "frame_kind": "officials",
        "components": [
            {"kind": "census", "exclude": {"function": ["raadslid"]}},
            {"kind": "cluster", "where": {"function": ["raadslid"]}, "clusters": 2},
        ],
    }
)
ANSWERING = {  # stratum → respondents
    "gemeente/burgemeester": 3,
    "gemeente/wethouder": 4,
    "gemeente/raadslid": 8,
    "provincie": 5,
    "waterschap": 3,
}


def _frame_rows() -> list[list[str]]:
    rows: list[list[str]] = []
    n = 0

    def person(tier: str, org: str, function: str) -> None:
        nonlocal n
        n += 1
        rows.append([f"Persoon {n}", f"p{n}@example.test", tier, org, function])

    for org in MUNICIPALITIES:
        person("gemeente", org, "burgemeester")
        for _ in range(2):
            person("gemeente", org, "wethouder")
        for _ in range(10):
            person("gemeente", org, "raadslid")
    for _ in range(20):
        person("provincie", "Provincie Noord", "statenlid")
    for _ in range(15):
        person("waterschap", "Waterschap Aa", "lid_ab")
    return rows


def stratum(tier: str, function: str) -> str:
    return f"gemeente/{function}" if tier == "gemeente" else tier


async def _wave(session: AsyncSession, settings: Settings) -> None:
    from app.samples import service as samples_service

    wave = await samples_service.create_wave(
        session, slug="mies-2024", name="Monitor 2024"
    )
    version, cq = await publish(session, demo())
    await samples_service.set_wave_version(
        session, wave=wave, questionnaire="officials", version_id=version.id
    )
    outcome = await import_bytes(session, settings, wave, csv_bytes(_frame_rows()))
    assert outcome.frame is not None
    await draw(session, settings, wave, DESIGN)
    invitations = (
        await session.scalars(select(Invitation).order_by(Invitation.id))
    ).all()
    wanted = dict(ANSWERING)
    rng = random.Random(5)
    for invitation in invitations:
        key = stratum(invitation.tier or "", invitation.function or "")
        if not wanted.get(key):
            continue
        wanted[key] -= 1
        attributes = invitation.attribute_values()
        log = walk(cq, attributes, rng, skip_rate=0.0)
        assert log.complete and any(
            routing.reached_threshold(cq, p) for p in log.submitted
        )
        invitation.status = "complete"
        session.add(
            Response(
                invitation_id=invitation.id, version_id=version.id, status="complete",
                answers=log.answers, submitted_pages=log.submitted, started_at=START,
                response_at=START, completed_at=START, updated_at=START,
            )
        )  # fmt: skip
    assert not any(wanted.values())
    await session.commit()


async def _export(session: AsyncSession, tmp_path: Path) -> tuple[pd.DataFrame, dict]:
    request = ExportRequest(
        wave="mies-2024", questionnaire="officials", format=ExportFormat.csv
    )
    plan = await service.prepare_export(session, request=request, actor="cli:test")
    await session.commit()
    out = tmp_path / "officials.csv"
    book = await runner.export_to_path(session, plan, out)
    await session.commit()
    return pd.read_csv(out, encoding="utf-8-sig"), book


def _by_hand(frame: pd.DataFrame, population: dict[str, int]) -> pd.Series:
    """Post-stratification in pandas: weight = population share / sample share."""
    tiers = {1: "gemeente", 2: "provincie", 3: "waterschap"}
    functions = {1: "burgemeester", 2: "wethouder", 3: "raadslid"}
    cells = [
        f"gemeente/{functions[f]}" if tiers[t] == "gemeente" else tiers[t]
        for t, f in zip(frame["tier"], frame["function"], strict=True)
    ]
    df = pd.DataFrame({"cell": cells})
    df["N_h"] = df["cell"].map(population)
    df["n_h"] = df.groupby("cell")["cell"].transform("size")
    total = sum(population.values())
    return (df["N_h"] / total) / (df["n_h"] / len(df))


@pytest.mark.asyncio
async def test_weights_use_the_address_file_and_say_they_are_unconfirmed(
    session: AsyncSession, settings: Settings, tmp_path: Path
) -> None:
    await _wave(session, settings)
    invited = (
        await session.scalars(
            select(Invitation.function).where(Invitation.function == "raadslid")
        )
    ).all()
    assert len(invited) == 20  # the sample: 2 of 6 municipalities

    frame, book = await _export(session, tmp_path)
    expected = _by_hand(frame, FRAME)
    assert np.allclose(frame["weight"].to_numpy(), expected.to_numpy(), rtol=1e-9)
    council = frame["function"] == 3
    share = frame.loc[council, "weight"].sum() / frame["weight"].sum()
    assert share == pytest.approx(60 / 113)  # not 20 / 73, the sample's share
    weighting = book["weighting"]
    assert weighting["population_confirmed"] is False
    assert "niemand heeft bevestigd" in weighting["warnings"][0]
    assert {u["value"] for u in weighting["population_unconfirmed"]} == {
        "burgemeester", "wethouder", "raadslid", "statenlid", "lid_ab",
    }  # fmt: skip

    # staff confirm: same weights, no warning
    from app.samples import service as samples_service

    wave = await samples_service.require_wave(session, "mies-2024")
    confirmed = await service.confirm_population(
        session, wave=wave, questionnaire="officials", actor="cli:test"
    )
    await session.commit()
    assert {(c.value, c.count) for c in confirmed} >= {("raadslid", 60)}
    again, book = await _export(session, tmp_path)
    assert np.allclose(again["weight"], frame["weight"])
    assert book["weighting"]["population_confirmed"] is True
    assert not any("bevestigd" in w for w in book["weighting"]["warnings"])

    # a staff override of one count replaces that count only
    await service.set_population_counts(
        session, wave=wave, questionnaire="officials",
        counts={"function": {"raadslid": 8476}}, actor="cli:test",
    )  # fmt: skip
    await session.commit()
    override, book = await _export(session, tmp_path)
    expected = _by_hand(override, {**FRAME, "gemeente/raadslid": 8476})
    assert np.allclose(override["weight"].to_numpy(), expected.to_numpy())
    assert book["weighting"]["population_confirmed"] is True


@pytest.mark.asyncio
async def test_frame_counts_survive_the_contact_purge(
    session: AsyncSession, settings: Settings, tmp_path: Path
) -> None:
    await _wave(session, settings)
    from app.samples import service as samples_service

    wave = await samples_service.require_wave(session, "mies-2024")
    await purging.purge_contacts(session, wave=wave, actor="cli:test")
    await session.commit()
    frame, _ = await _export(session, tmp_path)
    assert np.allclose(frame["weight"].to_numpy(), _by_hand(frame, FRAME).to_numpy())


@pytest.mark.asyncio
async def test_staff_page_warns_and_the_button_confirms(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    await _wave(session, settings)
    _, csrf = await logged_in(client, session, Role.analyst)
    where = {"wave": "mies-2024", "questionnaire": "officials"}
    page = await client.get("/staff/exports", params=where)
    assert 'id="population-unconfirmed"' in page.text
    assert "raadslid 60" in page.text
    population = await client.get("/staff/exports/population", params=where)
    assert "Aantallen uit het adresbestand bevestigen" in population.text
    refused = await client.post("/staff/exports/population/confirm", data=where)
    assert refused.status_code == 403  # no CSRF token
    done = await client.post(
        "/staff/exports/population/confirm", data={**where, "csrf_token": csrf}
    )
    assert done.status_code == 303
    page = await client.get("/staff/exports", params=where)
    assert 'id="population-unconfirmed"' not in page.text
    bundle = await client.post(
        "/staff/exports/download",
        data={**where, "csrf_token": csrf, "format": "csv"},
    )
    book = json.loads(zipfile.ZipFile(io.BytesIO(bundle.content)).read("codebook.json"))
    assert book["weighting"]["population_confirmed"] is True


def test_an_unweighted_export_has_nothing_to_confirm() -> None:
    nothing = service.ResolvedPopulation({}, {})
    assert nothing.confirmed and nothing.warning() is None
    frame_only = service.ResolvedPopulation(
        {"function": {"raadslid": 60.0}},
        {"function": {"raadslid": service.FRAME}},
        (("function", "raadslid"),),
    )
    assert not frame_only.confirmed
    assert "raadslid 60" in (frame_only.warning() or "")
