"""The OpenAPI 3.1 description served at `/v1/openapi.json`, written by hand.

It describes what the server really accepts and answers, so that a schema-driven fuzzer can
hold it to it: optional strings may be null or empty (both mean "the server's default"), an
image URL is any string (a bad one fails that image alone, with an `error` event), and every
route lists the refusals of the guard in front of it (401, 403, 421, 429)."""

from __future__ import annotations

from typing import Any

from backend.server.errors import HTTP_ERROR_CODES
from workers.errors import ERROR_CODES


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


# The guard's refusals, possible on every route (see auth.py).
GUARD = {"401": "no or wrong token", "403": "forbidden_origin: a web page's Origin",
         "421": "misdirected: a Host that is not this server",
         "429": "rate_limited: too many wrong tokens (see Retry-After)"}
LANGUAGE = "[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*"
OPTIONAL = ["string", "null"]


def _guarded(responses: dict[str, Any], *, public: bool = False) -> dict[str, Any]:
    refusals = {code: _error(text) for code, text in GUARD.items()
                if not (public and code in ("401", "429"))}
    return {**refusals, **responses}


def openapi_document(version: str, *, translators: tuple[str, ...] = (),
                     max_images: int = 1000) -> dict[str, Any]:
    """`translators`: the backend names a job may pick (any name when empty)."""
    job_id = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}
    image_id = {"name": "image_id", "in": "path", "required": True,
                "schema": {"type": "string"}}
    translator: dict[str, Any] = {"type": OPTIONAL, "pattern": "^([a-z][a-z0-9_-]{0,31})?$"}
    if translators:
        translator = {"enum": [*translators, "", None]}
    url = {"type": "string", "minLength": 1, "maxLength": 8192}
    return {
        "openapi": "3.1.0",
        "info": {"title": "itp server", "version": version,
                 "description": "Image Translate Pipeline. Every route but /v1/health needs "
                 "`Authorization: Bearer <token>` (the token `itp serve` prints). Events "
                 "arrive on the WebSocket /v1/ws; see the README."},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                    "type": "object", "required": ["code", "message", "retryable"],
                    "properties": {
                        "code": {"enum": sorted(set(ERROR_CODES) | set(HTTP_ERROR_CODES))},
                        "message": {"type": "string"}, "retryable": {"type": "boolean"}}}}},
                "JobRequest": {"type": "object", "required": ["images"], "properties": {
                    "images": {"type": "array", "minItems": 1, "maxItems": max_images,
                               "items": {"oneOf": [url, {
                                   "type": "object", "required": ["url"], "properties": {
                                       "url": url,
                                       "referer": {"type": OPTIONAL, "maxLength": 8192}}}]}},
                    "source": {"type": OPTIONAL, "pattern": f"^(auto|{LANGUAGE})?$",
                               "examples": ["auto", "ja"]},
                    "target": {"type": OPTIONAL, "pattern": f"^({LANGUAGE})?$",
                               "examples": ["en"]},
                    "translator": translator,
                    "session": {"type": OPTIONAL, "description": "a WebSocket session to "
                                "subscribe to this job from its first event"}}},
                "JobCreated": {"type": "object", "properties": {
                    "job_id": {"type": "string"},
                    "images": {"type": "array", "items": {"type": "object", "properties": {
                        "image_id": {"type": "string"}, "url": {"type": "string"}}}}}},
                "Health": {"type": "object", "properties": {
                    "status": {"enum": ["ok", "starting", "error"]},
                    "ready": {"type": "boolean"}, "version": {"type": "string"},
                    "backlog": {"type": "integer"}, "error": {"type": "object"}}},
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/v1/health": {"get": {"summary": "Liveness and readiness (no token needed)",
                                   "security": [],
                                   "responses": _guarded({"200": _json(_ref("Health"),
                                                                       "state")},
                                                         public=True)}},
            "/v1/jobs": {"post": {
                "summary": "Translate images; the server fetches each URL with its Referer",
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": _ref("JobRequest")}}},
                "responses": _guarded({
                    "202": _json(_ref("JobCreated"), "accepted"),
                    "400": _error("malformed request"),
                    "413": _error("too_large: the body is over 1 MiB"),
                    "503": _error("queue_full (see Retry-After), or the pipeline did not "
                                  "start")})}},
            "/v1/jobs/{job_id}": {
                "parameters": [job_id],
                "get": {"summary": "Status of a job's images",
                        "responses": _guarded({"200": {"description": "job"},
                                               "404": _error("unknown job")})},
                "delete": {"summary": "Cancel a job's waiting work (the job stays, its "
                           "images end with `error cancelled`)",
                           "responses": _guarded({"200": {"description": "cancelled count"},
                                                  "404": _error("unknown job")})}},
            "/v1/jobs/{job_id}/images": {"post": {
                "summary": "Upload an image's bytes (when the server could not fetch it)",
                "parameters": [job_id, {"name": "X-Image-Url", "in": "header",
                                        "schema": {"type": "string"},
                                        "description": "the image's URL in the page"}],
                "requestBody": {"required": True, "content": {
                    "image/*": {"schema": {"type": "string", "format": "binary"}},
                    "application/octet-stream": {"schema": {"type": "string",
                                                            "format": "binary"}}}},
                "responses": _guarded({
                    "202": _json({"type": "object", "properties": {
                        "image_id": {"type": "string"}}}, "accepted"),
                    "400": _error("the body was cut short"),
                    "404": _error("unknown job"), "409": _error("the job was cancelled"),
                    "413": _error("too_large"), "415": _error("not image/*"),
                    "422": _error("bad_image"),
                    "503": _error("queue_full (see Retry-After), or the pipeline did not "
                                  "start")})}},
            "/v1/results/{image_id}": {"get": {
                "summary": "The translated image (immutable; strong ETag)",
                "parameters": [image_id],
                "responses": _guarded({
                    "200": {"description": "image", "content": {
                        "image/png": {}, "image/jpeg": {}}},
                    "304": {"description": "not modified"},
                    "404": _error("not finished, failed or evicted")})}},
            "/metrics": {"get": {"summary": "Prometheus metrics",
                                 "responses": _guarded({"200": {"description":
                                                                "text format"}})}},
            "/v1/ws": {"get": {"summary": "WebSocket event stream (see README)",
                               "responses": _guarded({
                                   "101": {"description": "switching protocols"},
                                   "404": _error("a plain HTTP request, not a WebSocket "
                                                 "upgrade")})}},
        },
    }
