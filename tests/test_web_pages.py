"""The dashboard's HTML pages on the seeds demo database: each page shows what the CLI shows, the evidence
filters work, an unknown claim is a 404 page, text from articles is escaped, and in headless Chromium the
claim page shows the timeline chart of the seeds' evidence (screenshot: docs/screenshots/claim.png with
MONITOR_UPDATE_SCREENSHOT=1).

Chromium is Debian's `chromium` package: when /usr/bin/chromium is missing, the session installs it with
apt-get (as root), else the browser test is skipped saying why."""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from lxml import html as lxml_html

from monitor.app import App, build_app
from monitor.config.settings import Settings
from monitor.domain import EventKind, Stance
from monitor.pipeline import run_pass
from monitor.store import repository as repo
from monitor.web import pages
from monitor.web.pages import pages_router

from .conftest import DEFAULT_CONFIG, ROOT, SEEDS

CLAIM = "nk-troops-ukraine"
DROPPED_AT = 1730419200  # 2024-11-01 00:00 UTC: the file time of the seeds that carry no date
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = ROOT / "docs" / "screenshots" / "claim.png"
CONFIRM_RGB, CONTRADICT_RGB = (0x1A, 0x7F, 0x37), (0xCF, 0x22, 0x2E)  # the chart's bar colours


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """The seeds demo database: the default rules and the five seeds, one pass (the default engine)."""
    root = tmp_path_factory.mktemp("demo")
    shutil.copytree(ROOT / "config", root / "config")
    shutil.copytree(SEEDS, root / "seeds")
    for seed in (root / "seeds").iterdir():  # a fixed file time: the same chart on every checkout
        os.utime(seed, (DROPPED_AT, DROPPED_AT))
    settings = Settings(
        config=root / "config" / "monitor.yaml", database_url=f"sqlite:///{root / 'monitor.db'}"
    )
    app = build_app(settings)
    run_pass(app)
    yield app
    app.close()


def web_app(monitor: App) -> FastAPI:
    """What `create_app` does for the pages: the router (with its /static mount) and the App in state."""
    web = FastAPI()
    web.state.monitor = monitor
    web.include_router(pages_router())
    return web


@pytest.fixture(scope="module")
def client(demo: App) -> Iterator[TestClient]:
    with TestClient(web_app(demo)) as c:
        yield c


