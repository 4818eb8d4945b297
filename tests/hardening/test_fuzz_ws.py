"""`/v1/ws` under malformed, unknown, huge and flooding messages: before `hello` the socket is
closed with a policy code (1008, or 1009 for a frame over the size cap); after it, a bad
message gets a `bad_request` answer and the socket stays usable. The server never closes with
1011, never logs a failure of its own, and keeps answering health."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from backend.server.runner import WS_MAX_MESSAGE
from tests.backend.server.harness import TOKEN, ItpServer
from tests.hardening.support import fake_server, in_thread

POLICY_CODES = {1008, 1009}
WAIT_S = 30.0
QUIET_S = 3.0


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ItpServer]:
    tmp = tmp_path_factory.mktemp("ws")
    # Wrong tokens sent here would otherwise trip the per-address limit (test_hostile.py)
    # for the tests after them.
    with in_thread(lambda: fake_server(tmp, hello_timeout_s=2.0,
                                       max_auth_failures=10**9)) as server:
        yield server


@pytest.fixture(autouse=True)
def server_stays_well(live: ItpServer, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """After every test: health answers ok and neither the app nor uvicorn logged an error
    (an exception escaping the endpoint is logged by uvicorn and closes with 1011)."""
    caplog.set_level(logging.WARNING)
    yield
    with httpx.Client(base_url=live.base, trust_env=False, timeout=WAIT_S) as http:
        assert http.get("/v1/health").json()["status"] == "ok"
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR
                and r.name.startswith(("itp", "uvicorn", "backend"))]
    assert failures == []


def open_ws(server: ItpServer, **options: Any) -> ClientConnection:
    ws: ClientConnection = connect(server.ws_url, proxy=None, open_timeout=WAIT_S,
                                   close_timeout=5, max_size=None, **options)
    return ws


def hello(ws: ClientConnection) -> dict[str, Any]:
    ws.send(json.dumps({"type": "hello", "token": TOKEN}))
    answer: dict[str, Any] = json.loads(ws.recv(WAIT_S))
    assert answer["type"] == "hello"
    return answer


def close_code(ws: ClientConnection) -> int:
    """Reads until the server closes; the code it closed with."""
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            ws.recv(WAIT_S)
    assert closed.value.rcvd is not None, "closed without a close frame"
    return closed.value.rcvd.code


def still_usable(ws: ClientConnection) -> None:
    """A ping is answered with a pong (skipping any error answers still queued). An answer
    offered while the connection's buffer is full is dropped by design, so after a quiet
    spell the ping is sent again."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        ws.send(json.dumps({"type": "ping"}))
        with suppress(TimeoutError):
            while True:
                message = json.loads(ws.recv(QUIET_S))
                if message["type"] == "pong":
                    return
                assert message["type"] == "error"
                assert message["code"] in ("bad_request", "not_found")
    raise AssertionError(f"no pong within {WAIT_S:g} s")


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


MALFORMED: list[tuple[str, str | bytes]] = [
    ("not_json", "hello?"),
    ("truncated", '{"type": "hello", "token": '),
    ("empty", ""),
    ("array", '["hello"]'),
    ("number", "12"),
    ("null", "null"),
    ("binary", b"\x00\x01\x02hello"),
    ("binary_json", json.dumps({"type": "ping"}).encode()),
    ("nested", _deep(100_000)),
    ("nested_object", '{"a":' * 50_000 + "1" + "}" * 50_000),
    ("huge_integer", '{"type": "subscribe", "job_id": "x", "last_seq": 1' + "0" * 5000 + "}"),
    ("nan", '{"type": "subscribe", "job_id": "x", "last_seq": NaN}'),
    ("unknown_type", '{"type": "take_over_the_world"}'),
    ("type_object", '{"type": {"type": "hello"}}'),
    ("surrogate", '{"type": "cancel", "job_id": "\\ud800"}'),
    ("subscribe_float", '{"type": "subscribe", "job_id": "x", "last_seq": 1e400}'),
    ("subscribe_bool", '{"type": "subscribe", "job_id": "x", "last_seq": true}'),
    ("subscribe_negative", '{"type": "subscribe", "job_id": "x", "last_seq": -5}'),
    ("prioritize_mixed", '{"type": "prioritize", "image_ids": ["a", 1, null]}'),
    ("prioritize_many", json.dumps({"type": "prioritize",
                                    "image_ids": [f"id{i}" for i in range(50_000)]})),
    ("cancel_list", '{"type": "cancel", "job_id": ["a"]}'),
    ("hello_again", json.dumps({"type": "hello", "token": "wrong"})),
]


