from __future__ import annotations

import hashlib
import os
import socket
from dataclasses import replace
from pathlib import Path

import pytest

from workers.errors import ModelMissing
from workers.models.download import (
    cached_path,
    download,
    models_dir,
    resolve_weights,
    verify_file,
)
from workers.models.manifest import ModelEntry

from .conftest import FileServer

PAYLOAD = os.urandom(3 * (1 << 20) + 123)  # more than one streaming chunk


def _entry(url: str, payload: bytes = PAYLOAD, **changes: object) -> ModelEntry:
    entry = ModelEntry(
        name="test-model",
        filename="test-model.bin",
        url=url,
        sha256=hashlib.sha256(payload).hexdigest(),
        size_bytes=len(payload),
        licence="MIT",
        description="test",
        env="ITP_LAMA_WEIGHTS",
        flag="--lama-weights",
    )
    return replace(entry, **changes)  # type: ignore[arg-type]


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".part"))


def test_models_dir_is_under_the_cache_root(tmp_path: Path) -> None:
    assert models_dir(tmp_path) == tmp_path / "models"
    assert models_dir(None).name == "models"


def test_download_streams_checks_and_stamps(file_server: FileServer, tmp_path: Path) -> None:
    file_server.files["/m.bin"] = PAYLOAD
    entry = _entry(file_server.url("/redirect/m.bin"))
    path = download(entry, tmp_path, progress=False)
    assert path == cached_path(entry, tmp_path)
    assert path.read_bytes() == PAYLOAD
    assert _leftovers(path.parent) == []
    assert (path.parent / ".test-model.bin.verified").is_file()


def test_checksum_mismatch_saves_nothing(file_server: FileServer, tmp_path: Path) -> None:
    file_server.files["/m.bin"] = PAYLOAD
    entry = _entry(file_server.url("/m.bin"), sha256="0" * 64)
    with pytest.raises(ModelMissing, match="sha256"):
        download(entry, tmp_path, progress=False)
    assert not cached_path(entry, tmp_path).exists()
    assert _leftovers(models_dir(tmp_path)) == []


def test_oversized_answer_is_cut_off(file_server: FileServer, tmp_path: Path) -> None:
    file_server.files["/m.bin"] = PAYLOAD
    entry = _entry(file_server.url("/m.bin"), size_bytes=1000)
    with pytest.raises(ModelMissing, match="more than 1000 bytes"):
        download(entry, tmp_path, progress=False)
    assert _leftovers(models_dir(tmp_path)) == []


def test_http_error_names_the_url(file_server: FileServer, tmp_path: Path) -> None:
    entry = _entry(file_server.url("/missing.bin"))
    with pytest.raises(ModelMissing, match="404") as info:
        download(entry, tmp_path, progress=False)
    assert entry.url in str(info.value)


def test_offline_error_says_how_to_get_the_file(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    entry = _entry(f"http://127.0.0.1:{port}/m.bin")  # nothing listens there
    with pytest.raises(ModelMissing) as info:
        download(entry, tmp_path, progress=False, timeout_s=5)
    message = str(info.value)
    assert entry.url in message
    assert "ITP_LAMA_WEIGHTS" in message
    assert "itp models fetch test-model" in message
    assert info.value.retryable


def test_resolve_downloads_once_then_uses_the_cache(
    file_server: FileServer, tmp_path: Path
) -> None:
    file_server.files["/m.bin"] = PAYLOAD
    entry = _entry(file_server.url("/m.bin"))
    first = resolve_weights("test-model", None, tmp_path, True, entry=entry, progress=False)
    second = resolve_weights("test-model", None, tmp_path, False, entry=entry)
    assert first == second
    assert file_server.requests == ["/m.bin"]


def test_resolve_without_download_explains(tmp_path: Path) -> None:
    entry = _entry("https://example.invalid/m.bin")
    with pytest.raises(ModelMissing) as info:
        resolve_weights("test-model", None, tmp_path, False, entry=entry)
    assert entry.url in str(info.value)
    assert "ITP_LAMA_WEIGHTS" in str(info.value)


def test_corrupt_cache_is_refused_or_replaced(file_server: FileServer, tmp_path: Path) -> None:
    file_server.files["/m.bin"] = PAYLOAD
    entry = _entry(file_server.url("/m.bin"))
    path = cached_path(entry, tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"truncated")
    with pytest.raises(ModelMissing, match="sha256"):
        resolve_weights("test-model", None, tmp_path, False, entry=entry)
    assert resolve_weights("test-model", None, tmp_path, True, entry=entry, progress=False) == path
    assert path.read_bytes() == PAYLOAD


def test_explicit_path_is_trusted_but_must_exist(tmp_path: Path) -> None:
    entry = _entry("https://example.invalid/m.bin")
    mine = tmp_path / "my-weights.ckpt"
    mine.write_bytes(b"another checkpoint")
    assert resolve_weights("test-model", mine, tmp_path, False, entry=entry) == mine
    with pytest.raises(ModelMissing, match="does not exist"):
        resolve_weights("test-model", tmp_path / "absent.ckpt", tmp_path, False, entry=entry)


def test_a_changed_file_is_hashed_again(tmp_path: Path) -> None:
    entry = _entry("https://example.invalid/m.bin")
    path = tmp_path / entry.filename
    path.write_bytes(PAYLOAD)
    assert verify_file(entry, path)
    path.write_bytes(PAYLOAD[:-1] + b"\0")
    # Same size; a clock tick coarser than the two writes must not hide the change.
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert not verify_file(entry, path)
    assert not verify_file(entry, tmp_path / "absent")
