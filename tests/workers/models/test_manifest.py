from __future__ import annotations

import pytest

from workers.errors import ModelMissing
from workers.models.manifest import ModelEntry, get_entry, load_manifest


def test_lama_entry_is_complete() -> None:
    entry = load_manifest()["lama"]
    assert entry.url.startswith("https://huggingface.co/dreMaz/AnimeMangaInpainting/")
    assert entry.filename == "lama_large_512px.ckpt"
    assert len(entry.sha256) == 64
    assert 150_000_000 < entry.size_bytes < 250_000_000
    assert entry.licence == "MIT"
    assert entry.description
    assert "ITP_LAMA_WEIGHTS" in entry.local_hint()
    assert "--lama-weights" in entry.local_hint()


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(ModelMissing, match="lama"):
        get_entry("no-such-model")


def test_entry_rejects_a_bad_hash_or_filename() -> None:
    fields = dict(
        name="x", url="http://h/x", size_bytes=1, licence="MIT", description="d", filename="x"
    )
    with pytest.raises(ValueError, match="sha256"):
        ModelEntry(sha256="abc", **fields)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="filename"):
        ModelEntry(sha256="0" * 64, **{**fields, "filename": "../x"})  # type: ignore[arg-type]
