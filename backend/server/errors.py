"""Error responses of the HTTP API: always `{"error": {"code", "message", "retryable"}}`.

Pipeline failures keep their `workers.errors` code. Refusals that belong to the HTTP layer
itself (no token, a foreign Host, an unknown job) use the codes in `HTTP_ERROR_CODES`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from workers.errors import ItpError

log = logging.getLogger("itp.server")

HTTP_ERROR_CODES: tuple[str, ...] = (
    "bad_request",  # malformed JSON or a field of the wrong type/value
    "unauthorized",  # missing or wrong pairing token
    "forbidden_origin",  # an Origin that is not an allowed extension
    "misdirected",  # a Host header that is not this server (DNS rebinding guard)
    "rate_limited",  # too many wrong tokens from one address
    "not_found",  # unknown job, image or route; or a result evicted from the cache
    "method_not_allowed",
    "unsupported_media_type",  # an upload whose Content-Type is not image/*
)

_STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden_origin",
                 404: "not_found", 405: "method_not_allowed", 415: "unsupported_media_type",
                 421: "misdirected", 429: "rate_limited"}


class ApiError(Exception):
    """A refusal of the HTTP layer, raised from a handler and turned into JSON."""

    def __init__(self, status: int, code: str, message: str, *, retryable: bool = False,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retryable = retryable
        self.headers = dict(headers or {})


def error_body(code: str, message: str, retryable: bool = False) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "retryable": retryable}}


def error_response(status: int, code: str, message: str, *, retryable: bool = False,
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message, retryable), status_code=status,
                        headers=dict(headers or {}))


def itp_error_response(exc: ItpError, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return error_response(exc.http_status, exc.code, exc.message, retryable=exc.retryable,
                          headers=headers)


async def _on_api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, retryable=exc.retryable,
                          headers=exc.headers)


async def _on_itp_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ItpError)
    return itp_error_response(exc)


async def _on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _STATUS_CODES.get(exc.status_code, "bad_request")
    return error_response(exc.status_code, code, str(exc.detail), headers=exc.headers)


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    # Starlette calls this (from ServerErrorMiddleware) only for exceptions no other handler
    # took, i.e. bugs; it logs them and re-raises after this response is sent. The client still
    # gets the documented JSON shape with the `internal` code instead of a plain-text 500.
    log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return error_response(500, "internal", f"internal error ({type(exc).__name__})")


EXCEPTION_HANDLERS: dict[Any, Any] = {
    ApiError: _on_api_error,
    ItpError: _on_itp_error,
    HTTPException: _on_http_exception,
    Exception: _on_unexpected,
}
