"""/api/v1/openapi.json is true: every route is described, and schemathesis finds no 5xx and no answer off the schema."""
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.generation.modes import GenerationMode

from api.routes import openapi_document
from tests.fuzz.counts import record
from tests.helpers import API_TOKEN

EXAMPLES = 40  # per operation and backend: bounded, and the same examples every run (derandomized)
OPERATIONS = ["POST /api/v1/tickets", "GET /api/v1/tickets", "GET /api/v1/tickets/{reference}",
              "GET /api/v1/openapi.json", "POST /chat/api/messages", "GET /chat/api/messages"]
# 5xx the fuzzer finds in files another engineer is rewriting: expected failures naming the bug, listed in
# the report so the fix lands with the rewrite (strict: once fixed, the marker must go).
KNOWN_BUGS = {}


def test_the_description_lists_every_api_and_chat_route_and_nothing_else(app):
    described = {(method.upper(), path) for path, item in openapi_document()["paths"].items()
                 for method in item if method in ("get", "post", "put", "patch", "delete")}
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/v1", "/chat/api")):
            path = rule.rule.replace("<", "{").replace(">", "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes.add((method, path))
    assert described == routes
    assert described == {tuple(op.split(" ", 1)) for op in OPERATIONS}


def test_the_description_is_served_without_a_token_and_is_openapi_3_1(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.get_json()["openapi"] == "3.1.0"


def _schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


# The description itself takes no input, so there is nothing to get wrong in it.
CASES = [(op, mode) for op in OPERATIONS for mode in ("positive", "negative")
         if (op, mode) != ("GET /api/v1/openapi.json", "negative")]


@pytest.mark.parametrize("label,mode", [
    pytest.param(op, mode, marks=pytest.mark.xfail(reason=KNOWN_BUGS[(op, mode)], strict=True))
    if (op, mode) in KNOWN_BUGS else (op, mode) for op, mode in CASES])
def test_fuzzed_requests_get_no_5xx_and_answers_that_match_the_description(app, label, mode):
    """Valid requests (positive) and requests the description forbids (negative), EXAMPLES of each."""
    operation = _schema(app).find_operation_by_label(label)
    assert operation is not None, label
    kind = "chat" if "/chat/" in label else "api"

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=GenerationMode(mode)))
    def run(case):
        response = case.call(headers={"Authorization": f"Bearer {API_TOKEN}"})
        record(kind, response.status_code)
        assert response.status_code < 500, f"{label}: {response.status_code} for {case.as_curl_command()}"
        case.validate_response(response, excluded_checks=_not_applicable())
        if kind == "api" and label != "GET /api/v1/openapi.json":
            forged = case.call(headers={"Authorization": "Bearer not-the-token"})
            record("forged", forged.status_code)
            assert forged.status_code == 401, f"{label} answered {forged.status_code} to a wrong token"

    run()


def _not_applicable():
    """Checks that do not fit: a random reference is rightly a 404, not a 2xx; a wrong token is tested above
    (schemathesis' own probe re-sends the valid header it was given)."""
    from schemathesis.checks import positive_data_acceptance
    from schemathesis.specs.openapi.checks import ignored_auth
    return [positive_data_acceptance, ignored_auth]
