"""The fieldwork monitor: figures per wave and questionnaire, reference editions.
Services flush, never commit.

``build_monitor`` is what the page, its live fragment and the CSV downloads
call: it folds a backlog of tally deltas if there is one, reads a few hundred
grouped counts and
derives every table from them with the pure modules (``tables``, ``views``,
``chart``). No invitation row and no identity is ever loaded for it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.errors import NotFound
from app.monitoring import queries, tallies
from app.monitoring.balance import Balance, build_balance
from app.monitoring.chart import CurveChart, Marker, Series, curve_chart, day_range
from app.monitoring.layouts import DIMENSIONS, LAYOUTS, Dimension, Layout, layout_for
from app.monitoring.models import ReferenceCount
from app.monitoring.reference import (
    SHIPPED,
    ReferenceRow,
    check_edition,
    check_rows,
    parse_reference_csv,
)
from app.monitoring.states import Tally
from app.monitoring.tables import (
    Group,
    composition_table,
    main_table,
    split_table,
    sum_groups,
)
from app.monitoring.views import (
    Table,
    composition_view,
    curve_view,
    dispositions_view,
    main_view,
    split_view,
)
from app.samples import service as samples_service
from app.samples.models import Wave
from app.staff import service as staff_service
from app.staff.schemas import StaffContext


@dataclass(frozen=True)
class MonitorView:
    wave: Wave
    questionnaire: str
    layout: Layout
    total: Tally
    tables: dict[str, Table]
    chart: CurveChart
    curve_by: Dimension
    edition: str | None
    editions: list[str]
    generated_at: dt.datetime
    balance: Balance | None = None


def _groups(counts: list[tallies.GroupCount]) -> list[Group]:
    """One group per combination of sample attributes, its states summed."""
    merged: dict[tuple[tuple[str, str], ...], Tally] = {}
    for c in counts:
        key = tuple(sorted(c.values.items()))
        merged.setdefault(key, Tally()).add(Tally.of_state(c.state, c.n))
    return [Group(dict(key), tally) for key, tally in merged.items()]


async def require_monitored(
    session: AsyncSession, *, wave_slug: str, questionnaire: str
) -> Wave:
    """The wave, if ``questionnaire`` is fielded in it or has invitations there."""
    wave = await samples_service.require_wave(session, wave_slug)
    fielded = {
        entry.questionnaire
        for entry in await samples_service.wave_questionnaires(session, wave=wave)
    }
    if questionnaire not in fielded and questionnaire not in LAYOUTS:
        raise NotFound(f"Vragenlijst '{questionnaire}' hoort niet bij deze wave.")
    return wave


async def build_monitor(
    session: AsyncSession,
    *,
    wave: Wave,
    questionnaire: str,
    edition: str | None = None,
    curve_by: str | None = None,
    now: dt.datetime | None = None,
) -> MonitorView:
    """Every table the monitor shows for one questionnaire of a wave.

    ``edition`` picks the reference edition (default: the latest loaded) and
    ``curve_by`` the curve's grouping (default: the layout's first); unknown
    values fall back to the defaults rather than fail, as they come from URLs.
    Folds pending tally deltas first when there are many (``fold_backlog``);
    otherwise it only reads.
    """
    await tallies.fold_backlog(session)
    layout = layout_for(questionnaire)
    groups = _groups(
        await queries.group_counts(
            session, wave_id=wave.id, questionnaire=questionnaire
        )
    )
    editions = await queries.reference_editions(
        session, wave_id=wave.id, questionnaire=questionnaire
    )
    chosen = edition if edition in editions else (editions[0] if editions else None)
    records = (
        await queries.reference_records(
            session, wave_id=wave.id, questionnaire=questionnaire, edition=chosen
        )
        if chosen
        else []
    )
    rows = main_table(layout, groups, records)
    tables = {
        "main": main_view(rows, edition=chosen),
        "dispositions": dispositions_view(rows),
        "composition": composition_view(
            [composition_table(dim, groups) for dim in layout.composition]
        ),
    }
    if layout.split is not None:
        tables["split"] = split_view(split_table(layout.split, groups))
    dimension = next((d for d in layout.curve if d.key == curve_by), layout.curve[0])
    chart = await _curve(
        session,
        wave=wave,
        questionnaire=questionnaire,
        dimension=dimension,
        groups=groups,
        now=now or utcnow(),
    )
    tables["curve"] = curve_view(chart)
    zone = ZoneInfo(wave.timezone or "Europe/Amsterdam")
    balance = await build_balance(
        session,
        wave_slug=wave.slug,
        wave_id=wave.id,
        questionnaire=questionnaire,
        timezone=zone,
        groups=groups,
        days=[row.day for row in chart.table],
        markers=await queries.mailing_markers(
            session, wave_id=wave.id, questionnaire=questionnaire
        ),
    )
    return MonitorView(
        wave=wave,
        questionnaire=questionnaire,
        layout=layout,
        total=sum_groups(groups, ()),
        tables=tables,
        chart=chart,
        curve_by=dimension,
        edition=chosen,
        editions=editions,
        generated_at=now or utcnow(),
        balance=balance,
    )


async def _curve(
    session: AsyncSession,
    *,
    wave: Wave,
    questionnaire: str,
    dimension: Dimension,
    groups: list[Group],
    now: dt.datetime,
) -> CurveChart:
    zone = ZoneInfo(wave.timezone or "Europe/Amsterdam")
    per_code: dict[str, dict[dt.date, int]] = defaultdict(dict)
    for code, hour, n in await queries.curve_counts(
        session, wave_id=wave.id, questionnaire=questionnaire, key=dimension.key
    ):
        at = dt.datetime(  # 'YYYY-MM-DD HH' in UTC; strptime is slow per row
            int(hour[:4]),
            int(hour[5:7]),
            int(hour[8:10]),
            int(hour[11:13]),
            tzinfo=dt.UTC,
        )
        day = at.astimezone(zone).date()
        per_code[code][day] = per_code[code].get(day, 0) + n
    markers = await queries.mailing_markers(
        session, wave_id=wave.id, questionnaire=questionnaire
    )
    present = {g.values.get(dimension.key, "") for g in groups if g.tally.invited}
    codes = dimension.ordered(present | set(per_code))
    series = [
        Series(
            dimension.label_of(code),
            sum_groups(groups, ((dimension.key, code),)).invited,
            per_code.get(code, {}),
        )
        for code in codes
    ]
    days = _days(wave, per_code, markers, now.astimezone(zone).date())
    title = f"Cumulatieve respons per dag, naar {dimension.label.lower()}"
    return curve_chart(series, days=days, markers=markers, timezone=zone, title=title)


def _days(
    wave: Wave,
    per_code: dict[str, dict[dt.date, int]],
    markers: list[Marker],
    today: dt.date,
) -> list[dt.date]:
    """From the wave's opening to today (or its closing), widened to the data."""
    zone = ZoneInfo(wave.timezone or "Europe/Amsterdam")
    seen = [d for days in per_code.values() for d in days]
    seen += [m.at.astimezone(zone).date() for m in markers]
    start = wave.opens_on or (min(seen) if seen else today)
    end = min(today, wave.closes_on) if wave.closes_on else today
    if wave.opens_on and end < wave.opens_on:
        end = min(wave.closes_on or wave.opens_on, wave.opens_on)
    if seen:
        start, end = min(start, min(seen)), max(end, max(seen))
    return day_range(start, end)


