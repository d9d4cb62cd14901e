"""Bounded integer parameters for every route.

Ids and page numbers come from URLs that anyone can type. An unbounded
``int`` lets ``/staff/mail/99999999999`` reach the database, where PostgreSQL
refuses a value beyond its 32-bit ``integer`` columns and SQLite one beyond
64 bits: a 500 instead of a 404. Routes take these types instead of ``int``;
``tests/test_hostile_params.py`` fails on any route that does not.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Path, Query

INT32_MAX = 2**31 - 1
"""The largest value of the ``integer`` columns ids live in."""

MAX_PAGE = 100_000
"""No listing has this many pages; anything beyond is a typo or a probe."""

IdPath = Annotated[int, Path(ge=1, le=INT32_MAX)]
IdQuery = Annotated[int, Query(ge=1, le=INT32_MAX)]
IdForm = Annotated[int, Form(ge=1, le=INT32_MAX)]
PageQuery = Annotated[int, Query(ge=1, le=MAX_PAGE)]
