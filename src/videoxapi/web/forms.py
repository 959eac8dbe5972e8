"""The settings form: the admin guide's field list, in its order, with its words, and the
conversions between a posted form and `SiteSettings` changes.

Fields the guide does not list (siteUrl onwards) are described in SPEC section 2's
words. The secret is write-only: the form never carries it back to the browser.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from videoxapi.errors import InvalidSettings
from videoxapi.settings import SiteSettings
from videoxapi.store.base import LrsAuth

Kind = Literal["bool", "text", "url", "int", "select", "secret"]
YES_NO = (("Yes", "Yes"), ("No", "No"))
SECRET_CLEAR = "secretClear"


@dataclass(frozen=True, slots=True)
class FormField:
    """One row of the page: the wire name is also the label, as in the guide."""

    name: str
    kind: Kind
    help: str
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    notes: tuple[str, ...] = ()  # the guide's bullet points


SETTINGS_FIELDS: tuple[FormField, ...] = (
    FormField("enabled", "bool", "Enable the Xapi module. Set to 'Yes' to enable the module."),
    FormField("endpoint", "url", "Your LRS XAPI (TinCan) endpoint provided by your LRS."),
    FormField(
        "usePersonalOAuthToken",
        "bool",
        "Set to Yes to authenticate using an OAuth 2.0 bearer token. With an empty "
        "tokenEndpoint the secret is the personal token; otherwise key and secret are the "
        "OAuth client id and client secret.",
    ),
    FormField("key", "text", "The XAPI app key defined in your LRS."),
    FormField(
        "secret",
        "secret",
        "The XAPI app secret defined in your LRS. Write-only: it is never shown; leave the "
        "box empty to keep the stored one.",
    ),
    FormField(
        "sendAccountInfoInsteadOfEmail",
        "bool",
        "Choose how users are identified in xAPI events:",
        notes=(
            "'No' - Sends the user's email address. If the email isn't available, the user "
            "ID and site are sent instead.",
            "'Yes' - Sends only the user ID and site.",
        ),
    ),
    FormField(
        "videoEndPercent",
        "int",
        "Sets when a video is counted as finished. If the viewer reaches this percentage "
        "or more, the video is marked as complete. Default: 100",
    ),
    FormField(
        "videoEndSeconds",
        "int",
        "Sets when a video is counted as finished based on time remaining. If the viewer "
        "reaches this many seconds or less before the end, the video is marked as "
        "complete. Default: 0",
    ),
    FormField(
        "beaconInterval",
        "select",
        "Controls how often playback progress is reported:",
        choices=(("quarters", "Quarters"), ("onePercent", "One percent")),
        notes=(
            "Quarters - Sends updates at 0%, 25%, 50%, 75%, and 100%.",
            "One percent - Sends updates every 1% of the video, with a minimum and maximum "
            "interval of 1-30 seconds.",
            "Player V2 supports quarters only.",
        ),
    ),
    FormField(
        "siteUrl",
        "url",
        "The site's public base URL: the account home page of learners, and the base of "
        "activity ids.",
    ),
    FormField(
        "tokenEndpoint",
        "url",
        "OAuth 2.0 token URL for the client-credentials grant (with "
        "usePersonalOAuthToken). Leave empty to use the secret as a personal token.",
    ),
    FormField(
        "xapiVersion",
        "select",
        "Value of the X-Experience-API-Version header sent to the LRS.",
        choices=(("1.0.3", "1.0.3"), ("2.0.0", "2.0.0")),
    ),
    FormField(
        "language",
        "text",
        "Language of activity names and descriptions, as an RFC 5646 tag (e.g. en-US).",
    ),
    FormField(
        "completionBasis",
        "select",
        "What reaching the end means: the part of the video actually watched, or where "
        "the playhead is (a learner who drags the slider to the end has not watched it).",
        choices=(("watched", "Watched"), ("position", "Position")),
    ),
    FormField(
        "idleTimeoutMinutes",
        "int",
        "A viewing session with no event for this many minutes is closed.",
    ),
    FormField(
        "sendCommentText",
        "bool",
        "Whether commented statements carry the comment's text.",
    ),
)
FIELD_NAMES = frozenset(field.name for field in SETTINGS_FIELDS)


def shown_values(settings: SiteSettings) -> dict[str, str]:
    """The stored settings as the form shows them (no secret; Yes/No for booleans)."""
    data = settings.public_dict()
    return {name: _as_text(data[name]) for name in FIELD_NAMES if name != "secret"}


def typed_values(form: Mapping[str, Any]) -> dict[str, str]:
    """What was typed, to show again after a refused save; never the secret."""
    return {name: str(form.get(name, "")) for name in FIELD_NAMES if name != "secret"}


def form_changes(form: Mapping[str, Any]) -> dict[str, Any]:
    """Changes for `SiteSettings.updated`: every field posted; an empty secret keeps the
    stored one unless the clear box is ticked."""
    changes = {name: str(form[name]) for name in FIELD_NAMES if name in form and name != "secret"}
    secret = str(form.get("secret", ""))
    if secret:
        changes["secret"] = secret
    elif form.get(SECRET_CLEAR):
        changes["secret"] = ""
    return changes


def typed_secret(form: Mapping[str, Any]) -> bool:
    return bool(str(form.get("secret", "")))


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


# -- extra destinations ---------------------------------------------------------------

AUTH_KINDS = (
    ("basic", "HTTP Basic (key and secret)"),
    ("bearer", "Bearer token (the secret is the token)"),
    ("oauth", "OAuth 2.0 client credentials (key, secret, token endpoint)"),
)
DESTINATION_FIELDS = ("name", "endpoint", "auth", "key", "tokenEndpoint", "xapiVersion")


@dataclass(frozen=True, slots=True)
class NewDestination:
    name: str
    endpoint: str
    auth: LrsAuth
    xapi_version: str


def parse_destination(form: Mapping[str, Any]) -> NewDestination:
    """A destination from the add form, checked with the settings' own rules for URLs
    and versions; raises `InvalidSettings` with a message per field."""
    text = {name: str(form.get(name, "")).strip() for name in (*DESTINATION_FIELDS, "secret")}
    errors: dict[str, str] = {}
    try:
        checked = SiteSettings.parse(
            {
                "endpoint": text["endpoint"],
                "tokenEndpoint": text["tokenEndpoint"],
                "xapiVersion": text["xapiVersion"] or "1.0.3",
            }
        )
    except InvalidSettings as exc:
        errors.update(exc.errors)
        checked = SiteSettings()
    kind = text["auth"]
    if not text["name"]:
        errors["name"] = "give the destination a name"
    elif text["name"] == "primary":
        errors["name"] = "'primary' is the destination of the settings above"
    if not text["endpoint"]:
        errors.setdefault("endpoint", "endpoint must be set")
    if kind not in {value for value, _ in AUTH_KINDS}:
        errors["auth"] = "choose how to authenticate"
    if kind in ("basic", "oauth") and not text["key"]:
        errors["key"] = "key must be set for this kind of authentication"
    if not text["secret"]:
        errors["secret"] = "secret must be set"
    if kind == "oauth" and not text["tokenEndpoint"]:
        errors.setdefault("tokenEndpoint", "tokenEndpoint must be set for OAuth")
    if errors:
        raise InvalidSettings(errors)
    auth = LrsAuth(
        kind=kind,  # type: ignore[arg-type]
        key=text["key"],
        secret=text["secret"],
        token_endpoint=checked.token_endpoint if kind == "oauth" else "",
    )
    return NewDestination(text["name"], checked.endpoint, auth, checked.xapi_version)
