"""The ``delivery:`` settings of briefings.yaml: where new editions are sent (see the README's "Delivery").

Contract: :class:`Delivery` validates the shape (at the top level for the
project, or on a briefing, whose kinds replace the project's kind by kind):
``email`` (addresses without line breaks, an SMTP server, a password only by
reference: ``password_env`` or ``password_file``, never the password
itself), ``folder`` (a path; that it exists is checked when delivering) and
``webhook`` (an http or https URL). What is only known when delivering (the
environment variable is set, the folder exists) is checked then, by
:mod:`briefings.delivery`, as located problems. Delivery does not change
what a briefing contains, so none of this joins the fingerprint or the
snapshot.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, StringConstraints, model_validator

_ADDRESS = re.compile(r"^[^@\s<>,;\"()\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


def _check_address(value: str) -> str:
    if not _ADDRESS.match(value) or len(value) > 254:
        raise ValueError(f"{value!r} is not an email address (name@domain)")
    return value


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value):
        raise ValueError(f"{value!r} is not an http or https URL")
    return value


Address = Annotated[str, Strict(), AfterValidator(_check_address)]
PathText = Annotated[str, Strict(), StringConstraints(min_length=1, max_length=4096, pattern=r"^[^\x00\n\r]+$")]


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, populate_by_name=True)


class Smtp(_Schema):
    host: Annotated[str, Strict(), StringConstraints(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.:\[\]-]+$")]
    port: Annotated[int, Strict(), Field(ge=1, le=65535)] | None = None
    starttls: Annotated[bool, Strict()] | None = None
    tls: Annotated[bool, Strict()] = False
    user: Annotated[str, Strict(), StringConstraints(min_length=1, pattern=r"^[^\x00\n\r]+$")] | None = None
    password_env: Annotated[str, Strict(), StringConstraints(pattern=_ENV_NAME)] | None = None
    password_file: PathText | None = None
    timeout: Annotated[float, Field(gt=0, le=600, allow_inf_nan=False)] = 30.0

    @model_validator(mode="before")
    @classmethod
    def _no_password(cls, data: object) -> object:
        if isinstance(data, dict) and "password" in data:
            raise ValueError("a password is never written in briefings.yaml: name an environment variable "
                             "(password_env) or a file (password_file) that holds it")
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Smtp:
        if self.tls and self.starttls:
            raise ValueError("choose tls (a TLS connection from the start) or starttls, not both")
        if self.password_env and self.password_file:
            raise ValueError("give password_env or password_file, not both")
        if (self.password_env or self.password_file) and not self.user:
            raise ValueError("a password needs a user")
        return self

    @property
    def uses_starttls(self) -> bool:
        return not self.tls and self.starttls is not False

    @property
    def effective_port(self) -> int:
        return self.port or (465 if self.tls else 587 if self.uses_starttls else 25)


class Email(_Schema):
    sender: Address = Field(alias="from")
    to: Annotated[list[Address], Field(min_length=1, max_length=100)]
    smtp: Smtp
    #: The edition's files attached, by format (the PDF by default).
    attach: list[Literal["pdf", "html", "md", "json", "docx"]] = Field(default_factory=lambda: ["pdf"])


class Webhook(_Schema):
    url: Annotated[str, Strict(), StringConstraints(max_length=2000), AfterValidator(_check_url)]
    timeout: Annotated[float, Field(gt=0, le=600, allow_inf_nan=False)] = 30.0


class Delivery(_Schema):
    email: Email | None = None
    folder: PathText | None = None
    webhook: Webhook | None = None
    #: Seconds to wait before each retry of a failed delivery (so at most len + 1 attempts).
    retry_seconds: Annotated[list[Annotated[float, Field(ge=0, le=600, allow_inf_nan=False)]],
                             Field(max_length=10)] = Field(default_factory=lambda: [2.0, 10.0, 30.0])

    def merged(self, override: Delivery | None) -> Delivery:
        """These settings with each kind ``override`` names replacing ours."""
        if override is None:
            return self
        fields = override.model_fields_set
        values = {name: getattr(override if name in fields else self, name) for name in Delivery.model_fields}
        return Delivery(**values)

    @property
    def kinds(self) -> list[str]:
        return [kind for kind in ("email", "folder", "webhook") if getattr(self, kind) is not None]