def page(client: TestClient, path: str, status: int = 200) -> Any:
    response = client.get(path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    return lxml_html.fromstring(response.text)


def text(node: Any) -> str:
    return " ".join(node.text_content().split())


def ledger_of(demo: App) -> Any:
    with demo.read_sessions() as session:
        return demo.tracker.ledger(session, CLAIM)


def test_claims_page_shows_each_claim_with_status_sources_and_last_change(
    client: TestClient, demo: App
) -> None:
    ledger = ledger_of(demo)
    doc = page(client, "/")
    (row,) = doc.xpath("//table[@class='claims']/tbody/tr")
    assert row.xpath(".//a[@class='claim-id']/@href") == [f"/claims/{CLAIM}"]
    assert "North Korean troops are fighting for Russia in Ukraine" in text(row)
    assert row.xpath(".//span[contains(@class, 'badge')]/text()") == ["confirmed"]
    confirming = sum(p.stance is Stance.CONFIRM for p in ledger.positions.values())
    contradicting = sum(p.stance is Stance.CONTRADICT for p in ledger.positions.values())
    assert (confirming, contradicting) == (11, 3)  # as `monitor claims` says in the README
    assert text(row.xpath(".//td[contains(@class, 'sources')]")[0]) == f"{confirming} / {contradicting}"
    with demo.read_sessions() as session:
        (counts,) = repo.claims_overview(session)
    assert f"{counts['confirm']} · {counts['contradict']} · {counts['discuss']}" in text(row)
    assert "contested → confirmed" in text(row)  # the last status change


def test_claim_page_shows_the_status_chart_evidence_and_timeline(client: TestClient, demo: App) -> None:
    ledger = ledger_of(demo)
    doc = page(client, f"/claims/{CLAIM}")
    body = text(doc)
    assert "Why confirmed:" in body
    assert "11 independent sources confirm" in body
    (chart,) = doc.xpath("//svg[@id='timeline-chart']")
    assert chart.get("data-statements") == str(len(ledger.statements))
    assert (chart.get("data-confirming-sources"), chart.get("data-contradicting-sources")) == ("11", "3")
    bars = chart.xpath(".//g[contains(@class, 'bar')]")
    assert sum(int(b.get("data-count")) for b in bars if b.get("data-stance") == "confirm") == sum(
        s.stance is Stance.CONFIRM for s in ledger.statements
    )
    assert sum(int(b.get("data-count")) for b in bars if b.get("data-stance") == "contradict") == sum(
        s.stance is Stance.CONTRADICT for s in ledger.statements
    )
    changes = [e for e in ledger.events if e.kind is EventKind.STATUS_CHANGE]
    marks = chart.xpath(".//g[@class='status-change']")
    assert [(m.get("data-date"), m.get("data-status")) for m in marks] == [
        (e.at.date().isoformat(), e.status.value) for e in changes
    ]
    assert [m.get("data-status") for m in marks] == ["reported", "confirmed", "contested", "confirmed"]
    assert "→ contested" in text(chart) and "→ confirmed" in text(chart)
    assert any("Andrii Kovalenko (new)" in b.xpath("./title")[0].text for b in bars)
    evidence = doc.xpath("//table[@class='evidence']/tbody/tr")
    with demo.read_sessions() as session:
        stored = repo.evidence_for(session, claim_id=CLAIM)
    assert len(evidence) == len(stored)
    quotes = text(doc.xpath("//section[@id='evidence']")[0])
    assert "was not true" in quotes and "NATO has no evidence" in quotes
    timeline = doc.xpath("//ol[@class='timeline']/li")
    statuses = [li for li in timeline if "status-row" in li.get("class")]
    assert [text(li.xpath("./b")[0]) for li in statuses] == [
        "status unverified → reported",
        "status reported → confirmed",
        "status confirmed → contested",
        "status contested → confirmed",
    ]
    assert any("NATO" in text(li) and "changed position" in text(li) for li in timeline)
    anchors = {li.get("id") for li in timeline if li.get("id")}
    assert {b.getparent().get("href").lstrip("#") for b in bars} <= anchors  # bars link into the list


def test_evidence_filters_by_stance_source_and_outlet(client: TestClient, demo: App) -> None:
    with demo.read_sessions() as session:
        contradicting = repo.evidence_for(session, claim_id=CLAIM, stance="contradict")
    rows = page(client, f"/claims/{CLAIM}?stance=contradict").xpath("//table[@class='evidence']/tbody/tr")
    assert len(rows) == len(contradicting) > 0
    assert {r.get("class") for r in rows} == {"stance-row-contradict"}

    rows = page(client, f"/claims/{CLAIM}?source=NATO").xpath("//table[@class='evidence']/tbody/tr")
    assert rows and all(text(r.xpath("./td[5]")[0]).startswith("NATO") for r in rows)
    said = " ".join(text(r) for r in rows)
    assert "NATO has no evidence" in said and "confirmed this" in said  # both of NATO's positions

    doc = page(client, f"/claims/{CLAIM}?source=NATO&stance=confirm&outlet=Censor.NET")
    rows = doc.xpath("//table[@class='evidence']/tbody/tr")
    assert rows and all("Censor.NET" in text(r.xpath("./td[6]")[0]) for r in rows)
    assert {r.get("class") for r in rows} == {"stance-row-confirm"}
    assert doc.xpath("//select[@name='source']/option[@selected]/text()") == ["NATO"]

    empty = page(client, f"/claims/{CLAIM}?source=nobody")
    assert "No evidence matches." in text(empty)
    assert empty.xpath("//svg[@id='timeline-chart']")  # the chart is the claim's, whatever the filter
    page(client, f"/claims/{CLAIM}?stance=maybe", status=400)


def test_evidence_comes_in_pages(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages, "EVIDENCE_PAGE", 20)
    first = page(client, f"/claims/{CLAIM}?stance=confirm")
    assert len(first.xpath("//table[@class='evidence']/tbody/tr")) == 20
    links = first.xpath("//nav[@class='pager']/a/@href")
    assert links and all("stance=confirm" in link and "page=" in link for link in links)
    last = page(client, links[-1])
    assert 0 < len(last.xpath("//table[@class='evidence']/tbody/tr")) <= 20
    assert {r.get("class") for r in last.xpath("//table[@class='evidence']/tbody/tr")} == {
        "stance-row-confirm"
    }


def test_an_unknown_claim_is_a_404_page(client: TestClient) -> None:
    doc = page(client, "/claims/no-such-claim", status=404)
    assert "No such claim" in text(doc)
    assert doc.xpath("//li/a/@href") == [f"/claims/{CLAIM}"]


def test_sources_page_shows_each_sources_health(client: TestClient) -> None:
    (row,) = page(client, "/sources").xpath("//tr[@data-source]")
    assert row.get("data-source") == "seeds"
    cells = [text(td) for td in row.xpath("./td")]
    assert cells[0].startswith("seeds folder")
    assert cells[1] == "ok"
    assert cells[2].endswith("UTC") or "UTC" in cells[2]  # last success
    assert cells[3] == "0"  # failures in a row
    assert cells[4] == "—"  # no error


def test_alerts_page_shows_each_delivery_by_channel_key_never_by_url(client: TestClient, demo: App) -> None:
    response = client.get("/alerts")
    assert response.status_code == 200
    doc = lxml_html.fromstring(response.text)
    rows = doc.xpath("//tr[@data-alert]")
    with demo.read_sessions() as session:
        alerts = repo.alerts_overview(session, failed_only=False, limit=50)
    assert [int(r.get("data-alert")) for r in rows] == [a["id"] for a in alerts]
    assert any("NATO changed position" in text(r) for r in rows)
    channels = {c.text for c in doc.xpath("//div[@class='delivery']/code")}
    assert channels == {d["channel"] for a in alerts for d in a["deliveries"]}
    assert all(c.startswith("terminal:") for c in channels)
    assert "console://" not in response.text
    assert doc.xpath("//span[contains(@class, 'delivery-sent')]")
    assert "No alert with a failed delivery." in text(page(client, "/alerts?failed=true"))
    assert len(page(client, "/alerts?limit=2").xpath("//tr[@data-alert]")) == 2


def test_the_stylesheet_is_served_from_the_package(client: TestClient) -> None:
    doc = page(client, "/")
    (href,) = doc.xpath("//link[@rel='stylesheet']/@href")
    response = client.get(href)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/css")
    assert "svg.chart" in response.text
    assert not doc.xpath("//script")  # the pages need no JavaScript


def test_text_from_the_rules_and_articles_is_escaped_and_only_web_links_are_links(tmp_path: Path) -> None:
    rules = DEFAULT_CONFIG.read_text(encoding="utf-8").replace(
        "claim: North Korean troops are fighting for Russia in Ukraine",
        'claim: "<script>alert(1)</script> troops & <b>tanks</b>"',
    )
    (tmp_path / "monitor.yaml").write_text(
        rules.replace("path: ../seeds", f"path: {SEEDS}"), encoding="utf-8"
    )
    monitor = build_app(
        Settings(config=tmp_path / "monitor.yaml", database_url=f"sqlite:///{tmp_path / 'm.db'}")
    )
    try:
        with TestClient(web_app(monitor)) as c:
            for path in ("/", f"/claims/{CLAIM}"):
                body = c.get(path).text
                assert "<script>" not in body and "<b>tanks" not in body
                assert "&lt;script&gt;alert(1)&lt;/script&gt; troops &amp; &lt;b&gt;tanks&lt;/b&gt;" in body
            assert "No statement confirms or contradicts this claim yet." in c.get(f"/claims/{CLAIM}").text
    finally:
        monitor.close()
    article = pages._environment().get_template("macros.html.j2").module.article  # type: ignore[attr-defined]
    assert "href" not in str(article("<i>Title</i>", "javascript:alert(1)", "seeds/a.txt"))
    assert "&lt;i&gt;Title" in str(article("<i>Title</i>", "javascript:alert(1)", "seeds/a.txt"))
    assert 'href="https://example.org/a?b=1&amp;c=2"' in str(
        article("T", "https://example.org/a?b=1&c=2", "")
    )


# Headless Chromium


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's chromium, installed here (apt-get, as root) when it is missing."""
    if CHROMIUM.exists():
        return CHROMIUM
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        pytest.skip(f"{CHROMIUM} is missing and cannot be installed here (needs root and apt-get)")
    started = time.monotonic()
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        [apt, "update", "-q"],
        [apt, "install", "-y", "-q", "--no-install-recommends", "chromium"],
    ):
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            pytest.skip(f"installing chromium failed ({' '.join(command)}): {result.stderr[-500:]}")
    print(f"installed chromium in {time.monotonic() - started:.0f} s", file=sys.stderr)
    if not CHROMIUM.exists():
        pytest.skip(f"apt-get installed chromium, but not at {CHROMIUM}")
    return CHROMIUM


