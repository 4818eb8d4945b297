"""`itp models list|fetch NAME|verify [NAME...]`: the model files of the manifest.

The cache directory comes from `--cache-dir`, `ITP_CACHE_DIR` or the config file, as for the
other commands (`backend.settings`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from workers.errors import ItpError
from workers.models.download import cached_path, download, verify_file
from workers.models.manifest import ModelEntry, get_entry, load_manifest


def add_parser(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "models",
        help="list, download and check model files",
        description="Model files itp downloads: name, size, licence, URL and sha256.",
    )
    # SUPPRESS: an unset flag must not shadow a --cache-dir parsed elsewhere.
    p.add_argument(
        "--cache-dir", type=Path, default=argparse.SUPPRESS, help="where models and caches live"
    )
    sub = p.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    sub.add_parser("list", help="the manifest, and which files are in the cache")
    fetch = sub.add_parser("fetch", help="download a model (progress bar, sha256 check)")
    fetch.add_argument("name", help="model name, as `itp models list` shows it")
    fetch.add_argument("--force", action="store_true", help="download again even if cached")
    verify = sub.add_parser("verify", help="re-hash the cached files against the manifest")
    verify.add_argument("names", nargs="*", metavar="NAME", help="only these models")


def run(args: argparse.Namespace) -> int:
    cache_dir = _cache_dir(args)
    try:
        if args.models_command == "list":
            return _list(cache_dir)
        if args.models_command == "fetch":
            return _fetch(get_entry(args.name), cache_dir, force=bool(args.force))
        return _verify(list(args.names), cache_dir)
    except ItpError as e:
        print(f"itp: {e.one_line()}", file=sys.stderr)
        return 1


def _cache_dir(args: argparse.Namespace) -> Path | None:
    from backend.settings import build_settings

    return build_settings(args).machine.cache_dir


def format_size(entry: ModelEntry) -> str:
    mb = entry.size_bytes / 1_000_000
    return f"{'' if entry.size_exact else '~'}{mb:.0f} MB"


def _status(entry: ModelEntry, cache_dir: Path | None) -> str:
    path = cached_path(entry, cache_dir)
    if not path.exists():
        return "no"
    return "yes" if verify_file(entry, path) else "bad"


def _list(cache_dir: Path | None) -> int:
    rows = [("NAME", "SIZE", "LICENCE", "CACHED", "DESCRIPTION")]
    entries = list(load_manifest().values())
    for e in entries:
        rows.append((e.name, format_size(e), e.licence, _status(e, cache_dir), e.description))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) + "  " + row[4])
    for e in entries:
        print(f"\n{e.name}: {e.url}\n  sha256 {e.sha256}\n  file   {cached_path(e, cache_dir)}")
    return 0


def _fetch(entry: ModelEntry, cache_dir: Path | None, *, force: bool) -> int:
    path = cached_path(entry, cache_dir)
    if not force and path.exists() and verify_file(entry, path):
        print(f"{entry.name}: already cached at {path}")
        return 0
    print(f"{entry.name}: downloading {entry.url} ({format_size(entry)}, {entry.licence})")
    path = download(entry, cache_dir)
    print(f"{entry.name}: sha256 ok, saved to {path}")
    return 0


def _verify(names: list[str], cache_dir: Path | None) -> int:
    entries = [get_entry(n) for n in names] if names else list(load_manifest().values())
    failed = 0
    for e in entries:
        path = cached_path(e, cache_dir)
        if not path.exists():
            # Asked about by name, a missing file is a failure; in the full listing it is not.
            failed += bool(names)
            print(f"{e.name}: not cached ({path})")
            continue
        if verify_file(e, path, use_stamp=False):
            print(f"{e.name}: ok ({path})")
        else:
            failed += 1
            print(f"{e.name}: SHA256 MISMATCH ({path}); run `itp models fetch {e.name} --force`")
    return 1 if failed else 0
