"""What an invitation keeps after the contact purge: the rest identifies people.

Pure. "Gemeente Amsterdam, burgemeester" is one person, so the purge takes
the organisation name and code and the free attributes of the address file
off every invitation, keeping only what response rates, weights and the
monitor need: tier, function, function type, e-mail kind, gender, panel and
stratum stay in their columns; of the free attributes only the organisation
size class and the values the design assigned at random (a split ballot).

Where a cluster component of the sample design drew the invitation, its
cluster (organisation) is still needed for variance estimation: it becomes a
pseudonym, an HMAC of the cluster key under a random key made for this purge
and then thrown away. Not the application secret: municipal codes are public,
so anyone with that secret could invert a pseudonym by trying all of them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Any

from app.samples.design import ClusterSample, SampleDesign
from app.samples.sampling import cluster_key

SIZE_CLASS_ATTRIBUTES = frozenset(
    {
        "size_class",
        "grootteklasse",
        "gemeentegrootte",
        "inwonersklasse",
        "grootte_klasse",
        "omvang",
        "omvangsklasse",
    }
)
"""Free address-file columns read as the organisation size class (a stratum of
the design and a weighting variable, not an identifier)."""

CLUSTER_ATTRIBUTE = "cluster"
"""The pseudonymous cluster code an invitation keeps after the purge."""


def purge_key() -> bytes:
    """A fresh key for one purge; never stored."""
    return secrets.token_bytes(32)


def cluster_pseudonym(key: bytes, cluster: str) -> str:
    digest = hmac.new(key, cluster.encode("utf-8"), hashlib.sha256).hexdigest()
    return "c" + digest[:15]


def drawing_component(
    design: SampleDesign | None, values: Mapping[str, Any]
) -> ClusterSample | None:
    """The cluster component that drew a unit with ``values``, if it was one.

    A unit belongs to the first component selecting it (as in the draw).
    """
    if design is None:
        return None
    for component in design.components:
        if component.selects(dict(values)):
            return component if isinstance(component, ClusterSample) else None
    return None


def kept_attributes(
    *,
    attributes: Mapping[str, Any],
    values: Mapping[str, Any],
    design: SampleDesign | None,
    key: bytes,
) -> dict[str, Any]:
    """The free attributes an invitation keeps after the purge.

    ``values`` are the invitation's column attributes before the purge
    (tier, function, organisation, organisation_code, ...).
    """
    assigned = {a.name for a in design.assign} if design is not None else set()
    kept = {
        name: value
        for name, value in attributes.items()
        if name in SIZE_CLASS_ATTRIBUTES or name in assigned
    }
    purged_before = not values.get("organisation") and not values.get(
        "organisation_code"
    )
    if purged_before and CLUSTER_ATTRIBUTE in attributes:  # the pseudonym stays
        kept[CLUSTER_ATTRIBUTE] = attributes[CLUSTER_ATTRIBUTE]
    component = drawing_component(design, values)
    if component is not None:
        cluster = cluster_key(dict(values), component.cluster_by)
        if cluster is not None:
            kept[CLUSTER_ATTRIBUTE] = cluster_pseudonym(key, cluster)
    return kept


def reply_code(reason: str | None) -> str | None:
    """An SMTP refusal reduced to its codes ("550 5.1.1"): the text may quote
    the address."""
    if not reason:
        return reason
    codes = [part for part in reason.split()[:2] if part.replace(".", "").isdigit()]
    return " ".join(codes) if codes else "geweigerd"
