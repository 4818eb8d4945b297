"""Page analysers by name, each imported only when chosen."""

from __future__ import annotations

from workers.config import MachineSettings
from workers.errors import ModelMissing
from workers.process.base import PageAnalyser

NAMES = ("auto", "classical")


def load_analyser(machine: MachineSettings) -> PageAnalyser:
    name = machine.analyser
    if name in ("auto", "classical"):
        from workers.process.classical import ClassicalAnalyser

        return ClassicalAnalyser()
    raise ModelMissing(f"unknown page analyser {name!r} (known: {', '.join(NAMES)})")
