"""The stage handlers of the distributed transport, derived from the stage graph: load the
values a stage consumes, run its body from `workers.pipeline.stages`, store what it
produces, and commit the image's next step (`graph.successors`) with the acknowledgement.

Every message carries the references of all values its image holds so far, so any stage
finds its inputs whatever path the image took. A handler takes a batch (one message, except
for stages with a batch body: inpainting runs the crops of several pages in one model call)
and commits every item or raises; the runtime turns what it raises into a failed image, a
retry or a dead letter.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any

from workers import graph
from workers.pipeline import codec, stages
from workers.runner.context import StageContext, Work
from workers.transport.base import Event

Handler = Callable[[StageContext, Sequence[Work]], Awaitable[None]]


async def _inputs(ctx: StageContext, work: Work, stage: graph.Stage) -> dict[str, Any]:
    return {name: await ctx.load(work, name, _decoder(name)) for name in stage.consumes}


def _decoder(name: str) -> Callable[[bytes], Any]:
    tp = graph.value_type(name)
    if tp is bytes:
        # The encoded input file as the server stored it: bytes are their own blob.
        return bytes
    return lambda data: codec.decode(data, tp)


def _encoded(value: Any, tp: object) -> bytes:
    return bytes(value) if tp is bytes else codec.encode(value, tp)


def env_of(ctx: StageContext, work: Work) -> stages.Env:
    return stages.Env(ctx.models, work.job, work.job_id, work.info.page_index,
                      dict(work.info.timings))


async def commit(ctx: StageContext, work: Work, stage: graph.Stage,
                 produced: dict[str, Any], spent: dict[str, float]) -> None:
    """Store what the stage produced and move the image on, atomically with the ack."""
    refs = dict(work.delivery.message.refs)
    refs.pop("input", None)
    for name, value in produced.items():
        tp = graph.value_type(name)
        refs[name] = await ctx.store(work, name, partial(_encoded, value, tp))
    timings = tuple(spent.items())
    if graph.FINAL_VALUE in produced:
        done = Event("done", work.image_id, work.job_id, stage=stage.name,
                     result=refs[graph.FINAL_VALUE])
        await ctx.finish(work, done, timings)
        return
    nexts = graph.successors(stage.name, produced, refs)
    joins = [n for n in nexts if n.halves]
    if joins:
        # The graph never sends an image into the join and elsewhere in one step.
        assert len(nexts) == 1, f"{stage.name} enters the join and {nexts}"
        halves = tuple((h, refs[h]) for h in joins[0].halves)
        base = tuple((k, v) for k, v in sorted(refs.items()) if k not in graph.JOIN_HALVES)
        await ctx.join(work, halves, base, timings)
        return
    pairs = tuple(sorted(refs.items()))
    await ctx.advance(work, [(n.queue, pairs) for n in nexts], timings)


def handler(name: str) -> Handler:
    stage = graph.BY_NAME[name]
    batch_body = stages.BATCH_BODIES.get(name)
    async_body = stages.ASYNC_BODIES.get(name)
    body = stages.BODIES.get(name)

    async def handle(ctx: StageContext, batch: Sequence[Work]) -> None:
        if batch_body is not None and len(batch) > 1:
            envs = [env_of(ctx, w) for w in batch]
            loaded = [await _inputs(ctx, w, stage) for w in batch]
            results = await ctx.run(partial(batch_body, envs, loaded))
            for work, (produced, spent) in zip(batch, results, strict=True):
                await commit(ctx, work, stage, produced, spent)
            return
        for work in batch:
            env, inputs = env_of(ctx, work), await _inputs(ctx, work, stage)
            if async_body is not None:
                produced, spent = await async_body(env, inputs)
            else:
                assert body is not None, f"stage {name} has no body"
                produced, spent = await ctx.run(partial(body, env, inputs))
            await commit(ctx, work, stage, produced, spent)

    return handle


HANDLERS: dict[str, Handler] = {name: handler(name) for name in graph.NAMES}
