"""Rotation: answer options and grid statements in a random order per respondent.

Order effects are real (primacy on a screen, recency on the phone), and a list
shown in one order to everyone biases every respondent the same way. Rotating
spreads that bias evenly. Three promises:

- **stable**: the order is a pure function of the respondent's seed (their
  invitation) and the question, so it is the same on resume, after "vorige",
  in another process or after a restart, without storing anything on the
  respondent's fast path;
- **anchored**: "anders, namelijk", "weet niet", "wil ik niet zeggen",
  "geen van deze" (exclusive) and options marked ``fixed`` keep their place;
  only the others trade places among themselves;
- **recorded**: the export recomputes each respondent's order with this same
  function and writes it beside the answers (``<question>_order``), so an
  analyst can test for order effects. The function must therefore never
  change for a published version: it is SHA-256 of a fixed text and Python's
  documented ``random.Random`` shuffle.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from typing import TypeVar

from app.questionnaires.definition import AnyQuestion, Option, Row
from app.questionnaires.types import question_type

T = TypeVar("T")


def seed_for(invitation_id: int, question_id: str) -> int:
    """The seed of one respondent's order of one question."""
    digest = hashlib.sha256(f"veldwerk-rotation:{invitation_id}:{question_id}".encode())
    return int.from_bytes(digest.digest()[:8], "big")


def rotated(items: Sequence[T], fixed: Sequence[bool], seed: int) -> list[T]:
    """``items`` with the non-fixed ones shuffled among their own positions.

    >>> rotated(["a", "b", "c", "weet niet"], [False, False, False, True], 1)[-1]
    'weet niet'
    """
    if len(items) != len(fixed):
        raise ValueError("one 'fixed' flag per item")
    movable = [item for item, pinned in zip(items, fixed, strict=True) if not pinned]
    random.Random(seed).shuffle(movable)  # noqa: S311 - an order, not a secret
    moved = iter(movable)
    return [
        item if pinned else next(moved)
        for item, pinned in zip(items, fixed, strict=True)
    ]


def rotates_options(question: AnyQuestion) -> bool:
    return question_type(question).rotates == "options" and _rotate(question)


def rotates_rows(question: AnyQuestion) -> bool:
    return question_type(question).rotates == "rows" and _rotate(question)


def _rotate(question: AnyQuestion) -> bool:
    """``rotate: true`` in the file (only types that declare ``rotates`` have it)."""
    return bool(getattr(question, "rotate", False))


def options_in_order(
    question: AnyQuestion, options: Sequence[Option], invitation_id: int | None
) -> list[Option]:
    """``options`` (all of the question's, in file order) as this respondent sees them.

    Rotate the whole list first and filter by routing afterwards, so an option
    that appears later (``relevant``) never reshuffles the others.
    """
    if invitation_id is None or not rotates_options(question):
        return list(options)
    return rotated(
        options, [o.pinned for o in options], seed_for(invitation_id, question.id)
    )


def rows_in_order(
    question: AnyQuestion, rows: Sequence[Row], invitation_id: int | None
) -> list[Row]:
    if invitation_id is None or not rotates_rows(question):
        return list(rows)
    return rotated(rows, [r.fixed for r in rows], seed_for(invitation_id, question.id))
