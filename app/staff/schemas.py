"""Plain views of staff data that outlive a database session."""

from __future__ import annotations

from dataclasses import dataclass

from app.staff.models import Role


@dataclass(frozen=True)
class StaffContext:
    """Who is making this request. Plain values, not ORM rows: error pages
    render it after the request's transaction was rolled back."""

    id: int
    email: str
    name: str
    role: Role
    csrf_token: str

    def can(self, *roles: Role) -> bool:
        return self.role is Role.admin or self.role in roles
