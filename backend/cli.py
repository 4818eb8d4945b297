"""The `itp` command."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import Any

from backend.settings import add_pipeline_flags, build_settings


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="itp", description="Image Translate Pipeline: find the "
                                "text in comic images, translate it, erase it, letter it in.")
    p.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    from backend import cmd_translate

    add_pipeline_flags(cmd_translate.add_parser(sub))
    for name in ("cmd_serve", "cmd_bench", "cmd_worker", "cmd_eval"):
        module = _optional(name)
        if module is not None:
            made = module.add_parser(sub)
            if made is not None and getattr(module, "PIPELINE_FLAGS", True):
                add_pipeline_flags(made)
    models = _optional("cmd_models")
    if models is not None:
        models.add_parser(sub)
    return p


def _optional(name: str) -> Any:
    import importlib

    try:
        return importlib.import_module(f"backend.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"backend.{name}":
            raise
        return None


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    import importlib

    module = importlib.import_module(f"backend.cmd_{args.command}")
    if args.command == "models":
        return int(module.run(args))
    return int(module.run(args, build_settings(args)))


if __name__ == "__main__":
    sys.exit(main())
