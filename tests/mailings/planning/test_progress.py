"""A mailing's badge says what happened (``app.mailings.planning.progress``)."""

from __future__ import annotations

import pytest

from app.mailings.planning.progress import progress


@pytest.mark.parametrize(
    ("status", "counts", "label"),
    [
        ("draft", {}, "concept"),
        ("scheduled", {}, "ingepland"),
        ("scheduled", {"pending": 10}, "ingepland"),
        ("scheduled", {"pending": 4, "sent": 6}, "bezig"),
        ("scheduled", {"sending": 1, "skipped": 2}, "bezig"),
        ("scheduled", {"sent": 6130, "skipped": 12}, "verstuurd"),
        ("scheduled", {"sent": 5, "failed": 1}, "verstuurd, deels mislukt"),
        ("scheduled", {"failed": 3}, "mislukt"),
        ("scheduled", {"sent": 3, "unknown": 1}, "onbekend lot"),
        ("scheduled", {"skipped": 3}, "niets te versturen"),
        ("paused", {"pending": 3, "sent": 1}, "gepauzeerd"),
        ("cancelled", {"sent": 1, "cancelled": 4}, "geannuleerd"),
    ],
)
def test_badge_follows_the_outbox(
    status: str, counts: dict[str, int], label: str
) -> None:
    assert progress(status, counts).label == label
