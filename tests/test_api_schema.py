"""Schemathesis over /openapi.json: generated requests for every operation (the SPARQL protocol's
included) get answers that agree with the schema: documented status codes, the one error shape
``{"detail": …}``, documented media types and headers, the Allow header of a 405, and never a 500."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import HealthCheck, settings

from api_fixtures import build_store, fixture_extractor
from kg.config import Settings
from kg.serve.api import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from schemathesis.checks import positive_data_acceptance

TOKEN = "schema-token"
APP = create_app(build_store(), Settings(write_token=TOKEN, max_request_bytes=200_000), extractor=fixture_extractor)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schemathesis.serializer("application/sparql-query", "application/sparql-update")
def _sparql_text(ctx, value):  # type: ignore[no-untyped-def]
    return str(value).encode("utf-8")


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")  # something under /graph raises it
@schema.parametrize()
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_generated_requests_get_answers_the_schema_documents(case) -> None:  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # every default check but "schema-valid data is accepted": some rules are not expressible in
        # the schema (a real calendar date, exactly one of query/update, a focus that names something)
        case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, excluded_checks=[positive_data_acceptance])
