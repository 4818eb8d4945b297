"""Page analysers by name, each imported only when chosen.

- `classical`: no weights (`workers.process.classical`).
- `rtdetr`: the learned bubble detector in front of the classical analysis
  (`workers.process.learned`); its 11 MB of weights are downloaded on first use unless
  downloads are off.
- `auto` (default): `rtdetr` when its weights are already in the cache, else `classical`.
  It never downloads: the classical analysis is the default wherever there are no weights.
"""

from __future__ import annotations

from workers.config import MachineSettings
from workers.errors import ModelMissing
from workers.process.base import PageAnalyser

NAMES = ("auto", "classical", "rtdetr")


def load_analyser(machine: MachineSettings) -> PageAnalyser:
    name = machine.analyser
    if name not in NAMES:
        raise ModelMissing(f"unknown page analyser {name!r} (known: {', '.join(NAMES)})")
    if name != "classical":
        from workers.process.learned import load_detector_analyser

        try:
            return load_detector_analyser(
                machine.cache_dir, allow_download=name == "rtdetr" and machine.download,
                threads=machine.threads, device=machine.device)
        except ModelMissing:
            if name == "rtdetr":
                raise
    from workers.process.classical import ClassicalAnalyser

    return ClassicalAnalyser()
