"""A pool of page readers that help the earliest page: its lines are read by more than one.

A pipeline holds one `PageReader` per OCR engine, each lent to one page at a time
(`Crew.lend`). Pages rank by the order the pipeline gives them (`ranked`: the earliest image
first, as a reader wants it on screen), then by when they were lent.

A page's recognition is cut into units, the groups of crops its recognizer reads in one
model call anyway (`batches`, the costliest first: PP-OCR's single lines on a CPU and its
batches of 16 by width on a GPU, Tesseract's single lines), so a unit read on its own reads
exactly as in the whole list. The page's own reader reads the units one after another;
other readers may take some of them:

- a reader idle in the pool is borrowed at once, reads units in a thread of its own until
  none is left, and goes back to the pool (also when a unit raises);
- a reader coming back to the pool (its page read, or the units it helped with done) first
  takes the units still offered by the earliest page being read, unless a page ranked
  before that one waits for a reader: the last page of a chapter is then not read by its
  own reader alone while the other core idles;
- a reader busy with a later page takes units of an earlier page between its own units
  (before its detection, before each unit it reads): work moves towards the earliest image
  and never the other way, so no page waits on a later one and nothing deadlocks. When
  every reader is busy with its own units the page simply reads alone.

ONNX Runtime and tesserocr release the GIL, so the units run side by side. Results are
merged by crop, in order: the same lines, text and scores as one reader gives. A recognizer
that does not say how it batches (the Korean ONNX one) is read in one unit, alone.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from workers.cores import CORES, Order
from workers.ocr.base import Recognition, TextRecognizer
from workers.types import Image

if TYPE_CHECKING:
    from workers.ocr.reader import PageReader

Rank = tuple[Order, int]

# The order of the page this thread is about to read (`ranked`).
_order = threading.local()


def current_order() -> Order:
    """The order of the page this thread reads (`ranked`)."""
    return tuple(getattr(_order, "value", ()))


@contextmanager
def ranked(order: Order) -> Iterator[None]:
    """A page lent a reader in this thread, within this block, ranks by `order` (lower is
    earlier: helped first, and helps only pages before it)."""
    before = getattr(_order, "value", ())
    _order.value = order
    try:
        yield
    finally:
        _order.value = before


def units_of(recognizer: TextRecognizer, crops: Sequence[Image]) -> list[list[int]]:
    """The crops' indices in the groups `recognizer` reads in one model call each, in its
    order (the costliest first); one group when it does not say how it batches."""
    plan = getattr(recognizer, "batches", None)
    units = [list(range(len(crops)))] if plan is None else [list(u) for u in plan(crops)]
    return [u for u in units if u]


class Job:
    """Crops of one page, by units, being read by its reader and any helpers."""

    def __init__(self, rank: Rank, index: int, crops: Sequence[Image],
                 units: list[list[int]]) -> None:
        self.rank = rank
        # Which of the reader's recognizers reads it (the same one on every reader).
        self.index = index
        self.crops = crops
        self.todo = units
        self.results: dict[int, Recognition] = {}
        self.running = 0
        self.error: Exception | None = None
        # Helpers may take units; the page's own reader always may.
        self.open = True


class Crew:
    """Page readers lent one page at a time, which help earlier pages (module doc)."""

    def __init__(self, readers: Sequence[PageReader]) -> None:
        self.readers = tuple(readers)
        self._idle = list(self.readers)
        self._cond = threading.Condition()
        self._jobs: list[Job] = []
        self._tickets = itertools.count()
        # The orders of the pages waiting for a reader (`lend`).
        self._waiting: list[Order] = []

    @contextmanager
    def lend(self) -> Iterator[PageReader]:
        """A reader for one page (blocks until one is free)."""
        order = current_order()
        with self._cond:
            self._waiting.append(order)
            try:
                self._cond.wait_for(lambda: bool(self._idle))
            finally:
                self._waiting.remove(order)
            reader = self._idle.pop()
            rank = (order, next(self._tickets))
        reader.sharing = Turn(self, reader, rank) if len(self.readers) > 1 else None
        try:
            yield reader
        finally:
            reader.sharing = None
            self._give_back(reader)

    @property
    def idle(self) -> int:
        with self._cond:
            return len(self._idle)

    def _give_back(self, reader: PageReader) -> None:
        """The reader back to the pool, or to the earliest page's offered units when no
        page ranked before that one waits for a reader."""
        with self._cond:
            job = next((j for j in self._jobs if j.open and j.todo and j.error is None), None)
            if job is None or any(order < job.rank[0] for order in self._waiting):
                self._rest(reader)
                return
        self._start_assist(job, reader)

    def _rest(self, reader: PageReader) -> None:
        """The reader into the pool (under the lock)."""
        self._idle.append(reader)
        self._cond.notify_all()

    def _start_assist(self, job: Job, reader: PageReader) -> None:
        try:
            threading.Thread(target=self._assist, args=(job, reader), daemon=True,
                             name="itp-ocr-helper").start()
        except RuntimeError:
            with self._cond:
                self._rest(reader)

    def post(self, job: Job, own: int) -> None:
        """Offers the job's units to helpers, and lends it the idle readers it can use
        besides the `own` units its page's reader is about to read."""
        with self._cond:
            self._jobs.append(job)
            self._jobs.sort(key=lambda j: j.rank)
            spare = min(len(self._idle), len(job.todo) - own)
            borrowed = [self._idle.pop() for _ in range(max(spare, 0))]
        for reader in borrowed:
            self._start_assist(job, reader)

    def withdraw(self, job: Job) -> None:
        """No helper takes another of the job's units (those running finish)."""
        with self._cond:
            job.open = False
            if job in self._jobs:
                self._jobs.remove(job)

    def take(self, job: Job, owner: bool) -> list[int] | None:
        with self._cond:
            if not job.todo or (not owner and not job.open) or job.error is not None:
                return None
            job.running += 1
            return job.todo.pop(0)

    def run(self, job: Job, unit: list[int], recognizer: TextRecognizer) -> None:
        """Reads one taken unit; an error stops the job and is raised to its page."""
        try:
            with CORES.held(job.rank[0]):
                found = recognizer.recognize([job.crops[i] for i in unit])
            if len(found) != len(unit):
                raise ValueError(f"{len(found)} recognitions for {len(unit)} crops")
        except Exception as exc:  # noqa: BLE001 - raised again by the page's reader
            with self._cond:
                job.error = job.error or exc
                job.todo.clear()
                job.running -= 1
                self._cond.notify_all()
            return
        with self._cond:
            job.results.update(zip(unit, found, strict=True))
            job.running -= 1
            self._cond.notify_all()

    def wait(self, job: Job) -> list[Recognition]:
        """Every crop's recognition once no unit is left or running (the job's error if one
        failed)."""
        self.withdraw(job)
        with self._cond:
            self._cond.wait_for(lambda: job.running == 0)
        if job.error is not None:
            raise job.error
        return [job.results[i] for i in range(len(job.crops))]

    def help(self, rank: Rank, reader: PageReader) -> None:
        """Reads units of pages ranked before `rank` while there are any."""
        while True:
            with self._cond:
                job = next((j for j in self._jobs if j.rank < rank and j.open
                            and j.todo and j.error is None), None)
                if job is None:
                    return
                job.running += 1
                unit = job.todo.pop(0)
            self.run(job, unit, reader.recognizers[job.index])

    def _assist(self, job: Job, reader: PageReader) -> None:
        try:
            while (unit := self.take(job, owner=False)) is not None:
                self.run(job, unit, reader.recognizers[job.index])
        finally:
            self._give_back(reader)


