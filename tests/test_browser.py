"""The weekly report as a person sees it: headless Chromium renders it to a PNG.

Chromium's `--blink-settings=scriptEnabled=false` makes Chromium 156's headless mode exit
without writing any screenshot, so scripts are disabled the way a user would disable them: in
the profile's content settings (javascript = block). A control page whose script paints the
page red proves the setting is in force before the report is judged under it.
"""

from __future__ import annotations

import json
import re
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest

from dagster_project.reports.charts import PALETTE
from dagster_project.reports.render import render_reports
from tests.test_reports_fixture import published_fixture  # noqa: F401

CHROMIUM = Path("/usr/bin/chromium")
WINDOW = (1280, 2000)
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="headless browser test needs Debian's `chromium` at /usr/bin/chromium "
    "(apt-get install -y chromium; .ci/run installs it)",
)


def read_png(path: Path) -> np.ndarray:
    """Decode an 8-bit RGB/RGBA, non-interlaced PNG (what Chromium writes) to H×W×3."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    offset, chunks, header = 8, [], None
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        offset += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and interlace == 0, header
    channels = 3 if color == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    pixels = bytearray(height * stride)
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        current = bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 2:
            current = bytearray((a + b) & 0xFF for a, b in zip(current, previous, strict=True))
        elif kind in (1, 3, 4):  # these depend on the decoded pixel to the left
            for x in range(stride):
                left = current[x - channels] if x >= channels else 0
                up = previous[x]
                if kind == 1:
                    predictor = left
                elif kind == 3:
                    predictor = (left + up) >> 1
                else:
                    up_left = previous[x - channels] if x >= channels else 0
                    estimate = left + up - up_left
                    pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - up_left)
                    predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else up_left)
                current[x] = (current[x] + predictor) & 0xFF
        pixels[y * stride : (y + 1) * stride] = current
        previous = current
    image = np.frombuffer(bytes(pixels), dtype=np.uint8).astype(np.int32)
    return image.reshape(height, width, channels)[:, :, :3]


def screenshot(page: Path, out: Path, profile: Path, scripts: bool) -> np.ndarray:
    profile.mkdir(parents=True, exist_ok=True)
    if not scripts:
        default = profile / "Default"
        default.mkdir(exist_ok=True)
        block_javascript = {"profile": {"default_content_setting_values": {"javascript": 2}}}
        (default / "Preferences").write_text(json.dumps(block_javascript))
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        # Nothing may resolve: a page that tried to fetch from another host would show it.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile}",
        f"--screenshot={out}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        page.as_uri(),
    ]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert out.is_file(), (
        f"chromium wrote no screenshot (exit {completed.returncode}):\n"
        + "\n".join(line for line in completed.stderr.splitlines() if "dbus" not in line)
    )
    return read_png(out)


def count_color(image: np.ndarray, hex_color: str, tolerance: int = 6) -> int:
    rgb = np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(image - rgb).max(axis=2) <= tolerance).sum())


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory, published_fixture):  # noqa: F811
    reports = tmp_path_factory.mktemp("browser_reports")
    render_reports(published_fixture, reports, jornada="2021-14")
    return reports / "2021-14"


def test_scripts_are_really_disabled_in_the_no_script_profile(tmp_path):
    control = tmp_path / "control.html"
    control.write_text(
        "<!DOCTYPE html><html><body style='background:#ffffff'><p>control</p>"
        "<script>document.body.style.background = '#ff0000';</script></body></html>"
    )
    with_scripts = screenshot(control, tmp_path / "on.png", tmp_path / "p-on", scripts=True)
    without = screenshot(control, tmp_path / "off.png", tmp_path / "p-off", scripts=False)
    assert count_color(with_scripts, "#ff0000") > with_scripts.shape[0] * with_scripts.shape[1] // 2
    assert count_color(without, "#ff0000") == 0


def test_report_renders_its_charts_with_scripts_disabled(tmp_path, report_dir):
    page = report_dir / "index.html"
    image = screenshot(page, tmp_path / "report.png", tmp_path / "profile", scripts=False)
    assert image.shape[:2] == (WINDOW[1], WINDOW[0])
    # Not blank: many colors, and the page background is not all there is.
    background = count_color(image, "#f6f4ef", tolerance=2)
    assert background < image.shape[0] * image.shape[1] * 0.8
    assert len(np.unique(image.reshape(-1, 3), axis=0)) > 50

    # The same page without its <svg> charts: what is left is tiles and text. The difference
    # in bar-colored pixels is the charts, drawn where the national chart sits.
    html = page.read_text(encoding="utf-8")
    without_charts = report_dir / "no_charts.html"
    without_charts.write_text(re.sub(r"<svg\b.*?</svg>", "", html, flags=re.S), encoding="utf-8")
    plain = screenshot(without_charts, tmp_path / "plain.png", tmp_path / "profile2", scripts=False)
    bars = count_color(image, PALETTE[0]) - count_color(plain, PALETTE[0])
    assert bars > 5_000, f"only {bars} chart pixels: the SVG charts did not render"
    # The bars lie in the left-middle band where the chart's plot area is, not just anywhere.
    plot = image[:, 300:1000]
    assert count_color(plot, PALETTE[0]) > count_color(plain[:, 300:1000], PALETTE[0])


def test_english_page_renders_too(tmp_path, report_dir):
    image = screenshot(
        report_dir / "index.en.html", tmp_path / "en.png", tmp_path / "p", scripts=False
    )
    assert count_color(image, PALETTE[0]) > 10_000
