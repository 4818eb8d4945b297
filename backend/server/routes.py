"""The HTTP routes of `/v1` (DESIGN.md, "HTTP and WebSocket")."""

from __future__ import annotations

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from backend.server.errors import ApiError, itp_error_response
from backend.server.metrics import CONTENT_TYPE
from backend.server.openapi import openapi_document
from backend.server.payloads import parse_job, parse_json
from backend.server.state import AppState
from workers.errors import QueueFull, TooLarge

MAX_JSON_BYTES = 1024 * 1024
RETRY_AFTER_S = 5
IMMUTABLE = "public, max-age=31536000, immutable"


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.itp
    return state


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"the body is {declared} bytes, over the {limit} byte limit")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"the body is over the {limit} byte limit")
            chunks.append(chunk)
    except ClientDisconnect as exc:
        raise ApiError(400, "bad_request", "the client went away mid-body") from exc
    return b"".join(chunks)


def _admit(state: AppState) -> JSONResponse | None:
    try:
        state.service.admit()
    except QueueFull as exc:
        return itp_error_response(exc, {"Retry-After": str(RETRY_AFTER_S)})
    return None


async def health(request: Request) -> Response:
    state = _state(request)
    service = state.service
    error = service.start_error
    status = "ok" if service.ready else ("error" if error is not None else "starting")
    body: dict[str, object] = {"status": status, "ready": service.ready,
                               "version": state.version, "backlog": service.backlog()}
    if error is not None:
        body["error"] = {"code": error.code, "message": error.message,
                         "retryable": error.retryable}
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


async def create_job(request: Request) -> Response:
    state = _state(request)
    body = parse_json(await read_body(request, MAX_JSON_BYTES))
    spec = parse_job(body, state.settings.job, max_images=state.config.max_images_per_job,
                     translators=state.translators)
    refused = _admit(state)
    if refused is not None:
        return refused
    job = state.service.create_job(spec)
    images = [{"image_id": i.image_id, "url": i.url} for i in job.images.values()]
    return JSONResponse({"job_id": job.job_id, "images": images}, status_code=202)


async def get_job(request: Request) -> Response:
    state = _state(request)
    job = state.store.job(request.path_params["job_id"])
    if job is None:
        raise ApiError(404, "not_found", "no such job")
    return JSONResponse(job.describe(), headers={"Cache-Control": "no-store"})


async def cancel_job(request: Request) -> Response:
    state = _state(request)
    job = state.store.job(request.path_params["job_id"])
    if job is None:
        raise ApiError(404, "not_found", "no such job")
    return JSONResponse({"job_id": job.job_id, "cancelled": state.service.cancel(job)})


async def upload_image(request: Request) -> Response:
    state = _state(request)
    job = state.store.job(request.path_params["job_id"])
    if job is None:
        raise ApiError(404, "not_found", "no such job")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not (kind.startswith("image/") or kind == "application/octet-stream"):
        raise ApiError(415, "unsupported_media_type",
                       f"upload the image bytes with Content-Type image/*, not {kind!r}")
    data = await read_body(request, state.settings.machine.limits.max_bytes)
    refused = _admit(state)
    if refused is not None:
        return refused
    url = request.headers.get("x-image-url", "")
    image = await state.service.upload(job, data, url)
    return JSONResponse({"image_id": image.image_id}, status_code=202)


async def get_result(request: Request) -> Response:
    state = _state(request)
    image_id = request.path_params["image_id"]
    key = state.store.result_key(image_id)
    entry = state.cache.get(key) if key is not None else None
    if entry is None:
        image = state.store.image(image_id)
        why = "not finished" if image is not None and not image.terminal else \
            "unknown, failed, or evicted from the results cache (submit it again)"
        raise ApiError(404, "not_found", f"no result for image {image_id!r}: {why}")
    etag = f'"{entry.etag}"'
    headers = {"ETag": etag, "Cache-Control": IMMUTABLE}
    if _etag_matches(request.headers.get("if-none-match", ""), entry.etag):
        return Response(status_code=304, headers=headers)
    data = await state.cache.read(entry)
    if data is None:
        raise ApiError(404, "not_found", "the result was evicted from the cache; submit again")
    return Response(data, media_type=entry.media_type, headers=headers)


def _etag_matches(header: str, etag: str) -> bool:
    # If-None-Match uses the weak comparison: W/"x" matches "x".
    for candidate in header.split(","):
        value = candidate.strip().removeprefix("W/").strip('"')
        if value in ("*", etag):
            return True
    return False


async def metrics(request: Request) -> Response:
    state = _state(request)
    service, cache, hub = state.service, state.cache, state.hub
    gauges = {
        "itp_ready": ("1 once the models are loaded and warm.", float(service.ready)),
        "itp_backlog_images": ("Images in the pipeline, not yet done or failed.",
                               service.backlog()),
        "itp_fetching_images": ("Images waiting for or in download.", service.fetching),
        "itp_jobs_tracked": ("Jobs kept for status and replay.", len(state.store.jobs)),
        "itp_ws_connections": ("Open WebSocket connections.", hub.connections),
        "itp_ws_sessions": ("WebSocket sessions, attached or resumable.", len(hub.sessions)),
        "itp_cache_bytes": ("Size of the results cache.", cache.total),
        "itp_cache_entries": ("Results in the cache.", len(cache)),
    }
    counters = {
        "itp_cache_hits_total": ("Images answered from the results cache.", cache.hits),
        "itp_cache_misses_total": ("Images not in the results cache.", cache.misses),
        "itp_ws_resyncs_total": ("Client buffers dropped (client told to resync).",
                                 hub.resyncs),
    }
    return Response(state.metrics.render(gauges, counters), media_type=CONTENT_TYPE)


async def openapi(request: Request) -> Response:
    state = _state(request)
    return JSONResponse(openapi_document(state.version, translators=state.translators,
                                         max_images=state.config.max_images_per_job))
