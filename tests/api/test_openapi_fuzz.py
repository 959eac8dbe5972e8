"""Schemathesis over /openapi.json against the ASGI app: no input makes it answer 5xx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from support.databases import TEST_KEY

from videoxapi.service.sites import ensure_site, rotate_api_key, token_secret
from videoxapi.store import open_store
from videoxapi.tokens import mint_viewer_token
from videoxapi.web.app import create_app
from videoxapi.web.config import ServiceConfig

from .conftest import ENABLED

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Any:
    directory: Path = tmp_path_factory.mktemp("fuzz")
    store = open_store(f"sqlite:///{directory}/v.db", env={"VIDEOXAPI_SECRET_KEY": TEST_KEY})
    store.migrate()
    ensure_site(store, "default")
    store.save_settings("default", orjson.dumps(ENABLED))
    secret = token_secret(store, "default")
    assert secret
    headers = {
        "viewer": {
            "Authorization": f"Bearer {mint_viewer_token(secret, site='default', user_id='u1')}"
        },
        "key": {"Authorization": f"Bearer {rotate_api_key(store, 'default')}"},
    }
    app = create_app(ServiceConfig(max_events_per_batch=20), store, background=False)
    yield app, headers
    store.close()


def test_no_request_makes_the_service_fail(service: Any) -> None:
    """Every documented operation, bounded examples each, valid credentials given (the
    credential checks themselves are tested one by one elsewhere)."""
    app, headers = service
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {
        "/api/v1/sessions", "/api/v1/sessions/{session}/events", "/api/v1/activity", "/healthz",
    }  # fmt: skip
    for operation in operations:
        fuzz(
            operation, headers["key"] if operation.path == "/api/v1/activity" else headers["viewer"]
        )


def fuzz(operation: Any, credential: dict[str, str]) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=credential, checks=[not_a_server_error])

    run()
