"""Schemathesis over /openapi.json: generated requests for every operation never get a 500."""

from __future__ import annotations

import warnings

import pytest

from api_fixtures import build_store, fixture_extractor
from kg.api import create_app
from kg.config import Settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, settings
    from schemathesis.checks import not_a_server_error

TOKEN = "schema-token"
APP = create_app(build_store(), Settings(write_token=TOKEN, max_request_bytes=200_000), extractor=fixture_extractor)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")  # something under /graph raises it
@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_generated_requests_never_get_a_server_error(case) -> None:  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        response = case.call(headers={"Authorization": f"Bearer {TOKEN}"})
    case.validate_response(response, checks=[not_a_server_error])
