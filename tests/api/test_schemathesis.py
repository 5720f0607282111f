"""schemathesis generates requests from /api/v1/openapi.json and checks every answer: no 5xx,
only documented status codes and content types, bodies that match their schemas. It runs
with a staff token holding every scope and with a member's token.

Each operation's strategy is driven by hypothesis inside one test (schemathesis' lazy pytest
loader does not run under pytest 9 yet), so the database of the test is the one answered from.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from enishi.api.scopes import Scope

pytestmark = pytest.mark.django_db
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes "old" connections at each request's start and end, which would
    close the test's transaction on PostgreSQL; Django's test client switches that off the same
    way while it makes a request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _operations(settings_):
    # Generated requests come fast; the rate limits have their own test.
    settings_.ENISHI_API_RATE_TOKEN = "100000/m"
    settings_.ENISHI_API_RATE_ANONYMOUS = "100000/m"
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 11
    return operations


def _exercise(operations, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)  # fmt: skip
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        run()


def test_the_api_keeps_to_its_document_with_a_staff_token(api_world, settings):
    _exercise(_operations(settings), api_world["token"](api_world["admin"], *Scope))


def test_the_api_keeps_to_its_document_with_a_member_token(api_world, settings):
    member = api_world["member"]
    _exercise(_operations(settings), api_world["token"](member.user, member=member))
