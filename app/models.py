"""Every domain's tables in one import: what Alembic, ``veldwerk db check``,
the app's startup and the tests need to see the whole schema.

This sits at the top (beside ``app.main`` and ``app.cli``), not in the shell:
``app/db.py`` holds the ``Base`` every domain builds on and so must import no
domain, or every domain would seem to depend on every other. Importing this
module registers each domain's models on ``Base.metadata`` and lets the
string-named relationships between domains resolve.
"""

from __future__ import annotations

from app.db import Base
from app.exports import models as exports_models
from app.mailings import models as mailings_models
from app.monitoring import models as monitoring_models
from app.questionnaires import models as questionnaires_models
from app.responses import models as responses_models
from app.reviews import models as reviews_models
from app.samples import models as samples_models
from app.staff import models as staff_models

DOMAIN_MODELS = (
    exports_models,
    mailings_models,
    monitoring_models,
    questionnaires_models,
    responses_models,
    reviews_models,
    samples_models,
    staff_models,
)
"""The model modules, one per domain that owns tables."""

metadata = Base.metadata
"""All tables of all domains (the target Alembic compares with)."""
