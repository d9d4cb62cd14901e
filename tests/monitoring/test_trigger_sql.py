"""The monitor's triggers are the SQL that ``trigger_sql`` builds from the enums.

Migration 0004 installed the triggers from its own frozen copy of the state
encoding. These tests hold that copy, and the SQL the database really has, to
what ``app.monitoring.trigger_sql`` generates from ``app.samples.states`` today:
a changed status or fact bit without a migration that reinstalls the triggers
fails here, instead of silently miscounting the monitor.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.monitoring import trigger_sql
from app.samples.states import (
    OTHER_STATUS,
    STATE_FLAGS,
    InvitationState,
    InvitationStatus,
    state_code,
)

MIGRATION = (
    Path(__file__).parents[2]
    / "migrations/versions/2026-11-23_0004_monitoring_monitoring_tallies_and_reference_counts.py"
)


def _migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("migration_0004", MIGRATION)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _flat(sql: str) -> str:
    return " ".join(sql.split())


class TestMigrationMatchesGenerator:
    def test_sqlite_triggers(self) -> None:
        assert _migration()._sqlite_triggers() == trigger_sql.sqlite_triggers()

    def test_postgresql_triggers(self) -> None:
        assert _migration()._postgresql_triggers() == trigger_sql.postgresql_triggers()

    @pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
    def test_backfills(self, dialect: str) -> None:
        migration = _migration()
        assert migration._backfill_counts(dialect) == trigger_sql.backfill_counts(
            dialect
        )
        assert migration._backfill_curve(dialect) == trigger_sql.backfill_curve(dialect)

    def test_watched_columns(self) -> None:
        assert _migration().WATCHED == trigger_sql.WATCHED


class TestGeneratorFollowsTheEnums:
    def test_every_status_has_its_code(self) -> None:
        sql = trigger_sql.state_sql("")
        for status in InvitationStatus:
            code = state_code(InvitationState(status, False, False, False, False))
            assert f"WHEN '{status.value}' THEN {code} " in sql
        assert f"ELSE {OTHER_STATUS * 16} END" in sql

    def test_every_fact_has_its_bit(self) -> None:
        sql = trigger_sql.state_sql("NEW.")
        for column, bit in STATE_FLAGS:
            assert f"CASE WHEN NEW.{column} IS NULL THEN 0 ELSE {bit} END" in sql
            assert column in trigger_sql.WATCHED

    def test_response_hour_counts_the_responded(self) -> None:
        sql = trigger_sql.hour_sql("", "sqlite")
        responded = ", ".join(f"'{s}'" for s in InvitationStatus.responded())
        assert f"status IN ({responded})" in sql


def _function_body(statement: str) -> str:
    return statement.split("$$")[1]


@pytest.mark.asyncio
async def test_installed_triggers_are_the_generated_sql(
    session: AsyncSession, settings: Settings
) -> None:
    if settings.is_sqlite:
        rows = await session.execute(
            text(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'trigger' AND tbl_name = 'invitations'"
            )
        )
        installed = {name: _flat(sql) for name, sql in rows}
        generated = {
            name: _flat(sql)
            for name, sql in zip(
                trigger_sql.TRIGGER_NAMES,
                trigger_sql.sqlite_triggers(),
                strict=True,
            )
        }
        assert {k: installed.get(k) for k in generated} == generated
        return
    rows = await session.execute(
        text(
            "SELECT proname, prosrc FROM pg_proc "
            "WHERE proname IN ('monitor_invitations_inserted', "
            "'monitor_invitations_deleted', 'monitor_invitations_updated')"
        )
    )
    installed = {str(name): str(source) for name, source in rows}
    generated = {
        name: _function_body(sql)
        for name, sql in zip(
            trigger_sql.TRIGGER_NAMES,
            trigger_sql.postgresql_triggers()[:3],
            strict=True,
        )
    }
    assert installed == generated
    watched = await session.scalars(
        text(
            "SELECT a.attname FROM pg_trigger t JOIN pg_attribute a "
            "ON a.attrelid = t.tgrelid AND a.attnum = ANY(t.tgattr) "
            "WHERE t.tgname = 'monitor_invitations_updated'"
        )
    )
    assert set(watched) == set(trigger_sql.WATCHED)
