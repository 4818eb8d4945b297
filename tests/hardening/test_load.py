"""A small run of scripts/load_test.py in CI: `itp serve` as a subprocess, 3 clients x 5
distinct pages at once; nothing lost, no duplicate `done`, no error, every result served.
The full run (20 x 40) is `.venv/bin/python scripts/load_test.py`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_small_load_loses_nothing() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "load_test.py"), "--clients", "3",
         "--images", "5", "--timeout", "240", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=400, check=False)
    assert done.stdout.strip(), done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert done.returncode == 0, result
    assert (result["accepted"], result["done"]) == (15, 15)
    assert result["lost"] == 0 and result["duplicate_done"] == 0
    assert result["errors"] == 0 and result["results_bad"] == 0
    assert result["first_result_s"]["max"] is not None
    assert result["peak_rss_mb"] > 0
