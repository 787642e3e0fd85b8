"""The calling key's organization: its name and country."""

from __future__ import annotations

from app.api.deps import (
    AdminKey,
    ReadKey,
    SessionDep,
)
from app.api.key_first import v1_router
from app.db.tables import Organization
from app.schemas.organizations import OrganizationRead, OrganizationUpdate
from app.services import organizations as svc

router = v1_router("/v1/organization", "organization")


def _read(org: Organization) -> OrganizationRead:
    return OrganizationRead(
        id=org.id, name=org.name, country=org.country, created_at=org.created_at
    )


@router.get("", response_model=OrganizationRead, summary="The key's organization")
def get_organization(session: SessionDep, principal: ReadKey) -> OrganizationRead:
    return _read(svc.get_organization(session, principal.organization_id))


@router.patch("", response_model=OrganizationRead, summary="Rename, or set the country")
def patch_organization(
    body: OrganizationUpdate, session: SessionDep, principal: AdminKey
) -> OrganizationRead:
    """The country gives the forecasts its public holidays (days that stay near zero)."""
    return _read(svc.update_organization(session, principal.organization_id, body))
