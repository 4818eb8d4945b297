"""Choosing the inpainter for textured blocks from the settings (imported lazily: torch is
only loaded when LaMa is actually used)."""

from __future__ import annotations

import logging

from workers.config import Settings
from workers.errors import ModelMissing
from workers.inpaint.base import Inpainter
from workers.inpaint.opencv import OpenCVInpainter

log = logging.getLogger(__name__)

_LAMA_HINT = ("get LaMa with `itp models fetch lama`, or point ITP_LAMA_WEIGHTS / --lama-weights "
              "at a downloaded checkpoint")


def load_inpainter(settings: Settings) -> Inpainter:
    if settings.inpainter == "opencv":
        return OpenCVInpainter()
    from workers.inpaint.lama import load_lama

    if settings.inpainter == "lama" or settings.lama_random_weights:
        return load_lama(settings, allow_download=True)
    try:
        return load_lama(settings, allow_download=False)
    except ModelMissing:
        log.warning("LaMa weights not found: textured backgrounds use OpenCV inpainting "
                    "(smeary on screentone); %s", _LAMA_HINT)
        return OpenCVInpainter()
