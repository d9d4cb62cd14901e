"""The SQL of the monitor's triggers on ``invitations``, generated from the enums.

The triggers append a row to ``monitor_deltas`` for every change of an
invitation's monitored state (see migration ``0004_monitoring``, which
installed them). The state code and the response hour are written here from
``app.samples.states`` (the statuses, their order and the fact bits), never
from copied strings; ``tests/monitoring/test_trigger_sql.py`` holds the SQL
the migrations installed to what this module builds, so changing an enum
without a migration that reinstalls the triggers fails CI.

Generated text only, no database access: a migration that must reinstall the
triggers copies the output it needs (migrations stay frozen).
"""

# S608: every piece of this SQL is ours (enum values, column names); no input
# ever reaches it.
# ruff: noqa: S608

from __future__ import annotations

from app.samples.states import (
    OTHER_STATUS,
    STATE_FLAGS,
    STATUS_STEP,
    InvitationStatus,
)

GROUP = ("tier", "function", "function_type", "email_kind", "gender", "panel")
DELTA_COLUMNS = (
    "wave_id, questionnaire, tier, function, function_type, email_kind, gender, "
    "panel, state, response_hour, delta"
)

WATCHED = (
    "wave_id",
    "questionnaire",
    *GROUP,
    "status",
    "response_at",
    "completed_at",
    *(column for column, _ in STATE_FLAGS),
    "is_test",
    "revoked_at",
)
"""Columns whose change can move an invitation between tallies. The UPDATE
triggers fire only when one of them is in the statement's SET list and its
value really changed; the trigger body then compares the derived keys."""

TRIGGER_NAMES = (
    "monitor_invitations_inserted",
    "monitor_invitations_deleted",
    "monitor_invitations_updated",
)


def state_sql(p: str) -> str:
    """``states.state_code`` over the row ``p`` (``"NEW."``, ``"o."``, ``""``)."""
    # status in the high bits, then mailed / undeliverable / opted out / not eligible
    whens = " ".join(
        f"WHEN '{status.value}' THEN {status.rank * STATUS_STEP}"
        for status in InvitationStatus
    )
    flags = "".join(
        f" + CASE WHEN {p}{column} IS NULL THEN 0 ELSE {bit} END"
        for column, bit in STATE_FLAGS
    )
    return f"(CASE {p}status {whens} ELSE {OTHER_STATUS * STATUS_STEP} END{flags})"


def hour_sql(p: str, dialect: str) -> str:
    """The UTC hour in which the invitation reached the response threshold, or ''."""
    at = f"COALESCE({p}response_at, {p}completed_at)"
    if dialect == "postgresql":
        bucket = f"to_char({at} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"
    else:
        bucket = f"strftime('%Y-%m-%d %H', {at})"
    responded = ", ".join(f"'{s.value}'" for s in InvitationStatus.responded())
    return (
        f"(CASE WHEN {p}status IN ({responded}) "
        f"THEN COALESCE({bucket}, '') ELSE '' END)"
    )


def included_sql(p: str) -> str:
    """Test invitations and revoked ones never count."""
    return f"(NOT {p}is_test AND {p}revoked_at IS NULL)"


def _watched_changed(old: str, new: str, *, distinct: str) -> str:
    return " OR ".join(f"{old}{c} {distinct} {new}{c}" for c in WATCHED)


def key_sql(p: str, dialect: str) -> list[str]:
    """The tally key of row ``p``: wave, questionnaire, group, state, hour."""
    return [
        f"{p}wave_id",
        f"{p}questionnaire",
        *(f"COALESCE({p}{c}, '')" for c in GROUP),
        state_sql(p),
        hour_sql(p, dialect),
    ]


def triggers(dialect: str) -> list[str]:
    """The statements that install the triggers on ``dialect``."""
    if dialect == "postgresql":
        return postgresql_triggers()
    return sqlite_triggers()


