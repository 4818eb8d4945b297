"""Validation of request bodies: a malformed request is a 400 `bad_request` naming the field,
never a 500. Per-image problems (a bad URL) are not request errors: that image alone fails
later with its own coded event."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

from backend.server.errors import ApiError
from workers.config import JobSettings, TranslatorSettings

_LANG = re.compile(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*")
_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")
MAX_URL = 8192


@dataclass(frozen=True, slots=True)
class JobSpec:
    images: tuple[tuple[str, str], ...]
    settings: JobSettings
    session: str | None = None


def bad_request(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except RecursionError as exc:
        raise bad_request("the body is JSON nested too deeply") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        # ValueError beside JSONDecodeError: an integer longer than Python converts (4300
        # digits) is valid JSON that json.loads refuses.
        raise bad_request(f"the body is not JSON: {exc}") from exc


def _utf8(text: str) -> bool:
    """False for a string holding a lone surrogate (JSON's "\\ud800"): it cannot be encoded,
    so it could not be sent back in the answer or an event, nor be fetched."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_job(body: Any, defaults: JobSettings, *, max_images: int,
              translators: tuple[str, ...] = ()) -> JobSpec:
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object")
    images = body.get("images")
    if not isinstance(images, list) or not images:
        raise bad_request("'images' must be a non-empty list of {url, referer}")
    if len(images) > max_images:
        raise bad_request(f"at most {max_images} images per job ({len(images)} given)")
    parsed: list[tuple[str, str]] = []
    for i, raw in enumerate(images):
        item = {"url": raw} if isinstance(raw, str) else raw
        if not isinstance(item, dict):
            raise bad_request(f"images[{i}] must be an object {{url, referer}}")
        url, referer = item.get("url"), item.get("referer", "")
        if not isinstance(url, str) or not url or len(url) > MAX_URL or not _utf8(url):
            raise bad_request(f"images[{i}].url must be a non-empty string")
        if referer is None:
            referer = ""
        if not isinstance(referer, str) or len(referer) > MAX_URL or not _utf8(referer):
            raise bad_request(f"images[{i}].referer must be a string")
        parsed.append((url, referer))
    return JobSpec(tuple(parsed), job_settings(body, defaults, translators),
                   _optional_str(body, "session"))


def job_settings(body: dict[str, Any], defaults: JobSettings,
                 translators: tuple[str, ...] = ()) -> JobSettings:
    """The server's defaults with the job's languages and translator applied."""
    changes: dict[str, object] = {}
    source = _optional_str(body, "source")
    if source is not None and source != defaults.source:
        if source != "auto" and not _LANG.fullmatch(source):
            raise bad_request(f"'source' {source!r} is not a language code (or auto)")
        changes["source"] = source
    target = _optional_str(body, "target")
    if target is not None and target != defaults.target:
        if not _LANG.fullmatch(target):
            raise bad_request(f"'target' {target!r} is not a language code")
        changes["target"] = target
    name = _optional_str(body, "translator")
    if name is not None and name != defaults.translator.name:
        if not _NAME.fullmatch(name) or (translators and name not in translators):
            known = ", ".join(translators)
            raise bad_request(f"unknown translator {name!r}" + (f"; known: {known}" if known
                                                                  else ""))
        # Another backend than the server's: keep the timeouts, not the URL or credentials.
        base = defaults.translator
        changes["translator"] = replace(TranslatorSettings(), name=name,
                                        timeout_s=base.timeout_s, retries=base.retries,
                                        backoff_s=base.backoff_s, latency_s=base.latency_s)
    return defaults.with_(**changes) if changes else defaults


def _optional_str(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise bad_request(f"{key!r} must be a string")
    return value
