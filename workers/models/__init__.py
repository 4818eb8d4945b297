"""Model files: the manifest (name, URL, sha256, size, licence) and their download cache."""

from __future__ import annotations

from workers.models.download import (
    cached_path,
    download,
    models_dir,
    resolve_weights,
    sha256_file,
    verify_file,
)
from workers.models.manifest import ModelEntry, get_entry, load_manifest

__all__ = [
    "ModelEntry",
    "cached_path",
    "download",
    "get_entry",
    "load_manifest",
    "models_dir",
    "resolve_weights",
    "sha256_file",
    "verify_file",
]