# --- overview of all waves ------------------------------------------------------


@dataclass(frozen=True)
class QuestionnaireSummary:
    questionnaire: str
    title: str
    tally: Tally


@dataclass(frozen=True)
class WaveSummary:
    wave: Wave
    questionnaires: list[QuestionnaireSummary]


async def list_monitored_waves(session: AsyncSession) -> list[WaveSummary]:
    await tallies.fold_backlog(session)
    per_questionnaire: dict[tuple[int, str], Tally] = defaultdict(Tally)
    for wave_id, questionnaire, state, n in await queries.tallied_questionnaires(
        session
    ):
        per_questionnaire[(wave_id, questionnaire)].add(Tally.of_state(state, n))
    summaries = []
    for wave in await samples_service.list_waves(session):
        names = {
            e.questionnaire
            for e in await samples_service.wave_questionnaires(session, wave=wave)
        }
        names |= {q for (w, q) in per_questionnaire if w == wave.id}
        order = [q for q in LAYOUTS if q in names] + sorted(names - set(LAYOUTS))
        summaries.append(
            WaveSummary(
                wave,
                [
                    QuestionnaireSummary(
                        q,
                        layout_for(q).title,
                        per_questionnaire.get((wave.id, q), Tally()),
                    )
                    for q in order
                ],
            )
        )
    return summaries


