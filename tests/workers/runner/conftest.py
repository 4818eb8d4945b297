"""The stage-worker rig over the memory transport (see rig.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.workers.runner.rig import Rig, make_rig
from workers.transport.memory import MemoryTransport


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    made = make_rig(MemoryTransport())
    yield made
    made.ctx.close()
