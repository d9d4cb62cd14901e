"""Only the samples domain writes ``invitations``.

Every other domain changes an invitation through ``app.samples.service`` (or,
on the respondent fast path, runs the statements ``app.samples.statements``
builds). This scan of ``app/`` finds the ways a module could write the table
itself: ``update``/``insert``/``delete`` of ``Invitation`` or its table (also
under another name), the table's own ``.update()`` and friends, a new
``Invitation(...)`` row, SQL text that writes ``invitations``, and assignments
to an invitation's columns. (``tests/test_architecture.py`` holds monitoring
to writing no other domain's table at all.)
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

from app.samples.models import Invitation

APP = Path(__file__).parents[2] / "app"
OWNER = APP / "samples"
WRITES = {"update", "insert", "delete", "pg_insert", "sqlite_insert"}
WRITING_SQL = re.compile(
    r"\b(UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+invitations\b", re.IGNORECASE
)
for models in sorted(APP.glob("*/models.py")):
    importlib.import_module(f"app.{models.parent.name}.models")
COLUMNS = {column.key for column in Invitation.__mapper__.columns}
OTHER_TABLES_COLUMNS = {
    column.name
    for table in Invitation.metadata.tables.values()
    if table.name != "invitations"
    for column in table.columns
}
ONLY_INVITATION_COLUMNS = COLUMNS - OTHER_TABLES_COLUMNS


def _is_invitation_table(node: ast.AST) -> bool:
    """``Invitation.__table__`` (or ``cast(Table, Invitation.__table__)``)."""
    if isinstance(node, ast.Attribute) and node.attr == "__table__":
        return isinstance(node.value, ast.Name) and node.value.id == "Invitation"
    if isinstance(node, ast.Call) and node.args:
        return any(_is_invitation_table(arg) for arg in node.args)
    return False


def _aliases(tree: ast.AST) -> set[str]:
    """Names bound to ``Invitation`` or its table anywhere in the module."""
    names = {"Invitation"}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            pairs: list[tuple[ast.AST, ast.AST]] = [(target, node.value)]
            if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                pairs = list(zip(target.elts, node.value.elts, strict=False))
            for name, value in pairs:
                if isinstance(name, ast.Name) and (
                    _is_invitation_table(value)
                    or (isinstance(value, ast.Name) and value.id == "Invitation")
                ):
                    names.add(name.id)
    return names


def _refers(node: ast.AST, aliases: set[str]) -> bool:
    return _is_invitation_table(node) or (
        isinstance(node, ast.Name) and node.id in aliases
    )


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _column_written(target: ast.AST) -> str | None:
    if not isinstance(target, ast.Attribute) or target.attr not in COLUMNS:
        return None
    owner = target.value
    named_invitation = isinstance(owner, ast.Name) and "invitation" in owner.id.lower()
    if named_invitation or target.attr in ONLY_INVITATION_COLUMNS:
        return target.attr
    return None


def writes_to_invitations(source: str) -> list[str]:
    """What in ``source`` writes ``invitations``, one line per finding."""
    tree = ast.parse(source)
    aliases = _aliases(tree)
    found = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if isinstance(node.func, ast.Name) and node.func.id == "Invitation":
                found.append(f"{line}: a new Invitation row")
            elif name in WRITES and node.args and _refers(node.args[0], aliases):
                found.append(f"{line}: {name}({ast.unparse(node.args[0])})")
            elif (
                name in WRITES
                and isinstance(node.func, ast.Attribute)
                and _refers(node.func.value, aliases)
            ):
                found.append(f"{line}: {ast.unparse(node.func)}()")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if WRITING_SQL.search(node.value):
                found.append(f"{line}: SQL text writing invitations")
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if column := _column_written(target):
                    found.append(f"{line}: assigns {ast.unparse(target)} ({column})")
    return found


def _modules_outside_samples() -> list[Path]:
    return sorted(path for path in APP.rglob("*.py") if OWNER not in path.parents)


class TestOnlySamplesWritesInvitations:
    def test_no_module_outside_samples_writes_invitations(self) -> None:
        findings = {
            str(path.relative_to(APP.parent)): found
            for path in _modules_outside_samples()
            if (found := writes_to_invitations(path.read_text(encoding="utf-8")))
        }
        assert findings == {}, (
            "only app/samples writes invitations; call app.samples.service "
            "(or app.samples.statements on the respondent fast path) instead"
        )

    def test_the_scan_covers_the_modules(self) -> None:
        modules = {p.relative_to(APP).parts[0] for p in _modules_outside_samples()}
        assert {"mailings", "monitoring", "responses", "demo"} <= modules


class TestScanner:
    @pytest.mark.parametrize(
        "source",
        [
            "update(Invitation).values(status='x')",
            "insert(Invitation)",
            "delete(Invitation).where(x)",
            "i = Invitation.__table__\nupdate(i)",
            "r, i = Response.__table__, Invitation.__table__\nsqlite_insert(i)",
            "t = cast(Table, Invitation.__table__)\nt.update()",
            "Invitation.__table__.delete()",
            "text('UPDATE invitations SET status = 1')",
            "invitation.status = 'complete'",
            "found.opted_out_at = now",
            "row.first_mailed_at: object = None",
            "session.add(Invitation(wave_id=1))",
        ],
    )
    def test_finds_a_write(self, source: str) -> None:
        assert writes_to_invitations(source)

    @pytest.mark.parametrize(
        "source",
        [
            "select(Invitation).where(Invitation.status == 'complete')",
            "i = Invitation.__table__\nselect(i.c.id)",
            "update(Mailing).values(status='sent')",
            "mailing.status = 'scheduled'",
            "text('SELECT * FROM invitations')",
        ],
    )
    def test_leaves_reads_and_other_tables_alone(self, source: str) -> None:
        assert not writes_to_invitations(source)
