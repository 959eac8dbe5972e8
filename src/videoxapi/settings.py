"""One site's settings (SPEC section 2), named on the wire exactly as the admin guide
spells them: `usePersonalOAuthToken`, `videoEndPercent`, ...

The model validates; it does no I/O. The LRS secret is a `SecretStr`: it never shows
in `repr`, and `public_dict()` is the only dump meant for display.
"""

from __future__ import annotations

import re
from typing import Any, Literal

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)

from videoxapi.errors import InvalidSettings

# RFC 5646 language tag, in its common shape: language, then subtags of 1-8 alphanumerics.
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")

BeaconInterval = Literal["quarters", "onePercent"]
XapiVersion = Literal["1.0.3", "2.0.0"]
CompletionBasis = Literal["watched", "position"]


def _http_url(value: str, name: str) -> str:
    """Accept an absolute http(s) URL with a host; empty means "not set"."""
    value = value.strip()
    if not value:
        return value
    if not re.match(r"^https?://[^/\s?#]+(/[^\s]*)?$", value):
        raise ValueError(f"{name} must be an absolute http:// or https:// URL")
    return value


class SiteSettings(BaseModel):
    """The settings of one site. Booleans accept Yes/No, as the admin page shows them."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, str_strip_whitespace=True
    )

    enabled: bool = False
    endpoint: str = ""
    use_personal_oauth_token: bool = Field(False, alias="usePersonalOAuthToken")
    key: str = ""
    secret: SecretStr = SecretStr("")
    send_account_info_instead_of_email: bool = Field(False, alias="sendAccountInfoInsteadOfEmail")
    video_end_percent: int = Field(100, ge=1, le=100, alias="videoEndPercent")
    video_end_seconds: int = Field(0, ge=0, alias="videoEndSeconds")
    beacon_interval: BeaconInterval = Field("quarters", alias="beaconInterval")
    site_url: str = Field("", alias="siteUrl")
    token_endpoint: str = Field("", alias="tokenEndpoint")
    xapi_version: XapiVersion = Field("1.0.3", alias="xapiVersion")
    language: str = "en-US"
    completion_basis: CompletionBasis = Field("watched", alias="completionBasis")
    idle_timeout_minutes: int = Field(30, ge=1, alias="idleTimeoutMinutes")
    send_comment_text: bool = Field(False, alias="sendCommentText")

    @field_validator("endpoint")
    @classmethod
    def _endpoint_is_url(cls, value: str) -> str:
        return _http_url(value, "endpoint")

    @field_validator("token_endpoint")
    @classmethod
    def _token_endpoint_is_url(cls, value: str) -> str:
        return _http_url(value, "tokenEndpoint")

    @field_validator("site_url")
    @classmethod
    def _site_url_is_url(cls, value: str) -> str:
        return _http_url(value, "siteUrl").rstrip("/")

    @field_validator("language")
    @classmethod
    def _language_is_tag(cls, value: str) -> str:
        if not _LANGUAGE_TAG.match(value):
            raise ValueError("language must be an RFC 5646 tag such as en-US")
        return value

    @model_validator(mode="after")
    def _complete_when_enabled(self) -> SiteSettings:
        """An enabled site must say where statements go and whose they are."""
        if self.enabled:
            missing = [
                name
                for name, value in (("endpoint", self.endpoint), ("siteUrl", self.site_url))
                if not value
            ]
            if missing:
                raise ValueError(f"{' and '.join(missing)} must be set when enabled is Yes")
        return self

    @field_serializer("secret", when_used="json")
    def _dump_secret(self, value: SecretStr) -> str:
        # Only the store's own JSON dump carries the secret (it encrypts it at rest).
        return value.get_secret_value()

    # -- derived values -------------------------------------------------------------

    @property
    def statements_url(self) -> str:
        """`<endpoint>/statements` with exactly one slash between them."""
        return self.endpoint.rstrip("/") + "/statements"

    def completion_threshold(self, duration: float) -> float:
        """T = min(videoEndPercent / 100, (duration - videoEndSeconds) / duration) >= 0."""
        if duration <= 0:
            return 0.0
        by_seconds = (duration - self.video_end_seconds) / duration
        return max(0.0, min(self.video_end_percent / 100, by_seconds))

    # -- conversions ----------------------------------------------------------------

    @classmethod
    def parse(cls, data: dict[str, Any]) -> SiteSettings:
        """Validate wire data; raise `InvalidSettings` with one message per field."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise InvalidSettings(field_errors(exc)) from None

    @classmethod
    def parse_json(cls, raw: bytes | str) -> SiteSettings:
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise InvalidSettings({"settings": f"not valid JSON ({exc})"}) from None
        if not isinstance(data, dict):
            raise InvalidSettings({"settings": "must be a JSON object"})
        return cls.parse(data)

    def updated(self, changes: dict[str, Any]) -> SiteSettings:
        """A copy with `changes` (wire names) applied and validated as a whole."""
        merged = self.to_storage()
        merged.update(changes)
        return self.parse(merged)

    def to_storage(self) -> dict[str, Any]:
        """Everything, secret included: for the store alone, which encrypts it."""
        return self.model_dump(mode="json", by_alias=True)

    def public_dict(self) -> dict[str, Any]:
        """For pages, APIs and logs: the secret replaced by whether one is set."""
        data = self.model_dump(mode="python", by_alias=True, exclude={"secret"})
        data["secretSet"] = bool(self.secret.get_secret_value())
        return data


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Pydantic errors as {wire field name: message}; model-level ones under `settings`."""
    errors: dict[str, str] = {}
    for error in exc.errors(include_url=False, include_input=False):
        name = ".".join(str(part) for part in error["loc"]) or "settings"
        message = error["msg"].removeprefix("Value error, ")
        errors.setdefault(name, message)
    return errors
