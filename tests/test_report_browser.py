"""report.html in headless Chromium with the network cut off: tables, charts, inert payloads.

Driven with Playwright against Debian's chromium (no browser download);
``page.route`` aborts and records every request that is not ``file:`` or ``data:``.
Without Chromium the tests are skipped (``tests/conftest.py``), or fail with
REDLINE_TEST_BROWSER=required.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from redline.analysis.ledger import county_ledger
from redline.analysis.summary import admin_units, summarise
from redline.io.results import RunOutput
from redline.report.html import render_report

import report_data as rd

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'


def run_output(findings, as_of: str) -> RunOutput:
    layers = rd.layers()
    ledger = county_ledger(layers, rd.targets(), findings, as_of=rd.AS_OF)
    summary = summarise(findings, admin_units(layers["admin"])).merge(
        ledger.drop(columns=["admin_name", "level"]), on="admin_code", how="left")
    run = {"dataset": "铁东" + XSS, "as_of": as_of, "version": "0.1.0", "status": "ok",
           "parameters": {"sliver_m2": 1.0, "note": XSS}}
    return RunOutput(path="q/" + XSS, run=run, summary=summary, findings=findings)


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    before = run_output(rd.findings(XSS), "2026-03-31")
    now = run_output(rd.findings(XSS, drop=("idle_1y/supply/S1",), add=True), "2026-06-30")
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render_report(now, previous=before), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def shown(report_file: Path, chromium: str):
    """The page loaded once: (evaluated facts, screenshot PNG, blocked requests, errors)."""
    from playwright import sync_api

    blocked: list[str] = []
    errors: list[str] = []
    dialogs: list[str] = []

    def route(r) -> None:
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.route("**/*", route)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(report_file.as_uri(), wait_until="load")
            facts = page.evaluate("""() => ({
                images: Array.from(document.images).map(i => [i.complete, i.naturalWidth,
                                                                i.naturalHeight]),
                tables: document.querySelectorAll('table tbody tr').length,
                headings: Array.from(document.querySelectorAll('h2')).map(h => h.textContent),
                xss: window.__xss === undefined ? null : window.__xss,
                text: document.body.innerText,
            })""")
            png = page.screenshot(full_page=False)
        finally:
            browser.close()
    return facts, png, blocked, errors + dialogs


def test_every_image_loaded(shown) -> None:
    facts = shown[0]
    assert len(facts["images"]) >= 7  # rules, targets, quota, balance, forecast, map, diff
    for complete, width, height in facts["images"]:
        assert complete
        assert width > 0
        assert height > 0


def test_tables_and_sections_shown(shown) -> None:
    facts = shown[0]
    assert facts["tables"] > 20
    headings = " ".join(facts["headings"])
    for word in ("耕地保有量", "计划指标", "占补平衡", "问责比例", "排名", "需求预测",
                 "重大案件", "与上期比较"):
        assert word in headings


def test_screenshot_is_not_blank(shown) -> None:
    pixels = np.asarray(Image.open(io.BytesIO(shown[1])).convert("L"), dtype=float)
    assert pixels.shape[0] > 500
    assert pixels.std() > 10  # text, table lines and bars, not one flat colour
    assert (pixels < 128).mean() > 0.005


def test_no_network_and_no_errors(shown) -> None:
    _, _, blocked, errors = shown
    assert blocked == []
    assert errors == []


def test_payload_stays_inert(shown) -> None:
    facts = shown[0]
    assert facts["xss"] is None
    assert "<script>window.__xss=1</script>" in facts["text"]  # shown as text
    assert pd.notna(facts["text"])
