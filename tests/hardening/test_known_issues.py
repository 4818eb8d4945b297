"""Regressions for problems the hardening suites found in the pipeline's models."""

from __future__ import annotations

import numpy as np

from tests.hardening.support import hardening_settings
from workers.pipeline.models import Models


def test_a_very_wide_banner_is_read_without_error() -> None:
    models = Models(hardening_settings().machine)
    models.load(["ocr"])
    with models.reader() as reader:
        assert reader.read(np.full((100, 20_000, 3), 255, np.uint8)).lines == []
