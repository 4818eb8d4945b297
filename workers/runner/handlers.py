"""The stage bodies of the distributed transport: load the inputs, run the stage function from
`workers.pipeline.stages`, store the outputs, commit.

Each body takes a batch of work (one message, except for inpainting, which batches the crops
of several pages into one model call) and commits every item or raises; the runtime turns
what it raises into a failed image, a retry or a dead letter.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from functools import partial

from workers.inpaint.base import Inpainter, InpaintItem
from workers.inpaint.crops import paste, to_model_size
from workers.pipeline import serialize, stages
from workers.runner.context import StageContext, Work
from workers.transport.base import Event
from workers.types import Crop, Image, PageLayout, PageResult, SizeClass

Handler = Callable[[StageContext, Sequence[Work]], Awaitable[None]]
# Pages with a longer side go to the `long` preprocess queue: a webtoon strip, not a page.
LONG_PAGE_SIDE = 2048


def page_class(layout: PageLayout) -> SizeClass:
    return "long" if max(layout.width, layout.height) > LONG_PAGE_SIDE else "short"


async def ocr(ctx: StageContext, work: Work) -> None:
    data = await ctx.call(lambda: ctx.blobs.get(work.ref("input")))
    limits = work.settings.limits
    started = time.perf_counter()
    image = await ctx.run(lambda: stages.decode(data, limits))
    decoded = time.perf_counter()
    async with ctx.models.ocr() as engine:
        lines = await ctx.run(lambda: stages.ocr(engine, image))
    read = time.perf_counter()
    image_ref = await ctx.store(work, "image", lambda: serialize.dump_image(image))
    lines_ref = await ctx.store(work, "lines", lambda: serialize.dump_lines(lines))
    await ctx.advance(work, [("process", (("image", image_ref), ("lines", lines_ref)))],
                      (("decode", decoded - started), ("ocr", read - decoded)))


async def process(ctx: StageContext, work: Work) -> None:
    image = await ctx.load(work, "image", serialize.load_image)
    lines = await ctx.load(work, "lines", serialize.load_lines)
    source = work.settings.source
    started = time.perf_counter()
    layout = await ctx.run(lambda: stages.process(image, lines, source))
    timings = (("process", time.perf_counter() - started),)
    layout_ref = await ctx.store(work, "layout", lambda: serialize.dump_layout(layout))
    base = (("image", work.ref("image")), ("layout", layout_ref))
    if not layout.blocks:
        # Nothing to translate or erase: both halves of the join are ready now.
        none = await ctx.store(work, "translations", lambda: serialize.dump_texts([]))
        await ctx.join(work, (("translations", none), ("erased", work.ref("image"))), base,
                       timings)
        return
    await ctx.advance(work, [("translate", base), (f"preprocess:{page_class(layout)}", base)],
                      timings)


async def translate(ctx: StageContext, work: Work) -> None:
    layout = await ctx.load(work, "layout", serialize.load_layout)
    settings = work.settings
    translator = ctx.models.translator(settings)
    request = stages.translation_request(layout, settings.target, work.job_id,
                                         work.info.page_index)
    started = time.perf_counter()
    texts = await translator.translate(request)
    timings = (("translate", time.perf_counter() - started),)
    ref = await ctx.store(work, "translations", lambda: serialize.dump_texts(texts))
    await ctx.join(work, (("translations", ref),), work.refs("image", "layout"), timings)


async def preprocess(ctx: StageContext, work: Work) -> None:
    image = await ctx.load(work, "image", serialize.load_image)
    layout = await ctx.load(work, "layout", serialize.load_layout)
    started = time.perf_counter()
    filled, crops = await ctx.run(lambda: stages.preprocess(image, layout))
    timings = (("preprocess", time.perf_counter() - started),)
    filled_ref = await ctx.store(work, "filled", lambda: serialize.dump_image(filled))
    base = work.refs("image", "layout")
    if not crops:
        await ctx.join(work, (("erased", filled_ref),), base, timings)
        return
    crops_ref = await ctx.store(work, "crops", lambda: serialize.dump_crops(crops))
    size = "long" if any(c.size_class == "long" for c in crops) else "short"
    await ctx.advance(work, [(f"inpaint:{size}",
                              (*base, ("filled", filled_ref), ("crops", crops_ref)))], timings)


def inpaint_pages(pages: Sequence[tuple[Image, Sequence[Crop]]], inpainter: Inpainter) -> None:
    """`stages.inpaint` over several pages with one model call: the inpainter batches equal
    crop shapes across pages. Fills each page in place."""
    owners = [(page, crop) for page, crops in pages for crop in crops]
    items = [InpaintItem(*to_model_size(crop)) for _, crop in owners]
    for (page, crop), filled in zip(owners, inpainter.inpaint(items), strict=True):
        paste(page, crop, filled)


async def inpaint(ctx: StageContext, batch: Sequence[Work]) -> None:
    pages = [(await ctx.load(w, "filled", serialize.load_image),
              await ctx.load(w, "crops", serialize.load_crops)) for w in batch]
    started = time.perf_counter()
    await ctx.run(lambda: inpaint_pages(pages, ctx.models.inpainter))
    share = (time.perf_counter() - started) / len(batch)
    for work, (erased, _) in zip(batch, pages, strict=True):
        ref = await ctx.store(work, "erased", partial(serialize.dump_image, erased))
        await ctx.join(work, (("erased", ref),), work.refs("image", "layout"),
                       (("inpaint", share),))


async def render(ctx: StageContext, work: Work) -> None:
    original = await ctx.load(work, "image", serialize.load_image)
    layout = await ctx.load(work, "layout", serialize.load_layout)
    texts = await ctx.load(work, "translations", serialize.load_texts)
    erased = await ctx.load(work, "erased", serialize.load_image)
    settings = work.settings
    started = time.perf_counter()
    if settings.translator.name == "none" or not layout.blocks:
        final, blocks = erased, stages.unrendered(layout)
    else:
        final, blocks = await ctx.run(lambda: stages.render(
            original, erased, layout, texts, settings.target, ctx.models.font))
    timings = dict(work.info.timings)
    timings["render"] = time.perf_counter() - started
    result = PageResult(final, layout.width, layout.height, layout.source_lang,
                        settings.target, blocks, timings)
    ref = await ctx.store(work, "result", lambda: serialize.dump_result(result))
    await ctx.finish(work, Event("done", work.image_id, work.job_id, stage="render",
                                 result=ref), (("render", timings["render"]),))


def one_by_one(body: Callable[[StageContext, Work], Awaitable[None]]) -> Handler:
    async def handle(ctx: StageContext, batch: Sequence[Work]) -> None:
        for work in batch:
            await body(ctx, work)
    return handle


HANDLERS: dict[str, Handler] = {
    "ocr": one_by_one(ocr), "process": one_by_one(process),
    "translate": one_by_one(translate), "preprocess": one_by_one(preprocess),
    "inpaint": inpaint, "render": one_by_one(render),
}