# --- reference editions -----------------------------------------------------------


async def replace_reference(
    session: AsyncSession,
    *,
    wave: Wave,
    questionnaire: str,
    edition: str,
    rows: list[ReferenceRow],
    source: str,
    actor: StaffContext | str,
) -> int:
    """Make ``rows`` the whole of ``edition``'s reference counts (replacing any
    earlier load of that edition). Checked first; nothing changes on a problem."""
    edition = check_edition(edition)
    check_rows(rows)
    await session.execute(
        delete(ReferenceCount).where(
            ReferenceCount.wave_id == wave.id,
            ReferenceCount.questionnaire == questionnaire,
            ReferenceCount.edition == edition,
        )
    )
    session.add_all(
        ReferenceCount(
            wave_id=wave.id,
            questionnaire=questionnaire,
            edition=edition,
            tier=row.tier,
            function=row.function,
            invited=row.invited,
            responses=row.responses,
            note=row.note,
            source=source[:200],
        )
        for row in rows
    )
    await session.flush()
    await staff_service.record_audit(
        session,
        actor=actor,
        action="monitor.reference.load",
        target=f"{wave.slug}/{questionnaire}/{edition}",
        details={"rows": len(rows), "source": source[:200]},
    )
    return len(rows)


async def load_shipped_reference(
    session: AsyncSession,
    *,
    wave: Wave,
    questionnaire: str,
    name: str,
    actor: StaffContext | str,
) -> int:
    """Load a reference table that ships with veldwerk (e.g. the 2022 column
    of Table 4.3) as its edition; returns the number of cells loaded."""
    shipped = SHIPPED.get(name)
    if shipped is None or shipped.questionnaire != questionnaire:
        raise NotFound("Dit referentiebestand bestaat niet voor deze vragenlijst.")
    return await replace_reference(
        session,
        wave=wave,
        questionnaire=questionnaire,
        edition=shipped.edition,
        rows=parse_reference_csv(shipped.path.read_text(encoding="utf-8")),
        source=shipped.path.name,
        actor=actor,
    )


async def delete_reference(
    session: AsyncSession,
    *,
    wave: Wave,
    questionnaire: str,
    edition: str,
    actor: StaffContext | str,
) -> None:
    result = await session.execute(
        delete(ReferenceCount).where(
            ReferenceCount.wave_id == wave.id,
            ReferenceCount.questionnaire == questionnaire,
            ReferenceCount.edition == edition,
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"Er zijn geen referentiecijfers voor editie '{edition}'.")
    await staff_service.record_audit(
        session,
        actor=actor,
        action="monitor.reference.delete",
        target=f"{wave.slug}/{questionnaire}/{edition}",
    )


def reference_dimensions(layout: Layout) -> tuple[Dimension, ...]:
    """The cells a reference form asks for: tier × function, or per tier."""
    keys = [d.key for d in layout.rows]
    return tuple(DIMENSIONS[k] for k in keys if k in ("tier", "function"))


async def tallies_match(
    session: AsyncSession, *, wave: Wave, questionnaire: str
) -> bool:
    """Whether the trigger-kept tallies equal a full count of the invitations."""

    def normalised(counts: list[tallies.GroupCount]) -> set[tuple[object, ...]]:
        return {(tuple(sorted(c.values.items())), c.state, c.n) for c in counts if c.n}

    tallied = await queries.group_counts(
        session, wave_id=wave.id, questionnaire=questionnaire
    )
    live = await tallies.live_group_counts(
        session, wave_id=wave.id, questionnaire=questionnaire
    )
    return normalised(tallied) == normalised(live)
