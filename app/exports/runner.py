"""Running a planned export: one read snapshot, encoding in worker threads, streamed out.

Rows come from a server-side cursor (``queries.stream_rows``) in chunks; each
chunk is encoded and written in a worker thread (``anyio.to_thread``) so the
event loop keeps serving respondents. CSV streams as a ZIP while it is being
written, in memory that does not grow with the number of rows. SPSS, Stata,
Excel and Parquet need a file: it is written in a temporary directory
(Parquet by row group, Excel in constant memory) and then streamed and removed.

Weights are computed from a GROUP BY in the same snapshot as the rows, so the
weight of every row matches the margins printed in the codebook.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar, TypeVarTuple, Unpack

import anyio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db import begin_read_snapshot
from app.exports import codebook, disclosure, queries
from app.exports.encode import Encoder, ResponseRecord, local_time
from app.exports.layout import DERIVED_RULE, Layout
from app.exports.schemas import ExportFormat
from app.exports.schemes import GENDER_QUESTION
from app.exports.service import (
    SOURCE_WORDS,
    ExportPlan,
    ResolvedPopulation,
    resolve_population,
)
from app.exports.weighting import Weights
from app.exports.writers.csv import CsvEncoder, ZipStream
from app.exports.writers.parquet import ParquetWriter
from app.exports.writers.stats import ColumnStore, write_dta, write_sav
from app.exports.writers.xlsx import XlsxWriter
from app.responses import paradata

CHUNK_ROWS = 2000
FILE_CHUNK = 256 * 1024
T = TypeVar("T")
Ts = TypeVarTuple("Ts")

DESCRIPTIONS = {
    "poststratification": (
        "Per stratum is het gewicht het populatieaandeel gedeeld door het aandeel "
        "in de respons; strata: gemeente x functie (burgemeester, wethouder, "
        "raadslid), provincie, waterschap."
    ),
    "raking": (
        "Iteratief aangepast (raking) tot de gewogen verdeling over bestuurslaag en "
        "over geslacht gelijk is aan die in de populatie (de marges)."
    ),
    "none": "Alle respondenten wegen even zwaar.",
}

WORKING_NOTICE = (
    "WERKBESTAND – KAN PERSONEN IDENTIFICEREN. Functie, bestuurslaag en "
    "achtergrondkenmerken samen wijzen soms één persoon aan (er zijn bijvoorbeeld "
    "12 commissarissen van de Koning). Alleen voor de analisten die het rapport "
    "schrijven; niet delen, niet buiten de beveiligde omgeving bewaren. Om te delen: "
    "het deelbare bestand (veldwerk export --shareable)."
)
SHAREABLE_NOTICE = (
    "DEELBAAR BESTAND – disclosure control toegepast: geen combinatie van "
    "functie, bestuurslaag, geslacht, leeftijdsgroep, partij, migratieachtergrond "
    "en grootteklasse komt voor bij minder dan {k} respondenten; open antwoorden "
    "zijn weggelaten. De stappen staan hieronder en in het codeboek. -6 betekent "
    "hier ook: afgeschermd."
)
TEXT_NOTE = "Deelbaar bestand: open tekst weggelaten (kan namen, plaatsen of gebeurtenissen noemen)."


class Run:
    """The state of one export while it runs: encoder, weights and counts."""

    def __init__(
        self, plan: ExportPlan, weights: Weights, population: ResolvedPopulation
    ) -> None:
        self.plan = plan
        self.weights = weights
        self.population = population
        layout = plan.layout
        self.gender_names = [
            {
                o.code: o.name
                for o in ref.compiled.questions[GENDER_QUESTION].options
                if o.name
            }
            if GENDER_QUESTION in ref.compiled.questions
            else {}
            for ref in layout.versions
        ]
        self.encoder = Encoder(layout, self.weight_of)
        self.tally = codebook.Tally(layout)
        self.book: dict[str, Any] | None = None
        self.layout: Layout = layout
        """What the file shows: the plan's layout, or the shareable one."""
        self.disclosure: disclosure.Plan | None = None
        self._quasi: list[tuple[int, str]] = []
        self._emptied: list[int] = []
        self._row = 0

    @property
    def notice(self) -> list[str]:
        """What the first page of the file says about identifying people."""
        if self.disclosure is None:
            return [WORKING_NOTICE]
        lines = [SHAREABLE_NOTICE.format(k=self.disclosure.k)]
        lines += [
            f"Stap {n}: {s.variable}: {s.detail} ({s.why}; {s.rows} rijen)."
            for n, s in enumerate(self.disclosure.steps, 1)
        ]
        return lines

    @property
    def title(self) -> str:
        kind = "deelbaar bestand" if self.disclosure else "WERKBESTAND, identificerend"
        return f"{self.plan.title} ({kind})"

    def protect(self, values: list[dict[str, int]]) -> None:
        """Plan disclosure control from every row's quasi-identifiers (the
        first pass) and switch this run to the shareable layout."""
        quasi = [
            disclosure.Quasi(v.name, kind, dict(v.values))
            for v in self.layout.variables
            if v.kind == "coded" and (kind := disclosure.quasi_kind(v.name))
        ]
        self._quasi = [(self.layout.index(q.name), q.name) for q in quasi]
        self.disclosure = disclosure.plan(values, quasi, k=self.plan.k)
        self._emptied = [
            i
            for i, v in enumerate(self.layout.variables)
            if v.kind == "text" and v.role in ("answer", "attribute", "derived")
        ]
        self.layout = _shareable_layout(self.layout, self.disclosure, self._emptied)
        self.tally = codebook.Tally(self.layout)

    def quasi_values(self, rows: Sequence[Sequence[Any]]) -> list[dict[str, int]]:
        columns = [
            (i, v.name)
            for i, v in enumerate(self.plan.layout.variables)
            if v.kind == "coded" and disclosure.quasi_kind(v.name)
        ]
        return [{name: row[i] for i, name in columns} for row in rows]

    def _protected(self, rows: list[list[Any]]) -> list[list[Any]]:
        assert self.disclosure is not None
        kept = []
        for row in rows:
            index, self._row = self._row, self._row + 1
            shown = self.disclosure.apply(
                index, {name: row[i] for i, name in self._quasi}
            )
            if shown is None:
                continue
            for i, name in self._quasi:
                row[i] = shown[name]
            for i in self._emptied:
                row[i] = ""
            kept.append(row)
        return kept

    def weight_of(self, record: ResponseRecord) -> float:
        cell = self.plan.scheme.cell(
            record.attributes, record.answers, self.gender_names[record.version]
        )
        return self.weights.cell_weights.get(cell, 1.0)

    def records(self, raw: Sequence[Any]) -> list[ResponseRecord]:
        index = self.plan.version_index
        records = []
        for row in raw:
            (
                rid,
                version_id,
                status,
                answers,
                pages,
                started,
                completed,
                updated,
                invitation_id,
                language,
                extra,
                *attrs,
                times,
            ) = row
            attributes = dict(extra or {})
            attributes.update(
                (name, value)
                for name, value in zip(queries.ATTRIBUTE_COLUMNS, attrs, strict=True)
                if value is not None
            )
            records.append(
                ResponseRecord(
                    rid,
                    index[version_id],
                    status,
                    answers or {},
                    pages or [],
                    started,
                    completed or updated,
                    attributes,
                    times,
                    invitation_id,
                    language,
                )
            )
        return records

    def encode(self, raw: Sequence[Any]) -> list[list[Any]]:
        rows = [self.encoder.encode(r) for r in self.records(raw)]
        if self.disclosure is not None:
            rows = self._protected(rows)
        self.tally.add(rows)
        return rows

    def codebook(self) -> dict[str, Any]:
        """Built once, after the last row (the counts describe exactly the rows written)."""
        if self.book is None:
            self.book = self._build()
        return self.book

    def _build(self) -> dict[str, Any]:
        self.tally.text_asked = self.encoder.text_asked
        plan = self.plan
        meta = codebook.Meta(
            title=plan.title,
            wave=plan.wave,
            questionnaire=plan.selection.questionnaire,
            versions=plan.version_rows,
            include_partial=plan.selection.include_partial,
            data_as_of=_local_text(plan),
            weighting=self.weighting_info(),
            notes=tuple(self.notice),
        )
        book = codebook.build(self.layout, self.tally, meta)
        book["privacy"] = " ".join(self.notice[:1]) + " " + book["privacy"]
        book["file_kind"] = "shareable" if self.disclosure else "working"
        if self.disclosure is not None:
            book["disclosure"] = {
                "k": self.disclosure.k,
                "quasi_identifiers": [q.name for q in self.disclosure.quasi],
                "suppressed_code": disclosure.SUPPRESSED,
                "steps": [s.__dict__ for s in self.disclosure.steps],
                "left_out": len(self.disclosure.left_out),
                "open_text_removed": [
                    self.layout.variables[i].name for i in self._emptied
                ],
            }
        return book

    def weighting_info(self) -> dict[str, Any]:
        scheme, weights = self.plan.scheme, self.weights
        return {
            "variable": "weight",
            "method": scheme.method,
            "title": scheme.title,
            "description": DESCRIPTIONS[scheme.method]
            + " Genormaliseerd op gemiddelde 1 over de respondenten: gewogen n = ongewogen n.",
            "population": {k: dict(v) for k, v in self.population.counts.items()},
            "population_source": "; ".join(
                f"{var}: {' en '.join(SOURCE_WORDS.get(src, src) for src in srcs.split(' en '))}"
                for var, srcs in self.population.sources.items()
            ),
            "population_confirmed": self.population.confirmed,
            "population_unconfirmed": [u.__dict__ for u in self.population.unconfirmed],
            "strata": [s.__dict__ for s in weights.strata],
            "margins": {
                k: [r.__dict__ for r in rows] for k, rows in weights.margins.items()
            },
            "iterations": weights.iterations,
            "converged": weights.converged,
            "warnings": [
                *([w] if (w := self.population.warning()) else []),
                *weights.warnings,
            ],
        }


