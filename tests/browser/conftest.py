"""A live portal on a free local port and Debian's chromium driven by Playwright."""
import shutil
import threading

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def live_server(demo):
    """Serve the test app with waitress in a thread; yields the base URL."""
    from waitress.server import create_server

    server = create_server(demo, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()


@pytest.fixture
def page(live_server, tmp_path):
    """A fresh chromium page (Debian's browser; never a downloaded one)."""
    if not shutil.which(CHROMIUM):
        pytest.fail("缺少 /usr/bin/chromium：请以 root 运行 make test（会用 apt 安装 chromium）")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        context.close()
        browser.close()


def settled(page) -> None:
    """Wait until htmx has finished every request, swap and settle on the page."""
    page.wait_for_function(
        "() => window.htmx && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')")


def arrive(page, url) -> None:
    """Wait for a (boosted) navigation to `url`, then until htmx has processed the new content.

    A boosted swap binds the new elements' triggers only when it settles, so typing into a field
    before that is silently lost.
    """
    page.wait_for_url(url)
    settled(page)
