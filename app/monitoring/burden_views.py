"""Presentation of the break-off view: Dutch numbers, the funnel's geometry, CSV.

Pure: a ``BurdenReport`` in, text or bar geometry out. The funnel is drawn as
server-side SVG (no JavaScript) with a title, a description and the same
figures in a table beside it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from app.monitoring.burden import BurdenReport, PageBurden
from app.monitoring.downloads import safe_text

STAFF_ZONE = ZoneInfo("Europe/Amsterdam")


def local_time(value: dt.datetime) -> dt.datetime:
    """Staff read times in Dutch local time (as the ``local`` filter does)."""
    return value.astimezone(STAFF_ZONE)


def stand_text(value: dt.datetime) -> str:
    """``Stand van 06-12-2026 17:20``: when a stored view was computed."""
    return f"Stand van {local_time(value):%d-%m-%Y %H:%M}"


def seconds_text(value: float | None) -> str:
    """``83.4`` → ``1 min 23 s``; ``None`` → ``–``."""
    if value is None:
        return "–"
    total = round(value)
    minutes, seconds = divmod(total, 60)
    if minutes >= 60:
        hours, minutes = divmod(minutes, 60)
        return f"{hours} u {minutes} min"
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def share_text(value: float | None, decimals: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value * 100:.{decimals}f}%".replace(".", ",")


@dataclass(frozen=True)
class FunnelBar:
    label: str
    y: float
    still_width: float
    left_width: float
    still_in: int
    left: int
    text: str


@dataclass(frozen=True)
class Funnel:
    width: int
    height: int
    label_width: int
    bar_height: int
    bars: list[FunnelBar]
    title: str
    desc: str


def funnel(report: BurdenReport, *, width: int = 760) -> Funnel:
    """Per page: the respondents still in the survey when it came (bar) and,
    at its end, those who left on it (the darker part)."""
    label_width, bar_height, gap = 220, 20, 6
    scale = (width - label_width - 150) / max(report.started, 1)
    bars = []
    for i, (page, still) in enumerate(
        zip(report.pages, report.still_in(), strict=True)
    ):
        y = 10 + i * (bar_height + gap)
        left_width = page.left * scale
        bars.append(
            FunnelBar(
                label=_short(f"{page.page.id}: {page.page.title}"),
                y=y,
                still_width=max(still * scale - left_width, 0.0),
                left_width=left_width,
                still_in=still,
                left=page.left,
                text=f"{still} nog bezig, {page.left} gestopt",
            )
        )
    worst = report.by_break_off()[:1]
    worst_text = (
        f" De meeste uitval: pagina {worst[0].page.id} "
        f"({share_text(worst[0].left_share)} van wie de pagina bereikte)."
        if worst
        else " Nog niemand is gestopt."
    )
    return Funnel(
        width=width,
        height=20 + len(bars) * (bar_height + gap),
        label_width=label_width,
        bar_height=bar_height,
        bars=bars,
        title=f"Uitvalstrechter versie {report.version_label}",
        desc=(
            f"Van {report.started} gestarte respondenten per pagina het aantal dat "
            f"nog in de vragenlijst zat en het aantal dat op die pagina stopte; "
            f"{report.complete} maakten de vragenlijst af.{worst_text}"
        ),
    )


def _short(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


CSV_HEADER = [
    "Versie",
    "Pagina",
    "Titel",
    "Vragen",
    "Bereikt",
    "Gestopt",
    "Uitval %",
    "Nog bezig",
    "Mediaan seconden",
    "P90 seconden",
    "Tijden",
    "Pauzes",
]


def _row(version: str, page: PageBurden, decimal_comma: bool) -> list[str]:
    def number(value: float | None, decimals: int) -> str:
        if value is None:
            return ""
        text = f"{value:.{decimals}f}"
        return text.replace(".", ",") if decimal_comma else text

    share = page.left_share
    return [
        safe_text(version),
        safe_text(page.page.id),
        safe_text(page.page.title),
        safe_text(" | ".join(q for q, _ in page.page.questions)),
        str(page.reached),
        str(page.left),
        number(share * 100 if share is not None else None, 1),
        str(page.busy),
        number(page.median_seconds, 1),
        number(page.p90_seconds, 1),
        str(page.timed),
        str(page.paused),
    ]


def burden_csv(
    reports: list[BurdenReport],
    *,
    delimiter: str = ";",
    computed_at: dt.datetime | None = None,
) -> str:
    """Every page of every version, highest break-off first within a version;
    pages nobody left follow in questionnaire order. With ``computed_at`` a
    last column "Stand van" says when the figures were computed (local time)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    stand = [f"{local_time(computed_at):%Y-%m-%d %H:%M}"] if computed_at else []
    writer.writerow(CSV_HEADER + (["Stand van"] if computed_at else []))
    for report in reports:
        ranked = report.by_break_off()
        rest = [p for p in report.pages if p not in ranked]
        for page in [*ranked, *rest]:
            writer.writerow(_row(report.version_label, page, delimiter == ";") + stand)
    return buffer.getvalue()


TEMPLATE_HELPERS = {
    "seconds_text": seconds_text,
    "share_text": share_text,
    "stand_text": stand_text,
}
