"""The OpenAPI 3.1 description served at `/v1/openapi.json`, written by hand."""

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


def openapi_document(version: str) -> dict[str, Any]:
    job_id = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}
    image_id = {"name": "image_id", "in": "path", "required": True,
                "schema": {"type": "string"}}
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
                    "images": {"type": "array", "minItems": 1, "items": {
                        "type": "object", "required": ["url"], "properties": {
                            "url": {"type": "string", "format": "uri"},
                            "referer": {"type": "string", "format": "uri"}}}},
                    "source": {"type": "string", "examples": ["auto", "ja"]},
                    "target": {"type": "string", "examples": ["en"]},
                    "translator": {"type": "string"},
                    "session": {"type": "string", "description": "a WebSocket session to "
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
                                   "responses": {"200": _json(_ref("Health"), "state")}}},
            "/v1/jobs": {"post": {
                "summary": "Translate images; the server fetches each URL with its Referer",
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": _ref("JobRequest")}}},
                "responses": {"202": _json(_ref("JobCreated"), "accepted"),
                              "400": _error("malformed request"),
                              "401": _error("no or wrong token"),
                              "503": _error("queue_full (see Retry-After)")}}},
            "/v1/jobs/{job_id}": {
                "parameters": [job_id],
                "get": {"summary": "Status of a job's images",
                        "responses": {"200": {"description": "job"},
                                      "404": _error("unknown job")}},
                "delete": {"summary": "Cancel a job's waiting work",
                           "responses": {"200": {"description": "cancelled count"},
                                         "404": _error("unknown job")}}},
            "/v1/jobs/{job_id}/images": {"post": {
                "summary": "Upload an image's bytes (when the server could not fetch it)",
                "parameters": [job_id, {"name": "X-Image-Url", "in": "header",
                                        "schema": {"type": "string"},
                                        "description": "the image's URL in the page"}],
                "requestBody": {"required": True, "content": {
                    "image/*": {"schema": {"type": "string", "format": "binary"}}}},
                "responses": {"202": _json({"type": "object", "properties": {
                    "image_id": {"type": "string"}}}, "accepted"),
                    "413": _error("too_large"), "415": _error("not image/*"),
                    "422": _error("bad_image")}}},
            "/v1/results/{image_id}": {"get": {
                "summary": "The translated image (immutable; strong ETag)",
                "parameters": [image_id],
                "responses": {"200": {"description": "image", "content": {
                    "image/png": {}, "image/jpeg": {}}},
                    "304": {"description": "not modified"},
                    "404": _error("not finished, failed or evicted")}}},
            "/metrics": {"get": {"summary": "Prometheus metrics",
                                 "responses": {"200": {"description": "text format"}}}},
            "/v1/ws": {"get": {"summary": "WebSocket event stream (see README)",
                               "responses": {"101": {"description": "switching protocols"}}}},
        },
    }
