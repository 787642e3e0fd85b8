"""The reply of a recommendation's reproduction: recomputed from the stored inputs and seed."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field


class StoredAndRecomputed(BaseModel):
    stored: str
    recomputed: str
    match: bool


class QuantityCheck(BaseModel):
    stored: int
    recomputed: int
    match: bool


class ReproductionRead(BaseModel):
    recommendation_id: uuid.UUID
    reproduced: bool = Field(description="The same quantity and the same document facts.")
    quantity: QuantityCheck
    facts_sha256: StoredAndRecomputed = Field(
        description="SHA-256 of the document's JSON rendering, as stored and as recomputed."
    )
    inputs_sha256: StoredAndRecomputed = Field(
        description="SHA-256 of the inputs (daily usage, packs held, price book): a mismatch "
        "means the stored usage or purchases changed since."
    )
    paths_match: bool = Field(description="The forecast's simulated paths came out the same.")
    differences: list[str] = Field(
        description="JSON paths of the facts that differ (at most 20); empty when reproduced."
    )
    seed: int
    model: str
