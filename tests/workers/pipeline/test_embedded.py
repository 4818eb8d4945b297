from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import numpy as np
import pytest

from tests.drawing import encode, text_page
from workers.config import Settings, TranslatorSettings
from workers.pipeline.api import ImageTask, PipelineEvent
from workers.pipeline.embedded import EmbeddedPipeline

# One OCR engine: with two, the page after a prioritized one is read beside it, and on a
# loaded machine may overtake it; the order asserted here is the queues' order.
SETTINGS = Settings.build(download=False,
                          translator=TranslatorSettings(name="deterministic", latency_s=0.0),
                          inpainter="opencv", threads=1, ocr_engines=1)


def page(words: str) -> bytes:
    return encode(text_page([(words, (40, 60)), ("SECOND LINE", (40, 110))], size=(480, 320)))


async def run(tasks: list[ImageTask], pipeline: EmbeddedPipeline,
              events: asyncio.Queue[PipelineEvent]) -> list[PipelineEvent]:
    seen: list[PipelineEvent] = []
    finished = 0
    for task in tasks:
        pipeline.submit(task)
    while finished < len(tasks):
        event = await asyncio.wait_for(events.get(), 120)
        seen.append(event)
        finished += event.kind in ("done", "error")
    return seen


@pytest.fixture
async def pipeline() -> AsyncIterator[tuple[EmbeddedPipeline, asyncio.Queue[PipelineEvent]]]:
    events: asyncio.Queue[PipelineEvent] = asyncio.Queue()
    p = EmbeddedPipeline(SETTINGS.machine, events.put_nowait)
    await p.start()
    yield p, events
    await p.stop()


async def test_pages_translated_and_bad_one_fails_alone(
        pipeline: tuple[EmbeddedPipeline, asyncio.Queue[PipelineEvent]]) -> None:
    p, events = pipeline
    tasks = [ImageTask("a", "job", page("HELLO THERE"), SETTINGS.job, 0),
             ImageTask("bad", "job", b"<html>nope</html>", SETTINGS.job, 1),
             ImageTask("c", "job", page("GOOD MORNING"), SETTINGS.job, 2)]
    seen = await run(tasks, p, events)
    done = {e.image_id: e for e in seen if e.kind == "done"}
    errors = {e.image_id: e for e in seen if e.kind == "error"}
    assert set(done) == {"a", "c"} and set(errors) == {"bad"}
    assert errors["bad"].error is not None and errors["bad"].error.code == "bad_image"
    result = done["a"].result
    assert result is not None and result.image.shape == (320, 480, 3)
    assert [b.source_text.upper() for b in result.blocks] == ["HELLO THERE SECOND LINE"]
    block = result.blocks[0]
    assert block.translation and block.font_size > 0 and block.erase == "fill"
    original = np.asarray(text_page([("HELLO THERE", (40, 60)), ("SECOND LINE", (40, 110))],
                                    size=(480, 320)))
    assert not np.array_equal(result.image, original)
    assert {"decode", "ocr", "process", "translate", "preprocess", "render"} <= set(result.timings)
    kinds = [e.kind for e in seen if e.image_id == "a"]
    assert kinds[0] == "queued" and kinds[-1] == "done" and "progress" in kinds


async def test_prioritized_image_finishes_first(
        pipeline: tuple[EmbeddedPipeline, asyncio.Queue[PipelineEvent]]) -> None:
    p, events = pipeline
    tasks = [ImageTask(f"p{i}", "job", page(f"PAGE NUMBER {i}"), SETTINGS.job, i) for i in range(5)]
    for task in tasks:
        p.submit(task)
    p.prioritize(["p4"])
    order: list[str] = []
    while len(order) < 5:
        event = await asyncio.wait_for(events.get(), 120)
        if event.kind == "done":
            order.append(event.image_id)
    assert order.index("p4") < order.index("p1")


async def test_cancel_drops_queued_work(
        pipeline: tuple[EmbeddedPipeline, asyncio.Queue[PipelineEvent]]) -> None:
    p, events = pipeline
    for i in range(4):
        p.submit(ImageTask(f"c{i}", "gone", page("CANCEL ME"), SETTINGS.job, i))
    dropped = p.cancel_job("gone")
    assert dropped >= 3
    codes: list[str] = []
    while len(codes) < 4:
        event = await asyncio.wait_for(events.get(), 120)
        if event.kind == "error" and event.error is not None:
            codes.append(event.error.code)
        elif event.kind == "done":
            codes.append("done")
    assert codes.count("cancelled") >= 3
    assert p.backlog() == 0


async def test_erase_only_leaves_no_text(
        pipeline: tuple[EmbeddedPipeline, asyncio.Queue[PipelineEvent]]) -> None:
    p, events = pipeline
    settings = SETTINGS.with_(translator=TranslatorSettings(name="none"))
    seen = await run([ImageTask("e", "job2", page("ERASE ME"), settings.job, 0)], p, events)
    result = seen[-1].result
    assert result is not None
    assert result.image.min() > 200, "the text is gone and nothing was lettered"
    assert result.blocks and all(b.translation == "" for b in result.blocks)


async def test_decoded_pixels_in_flight_stay_under_the_budget() -> None:
    """With room for one page's pixels, a second page is decoded only once the first has
    left: memory follows the budget, not the backlog. Every page still finishes."""
    page_pixels = 480 * 320
    observed: list[int] = []
    events: asyncio.Queue[PipelineEvent] = asyncio.Queue()

    def on_event(event: PipelineEvent) -> None:
        observed.append(p.pixels_in_flight)
        events.put_nowait(event)

    machine = SETTINGS.machine.with_(ocr_engines=2)
    p = EmbeddedPipeline(machine, on_event, pixel_budget=page_pixels)
    await p.start()
    try:
        tasks = [ImageTask(f"p{i}", "job", page(f"PAGE NUMBER {i}"), SETTINGS.job, i)
                 for i in range(4)]
        seen = await run(tasks, p, events)
    finally:
        await p.stop()
    assert sum(e.kind == "done" for e in seen) == 4
    # Two OCR engines could decode two pages at once; the budget lets only one in.
    assert max(observed) == page_pixels
    assert p.pixels_in_flight == 0 and p.backlog() == 0


async def test_encoded_bytes_are_dropped_once_decoded(
        pipeline: tuple[EmbeddedPipeline, asyncio.Queue[PipelineEvent]]) -> None:
    p, events = pipeline
    held: list[bool] = []

    original = p._queues["process"].put

    def spy(work: object) -> None:
        held.append("input" in getattr(work, "values", {}))
        original(work)  # type: ignore[arg-type]

    p._queues["process"].put = spy  # type: ignore[method-assign, assignment]
    seen = await run([ImageTask("a", "job", page("HELLO THERE"), SETTINGS.job, 0)], p, events)
    assert [e.kind for e in seen][-1] == "done"
    assert held == [False]
