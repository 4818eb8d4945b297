"""`itp worker`, with a process stage that crashes (a plain RuntimeError, as a bug in a stage
library would) on every page whose top-left pixel is magenta. Test-only entry point: the
patch lives here, never in the worker itself."""

from __future__ import annotations

import sys

from workers.pipeline import stages

_real_process = stages.process


def _process(env: stages.Env, values: stages.Values) -> stages.Produced:
    if tuple(int(v) for v in values["image"][0, 0]) == (255, 0, 255):
        raise RuntimeError("this page always crashes the process stage")
    return _real_process(env, values)


if __name__ == "__main__":
    stages.BODIES["process"] = _process
    from backend.cli import main

    sys.exit(main(sys.argv[1:]))
