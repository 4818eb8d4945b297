"""The fast forms of the morphology helpers give what the plain OpenCV calls give."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from workers.process.morph import components, dilate, dilate_in


@pytest.mark.parametrize("connectivity", [4, 8])
def test_components_match_opencv(connectivity: int) -> None:
    rng = np.random.default_rng(0)
    for _ in range(100):
        h, w = (int(v) for v in rng.integers(1, 60, 2))
        mask = rng.random((h, w)) < rng.random()
        count, labels, stats, _ = cv2.connectedComponentsWithStats(
            mask.astype(np.uint8), connectivity=connectivity)
        got_count, got_labels, got_stats = components(mask, connectivity)
        assert got_count == count
        np.testing.assert_array_equal(got_labels, labels)
        # Row 0 (the background) is left out on purpose.
        np.testing.assert_array_equal(got_stats[1:], stats[1:])


def test_components_of_nothing() -> None:
    count, labels, stats = components(np.zeros((5, 7), bool))
    assert count == 1 and not labels.any() and stats.shape == (1, 5)


def test_dilate_in_is_dilate_on_where() -> None:
    rng = np.random.default_rng(1)
    for _ in range(50):
        mask = rng.random((80, 90)) < 0.01
        where = np.zeros_like(mask)
        x, y = (int(v) for v in rng.integers(0, 65, 2))
        where[y:y + 15, x:x + 12] = rng.random((15, 12)) < 0.7
        radius = float(rng.uniform(1.5, 9.0))
        np.testing.assert_array_equal(dilate_in(mask, radius, where),
                                      dilate(mask, radius) & where)
    assert not dilate_in(np.ones((4, 4), bool), 2.0, np.zeros((4, 4), bool)).any()
