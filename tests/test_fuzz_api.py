"""Schema-driven fuzzing of the HTTP API (schemathesis, in-process over ASGI).

Every operation of the app's own OpenAPI schema gets generated requests (valid and
invalid: wrong types, missing/extra fields, boundary values, odd headers) against the real
fixture index, and every response must

* not be a server error (5xx),
* use a status code the schema documents for that operation,
* carry a documented content type, and
* match the documented response schema (error bodies included).

The schema is read from an app built without an index (the schema does not depend on
it), so the cases can be generated at collection time; each case is then sent to the
module's app over the real fixture index. (`schemathesis.pytest.from_fixture` would be the
lazy alternative, but schemathesis 4.32 reads `Node._nodeid`, which pytest 9.2 no longer has.)

The number of cases per operation is printed at the end of the module.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search_api.app import create_app
from tests.conftest import make_settings

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]
MAX_EXAMPLES = 50  # per operation and phase; the coverage phase adds its own boundary cases
CASES: Counter[str] = Counter()
STATUSES: defaultdict[str, Counter[str]] = defaultdict(Counter)

_SCHEMA_ONLY_APP = create_app(make_settings(Path(tempfile.gettempdir()) / "reform-search-schema-only"))
OPENAPI = _SCHEMA_ONLY_APP.openapi()
schema = schemathesis.openapi.from_dict(OPENAPI)


@pytest.fixture(scope="module")
def app(searcher: Any) -> Any:
    return create_app(searcher.settings, searcher=searcher)


@pytest.fixture(scope="module", autouse=True)
def _report_cases(request: pytest.FixtureRequest) -> Any:
    yield
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        _print_cases()


def _print_cases() -> None:
    if CASES:
        lines = [f"  {n:4d}  {label:45s} {' '.join(f'{k}:{v}' for k, v in sorted(STATUSES[label].items()))}"
                 for label, n in sorted(CASES.items())]
        operations = len({k.split(" (")[0] for k in CASES if not k.startswith("(")})
        print(f"\nschemathesis: {sum(CASES.values())} cases over {operations} operations", *lines, sep="\n")


def test_schema_is_the_served_one(app: Any) -> None:
    assert app.openapi() == OPENAPI


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: Any, app: Any) -> None:
    operation = f"{case.operation.method.upper()} {case.operation.path}"
    if case.method.upper() != case.operation.method.upper():
        operation = "(other-method probes, expect 405)"
    response = case.call_and_validate(app=app, base_url="http://testserver", checks=CHECKS)
    CASES[operation] += 1
    STATUSES[operation][f"{response.status_code // 100}xx"] += 1


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_initiative_endpoints_with_real_ids(data: st.DataObject, app: Any, searcher: Any) -> None:
    """Random ids are all 404s, so the 200 answers are fuzzed here with ids from the index."""
    initiative_id = data.draw(st.sampled_from(sorted(searcher.meta.initiatives)), label="initiative_id")
    path = data.draw(st.sampled_from(["/initiatives/{initiative_id}", "/initiatives/{initiative_id}/similar"]))
    case = data.draw(schema[path]["GET"].as_strategy(path_parameters={"initiative_id": initiative_id}))
    response = case.call_and_validate(app=app, base_url="http://testserver", checks=CHECKS)
    assert response.status_code == 200, response.text
    CASES[f"GET {path} (real ids)"] += 1
    STATUSES[f"GET {path} (real ids)"]["2xx"] += 1


@pytest.fixture(scope="module")
def keyed_app(searcher: Any) -> Any:
    """API and admin keys required: requests without the right key get a documented 401."""
    settings = searcher.settings.model_copy(update={"api_key": "fuzz-api-key", "admin_key": "fuzz-admin-key"})
    return create_app(settings, searcher=searcher)


@pytest.fixture(scope="module")
def unready_app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """No index: search routes get a documented 503, /admin/reload a documented 409."""
    return create_app(make_settings(tmp_path_factory.mktemp("no-index")))


@schema.parametrize()
@settings(max_examples=8, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_api_errors_conform_to_its_schema(case: Any, keyed_app: Any, unready_app: Any) -> None:
    keyed = case.call_and_validate(app=keyed_app, base_url="http://testserver", checks=CHECKS)
    # 503 "not_ready" is the documented answer here, so only 500 counts as a server error.
    unready = case.call_and_validate(app=unready_app, base_url="http://testserver", checks=CHECKS[1:])
    assert unready.status_code != 500, unready.text
    for label, response in (("(variant: keys required)", keyed), ("(variant: no index)", unready)):
        CASES[label] += 1
        STATUSES[label][str(response.status_code)] += 1


def test_every_operation_was_fuzzed() -> None:
    if not CASES:
        pytest.skip("the schemathesis test was not selected")
    documented = {f"{m.upper()} {p}" for p, ops in OPENAPI["paths"].items() for m in ops}
    assert documented - set(CASES) == set()