def _local_text(plan: ExportPlan) -> str | None:
    local = local_time(plan.data_as_of)
    return None if local is None else local.isoformat(sep=" ", timespec="seconds")


def _shareable_layout(
    layout: Layout, plan: disclosure.Plan, emptied: Sequence[int]
) -> Layout:
    """The layout with recoded value labels, -6 where values were suppressed,
    and a note on every changed or emptied column."""
    changed = plan.changed
    suppressed = {
        name
        for name, mapping in plan.recodes.items()
        if disclosure.SUPPRESSED in mapping.values()
    } | {name for names in plan.suppressed.values() for name in names}
    variables = list(layout.variables)
    for i, variable in enumerate(variables):
        if i in emptied:
            variables[i] = replace(variable, notes=(*variable.notes, TEXT_NOTE))
            continue
        if variable.name not in changed:
            continue
        mapping = plan.recodes.get(variable.name, {})
        relabel = plan.relabels.get(variable.name, {})
        values = tuple(
            (code, relabel.get(code, label))
            for code, label in variable.values
            if code not in mapping or mapping[code] == code
        )
        missing = variable.missing
        if variable.name in suppressed and disclosure.SUPPRESSED not in missing:
            missing = tuple(sorted((*missing, disclosure.SUPPRESSED), reverse=True))
        note = "Deelbaar bestand: " + "; ".join(
            s.detail for s in plan.steps if s.variable == variable.name
        )
        variables[i] = replace(
            variable, values=values, missing=missing, notes=(*variable.notes, note)
        )
    return replace(layout, variables=tuple(variables))


