"""Rules of the architecture that import-linter cannot see (docs/architecture.md).

import-linter (``[tool.importlinter]`` in pyproject.toml, run by .ci/run)
checks which module imports which. Monitoring may import other domains'
models to read them (its queries join across domains); what it must not do
is write a table another domain owns. This test reads monitoring's source and
finds such writes: ``insert``/``update``/``delete`` of another domain's model
or table, ``session.add`` of a new row of one, an attribute set on a row of
one, and raw SQL that writes another domain's table.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"

WRITE_CALLS = {"insert", "update", "delete"}
SESSION_WRITES = {"add", "add_all", "merge"}
RAW_WRITE = re.compile(r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(\w+)", re.I)

PENDING: dict[str, str] = {}
"""Module (relative to app/) → the foreign write it still makes, while a move
behind the owner's service is under way. Empty: monitoring only reads (its
eligibility writes moved to app/samples/service/eligibility.py)."""


@dataclass(frozen=True)
class Owners:
    models: dict[str, str]
    """Model class name → owning domain."""
    tables: dict[str, str]
    """Table name → owning domain."""


def owners() -> Owners:
    models: dict[str, str] = {}
    tables: dict[str, str] = {}
    for path in sorted(APP.glob("*/models.py")):
        domain = path.parent.name
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ClassDef):
                continue
            models[node.name] = domain
            for item in node.body:
                if (
                    isinstance(item, ast.Assign)
                    and any(
                        isinstance(t, ast.Name) and t.id == "__tablename__"
                        for t in item.targets
                    )
                    and isinstance(item.value, ast.Constant)
                ):
                    tables[str(item.value.value)] = domain
    return Owners(models, tables)


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _names_in(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _annotation_names(node: ast.expr | None) -> set[str]:
    if node is None:
        return set()
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return set(re.findall(r"\w+", node.value))
    return _names_in(node)


def foreign_writes(path: Path, domain: str, known: Owners) -> list[str]:
    """``line: what`` for every write of another domain's table in ``path``."""
    tree = ast.parse(path.read_text())
    foreign: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if parts[:1] == ["app"] and parts[-1] == "models" and parts[1] != domain:
                for alias in node.names:
                    foreign[alias.asname or alias.name] = parts[1]
    returns_foreign = {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and _annotation_names(node.returns) & foreign.keys()
    }
    found: list[str] = []

    def note(node: ast.AST, what: str) -> None:
        where = path.relative_to(APP) if path.is_relative_to(APP) else path.name
        found.append(f"{where}:{getattr(node, 'lineno', 0)}: {what}")

    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        rows = {
            arg.arg
            for arg in function.args.args + function.args.kwonlyargs
            if _annotation_names(arg.annotation) & foreign.keys()
        }
        for node in ast.walk(function):
            if isinstance(node, ast.Assign | ast.AnnAssign):
                value = (
                    node.value.value
                    if isinstance(node.value, ast.Await)
                    else node.value
                )
                targets = (
                    node.targets if isinstance(node, ast.Assign) else [node.target]
                )
                if isinstance(value, ast.Call) and (
                    _root_name(value.func) in returns_foreign
                    or (
                        isinstance(value.func, ast.Attribute)
                        and value.func.attr
                        in {"get", "get_one", "scalar", "scalar_one"}
                        and _names_in(value) & foreign.keys()
                    )
                ):
                    rows |= {t.id for t in targets if isinstance(t, ast.Name)}
        for node in ast.walk(function):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and _root_name(target) in rows:
                    note(node, f"sets {ast.unparse(target)} on another domain's row")

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = (
                node.func.id
                if isinstance(node.func, ast.Name)
                else node.func.attr
                if isinstance(node.func, ast.Attribute)
                else None
            )
            if name in WRITE_CALLS and node.args:
                target = _root_name(node.args[0])
                if target in foreign:
                    note(node, f"{name}({target}) of {foreign[target]}")
            if name in SESSION_WRITES:
                for arg in node.args:
                    for call in ast.walk(arg):
                        if (
                            isinstance(call, ast.Call)
                            and _root_name(call.func) in foreign
                        ):
                            note(
                                node, f"session.{name} of a new {_root_name(call.func)}"
                            )
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for table in RAW_WRITE.findall(node.value):
                owner = known.tables.get(table.lower())
                if owner is not None and owner != domain:
                    note(node, f"raw SQL writes {table} of {owner}")
    return found


class TestMonitoringOnlyReads:
    def test_monitoring_writes_no_table_of_another_domain(self) -> None:
        known = owners()
        writes = [
            write
            for path in sorted((APP / "monitoring").rglob("*.py"))
            if str(path.relative_to(APP)) not in PENDING
            for write in foreign_writes(path, "monitoring", known)
        ]
        assert writes == [], (
            "monitoring reads other domains' tables but writes only its own; "
            "call the owner's service from a flow instead:\n" + "\n".join(writes)
        )

    def test_the_scan_sees_each_kind_of_write(self, tmp_path: Path) -> None:
        source = tmp_path / "writer.py"
        source.write_text(
            """
from sqlalchemy import delete, update
from app.monitoring.models import MonitorCount
from app.samples.models import Invitation, Wave

async def _find(session) -> Invitation:
    return await session.get(Invitation, 1)

async def write(session, wave: Wave) -> None:
    await session.execute(update(Invitation).values(status="x"))
    await session.execute(delete(MonitorCount))
    session.add(Invitation(wave_id=wave.id))
    wave.name = "x"
    invitation = await _find(session)
    invitation.status = "x"
    other = await session.get(Invitation, 2)
    other.status = "x"
    await session.execute(text("UPDATE invitations SET status = 'x'"))
    await session.execute(text("UPDATE monitor_counts SET n = 0"))
"""
        )
        writes = sorted(
            w.split(": ", 1)[1] for w in foreign_writes(source, "monitoring", owners())
        )
        assert writes == sorted(
            [
                "sets wave.name on another domain's row",
                "sets invitation.status on another domain's row",
                "sets other.status on another domain's row",
                "update(Invitation) of samples",
                "session.add of a new Invitation",
                "raw SQL writes invitations of samples",
            ]
        ), writes
