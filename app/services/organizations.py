"""The organization's own settings."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from app.db.tables import Organization
from app.errors import NotFoundError
from app.schemas.organizations import OrganizationUpdate


def get_organization(session: Session, organization_id: uuid.UUID) -> Organization:
    org = session.get(Organization, organization_id)
    if org is None:
        raise NotFoundError(f"organization {organization_id} not found")
    return org


def update_organization(
    session: Session, organization_id: uuid.UUID, body: OrganizationUpdate
) -> Organization:
    org = get_organization(session, organization_id)
    if body.name is not None:
        org.name = body.name.strip() or org.name
    if body.clear_country:
        org.country = None
    elif body.country is not None:
        org.country = body.country
    session.flush()
    return org


def organization_country(session: Session, organization_id: uuid.UUID) -> str | None:
    org = session.get(Organization, organization_id)
    return org.country if org else None
