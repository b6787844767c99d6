"""Use Case and Model Registry request bodies (camelCase, as the official client and the TF
provider send them), one strict pydantic model each."""

from __future__ import annotations

from pydantic import Field

from reconciler.providers.datarobot.sandbox.payloads import _Payload


class UseCaseWrite(_Payload):
    """``POST /useCases/`` and ``PATCH /useCases/{id}/`` (the client sends nulls it was not given)."""

    name: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = Field(None, max_length=1000)


class FromLeaderboard(_Payload):
    """``POST /modelPackages/fromLeaderboard/`` (client ``create_for_leaderboard_item``)."""

    modelId: str
    name: str | None = Field(None, min_length=1, max_length=1024)
    description: str | None = None
    predictionThreshold: float | None = Field(None, ge=0, le=1)
    distributionPredictionModelId: str | None = None
    computeAllTsIntervals: bool | None = None
    registeredModelName: str | None = Field(None, min_length=1, max_length=1024)
    registeredModelId: str | None = None
    registeredModelDescription: str | None = None
    tags: list[dict[str, str]] | None = None
    registeredModelTags: list[dict[str, str]] | None = None


class RegisteredModelUpdate(_Payload):
    name: str | None = Field(None, min_length=1, max_length=1024)
    description: str | None = None


class VersionUpdate(_Payload):
    name: str | None = Field(None, min_length=1, max_length=1024)