@pytest.mark.parametrize("message", [m for _, m in MALFORMED], ids=[n for n, _ in MALFORMED])
def test_malformed_first_message_closes_with_a_policy_code(live: ItpServer,
                                                           message: str | bytes) -> None:
    with open_ws(live) as ws:
        ws.send(message)
        assert close_code(ws) in POLICY_CODES


@pytest.mark.parametrize("message", [m for _, m in MALFORMED], ids=[n for n, _ in MALFORMED])
def test_malformed_message_after_hello_is_answered(live: ItpServer,
                                                   message: str | bytes) -> None:
    with open_ws(live) as ws:
        hello(ws)
        ws.send(message)
        still_usable(ws)


@pytest.mark.parametrize("token", [None, 12345, ["t"], {"t": 1}, "", "x" * 500_000,
                                   TOKEN + "\x00", TOKEN.upper(), " " + TOKEN])
def test_odd_tokens_close_1008(live: ItpServer, token: object) -> None:
    with open_ws(live) as ws:
        ws.send(json.dumps({"type": "hello", "token": token}))
        assert close_code(ws) == 1008


@pytest.mark.parametrize("compression", [None, "deflate"])
def test_frame_over_the_cap_closes_1009(live: ItpServer, compression: str | None) -> None:
    """Uncompressed, and as a permessage-deflate bomb (a few kB on the wire)."""
    big = json.dumps({"type": "ping", "pad": "0" * (4 * WS_MAX_MESSAGE)})
    for authed in (False, True):
        with open_ws(live, compression=compression) as ws:
            if authed:
                hello(ws)
            try:
                ws.send(big)
            except ConnectionClosed as closed:
                # The server closed while the frame was still being written: its 1009 arrives,
                # or, when our unread bytes were still in its socket, the kernel resets the
                # connection before the close frame can be read (rcvd is then None).
                assert closed.rcvd is None or closed.rcvd.code == 1009
                continue
            assert close_code(ws) == 1009


def test_silence_after_connect_closes_1008(live: ItpServer) -> None:
    with open_ws(live) as ws:
        assert close_code(ws) == 1008


def test_ping_flood_is_bounded_and_the_socket_survives(live: ItpServer) -> None:
    """5000 pings sent without reading: the answers beyond the connection's buffer are
    dropped, not queued without bound, and the socket still answers afterwards."""
    with open_ws(live) as ws:
        hello(ws)
        for _ in range(5000):
            ws.send('{"type": "ping"}')
        pongs = 0
        # Read until the server has gone quiet: whatever did not fit the buffer is gone.
        with suppress(TimeoutError):
            while True:
                assert json.loads(ws.recv(QUIET_S))["type"] == "pong"
                pongs += 1
        assert 0 < pongs <= 5000
        still_usable(ws)


def test_connection_flood_leaves_others_served(live: ItpServer) -> None:
    """150 sockets that never say hello, 100 that say it and leave: a well-behaved client
    is still served and the sessions kept stay bounded."""
    with ExitStack() as idle:
        for _ in range(150):
            idle.enter_context(open_ws(live))
        for _ in range(100):
            with open_ws(live) as ws:
                hello(ws)
        with open_ws(live) as ws:
            hello(ws)
            still_usable(ws)
        assert len(live.state.hub.sessions) <= live.state.config.max_sessions + 1


def test_clients_flooding_in_parallel(live: ItpServer) -> None:
    errors: list[BaseException] = []

    def flood(n: int) -> None:
        try:
            with open_ws(live) as ws:
                hello(ws)
                for i in range(300):
                    ws.send(MALFORMED[(n + i) % len(MALFORMED)][1])
                still_usable(ws)
        except (ConnectionClosed, AssertionError, TimeoutError, OSError) as exc:
            errors.append(exc)

    threads = [threading.Thread(target=flood, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=5),
    max_leaves=20)
messages = st.fixed_dictionaries(
    {"type": st.sampled_from(["subscribe", "prioritize", "cancel", "ping", "hello", "x"])},
    optional={"job_id": json_values, "last_seq": json_values, "image_ids": json_values,
              "token": json_values, "session": json_values})


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(batch=st.lists(messages | json_values, min_size=1, max_size=6))
def test_random_json_after_hello(live: ItpServer, batch: list[Any]) -> None:
    with open_ws(live) as ws:
        hello(ws)
        for message in batch:
            ws.send(json.dumps(message))
        still_usable(ws)


@pytest.mark.slow
@settings(max_examples=2000, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(batch=st.lists(messages | json_values, min_size=1, max_size=12))
def test_random_json_after_hello_at_length(live: ItpServer, batch: list[Any]) -> None:
    with open_ws(live) as ws:
        hello(ws)
        for message in batch:
            ws.send(json.dumps(message))
        still_usable(ws)

