"""The `itp` command: one module per subcommand (`backend/cmd_<name>.py`), imported only when
its subcommand runs, so `itp translate` never loads the server or Redis code."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from backend.settings import add_pipeline_flags, build_settings

# name -> (help, takes the pipeline flags)
COMMANDS: dict[str, tuple[str, bool]] = {
    "translate": ("translate image files, folders or URLs into OUTDIR", True),
    "serve": ("run the server the browser extension talks to", True),
    "worker": ("run pipeline stages as workers on Redis", True),
    "bench": ("measure speed and memory on a chapter (default: the sample webtoon)", True),
    "eval": ("measure quality on the sample pages (JSON + HTML contact sheet)", True),
    "models": ("list, download and check model files", False),
}


def parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    """The full parser; only the chosen subcommand's module is imported to build it."""
    p = argparse.ArgumentParser(prog="itp", description="Image Translate Pipeline: find the "
                                "text in comic images, translate it, erase it, letter it in.")
    p.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = next((a for a in argv if a in COMMANDS), None)
    for name, (help_text, pipeline_flags) in COMMANDS.items():
        if name != chosen:
            sub.add_parser(name, help=help_text)
            continue
        made = importlib.import_module(f"backend.cmd_{name}").add_parser(sub)
        if pipeline_flags and made is not None:
            add_pipeline_flags(made)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    args = parser(args_list).parse_args(args_list)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    module = importlib.import_module(f"backend.cmd_{args.command}")
    if not COMMANDS[args.command][1]:
        return int(module.run(args))
    return int(module.run(args, build_settings(args)))


if __name__ == "__main__":
    sys.exit(main())
