"""Readers of a crew reading one page together (`workers.ocr.crew`), with stand-in
detectors and recognizers: the same recognitions in the same order as one reader, borrowed
readers always given back, and no waiting on a busy crew."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack

import numpy as np
import pytest

from workers.ocr.base import Quad, Recognition
from workers.ocr.crew import Crew, SharedRecognizer, ranked, units_of
from workers.ocr.reader import PageReader
from workers.types import Image

WAIT_S = 10.0


class Lines:
    """Reads a crop's grey level as its text, in batches of `group` crops, and logs which
    reader read which crops. `before` runs before each call (to hold or fail it)."""

    min_score = 0.5
    langs = frozenset({"ja"})

    def __init__(self, name: str, log: list[tuple[str, list[int]]], group: int = 1,
                 before: Callable[[Lines], None] | None = None) -> None:
        self.name = name
        self.log = log
        self.group = group
        self.before = before
        self.calls = 0

    def recognize(self, crops: Sequence[Image]) -> list[Recognition]:
        self.calls += 1
        if self.before is not None:
            self.before(self)
        levels = [int(c[0, 0, 0]) for c in crops]
        self.log.append((self.name, levels))
        return [Recognition(f"line {v}", 0.9) for v in levels]

    def batches(self, crops: Sequence[Image]) -> list[list[int]]:
        n = len(crops)
        return [list(range(i, min(i + self.group, n))) for i in range(0, n, self.group)]


class Boxes:
    """Finds a row of boxes, 30 px apart."""

    name = "fake"

    def __init__(self, count: int) -> None:
        self.count = count

    def detect(self, image: Image) -> list[Quad]:
        return [((10.0, 30.0 * i + 5), (50.0 + 9 * i, 30.0 * i + 5),
                 (50.0 + 9 * i, 30.0 * i + 25), (10.0, 30.0 * i + 25))
                for i in range(self.count)]


def _page(count: int) -> Image:
    """Each box of `Boxes` filled with its own grey level."""
    page = np.zeros((30 * count + 10, 300, 3), np.uint8)
    for i in range(count):
        page[30 * i : 30 * i + 30] = 10 + 7 * i
    return page


def _crops(count: int) -> list[Image]:
    return [np.full((20, 20 + 5 * i, 3), 10 + i, np.uint8) for i in range(count)]


def _crew(log: list[tuple[str, list[int]]], *recognizers: Lines) -> Crew:
    return Crew([PageReader(Boxes(12), [r]) for r in recognizers])


def _shared(reader: PageReader) -> SharedRecognizer:
    assert reader.sharing is not None
    return reader.sharing.shared(reader.main)


def _in_thread(body: Callable[[], object]) -> object:
    """Runs `body` in a thread: a deadlock fails the test instead of hanging it."""
    out: list[object] = []
    thread = threading.Thread(target=lambda: out.append(body()), daemon=True)
    thread.start()
    thread.join(WAIT_S)
    assert not thread.is_alive(), "the read never finished (deadlock)"
    return out[0]


def _eventually(check: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + WAIT_S
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def test_a_page_read_by_two_readers_reads_as_by_one() -> None:
    log: list[tuple[str, list[int]]] = []
    both = threading.Barrier(2)

    def meet(rec: Lines) -> None:
        if rec.calls == 1:  # each reader's first unit waits for the other's
            both.wait(WAIT_S)

    crew = _crew(log, Lines("own", log, 3, before=meet), Lines("other", log, 3, before=meet))
    crops = _crops(10)
    with crew.lend() as reader:
        found = _in_thread(lambda: _shared(reader).recognize(crops))
    assert found == Lines("solo", [], 10).recognize(crops)
    assert {name for name, _ in log} == {"own", "other"}, log
    assert sorted(v for _, levels in log for v in levels) == [10 + i for i in range(10)]
    assert all(len(levels) <= 3 for _, levels in log), "read in the recognizer's batches"
    assert _eventually(lambda: crew.idle == 2)


def test_a_lent_reader_reads_the_same_page_text_as_a_lone_one() -> None:
    log: list[tuple[str, list[int]]] = []
    crew = _crew(log, Lines("a", log, 2), Lines("b", log, 2))
    alone = PageReader(Boxes(12), [Lines("alone", [], 2)])
    page = _page(12)
    with crew.lend() as reader:
        text = reader.read(page, "ja")
    assert text == alone.read(page, "ja")
    assert [ln.text for ln in text.lines] == [f"line {10 + 7 * i}" for i in range(12)]
    assert _eventually(lambda: crew.idle == 2)


def test_a_borrowed_reader_goes_back_when_its_recognition_raises() -> None:
    log: list[tuple[str, list[int]]] = []
    failed = threading.Event()

    def hold(rec: Lines) -> None:
        failed.wait(WAIT_S)

    def fail(rec: Lines) -> None:
        failed.set()
        raise RuntimeError("the model broke")

    first, second = Lines("first", log, before=hold), Lines("second", log, before=fail)
    crew = _crew(log, first, second)
    with crew.lend() as reader:
        if reader.main is second:
            first.before, second.before = fail, hold
        with pytest.raises(RuntimeError, match="the model broke"):
            _shared(reader).recognize(_crops(6))
        assert _eventually(lambda: crew.idle == 1), "the borrowed reader is back"
    assert crew.idle == 2
    with crew.lend(), crew.lend():
        assert crew.idle == 0


def test_the_pages_own_error_reaches_it_and_its_reader_goes_back() -> None:
    log: list[tuple[str, list[int]]] = []

    def fail(rec: Lines) -> None:
        raise ValueError("bad crop")

    crew = _crew(log, Lines("a", log, before=fail), Lines("b", log, before=fail))
    with pytest.raises(ValueError, match="bad crop"), crew.lend() as reader:
        _shared(reader).recognize(_crops(4))
    assert _eventually(lambda: crew.idle == 2)


def test_with_every_reader_busy_a_page_reads_alone() -> None:
    log: list[tuple[str, list[int]]] = []
    crew = _crew(log, Lines("a", log), Lines("b", log))
    crops = _crops(6)
    with crew.lend() as first, crew.lend() as second:
        assert crew.idle == 0
        found = _in_thread(lambda: _shared(first).recognize(crops))
        assert found == Lines("solo", [], 6).recognize(crops)
        assert {name for name, _ in log} == {first.main.name}
        assert second.main.name != first.main.name


def test_help_goes_to_earlier_pages_only() -> None:
    log: list[tuple[str, list[int]]] = []
    crew = _crew(log, Lines("a", log), Lines("b", log))
    crops = _crops(5)
    with crew.lend() as early, crew.lend() as late:
        assert early.sharing is not None and late.sharing is not None
        # The later page's lines are offered; the earlier page's reader leaves them.
        pending = _shared(late).start(crops)
        early.sharing.help()
        assert log == []
        assert pending.result() == Lines("solo", [], 5).recognize(crops)
        assert {name for name, _ in log} == {late.main.name}
        log.clear()
        # The earlier page's lines are read by the later page's reader when it can.
        pending = _shared(early).start(crops)
        late.sharing.help()
        assert {name for name, _ in log} == {late.main.name}
        assert pending.result() == Lines("solo", [], 5).recognize(crops)
        assert len(log) == 5, "nothing read twice"


def test_the_pipelines_order_ranks_pages_before_the_lending_order() -> None:
    log: list[tuple[str, list[int]]] = []
    crew = _crew(log, Lines("a", log), Lines("b", log))
    crops = _crops(4)
    with (ranked((1, 0, 5)), crew.lend() as later,
          ranked((1, 0, 2)), crew.lend() as earlier):
        assert later.sharing is not None
        pending = _shared(earlier).start(crops)
        later.sharing.help()
        assert {name for name, _ in log} == {later.main.name}
        assert pending.result() == Lines("solo", [], 4).recognize(crops)


def test_lines_started_ahead_are_offered_even_in_one_unit() -> None:
    log: list[tuple[str, list[int]]] = []
    crew = _crew(log, Lines("a", log, 4), Lines("b", log, 4))
    crops = _crops(3)
    with crew.lend() as early, crew.lend() as late:
        assert late.sharing is not None
        ahead = _shared(early).start(crops)
        alone = _shared(early).recognize(crops[:2])  # one unit, read now: not offered
        late.sharing.help()
        assert log == [(early.main.name, [10, 11]), (late.main.name, [10, 11, 12])]
        assert ahead.result() == Lines("solo", [], 3).recognize(crops)
        assert alone == Lines("solo", [], 2).recognize(crops[:2])


def test_withdrawn_lines_are_read_by_the_page_itself() -> None:
    log: list[tuple[str, list[int]]] = []
    crew = _crew(log, Lines("a", log), Lines("b", log))
    crops = _crops(4)
    with crew.lend() as early, crew.lend() as late:
        assert late.sharing is not None
        pending = _shared(early).start(crops)
        pending.withdraw()
        late.sharing.help()
        assert log == []
        assert pending.result() == Lines("solo", [], 4).recognize(crops)
        assert {name for name, _ in log} == {early.main.name}


def test_a_reader_coming_back_reads_the_lines_still_offered() -> None:
    log: list[tuple[str, list[int]]] = []
    crew = _crew(log, Lines("a", log), Lines("b", log))
    crops = _crops(6)
    with ExitStack() as first:
        early = first.enter_context(crew.lend())
        with crew.lend() as late:
            # Every reader is busy when the later page offers its lines: none is borrowed.
            pending = _shared(late).start(crops)
            assert log == []
            first.close()  # the earlier page is read; its reader comes back to the pool
            assert _eventually(lambda: len(log) == 6), "the returning reader reads them"
            assert {name for name, _ in log} == {early.main.name}
            assert pending.result() == Lines("solo", [], 6).recognize(crops)
    assert _eventually(lambda: crew.idle == 2)


def test_a_reader_coming_back_goes_first_to_an_earlier_page_waiting_for_one() -> None:
    log: list[tuple[str, list[int]]] = []
    crew = _crew(log, Lines("a", log), Lines("b", log))
    crops = _crops(4)
    lent: list[tuple[PageReader, int]] = []

    def next_page() -> None:
        with ranked((1, 0, 1)), crew.lend() as reader:
            lent.append((reader, len(log)))

    with ExitStack() as first:
        with ranked((1, 0, 0)):
            early = first.enter_context(crew.lend())
        with ranked((1, 0, 5)), crew.lend() as late:
            pending = _shared(late).start(crops)
            waiter = threading.Thread(target=next_page, daemon=True)
            waiter.start()
            assert _eventually(lambda: len(crew._waiting) == 1)
            first.close()
            waiter.join(WAIT_S)
            assert lent == [(early, 0)], "page 1 is lent the reader before page 5 is helped"
            assert pending.result() == Lines("solo", [], 4).recognize(crops)
    assert _eventually(lambda: crew.idle == 2)


def test_a_crew_of_one_reads_without_sharing() -> None:
    log: list[tuple[str, list[int]]] = []
    crew = _crew(log, Lines("a", log))
    with crew.lend() as reader:
        assert reader.sharing is None
        assert reader.read(_page(3), "ja").lines
    assert crew.idle == 1


def test_units_are_the_recognizers_batches_in_its_order() -> None:
    crops = _crops(7)
    units = units_of(Lines("a", [], 3), crops)
    assert units == [[0, 1, 2], [3, 4, 5], [6]]
    assert units_of(Lines("a", [], 3), []) == []

    class Whole:
        """A recognizer that does not say how it batches: read in one unit."""

        name, langs, min_score = "whole", frozenset({"ja"}), 0.5

        def recognize(self, crops: Sequence[Image]) -> list[Recognition]:
            return []

    assert units_of(Whole(), crops) == [list(range(7))]
