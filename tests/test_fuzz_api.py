"""Schema-driven fuzzing of the HTTP API: schemathesis's own engine with every check (`--checks all`),
in-process over ASGI, against the served OpenAPI document (enums from the real fixture index).

This is what `schemathesis run --checks all http://…/openapi.json` does from the repository root
(the same schemathesis.toml is read), with a fixed seed, derandomized generation and a bounded
number of examples per operation so it is repeatable and stays well under a minute. The checks
include the contract ones: schema-valid requests must be accepted, schema-invalid ones refused,
undeclared methods answered 405 with an `Allow` header, and every response documented.

The cases run per operation and phase are printed at the end of the module.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.engine import Status, events

from search_api.app import create_app
from tests.conftest import make_settings, private_copy

CONFIG = Path(__file__).resolve().parent.parent / "schemathesis.toml"
SEED = 14
CASES: Counter[str] = Counter()


def fuzz(app: Any, max_examples: int, exclude: tuple[str, ...] = (), coverage: bool = True
         ) -> tuple[list[str], Counter[str]]:
    """Run the schemathesis phases with every check on `app`; the failures (one line each) and cases per operation."""
    head = (f'seed = {SEED}\n[generation]\nmax-examples = {max_examples}\ndeterministic = true\ndatabase = "none"\n'
            f"[phases.coverage]\nenabled = {str(coverage).lower()}\n\n")
    config = schemathesis.Config.from_str(head + CONFIG.read_text(), base_dir=str(CONFIG.parent))
    config.projects.override.checks.update(included_check_names=["all"], excluded_check_names=list(exclude) or None)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    failures: list[str] = []
    cases: Counter[str] = Counter()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            cases[f"{event.label or '(sequences)'} [{event.phase.value}]"] += len(event.recorder.cases)
            for checks in event.recorder.checks.values():
                failures += [f"{event.label}: {c.name}: {c.failure_info.failure.title if c.failure_info else ''}"
                             for c in checks if c.status == Status.FAILURE]
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            failures.append(f"error: {event.info.message if hasattr(event, 'info') else event}")
    return sorted(set(failures)), cases


@pytest.fixture(scope="module")
def app(searcher: Any, fixture_settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The served index over private copies: an accepted POST /documents must not write to the fixtures."""
    own = private_copy(tmp_path_factory.mktemp("fuzz"), fixture_settings)
    return create_app(own, searcher=searcher)


@pytest.fixture(scope="module", autouse=True)
def _report_cases(request: pytest.FixtureRequest) -> Any:
    yield
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        if CASES:
            print(f"\nschemathesis: {sum(CASES.values())} cases",
                  *(f"  {n:5d}  {label}" for label, n in sorted(CASES.items())), sep="\n")


def test_served_schema_lists_the_index_values(app: Any, searcher: Any) -> None:
    doc = app.openapi()
    filters = doc["components"]["schemas"]["FiltersIn"]["properties"]
    assert filters["city"]["items"]["enum"] == searcher.cities
    assert filters["fiscal_year"]["items"]["enum"] == searcher.years
    query = doc["components"]["schemas"]["SearchRequest"]["properties"]["query"]
    assert query["minLength"] == 1 and "pattern" in query


def test_api_passes_every_schemathesis_check(app: Any) -> None:
    failures, cases = fuzz(app, max_examples=6)
    CASES.update(cases)
    documented = {f"{m.upper()} {p}" for p, ops in app.openapi()["paths"].items() for m in ops}
    assert documented <= {label.split(" [")[0] for label in cases}, "an operation was not fuzzed"
    assert failures == []


@pytest.fixture(scope="module")
def keyed_app(searcher: Any, fixture_settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """API and admin keys required: requests without the right key get a documented 401."""
    own = private_copy(tmp_path_factory.mktemp("fuzz-keyed"), fixture_settings, api_key="fuzz-api-key",
                       admin_key="fuzz-admin-key")
    return create_app(own, searcher=searcher)


@pytest.fixture(scope="module")
def unready_app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """No index: search routes get a documented 503, /admin/reload a documented 409."""
    return create_app(make_settings(tmp_path_factory.mktemp("no-index")))


def test_keyed_api_passes_every_schemathesis_check(keyed_app: Any) -> None:
    failures, cases = fuzz(keyed_app, max_examples=5, coverage=False)
    CASES.update({f"(keys required) {k}": v for k, v in cases.items()})
    assert failures == []


def test_unready_api_answers_documented_503s(unready_app: Any) -> None:
    # 503 with the fix is the documented answer without an index, so only not_a_server_error is left out.
    failures, cases = fuzz(unready_app, max_examples=5, exclude=("not_a_server_error",), coverage=False)
    CASES.update({f"(no index) {k}": v for k, v in cases.items()})
    assert failures == []


def test_initiative_endpoints_with_real_ids(app: Any, searcher: Any) -> None:
    """Random ids are all 404s, so the 200 answers are fuzzed here with ids from the index."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)

    @settings(max_examples=20, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        initiative_id = data.draw(st.sampled_from(sorted(searcher.meta.initiatives)), label="initiative_id")
        path = data.draw(st.sampled_from(["/initiatives/{initiative_id}", "/initiatives/{initiative_id}/similar"]))
        case = data.draw(schema[path]["GET"].as_strategy(path_parameters={"initiative_id": initiative_id}))
        response = case.call_and_validate(app=app, base_url="http://testserver")
        assert response.status_code == 200, response.text
        CASES[f"GET {path} (real ids)"] += 1

    run()
