"""Table definition files → checked definitions, every problem located at its line.

parse (ruamel.yaml 1.2, line of every key) → validate (pydantic) → check against
the export's variables (``catalog``) and the reference series. All problems of a
file are reported at once, as ``questionnaire check`` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.exports.encode import fixed_variables
from app.exports.errors import ExportLayoutError
from app.exports.layout import build_layout
from app.questionnaires.errors import DefinitionErrors
from app.questionnaires.loader import load_questionnaire
from app.questionnaires.yamlsource import SourceMap, read_yaml
from app.reports import reference as reference_data
from app.reports.catalog import MISSING_BY_NAME, Catalog, catalog_from_layout
from app.reports.definition import Condition, ReportFile, TableDef
from app.reports.errors import ReportDefinitionErrors, ReportErrorCode, ReportProblem

E = ReportErrorCode
REPORTS_DIR = Path(__file__).resolve().parents[2] / "reports"


@dataclass(frozen=True)
class LoadedReport:
    definition: ReportFile
    source: SourceMap


def parse(data: bytes, filename: str) -> LoadedReport:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReportDefinitionErrors(
            [
                ReportProblem.of(
                    E.FILE_UNREADABLE, file=filename, line=None, detail=str(exc)
                )
            ]
        ) from None
    try:
        document, source = read_yaml(text, filename)
    except DefinitionErrors as exc:
        raise ReportDefinitionErrors(
            [
                ReportProblem(p.file, p.line, E.YAML_SYNTAX, p.message)
                for p in exc.problems
            ]
        ) from None
    if not isinstance(document, dict):
        raise ReportDefinitionErrors(
            [
                ReportProblem.of(
                    E.SCHEMA,
                    file=filename,
                    line=1,
                    where="file",
                    detail="expected a mapping",
                )
            ]
        )
    try:
        definition = ReportFile.model_validate(document)
    except ValidationError as exc:
        raise ReportDefinitionErrors(
            [_schema_problem(e, document, source) for e in exc.errors()]
        ) from None
    return LoadedReport(definition, source)


def _schema_problem(error: Any, data: Any, source: SourceMap) -> ReportProblem:
    path: list[str | int] = []
    node = data
    for part in error["loc"]:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            node = node[part]
            path.append(part)
        elif isinstance(node, dict) and isinstance(part, str) and "[" not in part:
            path.append(part)
            break
    where = ".".join(str(p) for p in path) or "file"
    return ReportProblem.of(
        E.SCHEMA,
        file=source.file,
        line=source.line(tuple(path)),
        where=where,
        detail=error["msg"],
    )


def catalog_for(definition: ReportFile, questionnaires_dir: Path) -> Catalog:
    """The export's variables for the file's questionnaire versions (as the export lays them out)."""
    compiled = []
    for version in definition.versions:
        path = questionnaires_dir / definition.questionnaire / f"{version}.yaml"
        compiled.append(load_questionnaire(path))
    layout = build_layout(
        compiled,
        fixed=fixed_variables(list(definition.versions), weight_label="weight"),
    )
    return catalog_from_layout(layout)


def load_report(
    path: Path, *, questionnaires_dir: Path
) -> tuple[LoadedReport, Catalog]:
    """Parse and check one file; raises ``ReportDefinitionErrors`` with every problem."""
    filename = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReportDefinitionErrors(
            [
                ReportProblem.of(
                    E.FILE_UNREADABLE,
                    file=filename,
                    line=None,
                    detail=exc.strerror or str(exc),
                )
            ]
        ) from None
    loaded = parse(data, filename)
    definition = loaded.definition
    try:
        catalog = catalog_for(definition, questionnaires_dir)
    except (DefinitionErrors, ExportLayoutError, OSError) as exc:
        line = loaded.source.line(("versions",))
        raise ReportDefinitionErrors(
            [
                ReportProblem.of(
                    E.UNKNOWN_QUESTIONNAIRE,
                    file=filename,
                    line=line,
                    name=definition.questionnaire,
                    version=", ".join(definition.versions),
                    root=f"{questionnaires_dir} ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})",
                )
            ]
        ) from None
    problems = check(loaded, catalog)
    if problems:
        raise ReportDefinitionErrors(problems)
    return loaded, catalog


def check(loaded: LoadedReport, catalog: Catalog) -> list[ReportProblem]:
    """Every reference to a variable, value, base or breakdown must exist."""
    return list(_Checker(loaded, catalog).run())


class _Checker:
    def __init__(self, loaded: LoadedReport, catalog: Catalog) -> None:
        self.d = loaded.definition
        self.source = loaded.source
        self.catalog = catalog
        self.file = loaded.source.file

    def at(
        self, code: ReportErrorCode, path: tuple[str | int, ...], **fields: object
    ) -> ReportProblem:
        where = ".".join(str(p) for p in path)
        return ReportProblem.of(
            code, file=self.file, line=self.source.line(path), where=where, **fields
        )

    def run(self) -> Iterator[ReportProblem]:
        for name, base in self.d.bases.items():
            for i, cond in enumerate(base.where):
                yield from self.condition(cond, ("bases", name, "where", i))
        for name, breakdown in self.d.breakdowns.items():
            path = ("breakdowns", name)
            info = self.variable(breakdown.variable, (*path, "variable"))
            if info is None:
                yield self.at(
                    E.UNKNOWN_VARIABLE,
                    (*path, "variable"),
                    name=breakdown.variable,
                    versions=self.versions,
                )
                continue
            seen: dict[int, str] = {}
            for g, group in enumerate(breakdown.groups):
                for v, value in enumerate(group.values or ()):
                    code = info.code_of(value)
                    if code is None or not _known(info, value):
                        yield self.at(
                            E.UNKNOWN_VALUE,
                            (*path, "groups", g, "values", v),
                            value=value,
                            name=info.name,
                        )
                    elif code in seen:
                        yield self.at(
                            E.OVERLAPPING_GROUPS,
                            (*path, "groups", g),
                            value=value,
                            a=seen[code],
                            b=group.key,
                        )
                    else:
                        seen[code] = group.key
            yield from self.duplicates(
                [g.key for g in breakdown.groups], (*path, "groups")
            )
        if any(t.editions for t in self.d.tables):
            if self.d.reference is None:
                pass  # reported per table below
            else:
                try:
                    reference_data.load(self.d.reference)
                except (OSError, ValueError) as exc:
                    yield ReportProblem.of(
                        E.UNKNOWN_REFERENCE,
                        file=self.file,
                        line=self.source.line(("reference",)),
                        name=self.d.reference,
                        detail=str(exc),
                    )
        first: dict[str, int] = {}
        for t, table in enumerate(self.d.tables):
            line = self.source.line(("tables", t)) or 0
            if table.id in first:
                yield ReportProblem.of(
                    E.DUPLICATE_ID,
                    file=self.file,
                    line=line,
                    id=table.id,
                    first=first[table.id],
                )
            first.setdefault(table.id, line)
            yield from self.table(table, ("tables", t))

    @property
    def versions(self) -> str:
        return f"{self.d.questionnaire} {', '.join(self.catalog.versions)}"

    def variable(self, name: str, path: tuple[str | int, ...]) -> Any:
        return self.catalog.variables.get(name)

    def condition(
        self, cond: Condition, path: tuple[str | int, ...]
    ) -> Iterator[ReportProblem]:
        info = self.catalog.variables.get(cond.variable)
        if info is None:
            yield self.at(
                E.UNKNOWN_VARIABLE,
                (*path, "variable"),
                name=cond.variable,
                versions=self.versions,
            )
            return
        for v, value in enumerate(cond.values or ()):
            if not _known(info, value):
                yield self.at(
                    E.UNKNOWN_VALUE, (*path, "values", v), value=value, name=info.name
                )

    def duplicates(
        self, keys: list[str], path: tuple[str | int, ...]
    ) -> Iterator[ReportProblem]:
        seen: set[str] = set()
        for i, key in enumerate(keys):
            if key in seen:
                yield self.at(E.DUPLICATE_KEY, (*path, i), key=key)
            seen.add(key)

    def table(  # noqa: C901 -- a list of independent checks, one per rule
        self, table: TableDef, path: tuple[str | int, ...]
    ) -> Iterator[ReportProblem]:
        if table.base not in self.d.bases:
            yield self.at(E.UNKNOWN_BASE, (*path, "base"), name=table.base)
        for b, name in enumerate(table.breakdowns):
            if name not in self.d.breakdowns:
                yield self.at(E.UNKNOWN_BREAKDOWN, (*path, "breakdowns", b), name=name)
        if table.editions:
            if self.d.reference is None:
                yield self.at(E.NO_REFERENCE, (*path, "editions"))
            if (
                list(table.editions) != sorted(set(table.editions))
                or table.editions[-1] >= self.d.edition
            ):
                yield self.at(
                    E.EDITION_ORDER, (*path, "editions"), edition=self.d.edition
                )
        if table.rows:
            for r, row in enumerate(table.rows):
                yield from self.condition(row, (*path, "rows", r))
                for a, extra in enumerate(row.and_):
                    yield from self.condition(extra, (*path, "rows", r, "and", a))
                for a, extra in enumerate(row.or_):
                    yield from self.condition(extra, (*path, "rows", r, "or", a))
            yield from self.duplicates([r.key for r in table.rows], (*path, "rows"))
        if table.categories:
            info = self.catalog.variables.get(table.categories)
            if info is None:
                yield self.at(
                    E.UNKNOWN_VARIABLE,
                    (*path, "categories"),
                    name=table.categories,
                    versions=self.versions,
                )
            elif not info.categorical:
                yield self.at(
                    E.NOT_CATEGORICAL,
                    (*path, "categories"),
                    name=info.name,
                    kind=info.kind,
                )
            else:
                for x, value in enumerate(table.exclude):
                    if info.code_of(value) is None:
                        yield self.at(
                            E.UNKNOWN_VALUE,
                            (*path, "exclude", x),
                            value=value,
                            name=info.name,
                        )
        for m, question in enumerate(table.multiple or ()):
            found = self.catalog.multiples.get(question)
            if found is None:
                code = (
                    E.NOT_MULTIPLE
                    if question in self.catalog.variables
                    else E.UNKNOWN_VARIABLE
                )
                yield self.at(
                    code, (*path, "multiple", m), name=question, versions=self.versions
                )
                continue
            names = {o.name for o in found.options} | {
                str(o.code) for o in found.options
            }
            for x, value in enumerate(table.exclude):
                if str(value) not in names and value not in MISSING_BY_NAME:
                    yield self.at(
                        E.UNKNOWN_VALUE,
                        (*path, "exclude", x),
                        value=value,
                        name=question,
                    )


def _known(info: Any, value: int | str) -> bool:
    """A name the variable has, or a code among its labelled values (any code of a
    scale or number, whose values are not all labelled)."""
    code = info.code_of(value)
    if code is None:
        return False
    if isinstance(value, str) or not info.names:
        return info.role != "attribute" or isinstance(value, str)
    return code in dict(info.values) or code < 0


def default_path(questionnaire: str, edition: int, root: Path = REPORTS_DIR) -> Path:
    return root / questionnaire / f"{edition}.yaml"
