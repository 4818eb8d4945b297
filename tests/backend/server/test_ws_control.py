"""Client commands on the WebSocket, on a pipeline that works only when the test lets it."""

from __future__ import annotations

import asyncio
from typing import cast

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.backend.server.fakes import FakePipeline
from tests.backend.server.harness import HANG, TOKEN, ItpServer, Origin, WsClient, submit


def fake(server: ItpServer) -> FakePipeline:
    return cast(FakePipeline, server.pipeline)


async def test_prioritize_lets_a_late_image_finish_first(gated_server: ItpServer,
                                                         origin: Origin) -> None:
    job = await submit(gated_server, [origin.url(f"/img/p{i}.png") for i in range(4)])
    ids = [i["image_id"] for i in job["images"]]
    async with WsClient.open(gated_server) as ws:
        await ws.send({"type": "subscribe", "job_id": job["job_id"], "last_seq": 0})
        queued: set[str] = set()
        while queued != set(ids):
            message = await ws.until(lambda m: m.get("type") == "queued")
            queued.add(message["image_id"])
        await ws.send({"type": "prioritize", "image_ids": [ids[3], ids[2]]})
        async with asyncio.timeout(HANG):
            await fake(gated_server).prioritized.wait()
        done = []
        for _ in ids:  # one image at a time, so results are stored in the order made
            fake(gated_server).release(1)
            done.append((await ws.until(lambda m: m.get("type") == "done"))["image_id"])
    # The others follow in the order their downloads finished.
    assert done[:2] == [ids[3], ids[2]] and set(done[2:]) == {ids[0], ids[1]}
    assert fake(gated_server).prioritize_calls[-1] == [ids[3], ids[2]]


async def test_cancel_stops_queued_and_fetching_work(gated_server: ItpServer,
                                                     origin: Origin) -> None:
    urls = [origin.url(f"/img/p{i}.png") for i in range(3)] + [origin.url("/hold/p3.png")]
    job = await submit(gated_server, urls)
    ids = [i["image_id"] for i in job["images"]]
    pipeline = fake(gated_server)
    async with WsClient.open(gated_server) as ws:
        await ws.send({"type": "subscribe", "job_id": job["job_id"], "last_seq": 0})
        queued: set[str] = set()
        while queued != set(ids[:3]):
            message = await ws.until(lambda m: m.get("type") == "queued")
            queued.add(message["image_id"])
        pipeline.release(1)
        first = (await ws.until(lambda m: m.get("type") == "done"))["image_id"]
        await ws.send({"type": "cancel", "job_id": job["job_id"]})
        rest = [i for i in ids if i != first]
        final = await ws.until_terminal(set(rest))
    for image_id in rest:
        assert final[image_id]["type"] == "error"
        assert final[image_id]["code"] == "cancelled"
        assert final[image_id]["retryable"] is False
    assert pipeline.backlog() == 0 and pipeline.queue == []
    assert pipeline.finished == [first]
    # The held download was abandoned: it never reached the pipeline.
    assert ids[3] not in pipeline.submitted
    async with gated_server.client() as http:
        status = (await http.get(f"/v1/jobs/{job['job_id']}")).json()
        upload = await http.post(f"/v1/jobs/{job['job_id']}/images",
                                 content=origin.images["p5.png"],
                                 headers={"Content-Type": "image/png"})
    assert status["cancelled"] is True
    assert {i["image_id"]: i["status"] for i in status["images"]} == \
        {i: "done" if i == first else "failed" for i in ids}
    assert upload.status_code == 409 and upload.json()["error"]["code"] == "cancelled"


async def test_cancel_over_http(gated_server: ItpServer, origin: Origin) -> None:
    job = await submit(gated_server, [origin.url("/hold/p1.png")])
    async with gated_server.client() as http:
        response = await http.delete(f"/v1/jobs/{job['job_id']}")
        missing = await http.delete("/v1/jobs/nope")
    assert response.json() == {"job_id": job["job_id"], "cancelled": 1}
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


async def test_protocol_errors_keep_the_socket_open(fake_server: ItpServer) -> None:
    async with WsClient.open(fake_server) as ws:
        await ws.ws.send("not json")
        assert (await ws.recv())["code"] == "bad_request"
        await ws.send({"type": "dance"})
        assert (await ws.recv())["code"] == "bad_request"
        await ws.send({"type": "subscribe", "job_id": 7})
        assert (await ws.recv())["code"] == "bad_request"
        await ws.send({"type": "subscribe", "job_id": "gone", "last_seq": 3})
        missing = await ws.recv()
        assert missing["type"] == "error" and missing["code"] == "not_found"
        assert missing["job_id"] == "gone" and "seq" not in missing
        await ws.send({"type": "prioritize", "image_ids": "x"})
        assert (await ws.recv())["code"] == "bad_request"
        await ws.send({"type": "ping"})
        assert (await ws.recv()) == {"type": "pong"}


@pytest.mark.parametrize("first", [
    {"type": "subscribe", "job_id": "x"},
    {"type": "hello"},
    {"type": "hello", "token": "wrong"},
    {"type": "hello", "token": 12345},
])
async def test_socket_without_a_valid_hello_is_closed_1008(fake_server: ItpServer,
                                                           first: dict[str, object]) -> None:
    async with WsClient.open(fake_server, token=None) as ws:
        await ws.send(first)
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


async def test_bearer_header_on_the_handshake_replaces_hello(fake_server: ItpServer,
                                                             origin: Origin) -> None:
    job = await submit(fake_server, [origin.url("/img/p2.png")])
    image_id = job["images"][0]["image_id"]
    async with connect(fake_server.ws_url, proxy=None,
                       additional_headers={"Authorization": f"Bearer {TOKEN}"}) as raw:
        ws = WsClient(raw)
        await ws.send({"type": "subscribe", "job_id": job["job_id"], "last_seq": 0})
        assert (await ws.recv())["type"] == "hello"
        final = await ws.until_terminal({image_id})
    assert final[image_id]["type"] == "done"


async def test_resuming_a_session_takes_it_over(fake_server: ItpServer) -> None:
    async with WsClient.open(fake_server) as first:
        session = first.hello["session"]
        async with WsClient.open(fake_server, session=session) as second:
            assert second.hello == {**first.hello, "resumed": True,
                                    "server_seq": second.hello["server_seq"]}
            with pytest.raises(ConnectionClosed) as closed:
                await first.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4000
            await second.send({"type": "ping"})
            assert (await second.recv())["type"] == "pong"


async def test_job_posted_with_a_session_needs_no_subscribe(fake_server: ItpServer,
                                                            origin: Origin) -> None:
    async with WsClient.open(fake_server) as ws:
        job = await submit(fake_server, [origin.url("/img/p4.png")],
                           session=ws.hello["session"])
        image_id = job["images"][0]["image_id"]
        final = await ws.until_terminal({image_id})
    assert final[image_id]["type"] == "done"
    assert ws.events()[0]["type"] == "progress"
