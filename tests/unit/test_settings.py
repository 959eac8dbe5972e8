"""Site settings: the guide's names, defaults, validation, and a secret that stays hidden."""

from __future__ import annotations

import pytest

from videoxapi.errors import InvalidSettings
from videoxapi.settings import SiteSettings


def test_defaults_are_the_specs():
    settings = SiteSettings()
    assert settings.public_dict() == {
        "enabled": False,
        "endpoint": "",
        "usePersonalOAuthToken": False,
        "key": "",
        "sendAccountInfoInsteadOfEmail": False,
        "videoEndPercent": 100,
        "videoEndSeconds": 0,
        "beaconInterval": "quarters",
        "siteUrl": "",
        "tokenEndpoint": "",
        "xapiVersion": "1.0.3",
        "language": "en-US",
        "completionBasis": "watched",
        "idleTimeoutMinutes": 30,
        "sendCommentText": False,
        "secretSet": False,
    }


def test_yes_and_no_are_booleans():
    settings = SiteSettings.parse(
        {"enabled": "Yes", "endpoint": "https://l.example/x", "siteUrl": "https://s.example",
         "sendCommentText": "No", "usePersonalOAuthToken": "yes"}
    )  # fmt: skip
    assert settings.enabled is True
    assert settings.send_comment_text is False
    assert settings.use_personal_oauth_token is True


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("videoEndPercent", 0, "greater than or equal to 1"),
        ("videoEndPercent", 101, "less than or equal to 100"),
        ("videoEndSeconds", -1, "greater than or equal to 0"),
        ("beaconInterval", "hourly", "'quarters' or 'onePercent'"),
        ("xapiVersion", "1.0.0", "'1.0.3' or '2.0.0'"),
        ("completionBasis", "slider", "'watched' or 'position'"),
        ("idleTimeoutMinutes", 0, "greater than or equal to 1"),
        ("language", "english please", "RFC 5646"),
        ("endpoint", "lrs.example.com/xapi", "absolute http"),
        ("tokenEndpoint", "ftp://auth.example.com", "absolute http"),
        ("siteUrl", "video site", "absolute http"),
        ("enabled", "maybe", "valid boolean"),
        ("surprise", 1, "Extra inputs are not permitted"),
    ],
)
def test_a_bad_value_is_refused_with_a_message_naming_the_field(field, value, message):
    with pytest.raises(InvalidSettings) as refused:
        SiteSettings.parse({field: value})
    assert message in refused.value.errors[field]


def test_every_bad_field_gets_its_own_message():
    with pytest.raises(InvalidSettings) as refused:
        SiteSettings.parse({"videoEndPercent": 0, "language": "?", "beaconInterval": "x"})
    assert set(refused.value.errors) == {"videoEndPercent", "language", "beaconInterval"}


def test_enabled_needs_an_endpoint_and_a_site_url():
    with pytest.raises(InvalidSettings, match="endpoint and siteUrl must be set"):
        SiteSettings.parse({"enabled": True})


def test_the_secret_never_shows_in_repr_str_or_public_dict():
    settings = SiteSettings.parse({"key": "k", "secret": "hunter2-secret"})
    for text in (repr(settings), str(settings), str(settings.public_dict())):
        assert "hunter2-secret" not in text
    assert settings.public_dict()["secretSet"] is True
    assert settings.to_storage()["secret"] == "hunter2-secret"  # for the store alone


def test_storage_round_trip_keeps_everything():
    settings = SiteSettings.parse(
        {"secret": "s", "videoEndPercent": 90, "beaconInterval": "onePercent", "language": "fr"}
    )
    again = SiteSettings.parse(settings.to_storage())
    assert again == settings
    assert again.secret.get_secret_value() == "s"


def test_updated_validates_the_whole_and_changes_nothing_when_refused():
    settings = SiteSettings.parse({"videoEndPercent": 90})
    assert settings.updated({"videoEndSeconds": 5}).video_end_seconds == 5
    with pytest.raises(InvalidSettings):
        settings.updated({"videoEndPercent": 500})
    assert settings.video_end_percent == 90


@pytest.mark.parametrize(
    "endpoint", ["https://lrs.example.com/xapi", "https://lrs.example.com/xapi/",
                 "https://lrs.example.com/xapi//"]
)  # fmt: skip
def test_statements_url_has_exactly_one_slash(endpoint):
    settings = SiteSettings.parse({"endpoint": endpoint})
    assert settings.statements_url == "https://lrs.example.com/xapi/statements"


@pytest.mark.parametrize(
    ("percent", "seconds", "duration", "threshold"),
    [(100, 0, 100, 1.0), (80, 0, 100, 0.8), (100, 10, 100, 0.9), (90, 30, 100, 0.7),
     (100, 200, 100, 0.0), (50, 0, 1, 0.5)],
)  # fmt: skip
def test_completion_threshold(percent, seconds, duration, threshold):
    settings = SiteSettings.parse({"videoEndPercent": percent, "videoEndSeconds": seconds})
    assert settings.completion_threshold(duration) == pytest.approx(threshold)


def test_parse_json_names_bad_json():
    with pytest.raises(InvalidSettings, match="not valid JSON"):
        SiteSettings.parse_json(b"{nope")
    with pytest.raises(InvalidSettings, match="JSON object"):
        SiteSettings.parse_json(b"[1]")
