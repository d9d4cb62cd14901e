"""Dependencies of the samples pages: load-or-404, and who may do what.

Contact data (names, addresses) is for fieldwork managers (and admins) only;
every staff member may see waves, counts and draw summaries, which hold none.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from app.db import SessionDep
from app.samples import service
from app.samples.models import Wave
from app.staff.deps import StaffDep, require_role
from app.staff.models import Role
from app.staff.schemas import StaffContext


async def wave_from_slug(slug: str, session: SessionDep, staff: StaffDep) -> Wave:
    # ``staff`` first: an anonymous request gets the login page, not a 404
    # that tells whether a wave exists.
    return await service.require_wave(session, slug)


WaveDep = Annotated[Wave, Depends(wave_from_slug)]
VersionEditorDep = Annotated[
    StaffContext, Depends(require_role(Role.researcher, Role.fieldwork_manager))
]
