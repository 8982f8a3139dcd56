"""The web app: the page, its static files and the HTTP API, as one Starlette (ASGI) application.

Every API answer is a PNG or JSON; every refusal is status 400 with ``{"error": "one line"}``, and
the server goes on serving. Generation runs in a worker thread, one request at a time: the others wait
for their turn on the event loop (an AnyIO capacity limiter), not in the thread pool, so a queue of
slow grids never holds the threads that static files and uploads need, and the page, the run list
and the run tab keep answering. Limits protect the machine: samples per request (``max_n``), images
per upload and upload bytes.

API (documented in docs/serve.md)::

    GET  /api/runs                                       the served runs, as JSON
    GET  /api/run?run=NAME                               settings, last metrics and scalars, events
    GET  /api/losses?run=NAME                            the loss curves (PNG)
    GET  /api/sample?run=NAME&seed=S&n=N[&label=K]       a sample grid (PNG)
    GET  /api/interpolate?run=NAME&a=S&b=T&steps=K&mode=linear|spherical[&label=K]
    GET  /api/examples?run=NAME&seed=S&n=N               held-out source images beside their transfers
    POST /api/transfer?run=NAME                          images (multipart field "image", repeatable,
                                                         or one image as the body) beside their transfers
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any

import anyio
import attrs
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from gan_plugin_serve.demo import BadRequest, DemoRun

__all__ = ["Limits", "create_app"]

_MAX_SEED = 2**31 - 1
_MAX_PARTS = 10_000


@attrs.frozen
class Limits:
    """What one request may ask for."""

    max_n: int = 256  # samples per grid (per class row for conditional runs), images per example strip
    max_steps: int = 16  # images in an interpolation strip
    max_images: int = 16  # images per upload
    max_upload_bytes: int = 4 * 1024 * 1024  # the whole upload


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": " ".join(message.split())}, status_code=status)


def _png(data: bytes) -> Response:
    return Response(data, media_type="image/png", headers={"Cache-Control": "no-store"})


def _int(params: Mapping[str, str], name: str, default: int | None, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        if default is None:
            raise BadRequest(f"{name} is required: an integer in [{low}, {high}]")
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an integer in [{low}, {high}], got {raw[:40]!r}") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be in [{low}, {high}], got {value}")
    return value


def _optional_int(params: Mapping[str, str], name: str, low: int, high: int) -> int | None:
    return None if params.get(name, "") == "" else _int(params, name, None, low, high)


def create_app(runs: Mapping[str, DemoRun], limits: Limits | None = None) -> Starlette:
    """The app for ``runs`` (by name, in the order the list shows them)."""
    limits = limits or Limits()
    page = resources.files("gan_plugin_serve").joinpath("static", "index.html").read_text(encoding="utf-8")

    def run_of(request: Request) -> DemoRun:
        name = request.query_params.get("run", "")
        if name not in runs:
            served = ", ".join(repr(n) for n in runs)
            raise BadRequest(f"run must be one of {served}, got {name[:80]!r}")
        return runs[name]

    one_at_a_time = anyio.CapacityLimiter(1)

    async def compute(make: Callable[[], bytes]) -> Response:
        return _png(await anyio.to_thread.run_sync(make, limiter=one_at_a_time))

    async def index(request: Request) -> HTMLResponse:
        return HTMLResponse(page)

    async def list_runs(request: Request) -> JSONResponse:
        return JSONResponse({"runs": [run.describe() for run in runs.values()], "limits": attrs.asdict(limits)})

    async def run_details(request: Request) -> JSONResponse:
        return JSONResponse(await run_in_threadpool(run_of(request).details))  # reads the log

    async def losses(request: Request) -> Response:
        return _png(run_of(request).losses_png())

    async def sample(request: Request) -> Response:
        run, params = run_of(request), request.query_params
        seed = _int(params, "seed", 0, 0, _MAX_SEED)
        n = _int(params, "n", 16, 1, limits.max_n)
        label = _optional_int(params, "label", 0, 10**6)
        return await compute(lambda: run.sample(seed, n, label))  # it checks the label

    async def interpolate(request: Request) -> Response:
        run, params = run_of(request), request.query_params
        a = _int(params, "a", 0, 0, _MAX_SEED)
        b = _int(params, "b", 1, 0, _MAX_SEED)
        steps = _int(params, "steps", 8, 2, limits.max_steps)
        label = _optional_int(params, "label", 0, 10**6)
        mode = params.get("mode", "spherical")
        return await compute(lambda: run.interpolate(a, b, steps, mode, label))

    async def examples(request: Request) -> Response:
        run, params = run_of(request), request.query_params
        seed = _int(params, "seed", 0, 0, _MAX_SEED)
        n = _int(params, "n", 8, 1, limits.max_n)
        if run.kind != "translation":
            raise BadRequest(f"run {run.name!r} does not translate images: it has no source examples")
        return await compute(lambda: run.examples(seed, n))

    async def transfer(request: Request) -> Response:
        run = run_of(request)
        if run.kind != "translation":
            raise BadRequest(f"run {run.name!r} does not translate images: use /api/sample")
        images = await _uploaded_images(request, limits)
        return await compute(lambda: run.transfer(images))

    async def bad_request(request: Request, error: Exception) -> JSONResponse:
        return _error(str(error))

    async def http_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HTTPException)
        response = _error(str(error.detail), error.status_code)
        response.headers.update(error.headers or {})  # a 405's Allow
        return response

    async def server_error(request: Request, error: Exception) -> JSONResponse:
        print(f"gan serve: error: {request.url.path}: {type(error).__name__}: {error}", file=sys.stderr)
        return _error(f"the server failed on this request ({type(error).__name__}); see its log", 500)

    routes = [
        Route("/", index),
        Route("/api/runs", list_runs),
        Route("/api/run", run_details),
        Route("/api/losses", losses),
        Route("/api/sample", sample),
        Route("/api/interpolate", interpolate),
        Route("/api/examples", examples),
        Route("/api/transfer", transfer, methods=["POST"]),
        Mount("/static", StaticFiles(packages=[("gan_plugin_serve", "static")]), name="static"),
    ]
    handlers: dict[Any, Any] = {BadRequest: bad_request, HTTPException: http_error, Exception: server_error}
    return Starlette(routes=routes, exception_handlers=handlers)


async def _uploaded_images(request: Request, limits: Limits) -> list[bytes]:
    """The uploaded files' bytes, read no further than the size limit."""
    declared = request.headers.get("content-length")
    too_big = f"the upload is over the limit of {limits.max_upload_bytes} bytes"
    if declared is not None and declared.isdigit() and int(declared) > limits.max_upload_bytes:
        raise BadRequest(too_big)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limits.max_upload_bytes:
            raise BadRequest(too_big)
    if not body:
        raise BadRequest("no image was uploaded: send multipart field 'image' (repeatable) or one image as the body")
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        return [bytes(body)]

    async def replay() -> dict[str, Any]:
        return {"type": "http.request", "body": bytes(body), "more_body": False}

    # the byte limit above already bounds the parts; the parser's own count is set past ours, so that
    # our message (with the count) is the one the user reads
    async with Request(request.scope, replay).form(max_files=_MAX_PARTS, max_fields=_MAX_PARTS) as form:
        files = [item for key, item in form.multi_items() if key == "image" and isinstance(item, UploadFile)]
        if not files:
            raise BadRequest("no image was uploaded: the multipart field is 'image'")
        if len(files) > limits.max_images:
            raise BadRequest(f"at most {limits.max_images} images per upload, got {len(files)}")
        return [await file.read() for file in files]
