"""LaMa inpainting (big-lama, fine-tuned on manga): `LamaInpainter` and `load_lama`.

Importing this package imports torch; the inpainter registry imports it only when LaMa is
chosen.
"""

from __future__ import annotations

from workers.config import MachineSettings
from workers.inpaint.lama.inpainter import LamaInpainter, paste_masked
from workers.models.download import resolve_weights

__all__ = ["MODEL_NAME", "LamaInpainter", "load_lama", "paste_masked"]

# The manifest entry holding the weights.
MODEL_NAME = "lama"


def load_lama(settings: MachineSettings, allow_download: bool) -> LamaInpainter:
    """The inpainter `settings` ask for: random weights (`lama_random_weights`), the file at
    `lama_weights`, or the manifest's checkpoint from the cache, downloaded first when
    `allow_download`. Raises ModelMissing when the weights cannot be had."""
    device, precision, threads = settings.device, settings.precision, settings.threads
    if settings.lama_random_weights:
        return LamaInpainter.random(device=device, precision=precision, threads=threads)
    path = resolve_weights(MODEL_NAME, settings.lama_weights, settings.cache_dir, allow_download)
    return LamaInpainter.from_checkpoint(path, device=device, precision=precision, threads=threads)
