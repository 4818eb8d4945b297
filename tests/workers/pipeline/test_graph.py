"""The stage graph's description: complete, and the paths an image can take through it."""

from __future__ import annotations

import numpy as np

from workers import graph
from workers.pipeline import stages
from workers.transport.base import JOIN_HALVES, JOIN_QUEUE, QUEUE_NAMES, STAGE_QUEUES
from workers.types import PageLayout


def test_every_stage_has_one_body_and_known_values() -> None:
    bodies = set(stages.BODIES) | set(stages.ASYNC_BODIES)
    assert bodies == set(graph.NAMES)
    assert not set(stages.BODIES) & set(stages.ASYNC_BODIES)
    assert set(stages.BATCH_BODIES) <= set(stages.BODIES)
    for stage in graph.STAGES:
        assert set(stage.consumes) | set(stage.produces) <= set(graph.VALUES)


def test_the_transport_reads_its_queues_and_join_from_the_graph() -> None:
    assert STAGE_QUEUES == graph.STAGE_QUEUES and JOIN_QUEUE == graph.JOIN_STAGE
    assert JOIN_HALVES == graph.JOIN_HALVES
    assert "preprocess:long" in QUEUE_NAMES and "inpaint:short" in QUEUE_NAMES


def _value(name: str) -> object:
    samples: dict[str, object] = {
        "layout": PageLayout(800, 1200, [], np.zeros((1, 1), np.uint8), "ja"), "crops": []}
    return samples.get(name, object())


def _walk(produced_by: dict[str, tuple[str, ...]]) -> list[str]:
    """Run the dataflow as a runner does, each stage producing what `produced_by` says
    (its full `produces` by default); returns the stages in the order they ran."""
    have = {"input"}
    order: list[str] = []
    todo = [graph.FIRST]
    halves: set[str] = set()
    while todo:
        name = todo.pop(0)
        order.append(name)
        new = {v: _value(v) for v in produced_by.get(name, graph.BY_NAME[name].produces)}
        have |= set(new)
        for nxt in graph.successors(name, new, have):
            if nxt.halves:
                halves |= set(nxt.halves)
                if halves >= set(graph.JOIN_HALVES) and nxt.stage not in order + todo:
                    todo.append(nxt.stage)
            elif nxt.stage not in order + todo:
                todo.append(nxt.stage)
    return order


def test_a_page_with_model_blocks_visits_every_stage_once() -> None:
    order = _walk({"preprocess": ("filled", "crops")})
    assert sorted(order) == sorted(graph.NAMES) and order[-1] == "render"


def test_flat_pages_skip_the_model() -> None:
    order = _walk({"preprocess": ("filled", "crops", "erased")})
    assert "inpaint" not in order and order[-1] == "render"


def test_an_empty_page_goes_straight_to_render() -> None:
    order = _walk({"process": ("layout", "translations", "erased")})
    assert order == ["ocr", "process", "render"]


def test_the_join_never_shares_a_step_with_another_stage() -> None:
    # The distributed runner commits a join and an advance with two different calls.
    have = {"input", "image", "text", "layout", "translations", "filled", "crops", "erased"}
    for stage in graph.STAGES:
        for k in range(1, len(stage.produces) + 1):
            new = {v: _value(v) for v in stage.produces[:k]}
            nexts = graph.successors(stage.name, new, have - set(stage.produces) | set(new))
            if any(n.halves for n in nexts):
                assert len(nexts) == 1, (stage.name, nexts)


def test_size_classes_pick_the_queue() -> None:
    import numpy as np

    from workers.types import PageLayout

    strip = PageLayout(800, 20000, [], np.zeros((1, 1), np.uint8), "ko")
    page = PageLayout(800, 1200, [], np.zeros((1, 1), np.uint8), "ja")
    pre = graph.BY_NAME["preprocess"]
    assert pre.queue_for({"layout": strip}) == "preprocess:long"
    assert pre.queue_for({"layout": page}) == "preprocess:short"
