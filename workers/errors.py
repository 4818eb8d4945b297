"""The one error hierarchy of itp.

Every failure a user can see carries a code from a fixed, documented set (README, "Error codes"),
a one-line message, and whether retrying the same request may succeed. Stages raise these; the
CLI prints `code: message`, the server turns them into `error` events and HTTP statuses.
"""

from __future__ import annotations

from typing import ClassVar


class ItpError(Exception):
    """Base of every expected failure. `code` is stable and documented."""

    code: ClassVar[str] = "internal"
    retryable_default: ClassVar[bool] = False
    http_status: ClassVar[int] = 500

    def __init__(self, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = self.retryable_default if retryable is None else retryable

    def __str__(self) -> str:
        return self.message

    def one_line(self) -> str:
        return f"{self.code}: {' '.join(self.message.split())}"


class BadImage(ItpError):
    """Unreadable, truncated, not an image, or an unsupported kind of image."""

    code = "bad_image"
    http_status = 422


class TooLarge(ItpError):
    """Over the byte cap or the pixel cap (decompression bombs land here)."""

    code = "too_large"
    http_status = 413


class FetchFailed(ItpError):
    """The server could not download an image (HTTP error, timeout); the client may upload it."""

    code = "fetch_failed"
    retryable_default = True
    http_status = 502


class FetchBlocked(ItpError):
    """The URL is refused by policy (private address, bad scheme) — never retried."""

    code = "fetch_blocked"
    http_status = 403


class TranslatorFailed(ItpError):
    """The translation service failed after retries, or answered something unusable."""

    code = "translator_failed"
    retryable_default = True
    http_status = 502


class TranslatorNotConfigured(ItpError):
    """No translator, or one missing its URL/credentials; the message names the setting."""

    code = "translator_not_configured"
    http_status = 400


class ModelMissing(ItpError):
    """Model weights are not present and cannot be downloaded, or fail their checksum."""

    code = "model_missing"
    http_status = 503


class FontMissing(ItpError):
    """No font on this system covers the target script; `--font` names one."""

    code = "font_missing"
    http_status = 500


class MissingExtra(ItpError):
    """A backend needs an optional dependency that is not installed."""

    code = "missing_extra"
    http_status = 500


class QueueFull(ItpError):
    """Admission control: the backlog is over its bound. Retry after a while."""

    code = "queue_full"
    retryable_default = True
    http_status = 503


class Cancelled(ItpError):
    """The job was cancelled by its client."""

    code = "cancelled"
    http_status = 409


class InternalError(ItpError):
    """A bug: something that should not happen. Logged with a traceback."""

    code = "internal"
    http_status = 500


ERROR_CODES: tuple[str, ...] = (
    BadImage.code,
    TooLarge.code,
    FetchFailed.code,
    FetchBlocked.code,
    TranslatorFailed.code,
    TranslatorNotConfigured.code,
    ModelMissing.code,
    FontMissing.code,
    MissingExtra.code,
    QueueFull.code,
    Cancelled.code,
    InternalError.code,
)
