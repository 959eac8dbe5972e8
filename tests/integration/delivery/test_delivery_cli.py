"""The delivery commands through click (in process): settings, send, worker, outbox,
deadletters, check-lrs, against a real SQLite store and the fault or real LRSs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import orjson
import pytest
from click.testing import CliRunner
from statement_factory import statement

from videoxapi.cli import main
from videoxapi.store import open_store
from videoxapi.store.base import Rejected, Settlement

pytestmark = pytest.mark.integration

SECRET = "cli-secret-value"


@pytest.fixture
def cli(tmp_path):
    """Run `videoxapi --database <tmp sqlite> ...`; returns the click Result."""
    url = f"sqlite:///{tmp_path / 'data' / 'videoxapi.db'}"

    def run(*args: str, input: str | None = None):
        runner = CliRunner()
        return runner.invoke(
            main,
            ["--database", url, *args],
            input=input,
            env={"VIDEOXAPI_SECRET_KEY": None, "VIDEOXAPI_SITE": None},
            catch_exceptions=False,
        )

    run.url = url
    return run


def configure(cli, endpoint, key="k", secret=SECRET):
    result = cli(
        "settings",
        "set",
        "enabled=Yes",
        f"endpoint={endpoint}",
        "siteUrl=https://videos.example.org",
        f"key={key}",
        f"secret={secret}",
    )
    assert result.exit_code == 0, result.stderr


def write_ndjson(path, lines):
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_settings_show_never_shows_the_secret(cli):
    configure(cli, "https://lrs.example/xapi/")
    result = cli("settings", "show")
    assert result.exit_code == 0
    shown = orjson.loads(result.stdout)
    assert shown["secretSet"] is True and "secret" not in shown
    assert shown["endpoint"] == "https://lrs.example/xapi/"
    assert SECRET not in result.stdout + result.stderr


def test_refused_settings_change_nothing_and_say_why_per_field(cli):
    configure(cli, "https://lrs.example/xapi/")
    before = cli("settings", "show").stdout
    result = cli("settings", "set", "videoEndPercent=150", "language=not a tag", "enabled=Yes")
    assert result.exit_code == 1
    assert "videoEndPercent:" in result.stderr and "language:" in result.stderr
    assert "nothing changed" in result.stderr
    assert cli("settings", "show").stdout == before


def test_settings_import_replaces_them_from_a_file(cli, tmp_path):
    path = tmp_path / "settings.json"
    path.write_bytes(
        orjson.dumps(
            {
                "enabled": "Yes",
                "endpoint": "https://lrs.example/x/",
                "siteUrl": "https://v.example",
                "videoEndPercent": 90,
            }
        )
    )
    assert cli("settings", "import", str(path)).exit_code == 0
    assert orjson.loads(cli("settings", "show").stdout)["videoEndPercent"] == 90
    path.write_bytes(b'{"enabled": "Yes"}')
    result = cli("settings", "import", str(path))
    assert result.exit_code == 1 and "endpoint and siteUrl must be set" in result.stderr


def test_send_reports_bad_lines_enqueues_the_rest_and_exits_1(cli, tmp_path):
    configure(cli, "https://lrs.example/xapi/")
    no_id = statement(2)
    del no_id["id"]
    lines = [
        orjson.dumps(statement(1)),
        b"{not json",
        b"[1, 2]",
        orjson.dumps({"id": str(uuid.uuid4()), "verb": {}, "object": {}}),
        orjson.dumps({**statement(3), "id": "nope"}),
        orjson.dumps(no_id),
        b"",
        orjson.dumps({**statement(4), "stored": "2026-01-01T00:00:00.000Z"}),
    ]
    path = write_ndjson(tmp_path / "in.ndjson", lines)
    result = cli("send", str(path))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("line ")]
    assert [e.split(":")[0] for e in errors] == ["line 2", "line 3", "line 4", "line 5"]
    assert "missing actor" in errors[2] and "not a UUID" in errors[3]
    assert "line 1 column 2" in errors[0]  # one line each, never wrapped
    assert "3 statement(s) read, 3 enqueued" in result.stderr
    again = cli("send", str(path))
    assert "3 statement(s) read, 0 enqueued, 3 already in the outbox" in again.stderr
    outbox = cli("outbox")
    assert outbox.exit_code == 0 and "primary" in outbox.stdout


def test_send_without_a_destination_fails_in_one_line(cli, tmp_path):
    path = write_ndjson(tmp_path / "in.ndjson", [orjson.dumps(statement(1))])
    result = cli("send", str(path))
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1


def test_worker_drains_into_the_lrs_and_dead_letters_can_be_shown_replayed_discarded(
    cli, tmp_path, fault_lrs
):
    configure(cli, fault_lrs.endpoint, fault_lrs.key, fault_lrs.secret)
    statements = [statement(n) for n in range(30)]
    bad = statements[7]["id"]
    fault_lrs.reject_ids[bad] = 400
    path = write_ndjson(tmp_path / "in.ndjson", [orjson.dumps(s) for s in statements])
    assert cli("send", str(path)).exit_code == 0
    result = cli("worker", "--until-idle", "--batch-size", "8", "--poll-interval", "0.01")
    assert result.exit_code == 0, result.stderr
    assert set(fault_lrs.stored) == {s["id"] for s in statements} - {bad}

    listing = cli("deadletters", "list")
    assert bad in listing.stdout and "400" in listing.stdout
    store = open_store(cli.url)
    [letter] = store.dead_letters()
    shown = cli("deadletters", "show", str(letter.id))
    assert orjson.loads(shown.stdout)["id"] == bad
    assert f"Statement {bad} is invalid" in shown.stderr

    del fault_lrs.reject_ids[bad]  # the LRS was fixed: send it again
    assert cli("deadletters", "replay", str(letter.id)).exit_code == 0
    assert cli("worker", "--until-idle", "--poll-interval", "0.01").exit_code == 0
    assert bad in fault_lrs.stored
    assert store.dead_letters() == []

    # a fresh dead letter, discarded for good
    store.enqueue("default", [_prepared(statement(99))], datetime.now(UTC))
    [destination] = store.list_destinations("default")
    [item] = store.claim(destination.id, 10, datetime.now(UTC), 30)
    store.settle(
        Settlement(dead=[Rejected(item.delivery_id, "HTTP 400: no", 400)]), datetime.now(UTC)
    )
    [letter] = store.dead_letters()
    assert cli("deadletters", "discard", str(letter.id)).exit_code == 0
    assert store.dead_letters() == []
    missing = cli("deadletters", "discard", "424242")
    assert missing.exit_code == 1 and "only 0 of 1" in missing.stderr
    store.close()


def _prepared(data):
    from videoxapi.store.base import PreparedStatement

    return PreparedStatement(uuid.UUID(data["id"]), orjson.dumps(data))


def test_check_lrs_passes_then_says_credentials_refused(cli, learning_locker):
    configure(cli, learning_locker.endpoint, learning_locker.key, learning_locker.secret)
    ok = cli("check-lrs")
    assert ok.exit_code == 0, ok.stdout + ok.stderr
    assert ": ok" in ok.stdout and "credentials accepted" in ok.stdout
    configure(cli, learning_locker.endpoint, learning_locker.key, "wrong-secret")
    refused = cli("check-lrs")
    assert refused.exit_code == 1
    assert "credentials refused" in refused.stdout
    assert "wrong-secret" not in refused.stdout + refused.stderr


def test_failures_are_one_line_without_traceback(cli, tmp_path):
    result = CliRunner().invoke(
        main, ["--database", "nosuchdb://x", "outbox"], env={"VIDEOXAPI_SECRET_KEY": None}
    )
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_help_shows_the_environment_twins(cli):
    assert "VIDEOXAPI_DATABASE_URL" in cli("--help").stdout
    help_text = cli("worker", "--help").stdout
    assert "VIDEOXAPI_WORKER_BATCH_SIZE" in help_text
