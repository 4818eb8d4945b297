"""The stage bodies: what each stage of `workers.graph` does to an image's values.

Plain functions over typed values (no queues, no transport): each takes the `Env` (models,
the job's settings, where the page sits in its job) and the values it consumes, and returns
the values it produces with the seconds it spent. Both runners call these.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from workers.config import JobSettings, MachineSettings
from workers.cores import CORES, Order
from workers.imageio import decode_image
from workers.inpaint.base import Inpainter
from workers.ocr.crew import ranked
from workers.ocr.reader import PageReader
from workers.process.base import PageAnalyser
from workers.translators.base import TranslationRequest, Translator
from workers.translators.marks import translate_words
from workers.types import Crop, Erased, Image, PageLayout, PageResult, PageText, RenderedBlock

Values = Mapping[str, Any]
Produced = tuple[dict[str, Any], dict[str, float]]


class StageModels(Protocol):
    """The models a stage body uses; loaded once per process (`workers.pipeline.models`)."""

    machine: MachineSettings

    def reader(self) -> AbstractContextManager[PageReader]: ...

    @property
    def analyser(self) -> PageAnalyser: ...

    @property
    def inpainter(self) -> Inpainter: ...

    @property
    def inpaint_cores(self) -> int: ...

    def translator(self, job: JobSettings) -> Translator: ...


@dataclass(frozen=True, slots=True)
class Env:
    models: StageModels
    job: JobSettings
    job_id: str = ""
    page_index: int = 0
    # Seconds per stage so far: the finished page reports them.
    timings: Mapping[str, float] = field(default_factory=dict)
    # The page's place in the runner's queues (lower first); by default its page index.
    order: tuple[int, ...] = ()


class _Clock:
    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.spent[name] = self.spent.get(name, 0.0) + now - self._last
        self._last = now


def _order(env: Env) -> Order:
    """The page's place in line for the CPU's cores (`workers.cores`) and the OCR crew."""
    return env.order or (1, 0, env.page_index)


def ocr(env: Env, v: Values) -> Produced:
    clock = _Clock()
    image = decode_image(v["input"], env.models.machine.limits)
    clock.lap("decode")
    # Readers of the pool help the earliest page read its lines (`workers.ocr.crew`).
    with ranked(_order(env)), env.models.reader() as reader:
        text = replace(reader.read(image, env.job.source), reader=reader.name)
    clock.lap("ocr")
    return {"image": image, "text": text}, clock.spent


def process(env: Env, v: Values) -> Produced:
    clock = _Clock()
    image: Image = v["image"]
    text: PageText = v["text"]
    analyser = env.models.analyser
    with CORES.held(_order(env)):
        layout = analyser.analyse(image, text, env.job.source)
    layout.analyser = analyser.name
    clock.lap("process")
    out: dict[str, Any] = {"layout": layout}
    if not layout.blocks:
        # Nothing to translate or erase: both halves of the join are ready now.
        out["translations"] = []
        out["erased"] = Erased(image)
    return out, clock.spent


def translation_request(layout: PageLayout, target: str, job_id: str,
                        page_index: int) -> TranslationRequest:
    texts = tuple(b.source_text for b in layout.blocks)
    return TranslationRequest(texts=texts, source=layout.source_lang, target=target,
                              length_hints=tuple(len(t) for t in texts), job_id=job_id,
                              page_index=page_index)


def erase_only(job: JobSettings) -> bool:
    return job.translator.name == "none"


async def translate(env: Env, v: Values) -> Produced:
    clock = _Clock()
    layout: PageLayout = v["layout"]
    if erase_only(env.job):
        texts: Sequence[str] = [""] * len(layout.blocks)
    else:
        translator = env.models.translator(env.job)
        texts = await translate_words(translation_request(
            layout, env.job.target, env.job_id, env.page_index), translator.translate)
    clock.lap("translate")
    return {"translations": list(texts)}, clock.spent


def preprocess(env: Env, v: Values) -> Produced:
    """Flat blocks filled now (cheap, exact); crops cut for the textured ones."""
    from workers.inpaint.crops import plan_crops
    from workers.inpaint.fills import fill_page

    clock = _Clock()
    image: Image = v["image"]
    layout: PageLayout = v["layout"]
    with CORES.held(_order(env)):
        filled = fill_page(image, layout)
        crops = plan_crops(image, layout, filled)
    clock.lap("preprocess")
    out: dict[str, Any] = {"filled": filled[0], "crops": crops}
    if not crops:
        out["erased"] = Erased(filled[0])
    return out, clock.spent


def inpaint_pages(envs: Sequence[Env], values: Sequence[Values]) -> list[Produced]:
    """Several pages in one model call: the inpainter batches equal crop shapes across
    pages. The time is shared out evenly."""
    from workers.inpaint.base import InpaintItem
    from workers.inpaint.crops import paste, to_model_size
    from workers.pipeline.models import inpainter_identity

    if not envs:
        return []
    started = time.perf_counter()
    inpainter = envs[0].models.inpainter
    pages: list[tuple[Image, Sequence[Crop]]] = [(v["filled"].copy(), v["crops"])
                                                  for v in values]
    owners = [(page, crop) for page, crops in pages for crop in crops]
    items = [InpaintItem(*to_model_size(crop)) for _, crop in owners]
    with CORES.held(min(_order(env) for env in envs), envs[0].models.inpaint_cores):
        done = inpainter.inpaint(items)
    for (page, crop), filled in zip(owners, done, strict=True):
        paste(page, crop, filled)
    share = (time.perf_counter() - started) / len(pages)
    by = inpainter_identity(inpainter)
    return [({"erased": Erased(page, by)}, {"inpaint": share}) for page, _ in pages]


def inpaint(env: Env, v: Values) -> Produced:
    return inpaint_pages([env], [v])[0]


def render(env: Env, v: Values) -> Produced:
    from workers.pipeline.lettering import letter

    clock = _Clock()
    original: Image = v["image"]
    layout: PageLayout = v["layout"]
    translations: list[str] = v["translations"]
    erased: Erased = v["erased"]
    if erase_only(env.job) or not layout.blocks:
        final, blocks = erased.image, unrendered(layout)
    else:
        with CORES.held(_order(env)):
            final, blocks = letter(original, erased.image, layout, translations,
                                   env.job.target, env.models.machine.font)
    clock.lap("render")
    text: PageText = v.get("text", PageText([]))
    used = {"ocr": text.reader, "analyser": layout.analyser, "inpainter": erased.by,
            "font": str(env.models.machine.font or "auto")}
    result = PageResult(final, layout.width, layout.height, layout.source_lang,
                        env.job.target, blocks, {**env.timings, **clock.spent},
                        {k: u for k, u in used.items() if u})
    return {"result": result}, clock.spent


def unrendered(layout: PageLayout) -> list[RenderedBlock]:
    """The sidecar's blocks when nothing is lettered (translator `none`): each with the box
    a translation would be fitted into (its bubble's, else its own; `Block.lettered_in`)."""
    return [RenderedBlock(b.index, bubble.box if bubble is not None else b.bbox,
                          b.direction, b.source_text, "", 0, (0, 0, 0), b.erase, kind=b.kind,
                          bubble=bubble.polygon if bubble is not None else None)
            for b, bubble in ((b, b.lettered_in) for b in layout.blocks)]


Body = Callable[[Env, Values], Produced]
AsyncBody = Callable[[Env, Values], Awaitable[Produced]]
BatchBody = Callable[[Sequence[Env], Sequence[Values]], list[Produced]]

# The body of every stage in the graph, by name (checked against the graph in the tests).
BODIES: dict[str, Body] = {"ocr": ocr, "process": process, "preprocess": preprocess,
                           "inpaint": inpaint, "render": render}
ASYNC_BODIES: dict[str, AsyncBody] = {"translate": translate}
BATCH_BODIES: dict[str, BatchBody] = {"inpaint": inpaint_pages}

