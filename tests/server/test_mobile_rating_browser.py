"""扫码评价 in a real browser: Debian's Chromium driven by selenium through /usr/bin/chromedriver,
against the real server process (uvicorn), on a phone-sized window 360 px wide. Rate once; a second
attempt is refused; a wrong verification is refused. The Chinese text is drawn by the web font the
server serves (the test machine has no Chinese system fonts). Screenshots:
docs/screenshots/mobile_rating_form.png and mobile_rating_thanks.png."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from db.models import Rating
from server.mobile_rating import ALREADY
from tests.server.kit import ServerKit
from tests.server.test_live_server import running_server
from tests.server.test_mobile_rating import ID_LAST4, PHONE_LAST4, PhoneHall

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver") or "/usr/bin/chromedriver"
PHONE_WIDTH, PHONE_HEIGHT = 360, 740
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None or not Path(CHROMEDRIVER).exists(),
                       reason="no browser: Debian's chromium and chromium-driver are not installed"),
    pytest.mark.parametrize("server_template", ["sqlite"], indirect=True),  # the pages, not the store, are tested
]


@pytest.fixture
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=zh-CN"):
        options.add_argument(arg)
    # a small phone: 360 CSS pixels wide (a desktop window cannot be made that narrow)
    metrics = {"width": PHONE_WIDTH, "height": PHONE_HEIGHT, "pixelRatio": 2}
    options.add_experimental_option("mobileEmulation", {"deviceMetrics": metrics})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _fonts_loaded(driver: Any) -> bool:
    """The page's Chinese web font was fetched and is in use (what draws the Chinese here)."""
    return bool(driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "document.fonts.ready.then(() => done([...document.fonts].some("
        "f => f.family.includes('CDHei') && f.status === 'loaded') && document.fonts.check('18px CDHei', '评价')));"))


def _font_covers_the_page(driver: Any, base: str, typed: str = "") -> bool:
    """Every Chinese character shown (and typed) has a glyph in the web font the page links."""
    import io
    import re

    import httpx
    from reportlab.pdfbase.ttfonts import TTFontFile

    url = re.search(r'url\("([^"]+)"\)', driver.page_source)
    assert url, "the page links no web font"
    face = TTFontFile(io.BytesIO(httpx.get(base + url.group(1), timeout=30).content))
    shown = driver.execute_script("return document.body.innerText") + typed
    return all(face.charToGlyph.get(ord(c), 0) > 0 for c in shown if ord(c) >= 0x3000)


def _verify(driver: Any, base: str, code: str, digits: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/r/{code}")
    box = driver.find_element(By.NAME, "digits")
    box.clear()
    box.send_keys(digits)
    _submit(driver)


def _submit(driver: Any) -> None:
    """Press the form's button and wait until the next page has replaced this one."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "body")
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(driver, 20).until(lambda _driver: _replaced(page))


def _replaced(element: Any) -> bool:
    """True once the element has left the document. While the next page is loading, chromedriver may
    say so as a plain WebDriverException ("Node with given id does not belong to the document")
    rather than StaleElementReferenceException; both mean the same."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in str(error):
            return True
        raise
    return False


def _shot(driver: Any, name: str) -> None:
    """The whole page from the top, as tall as it is, 360 px wide."""
    driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0);")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    for tall in (height, PHONE_HEIGHT):
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": PHONE_WIDTH, "height": tall, "deviceScaleFactor": 2, "mobile": True})
        if tall == height:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            assert driver.save_screenshot(str(SCREENSHOTS / name))


def test_rate_once_in_a_real_browser(server: ServerKit, counters: Any, server_url: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    hall = PhoneHall(server, counters)
    view = hall.case(deliver=True)
    with running_server("--db", server_url) as (base, _proc):
        _verify(browser, base, view.query_code, "1111")
        assert "验证未通过" in browser.find_element(By.TAG_NAME, "body").text
        assert view.matter_name not in browser.page_source
        _verify(browser, base, view.query_code, PHONE_LAST4)
        assert browser.find_element(By.ID, "matter").text == view.matter_name
        assert "李明" not in browser.page_source and view.number not in browser.page_source
        reasons = browser.find_element(By.CSS_SELECTOR, "fieldset.reasons")
        assert not reasons.is_displayed()  # asked for a 差评 only
        browser.find_element(By.CSS_SELECTOR, "input[name=level][value='2']").click()
        assert reasons.is_displayed()
        browser.find_element(By.CSS_SELECTOR, "input[name=reasons][value='efficiency']").click()
        browser.find_element(By.NAME, "comment").send_keys("排队时间较长")
        assert browser.execute_script("return window.innerWidth") == PHONE_WIDTH
        assert browser.execute_script("return document.documentElement.scrollWidth") <= PHONE_WIDTH  # no sideways
        assert _fonts_loaded(browser) and _font_covers_the_page(browser, base, "排队时间较长")
        _shot(browser, "mobile_rating_form.png")
        _submit(browser)
        assert "感谢您的评价" in browser.find_element(By.TAG_NAME, "h1").text
        assert browser.current_url.endswith(f"/r/{view.query_code}/thanks")
        assert _fonts_loaded(browser) and _font_covers_the_page(browser, base)
        _shot(browser, "mobile_rating_thanks.png")
        # the second attempt, even with the other answer, is refused politely
        _verify(browser, base, view.query_code, ID_LAST4)
        assert ALREADY in browser.find_element(By.TAG_NAME, "body").text
    row = hall.held(view.id)
    assert row is not None and (row.level, row.reasons, row.comment) == (2, ["efficiency"], "排队时间较长")
    with server.db.snapshot() as s:
        assert s.get(Rating, row.id).channel == "mobile"  # type: ignore[union-attr]