@pytest.fixture(scope="module")
def served(demo: App) -> Iterator[str]:
    """The pages served by uvicorn on 127.0.0.1 at a free port, from a thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(web_app(demo), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    sock.close()


def browse(chromium: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        str(chromium),
        "--headless",
        "--disable-gpu",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--window-size=1280,1600",
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def test_chromium_shows_the_claim_timeline_chart(
    chromium: Path, served: str, demo: App, tmp_path: Path
) -> None:
    ledger = ledger_of(demo)
    url = f"{served}/claims/{CLAIM}"
    dumped = browse(chromium, tmp_path / "profile", "--virtual-time-budget=5000", "--dump-dom", url)
    dom = lxml_html.fromstring(dumped.stdout)
    (chart,) = dom.xpath("//svg[@id='timeline-chart']")
    assert chart.get("data-statements") == str(len(ledger.statements))
    bars = chart.xpath(".//g[contains(@class, 'bar')]")
    assert sum(int(b.get("data-count")) for b in bars) == len(ledger.statements)
    assert {b.get("data-stance") for b in bars} == {"confirm", "contradict"}
    assert [m.get("data-status") for m in chart.xpath(".//g[@class='status-change']")] == [
        "reported",
        "confirmed",
        "contested",
        "confirmed",
    ]
    legend = {b.get("data-legend"): b.text for b in dom.xpath("//figcaption//b[@data-legend]")}
    assert legend == {"confirming-sources": "11", "contradicting-sources": "3"}
    assert "was not true" in text(dom)

    shot = SCREENSHOT if os.environ.get("MONITOR_UPDATE_SCREENSHOT") == "1" else tmp_path / "claim.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    # No --virtual-time-budget here: with it, Chromium at times captures before the page's foot is painted.
    browse(chromium, tmp_path / "profile", f"--screenshot={shot}", url)
    width, height, pixels = read_png(shot)
    assert (width, height) == (1280, 1600)
    chart_area = pixels[200:900]  # the rows where the chart is drawn (below the claim's header)
    assert count(chart_area, CONFIRM_RGB) > 2000, "no confirmation bars painted"
    assert count(chart_area, CONTRADICT_RGB) > 500, "no contradiction bars painted"


def read_png(path: Path) -> tuple[int, int, np.ndarray]:
    """Width, height and the (height, width, 3) RGB pixels of an 8-bit, non-interlaced RGB or RGBA PNG
    (what Chromium writes)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, header = 8, [], b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and color in (2, 6) and interlace == 0, "unexpected PNG format"
    step = 3 if color == 2 else 4
    stride = width * step
    raw = np.frombuffer(zlib.decompress(b"".join(chunks)), dtype=np.uint8).reshape(height, stride + 1)
    out = np.zeros((height, stride), dtype=np.uint8)
    previous = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        kind, line = raw[y, 0], raw[y, 1:].astype(np.int32)
        if kind == 1:  # Sub: a running sum along each channel
            line = np.cumsum(line.reshape(width, step), axis=0).reshape(stride)
        elif kind == 2:  # Up
            line = line + previous
        elif kind in (3, 4):  # Average, Paeth: byte by byte
            row, up = line.tolist(), previous.tolist()
            for i in range(stride):
                a = row[i - step] if i >= step else 0
                b = up[i]
                if kind == 3:
                    row[i] = (row[i] + (a + b) // 2) & 0xFF
                    continue
                c = up[i - step] if i >= step else 0
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
            line = np.array(row, dtype=np.int32)
        previous = line & 0xFF
        out[y] = previous
    return width, height, out.reshape(height, width, step)[:, :, :3]


def count(pixels: np.ndarray, rgb: tuple[int, int, int]) -> int:
    return int(np.all(pixels == np.array(rgb, dtype=np.uint8), axis=-1).sum())