async def _plan_disclosure(session: AsyncSession, run: Run) -> None:
    """The first pass of a shareable export: every row's quasi-identifiers,
    encoded as the file will hold them, in the same snapshot as the second."""
    first = Encoder(run.plan.layout, run.weight_of)
    values: list[dict[str, int]] = []
    async for raw in chunks(session, run.plan):
        rows = await _in_thread(
            lambda chunk: [first.encode(r) for r in run.records(chunk)], raw
        )
        values.extend(run.quasi_values(rows))
    await _in_thread(lambda: run.protect(values))


async def start(session: AsyncSession, plan: ExportPlan) -> Run:
    """Population, sample cells and weights, in the export's snapshot; for the
    shareable file also its disclosure plan (a first pass over the rows)."""
    scheme = plan.scheme
    population = await resolve_population(
        session,
        wave_id=plan.selection.wave_id,
        questionnaire=plan.selection.questionnaire,
        scheme=scheme,
    )
    run = Run(plan, Weights({}), population)
    if scheme.method == "none":
        if plan.request.shareable:
            await _plan_disclosure(session, run)
        return run
    sample: dict[Any, int] = {}
    for version_id, attributes, answers, n in await queries.weighting_inputs(
        session, plan.selection, scheme.answer_inputs
    ):
        names = run.gender_names[plan.version_index[version_id]]
        cell = scheme.cell(attributes, answers, names)
        sample[cell] = sample.get(cell, 0) + n
    if not population.counts:
        run.weights = Weights(
            {},
            warnings=(
                "Geen populatieaantallen, geen adresbestand en geen uitnodigingen: ongewogen (gewicht 1).",
            ),
        )
    else:
        run.weights = scheme.compute(sample, population.counts)
    if plan.request.shareable:
        await _plan_disclosure(session, run)
    return run


