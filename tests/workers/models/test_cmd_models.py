from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import pytest

from backend import cmd_models
from workers.errors import ModelMissing
from workers.models.manifest import ModelEntry

from .conftest import FileServer

PAYLOAD = b"model bytes" * 1000


@pytest.fixture(autouse=True)
def _no_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ITP_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.delenv("ITP_CACHE_DIR", raising=False)


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="itp")
    sub = parser.add_subparsers(dest="command")
    cmd_models.add_parser(sub)
    return cmd_models.run(parser.parse_args(["models", *argv]))


@pytest.fixture
def served_entry(file_server: FileServer, monkeypatch: pytest.MonkeyPatch) -> ModelEntry:
    file_server.files["/x.bin"] = PAYLOAD
    entry = ModelEntry(
        name="x",
        filename="x.bin",
        url=file_server.url("/x.bin"),
        sha256=hashlib.sha256(PAYLOAD).hexdigest(),
        size_bytes=len(PAYLOAD),
        licence="MIT",
        description="a test model",
    )
    monkeypatch.setattr(cmd_models, "load_manifest", lambda: {"x": entry})

    def get_entry(name: str) -> ModelEntry:
        if name != "x":
            raise ModelMissing(f"no model named {name!r}")
        return entry

    monkeypatch.setattr(cmd_models, "get_entry", get_entry)
    return entry


def test_list_shows_the_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("--cache-dir", str(tmp_path), "list") == 0
    out = capsys.readouterr().out
    assert "lama" in out
    assert "MIT" in out
    assert "~205 MB" in out
    assert "11d30fbb" in out
    assert str(tmp_path / "models" / "lama_large_512px.ckpt") in out


def test_fetch_then_verify(
    served_entry: ModelEntry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run("--cache-dir", str(tmp_path), "fetch", "x") == 0
    assert (tmp_path / "models" / "x.bin").read_bytes() == PAYLOAD
    assert _run("--cache-dir", str(tmp_path), "fetch", "x") == 0
    assert "already cached" in capsys.readouterr().out
    assert _run("--cache-dir", str(tmp_path), "list") == 0
    assert " yes " in capsys.readouterr().out
    assert _run("--cache-dir", str(tmp_path), "verify") == 0
    (tmp_path / "models" / "x.bin").write_bytes(b"bad")
    assert _run("--cache-dir", str(tmp_path), "verify", "x") == 1
    assert "MISMATCH" in capsys.readouterr().out


def test_unknown_model_is_a_one_line_error(
    served_entry: ModelEntry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run("--cache-dir", str(tmp_path), "fetch", "nope") == 1
    assert "model_missing:" in capsys.readouterr().err


def test_verify_of_a_named_missing_file_fails(served_entry: ModelEntry, tmp_path: Path) -> None:
    assert _run("--cache-dir", str(tmp_path), "verify") == 0
    assert _run("--cache-dir", str(tmp_path), "verify", "x") == 1
