"""The naive baseline the benchmark compares against: one image at a time, every stage in
turn, the whole image through the inpainter at 1024 px on its long side, no flat fill and no
crops — the straightforward way to build this pipeline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import cv2
import numpy as np

from workers.config import JobSettings
from workers.inpaint.base import InpaintItem
from workers.pipeline import stages
from workers.pipeline.models import Models
from workers.types import Erased, Image, PageLayout, u8

WHOLE_SIDE = 1024


def inpaint_whole(image: Image, layout: PageLayout, models: Models) -> Image:
    h, w = image.shape[:2]
    scale = min(1.0, WHOLE_SIDE / max(h, w))
    size = (max(8, round(w * scale)), max(8, round(h * scale)))
    small = u8(cv2.resize(image, size, interpolation=cv2.INTER_AREA))
    mask = u8(cv2.resize(layout.mask, size, interpolation=cv2.INTER_NEAREST))
    mask = np.where(mask > 0, 255, 0).astype(np.uint8)
    filled = models.inpainter.inpaint([InpaintItem(small, mask)])[0]
    big = u8(cv2.resize(filled, (w, h), interpolation=cv2.INTER_CUBIC))
    out = image.copy()
    sel = layout.mask > 0
    out[sel] = big[sel]
    return out


async def run_naive(images: list[tuple[str, bytes]], job: JobSettings, models: Models,
                    on_done: Callable[[int], None], busy: dict[str, float]) -> None:
    def timed(stage: str, started: float) -> None:
        busy[stage] = busy.get(stage, 0.0) + time.perf_counter() - started

    for index, (_, data) in enumerate(images):
        env = stages.Env(models, job, "bench", index)
        t = time.perf_counter()
        values, _ = stages.ocr(env, {"input": data})
        timed("ocr", t)
        t = time.perf_counter()
        produced, _ = stages.process(env, values)
        layout: PageLayout = produced["layout"]
        timed("process", t)
        t = time.perf_counter()
        translated, _ = await stages.translate(env, produced)
        timed("translate", t)
        t = time.perf_counter()
        image = values["image"]
        erased = inpaint_whole(image, layout, models) if layout.blocks else image
        timed("inpaint", t)
        t = time.perf_counter()
        stages.render(env, {**values, **translated, "layout": layout,
                            "erased": Erased(erased)})
        timed("render", t)
        on_done(index)
        await asyncio.sleep(0)
