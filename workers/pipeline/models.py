"""The models a process holds: loaded once, warmed at start, shared by every image.

Only what the process's stages need is loaded (a Redis `ocr` worker never imports torch, an
`inpaint` worker never loads the OCR models). OCR readers are a pool: one per engine, each
lent to one page at a time, helping the earliest page read its lines (`workers.ocr.crew`).
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator
from contextlib import contextmanager

from workers.config import JobSettings, MachineSettings, TranslatorSettings
from workers.graph import NAMES
from workers.inpaint.base import Inpainter
from workers.models.onnx import onnx_on_gpu
from workers.ocr.crew import Crew
from workers.ocr.reader import PageReader
from workers.process.base import PageAnalyser
from workers.translators.base import Translator

ALL_STAGES = frozenset(NAMES)


def ocr_engine_count(machine: MachineSettings) -> int:
    """OCR engines working side by side. On CPU one per core, each single-threaded: two
    pages read at once beat one page read with two threads (ONNX Runtime scales poorly over
    threads on these small models). On a GPU one engine keeps the card busy."""
    if machine.ocr_engines > 0:
        return machine.ocr_engines
    if onnx_on_gpu(machine.device):
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def thread_budget(machine: MachineSettings) -> int:
    """Threads of a model call that can use several (LaMa, OpenCV): half the cores, and two
    where there are two or three. The stages run at once, but an inpainting call takes
    that many cores from the hand-out (`workers.cores`) first, so it does not crowd the
    others; what it costs is the wait for that many cores to be free, short while every
    section is short (the OCR reads a line at a time on a CPU). On two cores LaMa on both
    made the manga workload's first page 0.5 s sooner at the same wall time. (OpenCV's
    threads run inside one-core sections, the page analysis: briefly, on both cores.)"""
    if machine.threads > 0:
        return machine.threads
    cores = os.cpu_count() or 2
    return max(min(2, cores), cores // 2)


def inpainter_identity(inpainter: Inpainter) -> str:
    """The inpainter's name and, where it has one, the identity of its weights."""
    return str(getattr(inpainter, "identity", inpainter.name))


class Models:
    def __init__(self, machine: MachineSettings) -> None:
        self.machine = machine
        self.readers: list[PageReader] = []
        self._crew = Crew([])
        self._analyser: PageAnalyser | None = None
        self._inpainter: Inpainter | None = None
        self._translators: dict[TranslatorSettings, Translator] = {}

    def load(self, stages: Collection[str] = ALL_STAGES) -> None:
        """Blocking: call from a worker thread. Loads and warms what `stages` need."""
        import cv2

        threads = thread_budget(self.machine)
        cv2.setNumThreads(threads)
        if "ocr" in stages and not self.readers:
            from workers.ocr.registry import load_reader

            cuda = onnx_on_gpu(self.machine.device)
            for _ in range(ocr_engine_count(self.machine)):
                reader = load_reader(self.machine, threads if cuda else 1)
                reader.warm_up()
                self.readers.append(reader)
            self._crew = Crew(self.readers)
        if "process" in stages and self._analyser is None:
            from workers.process.registry import load_analyser

            self._analyser = load_analyser(self.machine)
        if "inpaint" in stages and self._inpainter is None:
            from workers.inpaint.registry import load_inpainter

            self._inpainter = load_inpainter(self.machine.with_(threads=threads))
        if "render" in stages:
            from workers.render.warm import warm_up

            warm_up(JobSettings().target, self.machine.font)

    def check_font(self, job: JobSettings) -> None:
        """Fails (`font_missing`) before any work when no font covers the target script."""
        from workers.render.fonts import find_font

        if job.translator.name not in ("", "none"):
            find_font(job.target, override=self.machine.font)

    @contextmanager
    def reader(self) -> Iterator[PageReader]:
        """A reader no other page is using, for the time of one page (blocks until one is
        free: the OCR stage runs as many pages at once as there are readers). Idle readers,
        and readers of later pages between their own lines, read some of its lines."""
        assert self.readers, "Models.load() not called for ocr"
        with self._crew.lend() as found:
            yield found

    @property
    def analyser(self) -> PageAnalyser:
        assert self._analyser is not None, "Models.load() not called for process"
        return self._analyser

    @property
    def inpainter(self) -> Inpainter:
        assert self._inpainter is not None, "Models.load() not called for inpaint"
        return self._inpainter

    @property
    def inpaint_cores(self) -> int:
        """CPU cores an inpainting call keeps busy: one for PatchMatch and OpenCV
        (single-threaded, on the CPU wherever they run), LaMa's threads, none for LaMa on a
        GPU."""
        if self.inpainter.name != "lama":
            return 1
        return 0 if self.machine.device.startswith("cuda") else thread_budget(self.machine)

    def translator(self, job: JobSettings) -> Translator:
        """The job's translator (with this machine's credentials only when the job names
        this machine's service)."""
        key = self.machine.translator_for(job)
        found = self._translators.get(key)
        if found is None:
            from workers.translators.registry import create_translator

            cache = self.machine.cache_dir / "translations" if self.machine.cache_dir else None
            found = create_translator(key, cache_dir=cache)
            self._translators[key] = found
        return found

    def used(self) -> dict[str, str]:
        """The loaded models by role, as results report them (`PageResult.used`)."""
        out = {"font": str(self.machine.font or "auto")}
        if self.readers:
            out["ocr"] = self.readers[0].name
        if self._analyser is not None:
            out["analyser"] = self._analyser.name
        if self._inpainter is not None:
            out["inpainter"] = inpainter_identity(self._inpainter)
        return out

    async def aclose(self) -> None:
        for translator in self._translators.values():
            await translator.aclose()
        self._translators.clear()
