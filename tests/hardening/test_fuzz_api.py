"""`/v1` fuzzed from the server's own OpenAPI description (schemathesis's `st run` on the
document `GET /v1/openapi.json` serves: schema-valid and schema-breaking requests, every
check, stateful sequences), plus hand-made bodies that no schema-driven generator sends: every
answer is 2xx/3xx or a documented 4xx, never a 5xx, and the server stays up."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.backend.server.harness import TOKEN, ItpServer
from tests.hardening.support import fake_server, in_thread

AUTH = {"Authorization": f"Bearer {TOKEN}"}
HERE = Path(__file__).resolve().parent
ST = Path(sys.executable).parent / "st"
FAST_EXAMPLES = 8
SLOW_EXAMPLES = 300
# Requests schemathesis sends without or with a wrong token are part of its checks; the token
# rate limit (tested in test_hostile.py) would otherwise turn the rest of the run into 429s.
NO_RATE_LIMIT = 10**9


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ItpServer]:
    tmp = tmp_path_factory.mktemp("api")
    with in_thread(lambda: fake_server(tmp, max_auth_failures=NO_RATE_LIMIT)) as server:
        yield server


def run_schemathesis(server: ItpServer, cwd: Path, *options: str) -> tuple[int, str]:
    """`st run` against the schema the server publishes; (exit code, output)."""
    if not ST.exists():
        pytest.skip("schemathesis is not installed (pip install -e '.[dev]')")
    done = subprocess.run(
        [str(ST), "--no-color", "--config-file", str(HERE / "schemathesis.toml"), "run",
         f"{server.base}/v1/openapi.json", "-H", f"Authorization: Bearer {TOKEN}",
         "--report-dir", str(cwd / "report"), *options],
        cwd=cwd, capture_output=True, text=True, timeout=600, check=False,
        env={k: v for k, v in os.environ.items() if "proxy" not in k.lower()})
    return done.returncode, done.stdout + done.stderr


def generated(output: str) -> tuple[int, int]:
    """(cases generated, cases passed) from the summary line."""
    found = re.search(r"(\d+) generated, (\d+) passed", output)
    assert found is not None, output[-3000:]
    return int(found.group(1)), int(found.group(2))


def test_schemathesis_finds_nothing(live: ItpServer, tmp_path: Path) -> None:
    # The stateful phase (sequences of calls) runs in the slow test only.
    code, output = run_schemathesis(live, tmp_path, "--max-examples", str(FAST_EXAMPLES),
                                    "--seed", "1", "--generation-deterministic",
                                    "--phases", "examples,coverage,fuzzing")
    made, passed = generated(output)
    print(f"schemathesis: {made} cases generated, {passed} passed")
    assert code == 0 and made == passed and made > 100, output[-6000:]


@pytest.mark.slow
def test_schemathesis_at_length(live: ItpServer, tmp_path: Path) -> None:
    code, output = run_schemathesis(live, tmp_path, "--max-examples", str(SLOW_EXAMPLES))
    made, passed = generated(output)
    print(f"schemathesis: {made} cases generated, {passed} passed")
    assert code == 0 and made == passed, output[-6000:]


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
        response = http.request(method, path, headers=headers, content=body)
        health = http.get("/v1/health")
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert health.status_code == 200


@pytest.mark.parametrize("length", ["99999999999", "1" * 400, "-1", "0x10"])
def test_lying_content_length_gets_4xx(live: ItpServer, length: str) -> None:
    """A declared length the body never reaches: refused before the server waits for it."""
    request = (f"POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1:{live.port}\r\n"
               f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {length}\r\n\r\n{{}}").encode()
    with socket.create_connection(("127.0.0.1", live.port), timeout=30) as sock:
        sock.sendall(request)
        status = sock.makefile("rb").readline()
    assert status.startswith(b"HTTP/1.1 4"), status
