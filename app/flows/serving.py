"""A serving process's start: the questionnaires in the field, compiled before
the process settles its long-lived objects.

A compiled questionnaire is a few thousand objects that live as long as the
process. Compiled at start, before ``settle_long_lived_objects`` freezes the
heap, they are never walked by the garbage collector again; compiled later by
the first respondent's request, every full collection walks them. Which
versions are in the field is the samples domain's fact (a wave's version for
new starters); compiling them is the questionnaires domain's cache. Versions
met later (an older version someone started on) are compiled on demand and
stay collectable, as a cache that evicts needs.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db import session_scope
from app.questionnaires.service import CompiledVersions
from app.samples import service as samples_service

log = logging.getLogger(__name__)


async def compile_fielded_versions(
    sessionmaker: async_sessionmaker[AsyncSession], versions: CompiledVersions
) -> int:
    """Compile every version a wave fields into ``versions``; how many.

    Only a head start: a database that is not reachable or not migrated yet
    must not keep the process from serving (its first requests compile on
    demand and answer what the database allows), so that is logged, not raised.
    """
    try:
        async with session_scope(sessionmaker) as session:
            ids = await samples_service.fielded_version_ids(session)
            for version_id in ids:
                await versions.by_id(session, version_id)
    except (SQLAlchemyError, OSError) as exc:
        log.warning("questionnaires in the field not compiled at start: %s", exc)
        return 0
    return len(ids)
