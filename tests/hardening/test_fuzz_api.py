"""`/v1` fuzzed from the server's own OpenAPI description (schemathesis, both schema-valid and
schema-breaking requests), plus hand-made bodies that no schema-driven generator sends: every
answer is 2xx/3xx or a documented 4xx, never a 5xx, and the server stays up."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.specs.openapi.schemas import OpenApiSchema

from tests.backend.server.harness import TOKEN, ItpServer
from tests.hardening.support import fake_server, in_thread

AUTH = {"Authorization": f"Bearer {TOKEN}"}
EXAMPLES = 40
# Requests schemathesis sends without or with a wrong token are part of its checks; the token
# rate limit (tested in test_hostile.py) would otherwise turn the rest of the run into 429s.
NO_RATE_LIMIT = 10**9


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ItpServer]:
    tmp = tmp_path_factory.mktemp("api")
    with in_thread(lambda: fake_server(tmp, max_auth_failures=NO_RATE_LIMIT)) as server:
        yield server


@pytest.fixture(scope="module")
def api_schema(live: ItpServer) -> OpenApiSchema:
    loaded = schemathesis.openapi.from_url(f"{live.base}/v1/openapi.json", headers=AUTH)
    loaded.config.update(base_url=live.base, headers=AUTH)
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_api_conforms_and_never_fails(case: Case, live: ItpServer) -> None:
    response = case.call(timeout=30)
    assert response.status_code < 500, (case.method, case.path, response.text[:300])
    case.validate_response(response)


def test_server_is_still_healthy_after_the_fuzzing(live: ItpServer) -> None:
    with httpx.Client(base_url=live.base, trust_env=False, timeout=30) as http:
        health = http.get("/v1/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"


def _deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


HOSTILE_BODIES: list[tuple[str, bytes]] = [
    ("nested_arrays", _deep(100_000)),
    ("nested_objects", b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
    ("nested_images", b'{"images":' + _deep(20_000) + b"}"),
    ("huge_integer", b'{"images": [{"url": "http://x/"}], "n": 1' + b"0" * 5000 + b"}"),
    ("huge_integer_in_list", b'{"images": [1' + b"0" * 10_000 + b"]}"),
    ("nan", b'{"images": NaN}'),
    ("infinity_url", b'{"images": [{"url": Infinity}]}'),
    ("lone_surrogate", b'{"images": [{"url": "http://a/\\ud800"}]}'),
    ("nul_in_url", b'{"images": [{"url": "http://a/\\u0000.png"}]}'),
    ("latin1", "{\"images\": [\"http://a/é\"]}".encode("latin-1")),
    ("utf16", json.dumps({"images": ["http://a/x.png"]}).encode("utf-16")),
    ("bom", b"\xef\xbb\xbf" + json.dumps({"images": ["http://a/x.png"]}).encode()),
    ("empty", b""),
    ("whitespace", b"   \n\t "),
    ("truncated", b'{"images": [{"url": "http://a/x.png"'),
    ("duplicate_keys", b'{"images": [], "images": [{"url": "http://a/x.png"}]}'),
    ("session_object", b'{"images": ["http://a/x.png"], "session": {"a": 1}}'),
    ("translator_list", b'{"images": ["http://a/x.png"], "translator": ["x"]}'),
    ("source_number", b'{"images": ["http://a/x.png"], "source": 7}'),
    ("too_many_images", json.dumps({"images": ["http://a/x.png"] * 1001}).encode()),
    ("long_url", json.dumps({"images": ["http://a/" + "x" * 9000]}).encode()),
]


@pytest.mark.parametrize(("name", "body"), HOSTILE_BODIES, ids=[n for n, _ in HOSTILE_BODIES])
def test_hostile_job_bodies_get_4xx(live: ItpServer, name: str, body: bytes) -> None:
    with httpx.Client(base_url=live.base, trust_env=False, timeout=30, headers=AUTH) as http:
        response = http.post("/v1/jobs", content=body,
                             headers={"Content-Type": "application/json"})
        health = http.get("/v1/health")
    assert response.status_code < 500, (name, response.status_code, response.text[:300])
    if response.status_code >= 400:
        error: dict[str, Any] = response.json()["error"]
        assert error["code"] and error["message"]
    assert health.status_code == 200


@pytest.mark.parametrize(("method", "path", "headers", "body"), [
    ("POST", "/v1/jobs", {"Content-Type": "application/json",
                          "Content-Length": "99999999999"}, b"{}"),
    ("POST", "/v1/jobs/x/images", {"Content-Type": "image/png"}, b"\x89PNG"),
    ("POST", "/v1/jobs", {"Content-Type": "text/plain"}, b"images"),
    ("GET", "/v1/results/" + "a" * 5000, {}, b""),
    ("GET", "/v1/results/..%2F..%2Fetc%2Fpasswd", {}, b""),
    ("GET", "/v1/jobs/%00", {}, b""),
    ("PUT", "/v1/jobs", {}, b""),
    ("DELETE", "/v1/results/x", {}, b""),
    ("GET", "/v1/results/x", {"If-None-Match": "," * 10_000}, b""),
    ("GET", "/v1/nothing-here", {}, b""),
])
def test_odd_requests_get_4xx(live: ItpServer, method: str, path: str,
                              headers: dict[str, str], body: bytes) -> None:
    with httpx.Client(base_url=live.base, trust_env=False, timeout=30, headers=AUTH) as http:
        try:
            response = http.request(method, path, headers=headers, content=body)
        except httpx.RemoteProtocolError:
            # The HTTP layer may hang up on a body shorter than its Content-Length: a refusal.
            response = None
        health = http.get("/v1/health")
    if response is not None:
        assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert health.status_code == 200


def test_schema_is_the_one_published(live: ItpServer, api_schema: OpenApiSchema) -> None:
    paths = set(api_schema.raw_schema["paths"])
    assert {"/v1/jobs", "/v1/jobs/{job_id}/images", "/v1/results/{image_id}"} <= paths
    assert Path(__file__).name  # the fixture above loaded it from the running server
