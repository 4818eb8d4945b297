"""The stage graph, described once: every stage, the values it consumes and produces, the
queues it reads, and the join. Both runners (the embedded one and the Redis stage workers)
execute this description; neither knows the stages by heart.

The graph is a dataflow: a stage runs once everything it consumes exists and nothing it
produces does yet. Shortcuts are stages producing a value early: `process` answers an empty
page's `translations` and `erased` itself (so nothing else runs before `render`), an
erase-only job's `translations`; `preprocess` answers `erased` when no crop needs the model.

```
input ─ ocr ─ image, text ─ process ─ layout ─┬─ translate ─ translations ─┐
                                              └─ preprocess ─ filled, crops  ├─ render ─ result
                                                 └──(crops)── inpaint ─ erased ┘
```

`render` is the join: its two halves come from branches that run side by side, and
whichever half arrives second moves the image on (the Redis transport records the halves in
its ledger; the embedded runner in memory).

This module is import-light (types only): the transport layer reads its queues and join from
here; the stage bodies live in `workers.pipeline.stages`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from workers.types import Crop, Erased, Image, PageLayout, PageResult, PageText, SizeClass

Values = Mapping[str, Any]

# Every value an image's work can hold, by name, with its type (the codec's guide).
VALUES: dict[str, object] = {
    "input": bytes,
    "image": Image,
    "text": PageText,
    "layout": PageLayout,
    "translations": list[str],
    "filled": Image,
    "crops": list[Crop],
    "erased": Erased,
    "result": PageResult,
}

# A page whose longer side is over this goes to the `long` preprocess queue: a strip.
LONG_PAGE_SIDE = 2048


def _page_class(values: Values) -> SizeClass:
    layout: PageLayout = values["layout"]
    return "long" if max(layout.width, layout.height) > LONG_PAGE_SIDE else "short"


def _crops_class(values: Values) -> SizeClass:
    crops: list[Crop] = values["crops"]
    return "long" if any(c.size_class == "long" for c in crops) else "short"


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    consumes: tuple[str, ...]
    produces: tuple[str, ...]
    # Size classes, each its own queue (`preprocess:long`), so a worker batches like with
    # like and a long strip never shares a batch with small pages; `size_class` picks one
    # from the values present when the stage is entered.
    classes: tuple[SizeClass, ...] = ()
    size_class: Callable[[Values], SizeClass] | None = None
    # Pages one worker runs at once (threads for the CPU stages, requests in flight for
    # translation); OCR runs one page per engine instead.
    concurrency: int = 1
    # Pages per model call: inpainting batches the crops of several pages into one call;
    # kept small because GPU workers may share one card. Long strips are never batched.
    batch: int = 1
    # A page running longer than this is presumed hung: its lease stops being renewed, so
    # it is reclaimed (and, if it keeps hanging, dead-lettered) instead of held forever.
    max_run_s: float = 120.0

    @property
    def queues(self) -> tuple[str, ...]:
        return tuple(f"{self.name}:{c}" for c in self.classes) or (self.name,)

    def queue_for(self, values: Values) -> str:
        if self.size_class is None:
            return self.name
        return f"{self.name}:{self.size_class(values)}"


STAGES: tuple[Stage, ...] = (
    Stage("ocr", ("input",), ("image", "text"), max_run_s=300.0),
    Stage("process", ("image", "text"), ("layout",)),
    Stage("translate", ("layout",), ("translations",), concurrency=4, max_run_s=900.0),
    Stage("preprocess", ("image", "layout"), ("filled", "crops", "erased"),
          ("long", "short"), _page_class),
    Stage("inpaint", ("filled", "crops"), ("erased",), ("long", "short"), _crops_class,
          batch=2, max_run_s=900.0),
    Stage("render", ("image", "layout", "translations", "erased"), ("result",)),
)
BY_NAME: dict[str, Stage] = {s.name: s for s in STAGES}
NAMES: tuple[str, ...] = tuple(BY_NAME)
FIRST = "ocr"
FINAL_VALUE = "result"
# The join: its stage, and the values that arrive from the two branches.
JOIN_STAGE = "render"
JOIN_HALVES: tuple[str, str] = ("translations", "erased")
# What the transport needs: stage -> the queues its workers read.
STAGE_QUEUES: dict[str, tuple[str, ...]] = {s.name: s.queues for s in STAGES}


@dataclass(frozen=True, slots=True)
class Next:
    """Where an image goes after a stage: `stage` through `queue`; `halves` set for the join
    (the join's values this step brings)."""

    stage: str
    queue: str
    halves: tuple[str, ...] = ()


def successors(done: str, new: Values, have: Collection[str]) -> list[Next]:
    """The stages to enter after `done` produced `new`, with `have` every value the image
    holds now (`new` included). The join is entered with the halves `new` brings; the
    runner enters it for real once both halves are there."""
    out: list[Next] = []
    for stage in STAGES:
        if stage.name == done or not set(stage.consumes) & set(new):
            continue
        if set(stage.produces) & set(have):
            continue
        if stage.name == JOIN_STAGE:
            halves = tuple(h for h in JOIN_HALVES if h in new)
            base = [v for v in stage.consumes if v not in JOIN_HALVES]
            if halves and all(v in have for v in base):
                out.append(Next(stage.name, stage.queue_for(new), halves))
            continue
        if all(v in have for v in stage.consumes):
            out.append(Next(stage.name, stage.queue_for(new)))
    return out


def ready(stage: str, have: Collection[str]) -> bool:
    return all(v in have for v in BY_NAME[stage].consumes)


def value_type(name: str) -> object:
    try:
        return VALUES[name]
    except KeyError:
        raise KeyError(f"the stage graph has no value called {name!r}") from None
