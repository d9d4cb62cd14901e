"""Hand-made ReportTables for presentation tests (not computed: shapes and numbers
chosen here, after the provincial factsheet, so every expectation is known)."""

from __future__ import annotations

from app.reports.model import Cell, Column, ReportTable, Row

EDITIONS = (2014, 2016, 2018, 2020, 2022, 2024)
# Published bases of provincial officials per edition (constructed) and this edition's n.
BASES = (300, 320, 340, 380, 420, 170)


def edition_columns(bases: tuple[int, ...] = BASES) -> tuple[Column, ...]:
    return tuple(
        Column(str(e), str(e), None, e, n) for e, n in zip(EDITIONS, bases, strict=True)
    )


def trend_row(
    key: str, label: str, percents: tuple[float | None, ...], bases=BASES, mark=None
) -> Row:
    cells = []
    for i, (p, n) in enumerate(zip(percents, bases, strict=True)):
        last = i == len(percents) - 1
        cells.append(Cell(p, None, n, mark if last else None))
    return Row(key, label, tuple(cells))


def forms_table() -> ReportTable:
    return ReportTable(
        id="factsheet_provincie_vormen",
        number="Figuur 1",
        title="Ervaring met agressie en intimidatie naar vorm",
        base_label="Basis: politieke ambtsdragers provincies (n=170)",
        chart="trend",
        columns=edition_columns(),
        rows=(
            trend_row(
                "victim", "Totaal agressie", (25, 36, 37, 49, 59, 47), mark="lager"
            ),
            trend_row(
                "verbaal", "Verbale agressie", (22, 33, 35, 45, 56, 46), mark="lager"
            ),
            trend_row("bedreiging", "Bedreiging/intimidatie", (10, 14, 17, 25, 32, 24)),
            trend_row("fysiek", "Fysieke agressie", (None, 3, 2, 4, 5, 5)),
        ),
        footnotes=("Significantie: z-toets, 95%; ▲/▼ tegenover de vorige meting.",),
        n_total=170,
    )


def severity_table() -> ReportTable:
    return ReportTable(
        id="factsheet_provincie_ernst",
        number="Figuur 2",
        title="Ernst recentste incident",
        base_label="Basis: politieke ambtsdragers provincies (n=170)",
        chart="trend",
        columns=edition_columns(),
        rows=(
            trend_row(
                "minder_ernstig", "Minder ernstig (1-4)", (17, 28, 24, 36, 46, 28)
            ),
            trend_row("ernstig", "Ernstig (5-7)", (8, 8, 13, 13, 13, 19)),
        ),
        footnotes=(),
        n_total=170,
    )


TIER_LABELS = {
    "gemeente": "Gemeenten",
    "provincie": "Provincies",
    "waterschap": "Waterschappen",
}
TIER_SERIES = {
    "gemeente": (23, 27, 30, 35, 49, 47),
    "provincie": (25, 36, 37, 49, 59, 47),
    "waterschap": (15, 9, 9, 21, 30, 23),
}
# Published bases per tier and edition (constructed; 2020's provincial base is
# the one the headline test needs).
TIER_BASES = {
    "gemeente": (700, 720, 760, 900, 2674, 760),
    "provincie": (300, 320, 340, 380, 420, 170),
    "waterschap": (120, 130, 140, 150, 195, 146),
}


def tiers_table(*, published_2020: bool = True) -> ReportTable:
    """As the engine computes it: one row, columns tier × edition (group-major per edition)."""
    columns = []
    cells = []
    for i, year in enumerate(EDITIONS):
        for tier, label in TIER_LABELS.items():
            n = TIER_BASES[tier][i]
            if year == 2020 and not published_2020:
                n = 0
            columns.append(
                Column(f"{tier}_{year}", f"{label} {year}", "tier", year, n or None)
            )
            cells.append(Cell(TIER_SERIES[tier][i], None, n))
    return ReportTable(
        id="factsheet_bestuurslagen",
        number="Figuur 3 (factsheet)",
        title="Ervaring met agressie en intimidatie naar bestuurslaag en jaar",
        base_label="Basis: politieke ambtsdragers (n=1.076, 2024)",
        chart="trend",
        columns=tuple(columns),
        rows=(Row("victim", "Totaal agressie of intimidatie", tuple(cells)),),
        footnotes=(),
        n_total=1076,
    )