def postgresql_triggers() -> list[str]:
    """Statement-level triggers with transition tables for INSERT and DELETE,
    a row trigger limited to the watched columns for UPDATE."""
    key_new = ", ".join(key_sql("n.", "postgresql"))
    key_old = ", ".join(key_sql("o.", "postgresql"))
    groups = ", ".join(str(i) for i in range(1, 11))
    key_old_row = ", ".join(key_sql("OLD.", "postgresql"))
    key_new_row = ", ".join(key_sql("NEW.", "postgresql"))
    old_in, new_in = included_sql("OLD."), included_sql("NEW.")
    same_key = f"ROW({key_old_row}, {old_in}) IS NOT DISTINCT FROM ROW({key_new_row}, {new_in})"
    return [
        f"""
        CREATE FUNCTION monitor_invitations_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO monitor_deltas ({DELTA_COLUMNS})
          SELECT {key_new}, count(*) FROM new_rows n WHERE {included_sql("n.")}
          GROUP BY {groups};
          RETURN NULL;
        END $$""",
        f"""
        CREATE FUNCTION monitor_invitations_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO monitor_deltas ({DELTA_COLUMNS})
          SELECT {key_old}, -count(*) FROM old_rows o WHERE {included_sql("o.")}
          GROUP BY {groups};
          RETURN NULL;
        END $$""",
        f"""
        CREATE FUNCTION monitor_invitations_updated() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF {same_key} THEN
            RETURN NULL;  -- e.g. a response time moved within the same hour
          END IF;
          IF {old_in} AND {new_in} THEN
            INSERT INTO monitor_deltas ({DELTA_COLUMNS})
            VALUES ({key_old_row}, -1), ({key_new_row}, 1);
          ELSIF {old_in} THEN
            INSERT INTO monitor_deltas ({DELTA_COLUMNS}) VALUES ({key_old_row}, -1);
          ELSIF {new_in} THEN
            INSERT INTO monitor_deltas ({DELTA_COLUMNS}) VALUES ({key_new_row}, 1);
          END IF;
          RETURN NULL;
        END $$""",
        "CREATE TRIGGER monitor_invitations_inserted AFTER INSERT ON invitations "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION monitor_invitations_inserted()",
        "CREATE TRIGGER monitor_invitations_deleted AFTER DELETE ON invitations "
        "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION monitor_invitations_deleted()",
        # Row-level, limited to the watched columns: an update that leaves them
        # alone (a respondent's page save, a mail's last_mailed_at) costs nothing.
        f"CREATE TRIGGER monitor_invitations_updated AFTER UPDATE OF {', '.join(WATCHED)} "
        "ON invitations FOR EACH ROW "
        f"WHEN ({_watched_changed('OLD.', 'NEW.', distinct='IS DISTINCT FROM')}) "
        "EXECUTE FUNCTION monitor_invitations_updated()",
    ]


def sqlite_triggers() -> list[str]:
    """Row triggers throughout."""
    key_new = ", ".join(key_sql("NEW.", "sqlite"))
    key_old = ", ".join(key_sql("OLD.", "sqlite"))
    same_key = " AND ".join(
        f"({a}) IS ({b})"
        for a, b in zip(
            [*key_sql("OLD.", "sqlite"), included_sql("OLD.")],
            [*key_sql("NEW.", "sqlite"), included_sql("NEW.")],
            strict=True,
        )
    )
    watched = ", ".join(WATCHED)
    changed = _watched_changed("OLD.", "NEW.", distinct="IS NOT")
    return [
        f"""
        CREATE TRIGGER monitor_invitations_inserted AFTER INSERT ON invitations
        WHEN {included_sql("NEW.")}
        BEGIN
          INSERT INTO monitor_deltas ({DELTA_COLUMNS}) VALUES ({key_new}, 1);
        END""",
        f"""
        CREATE TRIGGER monitor_invitations_deleted AFTER DELETE ON invitations
        WHEN {included_sql("OLD.")}
        BEGIN
          INSERT INTO monitor_deltas ({DELTA_COLUMNS}) VALUES ({key_old}, -1);
        END""",
        f"""
        CREATE TRIGGER monitor_invitations_updated
        AFTER UPDATE OF {watched} ON invitations
        WHEN ({changed}) AND NOT ({same_key})
        BEGIN
          INSERT INTO monitor_deltas ({DELTA_COLUMNS})
          SELECT {key_old}, -1 WHERE {included_sql("OLD.")};
          INSERT INTO monitor_deltas ({DELTA_COLUMNS})
          SELECT {key_new}, 1 WHERE {included_sql("NEW.")};
        END""",
    ]


def backfill_counts(dialect: str) -> str:
    """Count the invitations that exist when the triggers are installed."""
    key = key_sql("", dialect)[:9]
    return (
        "INSERT INTO monitor_counts (wave_id, questionnaire, tier, function, "
        "function_type, email_kind, gender, panel, state, n) "
        f"SELECT {', '.join(key)}, count(*) FROM invitations WHERE {included_sql('')} "
        f"GROUP BY {', '.join(key)}"
    )


def backfill_curve(dialect: str) -> str:
    """The response curve of the invitations that exist at installation."""
    key = [*key_sql("", dialect)[:5], hour_sql("", dialect)]
    return (
        "INSERT INTO monitor_curve (wave_id, questionnaire, tier, function, "
        "function_type, panel, response_hour, n) "
        f"SELECT {', '.join(key[:5])}, COALESCE(panel, ''), {key[5]}, count(*) "
        f"FROM invitations WHERE {included_sql('')} AND {key[5]} <> '' "
        f"GROUP BY {', '.join(key[:5])}, COALESCE(panel, ''), {key[5]}"
    )