class Turn:
    """One page's time with a reader of a crew: its place in line and its shared
    recognizers."""

    def __init__(self, crew: Crew, reader: PageReader, rank: Rank) -> None:
        self.crew = crew
        self.reader = reader
        self.rank = rank

    def help(self) -> None:
        self.crew.help(self.rank, self.reader)

    def shared(self, recognizer: TextRecognizer) -> SharedRecognizer:
        return SharedRecognizer(self, self.reader.recognizers.index(recognizer))


class SharedRecognizer:
    """One of a lent reader's recognizers, reading with the crew's help."""

    def __init__(self, turn: Turn, index: int) -> None:
        self.turn = turn
        self.index = index
        self.own = turn.reader.recognizers[index]
        self.langs = self.own.langs

    @property
    def name(self) -> str:
        return self.own.name

    @property
    def min_score(self) -> float:
        return self.own.min_score

    def recognize(self, crops: Sequence[Image]) -> list[Recognition]:
        return self._start(crops, ahead=False).result()

    def start(self, crops: Sequence[Image]) -> Pending:
        """Starts reading `crops` ahead, while the page's reader does something else:
        helpers may take every unit now; `result` reads those left."""
        return self._start(crops, ahead=True)

    def _start(self, crops: Sequence[Image], ahead: bool) -> Pending:
        self.turn.help()
        job = Job(self.turn.rank, self.index, crops, units_of(self.own, crops))
        own = 0 if ahead else 1
        if len(job.todo) > own:
            self.turn.crew.post(job, own)
        return Pending(self, job)


class Pending:
    """Crops being read by a page's reader and its helpers."""

    def __init__(self, owner: SharedRecognizer, job: Job) -> None:
        self._owner = owner
        self._job = job

    def result(self) -> list[Recognition]:
        """Every crop's recognition: the units no helper took are read here, in turn with
        units of earlier pages."""
        crew, turn = self._owner.turn.crew, self._owner.turn
        while True:
            turn.help()
            unit = crew.take(self._job, owner=True)
            if unit is None:
                return crew.wait(self._job)
            crew.run(self._job, unit, self._owner.own)

    def withdraw(self) -> None:
        """Helpers take no more units: `result` reads those left, or they are dropped."""
        self._owner.turn.crew.withdraw(self._job)