async def _in_thread(fn: Callable[[Unpack[Ts]], T], *args: *Ts) -> T:
    return await anyio.to_thread.run_sync(fn, *args)


async def chunks(
    session: AsyncSession, plan: ExportPlan
) -> AsyncIterator[Sequence[Any]]:
    """The export's rows as ``Run.encode`` reads them, in chunks: the query's
    columns plus each response's page times (for the paradata columns)."""
    async for raw in queries.stream_rows(
        session, plan.selection, chunk_size=CHUNK_ROWS
    ):
        # Page times of the chunk's responses, for the paradata columns.
        times = await paradata.times_for(session, [row[0] for row in raw])
        yield [(*row, times.get(row[0], {})) for row in raw]


def _codebook_files(book: dict[str, Any]) -> dict[str, bytes]:
    return {
        "codebook.json": json.dumps(book, ensure_ascii=False, indent=1).encode("utf-8"),
        "codebook.html": codebook.render_html(book).encode("utf-8"),
    }


async def stream_csv_zip(session: AsyncSession, run: Run) -> AsyncIterator[bytes]:
    plan = run.plan
    stream = ZipStream(
        CsvEncoder(run.layout, separator=plan.request.separator), stamp=plan.data_as_of
    )
    yield stream.start()
    async for raw in chunks(session, plan):
        yield await _in_thread(lambda chunk: stream.rows(run.encode(chunk)), raw)
    yield await _in_thread(lambda: stream.finish(_codebook_files(run.codebook())))


async def stream_csv_plain(session: AsyncSession, run: Run) -> AsyncIterator[bytes]:
    encoder = CsvEncoder(run.layout, separator=run.plan.request.separator)
    yield encoder.start()
    async for raw in chunks(session, run.plan):
        yield await _in_thread(lambda chunk: encoder.rows(run.encode(chunk)), raw)


