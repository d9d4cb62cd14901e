"""Break-off and burden: where respondents stop, and how long pages take.

A pure core over per-response traces (``Trace``), built by ``burden_data`` from
the page visits the respondent path stores. The rules, as the staff page
states them:

* **Reached.** A respondent reached a page if it is on their route and they
  submitted it, or it is the page they would continue on (the first page of
  their route not yet submitted: the page they were last shown).
* **Left there.** A response that is not complete and was last saved more than
  ``quiet_hours`` ago (or whose wave has closed) left the survey on the page it
  would continue on, and has not come back. Younger incomplete responses are
  "busy" on that page: counted as reached, not as left.
* **Time on page.** From the first arrival (the shown-at stamp of the first
  submitted form) to the first submit of that page; double submits and later
  revisits do not change it. A time above ``pause_seconds`` (default 30
  minutes) is a pause: it leaves the page's time distribution and is counted
  apart. Median and 90th percentile by linear interpolation (numpy's default).
* **Total time per route.** For complete responses: the sum of the times on the
  pages of their route. The route is named after the optional blocks (blocks
  with a condition, e.g. the incident block for victims) it passes through. A
  response with a paused or unknown page time is left out of its route's
  median and counted apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from app.responses.paradata import PAUSE_SECONDS

QUIET_HOURS = 24.0

__all__ = ["PAUSE_SECONDS", "QUIET_HOURS", "BurdenReport", "Trace", "build_report"]


@dataclass(frozen=True)
class PageInfo:
    id: str
    title: str
    block_id: str
    block_title: str
    block_optional: bool
    questions: tuple[tuple[str, str], ...]
    """(question id, question text) of the questions on the page."""


@dataclass(frozen=True)
class Trace:
    """One started response, as the break-off view needs it."""

    complete: bool
    last_saved_at: dt.datetime
    route: tuple[str, ...]
    """Pages submitted that are on the route for the stored answers, in order."""
    resume_page: str | None
    """The page the respondent would continue on (None when all are submitted)."""
    times: dict[str, float | None] = field(default_factory=dict)
    """Seconds from first arrival to first submit per submitted page (None: unknown)."""


def _quantile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    return float(np.percentile(np.asarray(values, dtype=float), q))


@dataclass(frozen=True)
class TimeSummary:
    """What the views need of a list of times: its size, median and P90.

    A snapshot stores this instead of every time (20,000 respondents × 30
    pages would be a 10 MB row to decode per page view).
    """

    n: int
    median: float | None
    p90: float | None = None


@dataclass
class PageBurden:
    page: PageInfo
    position: int
    reached: int = 0
    left: int = 0
    busy: int = 0
    paused: int = 0
    times: list[float] = field(default_factory=list)
    stored: TimeSummary | None = None
    """Set instead of ``times`` when read back from a snapshot."""

    @property
    def left_share(self) -> float | None:
        return self.left / self.reached if self.reached else None

    @property
    def timed(self) -> int:
        """How many page times count (pauses and unknown times excluded)."""
        return self.stored.n if self.stored else len(self.times)

    @property
    def median_seconds(self) -> float | None:
        return self.stored.median if self.stored else _quantile(self.times, 50)

    @property
    def p90_seconds(self) -> float | None:
        return self.stored.p90 if self.stored else _quantile(self.times, 90)


@dataclass
class RouteBurden:
    blocks: tuple[str, ...]
    label: str
    complete: int = 0
    excluded: int = 0
    totals: list[float] = field(default_factory=list)
    stored: TimeSummary | None = None
    """Set instead of ``totals`` when read back from a snapshot."""

    @property
    def timed(self) -> int:
        return self.stored.n if self.stored else len(self.totals)

    @property
    def median_seconds(self) -> float | None:
        return self.stored.median if self.stored else _quantile(self.totals, 50)


@dataclass
class BurdenReport:
    """Break-off and burden for one questionnaire version."""

    version_label: str
    started: int
    complete: int
    left: int
    busy: int
    pages: list[PageBurden]
    routes: list[RouteBurden]
    pause_seconds: float
    quiet_hours: float
    busy_since: dt.datetime | None = None
    """The oldest last save among the busy responses: the report changes
    (busy becomes left) ``quiet_hours`` after it, even if nobody answers."""

    def by_break_off(self) -> list[PageBurden]:
        """Pages with anybody leaving, highest share first (then most people)."""
        hit = [p for p in self.pages if p.left]
        return sorted(hit, key=lambda p: (-(p.left_share or 0.0), -p.left, p.position))

    def still_in(self) -> list[int]:
        """Per page (in order): started minus those who left on an earlier page."""
        remaining, out = self.started, []
        for page in self.pages:
            out.append(remaining)
            remaining -= page.left
        return out


def route_label(titles: Sequence[str]) -> str:
    if not titles:
        return "Zonder optionele blokken"
    return "Met " + ", ".join(titles)


def build_report(
    *,
    version_label: str,
    pages: Sequence[PageInfo],
    traces: Iterable[Trace],
    now: dt.datetime,
    closed: bool = False,
    pause_seconds: float = PAUSE_SECONDS,
    quiet_hours: float = QUIET_HOURS,
) -> BurdenReport:
    """Fold ``traces`` into the per-page and per-route figures."""
    by_id = {p.id: PageBurden(p, i) for i, p in enumerate(pages)}
    info = {p.id: p for p in pages}
    optional_order = [p.block_id for p in pages if p.block_optional]
    optional_blocks = list(dict.fromkeys(optional_order))
    block_titles = {p.block_id: p.block_title for p in pages}
    routes: dict[tuple[str, ...], RouteBurden] = {}
    route_blocks: dict[tuple[str, ...], tuple[str, ...]] = {}
    cutoff = now - dt.timedelta(hours=quiet_hours)
    started = complete = left = busy = 0
    busy_since: dt.datetime | None = None
    for trace in traces:
        started += 1
        for page_id in trace.route:
            burden = by_id.get(page_id)
            if burden is None:
                continue
            burden.reached += 1
            seconds = trace.times.get(page_id)
            if seconds is None or seconds < 0:
                continue
            if seconds > pause_seconds:
                burden.paused += 1
            else:
                burden.times.append(seconds)
        if trace.complete:
            complete += 1
            blocks = route_blocks.get(trace.route)
            if blocks is None:
                present = {info[p].block_id for p in trace.route if p in info}
                blocks = tuple(b for b in optional_blocks if b in present)
                route_blocks[trace.route] = blocks
            route = routes.get(blocks)
            if route is None:
                route = RouteBurden(
                    blocks, route_label([block_titles[b] for b in blocks])
                )
                routes[blocks] = route
            route.complete += 1
            times = [trace.times.get(p) for p in trace.route]
            if trace.route and all(
                t is not None and 0 <= t <= pause_seconds for t in times
            ):
                route.totals.append(float(sum(t for t in times if t is not None)))
            else:
                route.excluded += 1
            continue
        here = by_id.get(trace.resume_page) if trace.resume_page else None
        if here is None:
            continue
        here.reached += 1
        if closed or trace.last_saved_at <= cutoff:
            here.left += 1
            left += 1
        else:
            here.busy += 1
            busy += 1
            if busy_since is None or trace.last_saved_at < busy_since:
                busy_since = trace.last_saved_at
    ordered_routes = sorted(routes.values(), key=lambda r: (len(r.blocks), r.blocks))
    return BurdenReport(
        version_label=version_label,
        started=started,
        complete=complete,
        left=left,
        busy=busy,
        pages=list(by_id.values()),
        routes=ordered_routes,
        pause_seconds=pause_seconds,
        quiet_hours=quiet_hours,
        busy_since=busy_since,
    )
