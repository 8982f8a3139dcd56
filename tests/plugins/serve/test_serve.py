"""``gan serve`` as a user meets it: the HTTP API's answers and refusals, then the page in a real
headless browser (Chromium), for a run of each kind."""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

SCREENSHOTS = Path(__file__).resolve().parents[3] / ".test-output" / "serve"


def _get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.headers["content-type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["content-type"], error.read()


def _post(url: str, body: bytes, content_type: str) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers["content-type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["content-type"], error.read()


def _post_oversized(url: str, size: int) -> tuple[int, str, bytes]:
    """POST ``size`` bytes the way a browser does: the server may answer from the headers alone and
    close the connection before the body is sent, which a plain client reports as a broken pipe."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=60)
    connection.putrequest("POST", f"{parts.path}?{parts.query}")
    connection.putheader("Content-Type", "image/png")
    connection.putheader("Content-Length", str(size))
    connection.endheaders()
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        connection.send(b"x" * size)
    response = connection.getresponse()
    answer = (response.status, response.getheader("content-type") or "", response.read())
    connection.close()
    return answer


def _multipart(files: list[bytes]) -> tuple[bytes, str]:
    boundary = "gan-serve-test-boundary"
    parts = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="{i}.png"\r\n'
        f"Content-Type: image/png\r\n\r\n".encode()
        + data
        + b"\r\n"
        for i, data in enumerate(files)
    )
    return parts + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _png(size: tuple[int, int] = (40, 30), colour: int = 200) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (colour, colour // 2, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


def _huge_png() -> bytes:
    """A few kilobytes that would decode to 25 million pixels."""
    buffer = io.BytesIO()
    Image.new("L", (5000, 5000)).save(buffer, format="PNG")
    return buffer.getvalue()


def _image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _runs(server: str) -> dict[str, Any]:
    status, kind, body = _get(server + "/api/runs")
    assert status == 200 and kind == "application/json"
    return {run["kind"]: run for run in json.loads(body)["runs"]}


def test_the_run_list_names_each_kind(server: str) -> None:
    runs = _runs(server)
    assert set(runs) == {"noise", "conditional", "translation"}
    assert runs["conditional"]["classes"] == 10 and runs["noise"]["classes"] is None
    assert runs["translation"]["examples"] is True


def test_samples_are_pngs_that_change_with_the_seed(server: str) -> None:
    name = _runs(server)["noise"]["name"]
    first = _get(f"{server}/api/sample?run={name}&seed=1&n=16")
    again = _get(f"{server}/api/sample?run={name}&seed=1&n=16")
    other = _get(f"{server}/api/sample?run={name}&seed=2&n=16")
    assert first[0] == 200 and first[1] == "image/png"
    assert first[2] == again[2] and first[2] != other[2]  # a seed gives the same grid
    assert _image(first[2]).size == (4 * 28 + 5 * 2, 4 * 28 + 5 * 2)  # 4x4 samples, 2-pixel padding


def test_conditional_rows_and_one_class(server: str) -> None:
    name = _runs(server)["conditional"]["name"]
    rows = _get(f"{server}/api/sample?run={name}&seed=0&n=3")
    assert rows[0] == 200 and _image(rows[2]).size == (3 * 30 + 2, 10 * 30 + 2)  # one row of 3 per class
    seven = _get(f"{server}/api/sample?run={name}&seed=0&n=4&label=7")
    assert seven[0] == 200 and _image(seven[2]).size == (2 * 30 + 2, 2 * 30 + 2)


def test_interpolation_strips(server: str) -> None:
    name = _runs(server)["noise"]["name"]
    spherical = _get(f"{server}/api/interpolate?run={name}&a=0&b=5&steps=6&mode=spherical")
    linear = _get(f"{server}/api/interpolate?run={name}&a=0&b=5&steps=6&mode=linear")
    assert spherical[0] == linear[0] == 200
    assert _image(spherical[2]).size == (6 * 30 + 2, 30 + 2) and spherical[2] != linear[2]


def test_transfer_of_uploads_and_of_held_out_examples(server: str) -> None:
    name = _runs(server)["translation"]["name"]
    body, kind = _multipart([_png(), _png((20, 50), 90)])
    status, content, data = _post(f"{server}/api/transfer?run={name}", body, kind)
    assert status == 200 and content == "image/png", data[:300]
    raw = _post(f"{server}/api/transfer?run={name}", _png(), "image/png")  # one image as the body
    assert raw[0] == 200 and raw[1] == "image/png"
    examples = _get(f"{server}/api/examples?run={name}&seed=3&n=4")
    assert examples[0] == 200 and examples[1] == "image/png"


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("/api/sample?run=nope", "run must be one of"),
        ("/api/sample?run={noise}&n=0", "n must be in [1, 256]"),
        ("/api/sample?run={noise}&n=100000", "n must be in [1, 256]"),
        ("/api/sample?run={noise}&n=many", "n must be an integer"),
        ("/api/sample?run={noise}&label=3", "unconditional"),
        ("/api/sample?run={conditional}&label=10", "label must be in [0, 9]"),
        ("/api/interpolate?run={noise}&mode=zigzag", "mode must be 'linear' or 'spherical'"),
        ("/api/interpolate?run={noise}&steps=100", "steps must be in [2, 16]"),
        ("/api/sample?run={translation}", "translates images"),
        ("/api/examples?run={noise}", "does not translate images"),
    ],
)
def test_bad_queries_get_400_and_one_line(server: str, path: str, fragment: str) -> None:
    names = {kind: run["name"] for kind, run in _runs(server).items()}
    status, kind, body = _get(server + path.format(**names))
    assert status == 400 and kind == "application/json"
    message = json.loads(body)["error"]
    assert fragment in message and "\n" not in message
    assert _get(server + "/api/runs")[0] == 200  # and the server keeps serving


def test_bad_uploads_get_400_and_one_line(server: str) -> None:
    runs = _runs(server)
    url = f"{server}/api/transfer?run={runs['translation']['name']}"
    cases = [
        (_post(url, b"this is not an image", "image/png"), "file 1 is not an image"),
        (_post(url, *_multipart([_png(), b"GIF89a broken"])), "file 2 is not an image"),
        (_post_oversized(url, 4 * 1024 * 1024 + 1), "over the limit of 4194304 bytes"),
        (_post(url, b"", "image/png"), "no image was uploaded"),
        (_post(url, _png()[:60], "image/png"), "file 1 is not an image"),  # a damaged PNG
        (_post(url, _huge_png(), "image/png"), "at most 16777216 pixels"),
        (_post(url, *_multipart([_png()] * 17)), "at most 16 images per upload, got 17"),
        (_post(f"{server}/api/transfer?run={runs['noise']['name']}", _png(), "image/png"), "use /api/sample"),
    ]
    for (status, kind, body), fragment in cases:
        assert status == 400 and kind == "application/json", body[:200]
        message = json.loads(body)["error"]
        assert fragment in message and "\n" not in message, message
    assert _get(server + "/api/runs")[0] == 200


def test_the_page_in_a_headless_browser(server: str, runs: dict[str, Path], tmp_path: Path) -> None:
    from browser_support import console_errors, headless_chromium
    from selenium.webdriver.support.ui import Select, WebDriverWait

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    names = {kind: run["name"] for kind, run in _runs(server).items()}
    upload = tmp_path / "upload.png"
    upload.write_bytes(_png((64, 64), 240))
    with headless_chromium(1200, 1400) as driver:
        wait = WebDriverWait(driver, 60)

        def loaded(element_id: str, after: int = 0) -> str:
            """Wait until the image was (re)loaded from the API and decoded; its pixels as a data URL."""
            wait.until(lambda d: int(d.find_element("id", element_id).get_attribute("data-loaded") or 0) > after)
            wait.until(lambda d: d.execute_script(f"const i = document.getElementById('{element_id}');"
                                                  "return i.complete && i.naturalWidth > 0;"))  # fmt: skip
            return str(driver.execute_script(
                f"const i = document.getElementById('{element_id}'); const c = document.createElement('canvas');"
                "c.width = i.naturalWidth; c.height = i.naturalHeight; c.getContext('2d').drawImage(i, 0, 0);"
                "return c.toDataURL();"
            ))  # fmt: skip

        def count(element_id: str) -> int:
            return int(driver.find_element("id", element_id).get_attribute("data-loaded") or 0)

        driver.get(server + "/")
        select = Select(driver.find_element("id", "run-select"))
        # noise: a grid, then "new seed" changes it; the interpolation strip
        select.select_by_value(names["noise"])
        before = loaded("grid")
        loaded("strip")
        clicks = count("grid")
        driver.find_element("id", "new-seed").click()
        assert loaded("grid", clicks) != before
        driver.save_screenshot(str(SCREENSHOTS / "noise.png"))
        # conditional: one row per class, then one class
        clicks = count("grid")
        select.select_by_value(names["conditional"])
        assert driver.find_element("id", "class-label").is_displayed()
        rows = loaded("grid", clicks)
        clicks = count("grid")
        Select(driver.find_element("id", "class-select")).select_by_value("7")
        assert loaded("grid", clicks) != rows
        driver.save_screenshot(str(SCREENSHOTS / "conditional.png"))
        # translation: held-out examples at once; an upload beside its transfer
        select.select_by_value(names["translation"])
        loaded("examples")
        driver.find_element("id", "upload").send_keys(str(upload))
        driver.find_element("id", "transfer-go").click()
        loaded("transfer")
        driver.save_screenshot(str(SCREENSHOTS / "translation.png"))
        # the second tab: settings, metrics, loss curves
        driver.find_element("id", "tab-run").click()
        wait.until(lambda d: "variant" in d.find_element("id", "settings").text)
        loaded("losses")
        driver.save_screenshot(str(SCREENSHOTS / "run-tab.png"))
        assert driver.find_element("id", "status").text == ""
        assert console_errors(driver) == []


def test_an_unknown_path_is_404_with_the_same_one_line_json(server: str) -> None:
    status, kind, body = _get(server + "/api/nothing")
    assert status == 404 and kind == "application/json" and json.loads(body) == {"error": "Not Found"}


def test_the_run_tab_answers_settings_metrics_events_and_curves(server: str) -> None:
    name = _runs(server)["conditional"]["name"]
    status, kind, body = _get(f"{server}/api/run?run={name}")
    details = json.loads(body)
    assert status == 200 and kind == "application/json"
    assert 'variant = "cgan"' in details["settings"] and details["losses"] is True
    assert details["last"]["step"] == 30 and isinstance(details["events"], list)
    curves = _get(f"{server}/api/losses?run={name}")
    assert curves[0] == 200 and curves[2].startswith(b"\x89PNG")


def test_a_wrong_method_is_405_with_allow(server: str) -> None:
    connection = http.client.HTTPConnection(urllib.parse.urlsplit(server).netloc, timeout=60)
    connection.request("POST", "/api/sample?run=x", body=b"")
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert response.status == 405 and response.getheader("content-type") == "application/json"
    assert "GET" in (response.getheader("allow") or "") and "error" in json.loads(body)
