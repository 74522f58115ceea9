"""What the portal sends: bodies of the shopper routes, and the error body every route answers with."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Lookup(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    email: str = Field(min_length=3, max_length=254, pattern=r"^\s*[^@\s]+@[^@\s]+\s*$")
    order_number: str = Field(min_length=1, max_length=64)

    @field_validator("email", "order_number")
    @classmethod
    def _trim(cls, value: str) -> str:
        return value.strip()


class Verify(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    challenge: str = Field(min_length=8, max_length=64)
    code: str = Field(min_length=4, max_length=12, pattern=r"^\s*\d+\s*$")


class UploadRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    content_type: str = Field(min_length=3, max_length=100)
    size: int = Field(ge=1, le=100 * 1024 * 1024)


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    """Every 4xx: a stable machine-readable code and a message in the caller's language."""

    error: ErrorDetail
