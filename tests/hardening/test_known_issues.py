"""Problems the hardening suites found outside the modules they may change, pinned so that a
fix shows up here (strict xfail turns into a failure once it passes)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.hardening.support import hardening_settings
from workers.pipeline.models import Models


@pytest.mark.xfail(strict=True, reason="workers/ocr/engine.py: RapidOCR resizes a very wide, "
                   "short page to zero rows and raises ResizeImgError (the image then fails "
                   "alone with `internal`)")
def test_a_very_wide_banner_is_read_without_error() -> None:
    models = Models(hardening_settings())
    models.load()
    assert models.ocr.read(np.full((100, 20_000, 3), 255, np.uint8)) == []
