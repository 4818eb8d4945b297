"""Runs the samples through the embedded pipeline (as `itp translate` does) and evaluates
each finished page in a thread of its own while the pipeline works on the next ones."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from backend.cmd_translate import write_outputs
from backend.evaluate.dataset import Sample
from backend.evaluate.erasing import diff_thumb, erase_page
from backend.evaluate.page import PageRecord, evaluate_page, failed_page
from backend.evaluate.recording import RecordingModels
from backend.evaluate.thumbs import Thumbs, input_thumb, make_thumbs
from backend.inputs import Input
from workers.config import Settings
from workers.errors import ItpError
from workers.imageio import decode_image
from workers.pipeline.api import ImageTask, PipelineEvent
from workers.pipeline.embedded import EmbeddedPipeline
from workers.types import PageResult

# Images in the pipeline or being evaluated at once: keeps every stage busy without holding
# a whole set of decoded strips in memory.
WINDOW = 4
PAGES_DIR = "pages"


@dataclass(slots=True)
class Evaluated:
    record: PageRecord
    thumbs: Thumbs | None
    # The erasing diff view (base64 JPEG), on erase-only runs.
    diff: str = ""


@dataclass(slots=True)
class RunResult:
    pages: list[Evaluated]
    wall_s: float
    # The inpainter that ran ("auto" picks one by the weights it finds).
    inpainter: str


class Evaluator:
    """What is done to each finished page: read back, scored, written, thumbnailed."""

    def __init__(self, settings: Settings, models: RecordingModels, out_dir: Path) -> None:
        self.settings = settings
        self.job = settings.job
        self.models = models
        self.out_dir = out_dir

    def finished(self, sample: Sample, data: bytes, result: PageResult) -> Evaluated:
        started = time.perf_counter()
        image = decode_image(data, self.settings.machine.limits)
        source = self.job.source
        with self.models.plain_reader() as reader:
            text = self.models.take(image) or reader.read(image, source)
            # "auto": the output holds the target language's lettering (and what is left of
            # the source); a Korean recognizer would read English lettering as noise.
            after = reader.read(result.image, "auto").lines
        layout = self.models.analyser.analyse(image, text, source)
        spent = time.perf_counter() - started
        record = evaluate_page(sample, layout, result, after)
        record.eval_s = round(spent, 3)
        item = Input(str(sample.path), sample.path.stem, sample.path.suffix.lower(), False)
        written = write_outputs(self.out_dir / PAGES_DIR, item, data, result, self.job)
        record.output = written.relative_to(self.out_dir).as_posix()
        thumbs = make_thumbs(image, result.image, record, sample.truth)
        diff = ""
        if self.job.translator.name == "none":
            record.erasing = erase_page(sample.truth, image, result)
            diff = diff_thumb(image, result.image, sample.truth, thumbs.scale)
        return Evaluated(record, thumbs, diff)

    def failed(self, sample: Sample, data: bytes, error: str) -> Evaluated:
        record = failed_page(sample, error)
        try:
            thumbs: Thumbs | None = input_thumb(decode_image(data,
                                                             self.settings.machine.limits))
        except ItpError:
            thumbs = None
        return Evaluated(record, thumbs)


async def evaluate_all(samples: Sequence[Sample], out_dir: Path, settings: Settings,
                       progress: bool) -> RunResult:
    (out_dir / PAGES_DIR).mkdir(parents=True, exist_ok=True)
    loop = asyncio.get_running_loop()
    waiting: dict[str, asyncio.Future[PipelineEvent]] = {}

    def on_event(event: PipelineEvent) -> None:
        if event.kind in ("done", "error"):
            future = waiting.pop(event.image_id, None)
            if future is not None and not future.done():
                future.set_result(event)

    models = RecordingModels(settings.machine)
    pipeline = EmbeddedPipeline(settings.machine, on_event, models)
    # Fails before any work when the translator or the font is not usable.
    models.translator(settings.job)
    models.check_font(settings.job)
    evaluator = Evaluator(settings, models, out_dir)
    pool = ThreadPoolExecutor(1, thread_name_prefix="itp-eval")
    window = asyncio.Semaphore(WINDOW)
    bar = tqdm(total=len(samples), unit="img", disable=not progress, file=sys.stderr)

    async def one(index: int, sample: Sample) -> Evaluated:
        async with window:
            try:
                data = await loop.run_in_executor(None, sample.path.read_bytes)
            except OSError as exc:
                bar.update(1)
                return Evaluated(failed_page(sample, f"io_error: {exc}"), None)
            future: asyncio.Future[PipelineEvent] = loop.create_future()
            waiting[str(index)] = future
            pipeline.submit(ImageTask(str(index), "eval", data, settings.job, index,
                                      sample.path.stem))
            event = await future
            if event.kind == "done" and event.result is not None:
                done = await loop.run_in_executor(pool, evaluator.finished, sample, data,
                                                  event.result)
            else:
                reason = event.error.one_line() if event.error else "no result"
                done = await loop.run_in_executor(pool, evaluator.failed, sample, data, reason)
            bar.set_postfix_str(sample.name[:40], refresh=False)
            bar.update(1)
            return done

    started = time.perf_counter()
    await pipeline.start()
    inpainter = models.inpainter.name
    try:
        pages = await asyncio.gather(*(one(i, s) for i, s in enumerate(samples)))
    finally:
        bar.close()
        await pipeline.stop()
        pool.shutdown(wait=True)
    return RunResult(list(pages), round(time.perf_counter() - started, 2), inpainter)
