"""Inpainters by name, each imported only when chosen (torch is loaded only for LaMa).

`auto`: LaMa when its weights are here, else OpenCV.
"""

from __future__ import annotations

import logging

from workers.config import MachineSettings
from workers.errors import ModelMissing
from workers.inpaint.base import Inpainter

log = logging.getLogger(__name__)

NAMES = ("auto", "lama", "opencv")
_LAMA_HINT = ("get LaMa with `itp models fetch lama`, or point ITP_LAMA_WEIGHTS / --lama-weights "
              "at a downloaded checkpoint")


def load_inpainter(machine: MachineSettings) -> Inpainter:
    name = machine.inpainter
    if name == "opencv":
        from workers.inpaint.opencv import OpenCVInpainter

        return OpenCVInpainter()
    if name not in NAMES:
        raise ModelMissing(f"unknown inpainter {name!r} (known: {', '.join(NAMES)})")
    from workers.inpaint.lama import load_lama

    if name == "lama" or machine.lama_random_weights:
        return load_lama(machine, allow_download=machine.download)
    try:
        return load_lama(machine, allow_download=False)
    except ModelMissing:
        from workers.inpaint.opencv import OpenCVInpainter

        log.warning("LaMa weights not found: textured backgrounds use OpenCV inpainting "
                    "(smeary on screentone); %s", _LAMA_HINT)
        return OpenCVInpainter()
