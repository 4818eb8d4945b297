"""Fetching, caching and checking model files.

Files live in `<cache root>/models/<filename>`, the cache root being `--cache-dir` /
`Settings.cache_dir` or else the platform's user cache directory for "itp" (e.g.
`~/.cache/itp` on Linux). A download is streamed to a temporary file in that directory, hashed
on the way, and renamed into place only when its sha256 matches the manifest, so a crash or a
concurrent download never leaves a half-written file under the real name.

Hashing 200 MB takes about a second, so a verified file gets a small stamp beside it
(`.<filename>.verified`: sha256, size, mtime, inode); a later start re-hashes only if the file
changed. `itp models verify` always re-hashes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import IO

import httpx
from platformdirs import user_cache_dir
from tqdm import tqdm

from workers.errors import ModelMissing
from workers.models.manifest import ModelEntry, get_entry

log = logging.getLogger(__name__)

_CHUNK = 1 << 20


def models_dir(cache_dir: Path | None = None) -> Path:
    """Where model files are kept: `<cache_dir>/models`, by default under the user cache dir."""
    root = cache_dir if cache_dir is not None else Path(user_cache_dir("itp"))
    return root / "models"


def cached_path(entry: ModelEntry, cache_dir: Path | None = None) -> Path:
    return models_dir(cache_dir) / entry.filename


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _stamp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.verified")


def _stamp(path: Path) -> dict[str, object]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "inode": st.st_ino}


def verify_file(entry: ModelEntry, path: Path, *, use_stamp: bool = True) -> bool:
    """Whether `path` holds exactly the manifest's file. With `use_stamp`, a file unchanged
    since its last successful check is not hashed again."""
    if not path.is_file():
        return False
    stamp_file = _stamp_path(path)
    current = {**_stamp(path), "sha256": entry.sha256}
    if use_stamp:
        with contextlib.suppress(OSError, ValueError):
            if json.loads(stamp_file.read_text(encoding="utf-8")) == current:
                return True
    if sha256_file(path) != entry.sha256:
        with contextlib.suppress(OSError):
            stamp_file.unlink()
        return False
    with contextlib.suppress(OSError):
        # A read-only cache only costs the re-hash next time.
        stamp_file.write_text(json.dumps(current), encoding="utf-8")
    return True


def _offline_hint(entry: ModelEntry) -> str:
    hint = entry.local_hint()
    local = f" Download it elsewhere and {hint}, or" if hint else ""
    return f"{local} run `itp models fetch {entry.name}` when online."


def download(
    entry: ModelEntry,
    cache_dir: Path | None = None,
    *,
    progress: bool | None = None,
    timeout_s: float = 60.0,
) -> Path:
    """Download `entry` into the cache, check its sha256, and return its path.

    `progress`: show a progress bar (default: when stderr is a terminal). Raises ModelMissing
    naming the URL on any network error, HTTP error or checksum mismatch.
    """
    target = cached_path(entry, cache_dir)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ModelMissing(f"cannot create the model cache {target.parent}: {e}") from e
    show = sys.stderr.isatty() if progress is None else progress
    # A server that keeps sending is cut off well past the expected size instead of filling
    # the disk; the hash decides whether what arrived is the file.
    cap = entry.size_bytes if entry.size_exact else entry.size_bytes * 2
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{entry.filename}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            digest = _stream(entry, out, show=show, cap=cap, timeout_s=timeout_s)
            out.flush()
            os.fsync(out.fileno())
        if digest != entry.sha256:
            raise ModelMissing(
                f"{entry.url} sent a file whose sha256 is {digest}, not the expected "
                f"{entry.sha256}; nothing was saved."
            )
        os.replace(tmp, target)
    except OSError as e:
        raise ModelMissing(f"cannot write {target}: {e}") from e
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    verify_file(entry, target)  # writes the stamp; the hash was just checked
    log.info("model downloaded", extra={"model": entry.name, "path": str(target)})
    return target


def _stream(entry: ModelEntry, out: IO[bytes], *, show: bool, cap: int, timeout_s: float) -> str:
    digest = hashlib.sha256()
    received = 0
    timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, 15.0))
    try:
        with (
            httpx.Client(follow_redirects=True, timeout=timeout) as client,
            client.stream("GET", entry.url) as response,
        ):
            response.raise_for_status()
            length = response.headers.get("content-length")
            total = int(length) if length and length.isdigit() else entry.size_bytes
            with tqdm(
                total=total,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=entry.filename,
                disable=not show,
                leave=False,
            ) as bar:
                for chunk in response.iter_bytes(_CHUNK):
                    received += len(chunk)
                    if received > cap:
                        raise ModelMissing(f"{entry.url} sent more than {cap} bytes; aborted.")
                    digest.update(chunk)
                    out.write(chunk)
                    bar.update(len(chunk))
    except httpx.HTTPError as e:
        raise ModelMissing(
            f"cannot download {entry.name} from {entry.url}: {e}.{_offline_hint(entry)}",
            retryable=True,
        ) from e
    return digest.hexdigest()


def resolve_weights(
    name: str,
    explicit_path: Path | None,
    cache_dir: Path | None,
    allow_download: bool,
    *,
    entry: ModelEntry | None = None,
    progress: bool | None = None,
) -> Path:
    """The file to load for model `name`.

    An explicit path (`ITP_LAMA_WEIGHTS`, `--lama-weights`) is the user's choice and is not
    hashed: it may be another published checkpoint of the same architecture, and the loader
    rejects one that does not fit. Otherwise the cached copy is used if its sha256 matches,
    else it is downloaded when `allow_download`, else ModelMissing says how to get it.
    `entry` replaces the manifest's entry for `name` (tests, mirrors).
    """
    if explicit_path is not None:
        path = explicit_path.expanduser()
        if not path.is_file():
            raise ModelMissing(f"model file {path} (given for {name}) does not exist")
        return path
    entry = entry if entry is not None else get_entry(name)
    path = cached_path(entry, cache_dir)
    if path.exists():
        if verify_file(entry, path):
            return path
        log.warning("cached model fails its checksum", extra={"model": name, "path": str(path)})
        if not allow_download:
            raise ModelMissing(
                f"{path} does not match the sha256 of {entry.url}; run "
                f"`itp models fetch {name}` to replace it."
            )
    elif not allow_download:
        raise ModelMissing(
            f"{name} weights are not downloaded (expected {path}, from {entry.url})."
            f"{_offline_hint(entry)}"
        )
    return download(entry, cache_dir, progress=progress)
