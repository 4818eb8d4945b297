"""The sample set: images, their language and kind (`SOURCES.tsv`) and ground truth
(`groundtruth/<stem>.json`, see the samples' README for the format).

Ground truth comes in kinds that must not be mixed: `human_annotation` (OpenMantra: hand-made
boxes and text) is truth; `model_expected_output` (manga-ocr / mokuro test expectations) is
another model's reading, errors included; `published_*` and `test_assertion` sit between.
Every score that uses ground truth is therefore kept per kind.

The project keeps transcriptions of its own (`project_transcription`: text and box per block,
typed from the image at full size) in `data/groundtruth/<stem>.json` beside this module, in the
samples' format, for images whose source gives no usable text (the Korean samples). One applies
only to the very image it was made from (its `image.sha256`), and then it is used instead of
the samples' own record for that image.
"""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.evaluate.boxes import xywh_to_box
from backend.inputs import IMAGE_SUFFIXES
from workers.types import Box

# Height over width above which an image is a webtoon strip (as SOURCES.tsv defines it).
STRIP_RATIO = 2.5
PROJECT_TRUTH = Path(__file__).with_name("data") / "groundtruth"


class DatasetError(Exception):
    """The images or their ground truth cannot be used; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class Region:
    """One annotated text region; `bbox` is None where the source gives only the text."""

    bbox: Box | None
    text: str
    # What the text is on the page where the record says (bubble, caption, art, sfx).
    kind: str = ""


@dataclass(frozen=True, slots=True)
class GroundTruth:
    kind: str
    regions: tuple[Region, ...]

    @property
    def has_boxes(self) -> bool:
        return bool(self.regions) and all(r.bbox is not None for r in self.regions)


@dataclass(frozen=True, slots=True)
class Sample:
    path: Path
    language: str
    kind: str
    truth: GroundTruth | None

    @property
    def name(self) -> str:
        return self.path.name


def default_samples(repo_root: Path) -> Path:
    return repo_root.parent / "shared" / "samples"


def find_samples(images: Path | None, repo_root: Path) -> tuple[Path, Path | None]:
    """(folder of images, folder with SOURCES.tsv / groundtruth or None).

    Accepts a samples root (with `images/`), its `images/` folder, or any folder of images."""
    folder = images if images is not None else default_samples(repo_root)
    if not folder.is_dir():
        hint = "" if images is not None else "; pass --images DIR"
        raise DatasetError(f"no samples at {folder}{hint}")
    if (folder / "images").is_dir():
        return folder / "images", folder
    for meta in (folder, folder.parent):
        if (meta / "SOURCES.tsv").is_file() or (meta / "groundtruth").is_dir():
            return folder, meta
    return folder, None


def load_samples(images: Path | None, repo_root: Path, only: Sequence[str] = (),
                 limit: int | None = None, project: Path = PROJECT_TRUTH) -> list[Sample]:
    folder, meta = find_samples(images, repo_root)
    files = sorted(p for p in folder.rglob("*")
                   if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if only:
        files = [p for p in files if any(fnmatch.fnmatch(p.name, g) for g in only)]
    if limit is not None:
        files = files[:limit]
    if not files:
        which = f" matching {', '.join(only)}" if only else ""
        raise DatasetError(f"no images{which} in {folder}")
    sources = read_sources(meta / "SOURCES.tsv") if meta else {}
    truth_dir = meta / "groundtruth" if meta else None
    samples = []
    for path in files:
        row = sources.get(path.name, {})
        truth_file = truth_dir / f"{path.stem}.json" if truth_dir else None
        truth = project_truth(path, project)
        if truth is None and truth_file and truth_file.is_file():
            truth = load_truth(truth_file)
        samples.append(Sample(path, row.get("language", ""), row.get("kind", ""), truth))
    return samples


def read_sources(path: Path) -> dict[str, dict[str, str]]:
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}


def project_truth(image: Path, folder: Path = PROJECT_TRUTH) -> GroundTruth | None:
    """The project's own transcription of `image`, if it has one made from these bytes."""
    path = folder / f"{image.stem}.json"
    if not path.is_file():
        return None
    record = _read_record(path)
    try:
        wanted = str(record["image"]["sha256"])
    except (KeyError, TypeError) as exc:
        raise DatasetError(f"{path}: no image.sha256 ({exc})") from exc
    if hashlib.sha256(image.read_bytes()).hexdigest() != wanted:
        return None
    return _truth(path, record)


def load_truth(path: Path) -> GroundTruth:
    return _truth(path, _read_record(path))


def _read_record(path: Path) -> dict[str, Any]:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DatasetError(f"{path}: unreadable ground truth ({exc})") from exc
    if not isinstance(record, dict):
        raise DatasetError(f"{path}: unreadable ground truth (not an object)")
    return record


def _truth(path: Path, record: dict[str, Any]) -> GroundTruth:
    try:
        regions = tuple(
            Region(xywh_to_box(*r["bbox_xywh"]) if r.get("bbox_xywh") else None,
                   str(r["text"]), str(r.get("kind", "")))
            for r in record["regions"])
        return GroundTruth(str(record["ground_truth_type"]), regions)
    except (ValueError, KeyError, TypeError) as exc:
        raise DatasetError(f"{path}: unreadable ground truth ({exc})") from exc


def image_kind(sample: Sample, width: int, height: int) -> str:
    """The sample's kind as listed, else `strip` for a tall image and `page` otherwise."""
    if sample.kind:
        return sample.kind
    return "strip" if height > STRIP_RATIO * width else "page"
