"""Staff pages of the samples domain (mounted under ``/staff``)."""

from __future__ import annotations

from fastapi import APIRouter

from app.samples.routes import (
    draws,
    eligibility,
    frames,
    invitations,
    retention,
    waves,
)

router = APIRouter()
router.include_router(waves.router)
router.include_router(frames.router)
router.include_router(draws.router)
router.include_router(invitations.router)
router.include_router(retention.router)
router.include_router(eligibility.router)