async def write_file(session: AsyncSession, run: Run, path: Path) -> dict[str, Any]:
    """SAV, DTA, XLSX, Parquet or a codebook alone, written to ``path``; returns the codebook."""
    plan = run.plan
    fmt = plan.request.format
    layout = run.layout
    if fmt is ExportFormat.xlsx:
        writer: Any = await _in_thread(
            lambda: XlsxWriter(
                layout,
                path,
                stamp=plan.data_as_of,
                tmpdir=str(path.parent),
                notice=run.notice,
            )
        )
    elif fmt is ExportFormat.parquet:
        writer = await _in_thread(lambda: ParquetWriter(layout, path))
    elif fmt in (ExportFormat.sav, ExportFormat.dta):
        writer = ColumnStore(layout)
    else:
        writer = None
    write = writer.write if writer is not None else (lambda _rows: None)
    async for raw in chunks(session, plan):
        await _in_thread(lambda chunk: write(run.encode(chunk)), raw)
    book = await _in_thread(run.codebook)
    await _in_thread(lambda: _finish(fmt, run, writer, path, book))
    return book


def _finish(
    fmt: ExportFormat, run: Run, writer: Any, path: Path, book: dict[str, Any]
) -> None:
    plan = run.plan
    if fmt in (ExportFormat.xlsx, ExportFormat.parquet):
        writer.close(book)
    elif fmt is ExportFormat.sav:
        notes = [
            *run.notice,
            f"veldwerk export: {plan.title}.",
            "Ontbrekend: -1 niet gevraagd, -2 niet bereikt, -3 geen antwoord, -4 niet in versie, -5 niet te bepalen, -6 onbekend, -7 n.v.t., -8 weet niet, -9 wil ik niet zeggen.",
            f"Afgeleide variabelen: {DERIVED_RULE}",
            f"Weging (variabele weight): {book['weighting']['title']}. {book['weighting']['description']}",
            *[f"Let op: {w}" for w in book["weighting"]["warnings"]],
        ]
        write_sav(
            run.layout,
            writer,
            path,
            title=run.title,
            notes=notes,
            stamp=plan.data_as_of,
        )
    elif fmt is ExportFormat.dta:
        write_dta(run.layout, writer, path, title=run.title, stamp=plan.data_as_of)
    elif fmt is ExportFormat.codebook_json:
        path.write_bytes(_codebook_files(book)["codebook.json"])
    else:
        path.write_bytes(_codebook_files(book)["codebook.html"])


async def stream_export(
    sessionmaker: async_sessionmaker[AsyncSession], plan: ExportPlan
) -> AsyncIterator[bytes]:
    """The download body. Opens its own session: the request's is closed by then."""
    fmt = plan.request.format
    if fmt is ExportFormat.csv:
        async with sessionmaker() as session:
            await begin_read_snapshot(session)
            run = await start(session, plan)
            async for chunk in stream_csv_zip(session, run):
                if chunk:
                    yield chunk
        return
    workdir = Path(
        await _in_thread(lambda: tempfile.mkdtemp(prefix="veldwerk-export-"))
    )
    try:
        path = workdir / plan.filename
        async with sessionmaker() as session:
            await begin_read_snapshot(session)
            run = await start(session, plan)
            await write_file(session, run, path)
        async with await anyio.open_file(path, "rb") as handle:
            while chunk := await handle.read(FILE_CHUNK):
                yield chunk
    finally:
        await _in_thread(lambda: shutil.rmtree(workdir, ignore_errors=True))


async def export_to_path(
    session: AsyncSession, plan: ExportPlan, path: Path
) -> dict[str, Any]:
    """For the CLI: write the export to ``path``. CSV to a ``.zip`` is the download's
    bundle; CSV to any other name writes the codebook beside it."""
    await begin_read_snapshot(session)
    run = await start(session, plan)
    if plan.request.format is not ExportFormat.csv:
        return await write_file(session, run, path)
    if path.suffix.lower() == ".zip":
        async with await anyio.open_file(path, "wb") as handle:
            async for chunk in stream_csv_zip(session, run):
                await handle.write(chunk)
        return run.codebook()
    async with await anyio.open_file(path, "wb") as handle:
        async for chunk in stream_csv_plain(session, run):
            await handle.write(chunk)
    book = run.codebook()
    for name, data in _codebook_files(book).items():
        path.with_name(f"{path.stem}.{name}").write_bytes(data)
    return book