def reporting_table() -> ReportTable:
    items = (
        ("besproken", "Intern besproken", 46.0),
        ("gemeld", "Intern gemeld", 30.0),
        ("extern", "Extern gemeld", 14.0),
    )
    return ReportTable(
        id="factsheet_provincie_melden",
        number="Figuur 5",
        title="Incident besproken of gemeld",
        base_label="Basis: slachtoffers provincies (n=80)",
        chart="bar",
        columns=(Column("totaal", "Totaal", None, None, 80),),
        rows=tuple(Row(k, label, (Cell(p, None, 80),)) for k, label, p in items),
        footnotes=(),
        n_total=80,
    )


def ways_table() -> ReportTable:
    items = (
        ("sociale_media", "Via sociale media", 62.4),
        ("email", "Via e-mail", 40.2),
        ("persoonlijk", "Persoonlijk (face-to-face)", 35.0),
        ("telefoon", "Telefonisch", 10.5),
        ("brief", "Per brief", 4.8),
    )
    return ReportTable(
        id="factsheet_provincie_uiting",
        number="Figuur 4",
        title="Wijze waarop agressie werd geuit",
        base_label="Basis: slachtoffers provincies (n=80)",
        chart="bar",
        columns=(Column("totaal", "Totaal", None, None, 80),),
        rows=tuple(Row(k, label, (Cell(p, None, 80),)) for k, label, p in items),
        footnotes=(
            "Meerdere antwoorden mogelijk: percentages tellen op tot meer dan 100.",
        ),
        n_total=80,
    )


def effects_table() -> ReportTable:
    items = (
        ("sociale_media", "Minder actief op sociale media", 38.0),
        ("werkplezier", "Minder werkplezier", 30.0),
        ("geen", "Geen gevolgen", 40.0),
    )
    return ReportTable(
        id="factsheet_provincie_effecten",
        number="Figuur 5",
        title="Effecten of gevolgen van agressie en intimidatie",
        base_label="Basis: slachtoffers provincies (n=80)",
        chart="bar",
        columns=(Column("totaal", "Totaal", None, None, 80),),
        rows=tuple(Row(k, label, (Cell(p, None, 80),)) for k, label, p in items),
        footnotes=("Meerdere antwoorden mogelijk.",),
        n_total=80,
    )


def breakdown_table() -> ReportTable:
    """Tabel 2.2-like: marks against the other groups, a small cell, a suppressed cell."""
    cols = (
        Column("totaal", "Totaal", None, None, 1076),
        Column("geslacht_man", "Mannen", "geslacht", None, 640),
        Column("geslacht_vrouw", "Vrouwen", "geslacht", None, 400),
        Column("functie_cdk", "Commissaris van de Koning", "functie", None, 12),
        Column("functie_x", "Dijkgraaf", "functie", None, 1),
    )
    return ReportTable(
        id="tabel_2_2",
        number="Tabel 2.2",
        title="Ervaring met agressie en intimidatie, uitgesplitst naar achtergrondkenmerken",
        base_label="Basis: politieke ambtsdragers (n=1.076)",
        chart="grouped",
        columns=cols,
        rows=(
            Row(
                "totaal",
                "Totaal",
                (
                    Cell(45.2, None, 1076),
                    Cell(37.1, None, 640, "lager"),
                    Cell(55.4, None, 400, "hoger"),
                    Cell(None, 7, 12),
                    Cell(None, None, 1, suppressed=True),
                ),
            ),
            Row(
                "verbaal",
                "Verbale agressie",
                (
                    Cell(41.0, None, 1076),
                    Cell(34.0, None, 640, "lager"),
                    Cell(49.0, None, 400, "hoger"),
                    Cell(None, 6, 12),
                    Cell(None, None, 1, suppressed=True),
                ),
            ),
        ),
        footnotes=("Significantie: z-toets met effectieve steekproefomvang, 95%.",),
        n_total=1076,
    )


def factsheet_tables() -> dict[str, ReportTable]:
    tables = (
        forms_table(),
        severity_table(),
        tiers_table(),
        ways_table(),
        effects_table(),
    )
    return {t.id: t for t in tables}
