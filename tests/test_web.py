"""The chat page end to end: the real service under uvicorn, driven in headless Chromium.

The browser is Debian's `chromium` with its matching `chromium-driver`, driven by Selenium: nothing is downloaded.
The test skips only when /usr/bin/chromium is absent. With WEB_SCREENSHOTS=1 (`make screenshots`) it leaves
screenshots of a real conversation, the reading view and the API docs in eval/reports/; `make test` writes none.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import rispy
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.conftest import ROOT
from tests.live_server import live_server, server_env

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
REPORTS = ROOT / "eval" / "reports"
SESSION_KEY = "quellen-assistent.session"
START_TIMEOUT_S = 90
WAIT_S = 60

QUESTION = "Wie stark ist der Handelsumsatz zwischen Belarus und Kasachstan von 2005 bis 2010 gestiegen?"
FOLLOW_UP = "Und 2011?"
UNANSWERABLE = "Wie viele Touristen aus Kasachstan besuchten im Jahr 2019 Belarus?"
ENGLISH = "Which Belarusian company opened a trading house in Astana in 2010?"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is absent: install the Debian packages chromium and chromium-driver (make test does)",
)


# -- fixtures ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real service (committed index, temporary sessions database) on a free loopback port."""
    data = tmp_path_factory.mktemp("web-data")
    with live_server(server_env(data_dir=str(data)), data / "server.log", start_timeout_s=START_TIMEOUT_S) as (base, _):
        yield base


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    assert CHROMEDRIVER.exists(), f"{CHROMIUM} is installed but {CHROMEDRIVER} is not: install chromium-driver"
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=de-DE",
                "--window-size=1200,900", "--hide-scrollbars", "--no-first-run", "--disable-extensions",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(arg)
    # The network log lets the docs test see every request a page makes, and which ones the page's CSP refused.
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    # An explicit driver path keeps Selenium Manager (which would go to the network) out of it.
    service = Service(executable_path=str(CHROMEDRIVER), log_output=subprocess.DEVNULL)
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(WAIT_S)
    driver.set_script_timeout(WAIT_S)
    try:
        yield driver
    finally:
        driver.quit()


# -- helpers -----------------------------------------------------------------------------------------------------


def wait(driver: WebDriver, condition, message: str, timeout: float = WAIT_S):
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(condition, message)


def open_page(driver: WebDriver, base: str, *, fresh: bool) -> None:
    driver.get(base + "/")
    if fresh:
        driver.execute_script("localStorage.clear()")
        driver.refresh()
    wait_ready(driver)


def wait_ready(driver: WebDriver, message: str = "the page did not finish starting") -> None:
    wait(driver, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true", message)


def turns(driver: WebDriver) -> list[WebElement]:
    return driver.find_elements(By.CSS_SELECTOR, "#conversation > li.turn:not(.turn--pending)")


def ask(driver: WebDriver, message: str) -> WebElement:
    """Type a question, send it with Enter (the keyboard path), and return the finished turn."""
    before = len(turns(driver))
    box = driver.find_element(By.ID, "question")
    box.clear()
    box.send_keys(message)
    box.send_keys(Keys.ENTER)
    error = driver.find_element(By.ID, "error")
    wait(driver, lambda d: error.is_displayed() or (
        len(turns(d)) == before + 1 and not d.find_elements(By.CSS_SELECTOR, ".turn--pending")),
         f"no answer to {message!r}")
    assert not error.is_displayed(), f"error instead of an answer to {message!r}: {error.text}"
    assert not driver.find_element(By.ID, "send").get_attribute("disabled"), "submit stays disabled after the answer"
    assert driver.switch_to.active_element == box, "focus did not return to the input after the answer"
    turn = turns(driver)[-1]
    assert turn.find_element(By.CSS_SELECTOR, ".question").text.endswith(message)
    return turn


def click(driver: WebDriver, element: WebElement) -> None:
    """Scroll an element to the middle first, as a person would: the sticky input box covers the bottom edge."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def answer_of(turn: WebElement) -> WebElement:
    return turn.find_element(By.CSS_SELECTOR, "article.answer")


def session_in_storage(driver: WebDriver) -> str | None:
    return driver.execute_script("return localStorage.getItem(arguments[0])", SESSION_KEY)


def screenshot(driver: WebDriver, path: Path, width: int, *, mobile: bool = False) -> None:
    """A full-page screenshot (the viewport stretched to the page's height), checking nothing sticks out sideways.

    The check always runs; the file is written only under `make screenshots` (WEB_SCREENSHOTS=1).
    """
    metrics = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": mobile}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    height = driver.execute_script("return Math.ceil(document.documentElement.scrollHeight)")
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {**metrics, "height": min(height, 12000)})
    try:
        if os.environ.get("WEB_SCREENSHOTS") == "1":
            path.parent.mkdir(parents=True, exist_ok=True)
            assert driver.save_screenshot(str(path)), f"no screenshot written to {path}"
        overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"at {width} px the page scrolls sideways by {overflow} px"
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


# -- tests -------------------------------------------------------------------------------------------------------


def test_conversation_with_sources_follow_up_reload_and_reset(server, browser):
    d = browser
    open_page(d, server, fresh=True)
    assert d.find_element(By.ID, "intro").is_displayed()
    assert session_in_storage(d) is None

    # Shift+Enter makes a new line instead of sending.
    box = d.find_element(By.ID, "question")
    box.send_keys("Zeile 1", Keys.SHIFT, Keys.ENTER, Keys.SHIFT, "Zeile 2")
    assert box.get_attribute("value") == "Zeile 1\nZeile 2" and not turns(d)

    # 1. A question the documents answer, with a footnote behind it.
    first = answer_of(ask(d, QUESTION))
    assert first.get_attribute("data-answerable") == "true"
    markers = first.find_elements(By.CSS_SELECTOR, ".answer-text button.marker")
    assert markers, f"no [n] marker in the answer: {first.text!r}"
    assert markers[0].text == "[1]" and markers[0].get_attribute("aria-label").startswith("Quelle 1")
    session = session_in_storage(d)
    assert session and len(session) == 32
    assert not d.find_element(By.ID, "intro").is_displayed()

    # Clicking the marker opens the source panel with the footnote's repaired URL as a link.
    click(d, markers[0])
    dialog = d.find_element(By.ID, "source-dialog")
    wait(d, lambda _: dialog.get_attribute("open") is not None, "the source panel did not open", timeout=10)
    doc_id, footnote = dialog.get_attribute("data-doc-id"), int(dialog.get_attribute("data-footnote"))
    link = dialog.find_element(By.CSS_SELECTOR, "a.source-url")
    shown_url, href = link.text, link.get_dom_attribute("href")  # as written, before the browser lower-cases the host

    # The API, asked the same question in a fresh session, cites the same footnote first; its URL is the one shown.
    api = httpx.post(f"{server}/chat", json={"message": QUESTION}, timeout=WAIT_S).json()
    cited = api["citations"][0]
    assert (cited["doc_id"], cited["footnote"]) == (doc_id, footnote)
    notes = httpx.get(f"{server}/documents/{doc_id}/footnotes", timeout=WAIT_S).json()
    url = next(n["url"] for n in notes if n["footnote"] == footnote)
    assert url and url == cited["url"]
    assert shown_url == url
    assert href == url and href.startswith("http") and " " not in href  # the parser gives every URL a scheme
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
    assert dialog.find_element(By.CSS_SELECTOR, ".source-year").text == str(cited["year"])
    assert f"Fußnote {footnote}" in dialog.text

    # Escape closes it and gives focus back to the marker.
    d.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait(d, lambda _: dialog.get_attribute("open") is None, "the source panel did not close", timeout=10)
    assert d.switch_to.active_element == markers[0]

    # A passage's citation chip opens its source as well, and passages name their document and page.
    click(d, first.find_element(By.CSS_SELECTOR, "details.passages > summary"))
    passages = first.find_elements(By.CSS_SELECTOR, "li.passage")
    assert first.find_element(By.CSS_SELECTOR, "summary").text == f"Passagen ({len(passages)})"
    assert "S. " in passages[0].find_element(By.CSS_SELECTOR, ".passage-meta").text
    titles = {doc["title"] for doc in httpx.get(f"{server}/documents", timeout=WAIT_S).json()}
    assert passages[0].find_element(By.CSS_SELECTOR, ".doc").text in titles
    chip = first.find_element(By.CSS_SELECTOR, "li.passage .chip")
    click(d, chip)
    wait(d, lambda _: dialog.get_attribute("open") is not None, "a passage chip did not open the source panel", 10)
    assert chip.text.split(",")[0] == f"Fußnote {dialog.get_attribute('data-footnote')}"
    dialog.find_element(By.CSS_SELECTOR, "button.close").click()
    wait(d, lambda _: dialog.get_attribute("open") is None, "the close button did not close the panel", timeout=10)

    # 2. An elliptical follow-up is only answerable through the first question's context.
    follow = answer_of(ask(d, FOLLOW_UP))
    assert follow.get_attribute("data-answerable") == "true", follow.text
    resolved = follow.find_element(By.CSS_SELECTOR, ".resolved").text
    # One readable question: the first one with the new year, not both questions glued together.
    assert "Kasachstan" in resolved and "2011" in resolved and "2005" not in resolved
    assert "2011" in follow.find_element(By.CSS_SELECTOR, ".answer-text").text
    assert session_in_storage(d) == session

    # 3. A question the documents do not answer looks different, and still lists the closest passages.
    none = answer_of(ask(d, UNANSWERABLE))
    assert none.get_attribute("data-answerable") == "false"
    assert "answer--none" in none.get_attribute("class")
    assert none.find_element(By.CSS_SELECTOR, ".badge").text == "Nicht in den Dokumenten"
    assert none.value_of_css_property("background-color") != first.value_of_css_property("background-color")
    assert none.find_element(By.CSS_SELECTOR, "summary").text.startswith("Nächstliegende Passagen (")

    # Screenshots of the real conversation: desktop with passages and the source panel open, then a phone-sized one.
    click(d, markers[0])
    wait(d, lambda _: dialog.get_attribute("open") is not None, "the source panel did not reopen", timeout=10)
    d.execute_script("window.scrollTo(0, 0)")
    screenshot(d, REPORTS / "chat_screenshot.png", 1200)
    dialog.find_element(By.CSS_SELECTOR, "button.close").click()
    # Closed before the next click: on a busy machine the closing panel still covered the summary.
    wait(d, lambda _: dialog.get_attribute("open") is None, "the close button did not close the panel", timeout=10)
    click(d, first.find_element(By.CSS_SELECTOR, "details.passages > summary"))  # collapsed, the phone view stays short
    d.execute_script("window.scrollTo(0, 0)")
    screenshot(d, REPORTS / "chat_screenshot_mobile.png", 375, mobile=True)

    # A reload restores the conversation from the server.
    d.refresh()
    wait_ready(d, "the page did not finish restoring")
    restored = turns(d)
    assert [answer_of(t).get_attribute("data-answerable") for t in restored] == ["true", "true", "false"]
    assert restored[0].find_elements(By.CSS_SELECTOR, ".answer-text button.marker")
    assert restored[0].find_element(By.CSS_SELECTOR, "summary").text == f"Passagen ({len(passages)})"
    assert session_in_storage(d) == session
    assert not d.find_element(By.ID, "error").is_displayed()

    # "Neues Gespräch" empties the page, forgets the session here and on the server.
    d.find_element(By.ID, "new-conversation").click()
    assert turns(d) == [] and session_in_storage(d) is None
    assert d.find_element(By.ID, "intro").is_displayed()
    assert d.switch_to.active_element == d.find_element(By.ID, "question")
    deadline = time.monotonic() + 10
    while httpx.get(f"{server}/sessions/{session}", timeout=WAIT_S).status_code != 404:
        assert time.monotonic() < deadline, "the old session was not deleted on the server"
        time.sleep(0.1)

    # An English question in the new conversation works too, in a new session.
    english_turn = ask(d, ENGLISH)
    english = answer_of(english_turn)
    assert english.get_attribute("data-answerable") == "true"
    assert "Minsker Automobilwerk" in english.text
    assert session_in_storage(d) not in (None, session)
    # The turn's labels speak the asker's language; the German quotation is marked as the original.
    assert english_turn.find_element(By.CSS_SELECTOR, ".question .who").text.casefold() == "question"
    assert english.find_element(By.CSS_SELECTOR, ".answer-head .who").text.casefold() == "answer"
    assert english.find_element(By.CSS_SELECTOR, "summary").text.startswith("Passages (")
    assert english.find_element(By.CSS_SELECTOR, ".answer-text").text.startswith("The documents say (German original)")
    # A Russian question the documents cannot answer: refused in Russian, with Russian labels.
    russian = answer_of(ask(d, "Кто выиграл чемпионат мира по футболу 2014 года?"))
    assert russian.get_attribute("data-answerable") == "false"
    assert russian.find_element(By.CSS_SELECTOR, ".badge").text == "Нет в документах"
    assert russian.find_element(By.CSS_SELECTOR, ".answer-text").text.startswith("В документах нет")
    assert russian.find_element(By.CSS_SELECTOR, "summary").text.startswith("Ближайшие фрагменты (")


def test_expired_session_is_dropped_and_replaced(server, browser):
    d = browser
    open_page(d, server, fresh=True)
    d.execute_script("localStorage.setItem(arguments[0], arguments[1])", SESSION_KEY, "0" * 32)
    d.refresh()
    wait_ready(d)
    assert session_in_storage(d) is None
    assert turns(d) == []
    assert not d.find_element(By.ID, "error").is_displayed()

    # A session that disappears mid-conversation: the next question starts a new one, with a notice.
    assert not answer_of(ask(d, ENGLISH)).find_elements(By.CSS_SELECTOR, ".notice")
    old = session_in_storage(d)
    assert httpx.delete(f"{server}/sessions/{old}", timeout=WAIT_S).status_code == 204
    notice = answer_of(ask(d, FOLLOW_UP)).find_element(By.CSS_SELECTOR, ".notice")
    assert "abgelaufen" in notice.text
    assert session_in_storage(d) not in (None, old)


def test_server_errors_are_shown_and_the_question_kept(server, browser):
    d = browser
    open_page(d, server, fresh=True)
    # maxlength stops typing past the limit; a script can still get there, and the server must say why it refuses.
    too_long = "x" * 2001
    d.execute_script("const q = document.getElementById('question'); q.value = arguments[0]; "
                     "q.form.requestSubmit()", too_long)
    error = d.find_element(By.ID, "error")
    try:
        wait(d, lambda _: error.is_displayed() and error.text, "no error shown", timeout=WAIT_S)
    except TimeoutException:
        pytest.fail(f"no error shown; page text: {d.find_element(By.TAG_NAME, 'body').text[:500]!r}")
    assert error.get_attribute("role") == "alert"
    assert "2000" in error.text
    assert turns(d) == []
    assert d.find_element(By.ID, "question").get_attribute("value") == too_long


# -- the journalist's tools: reading view, copy and export, filters, API docs --------------------------------------

DOC_CN = "002_ba6a942ef8cf572b"
MARKERS = re.compile(r"\s*\[\d+\]")


def viewport_screenshot(driver: WebDriver, path: Path) -> None:
    """What a person sees at this scroll position (the reader is too long for a full-page picture)."""
    if os.environ.get("WEB_SCREENSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(path)), f"no screenshot written to {path}"


def in_new_tab(driver: WebDriver, link: WebElement, main: str) -> None:
    click(driver, link)
    wait(driver, lambda d: len(d.window_handles) == 2, "the link did not open a new tab", timeout=10)
    driver.switch_to.window(next(h for h in driver.window_handles if h != main))
    wait_ready(driver, "the reading view did not finish loading")


def expand_passages(driver: WebDriver, answer: WebElement) -> list[WebElement]:
    details = answer.find_element(By.CSS_SELECTOR, "details.passages")
    if details.get_attribute("open") is None:
        click(driver, details.find_element(By.TAG_NAME, "summary"))
    return answer.find_elements(By.CSS_SELECTOR, "li.passage")


def visible_in_viewport(driver: WebDriver, element: WebElement) -> bool:
    return driver.execute_script("const r = arguments[0].getBoundingClientRect();"
                                 "return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight", element)


def test_reader_opens_from_an_answer_with_the_sentence_and_cited_spans_highlighted(server, browser):
    d = browser
    open_page(d, server, fresh=True)
    turn = ask(d, QUESTION)
    first = answer_of(turn)
    answer = MARKERS.sub("", first.find_element(By.CSS_SELECTOR, ".answer-text").text)
    assert turn.find_element(By.CSS_SELECTOR, ".question p").get_attribute("lang") == "de"
    # The inline marker is a 44 x 44 px touch target.
    marker = first.find_element(By.CSS_SELECTOR, ".answer-text button.marker")
    assert marker.size["width"] >= 44 and marker.size["height"] >= 44, marker.size
    # Footnote 6's host was machine-translated ('www.Kasachstan.belembassy.org'): the source panel says so.
    click(d, marker)
    dialog = d.find_element(By.ID, "source-dialog")
    wait(d, lambda _: dialog.get_attribute("open") is not None, "the source panel did not open", timeout=10)
    caution = dialog.find_element(By.CSS_SELECTOR, ".source-url-warning")
    assert caution.is_displayed() and "Kasachstan" in caution.text
    dialog.find_element(By.CSS_SELECTOR, "button.close").click()

    # Every passage links into the reading view; the one holding the answer's sentence carries it along.
    passages = expand_passages(d, first)
    links = [p.find_element(By.CSS_SELECTOR, "a.read-link") for p in passages]
    params = [parse_qs(urlsplit(link.get_attribute("href")).query) for link in links]
    assert [q["p"][0] for q in params] == [p.get_attribute("data-passage-id") for p in passages]
    at = next(i for i, q in enumerate(params) if "s" in q)
    passage_id, cited = params[at]["p"][0], [int(n) for n in params[at]["f"][0].split(",")]
    main = d.current_window_handle
    in_new_tab(d, links[at], main)
    try:
        target = d.find_element(By.CSS_SELECTOR, ".passage-block--target")
        assert target.get_attribute("id") == passage_id
        mark = target.find_element(By.CSS_SELECTOR, "mark.hl-answer")
        assert len(mark.text) > 40 and mark.text in answer
        assert visible_in_viewport(d, mark), "the highlighted sentence is not on screen"
        assert mark.value_of_css_property("background-color") not in ("rgba(0, 0, 0, 0)", "transparent")
        assert d.find_element(By.ID, "legend").is_displayed()
        # The cited footnotes' spans (from the API's `spans`, where the server sends them) are marked too.
        doc_id = passage_id.split(":")[0]
        passage = next(p for p in httpx.get(f"{server}/documents/{doc_id}/passages", timeout=WAIT_S).json()
                       if p["passage_id"] == passage_id)
        covered = {i for c in passage["citations"] if c["footnote"] in cited for a, b in c.get("spans") or [] for i in range(a, b)}
        shown = target.find_elements(By.CSS_SELECTOR, "mark.hl-cited")
        assert sum(len(m.get_attribute("textContent")) for m in shown) == len(covered)
        # The document is all there: every passage anchored, every footnote listed, the cited one findable.
        body = httpx.get(f"{server}/documents/{doc_id}/reader", timeout=WAIT_S).json()
        assert len(d.find_elements(By.CSS_SELECTOR, "section.passage-block")) == len(body["passages"])
        assert len(d.find_elements(By.CSS_SELECTOR, "#footnote-list > li")) == len(body["footnotes"])
        note = d.find_element(By.ID, f"fn-{cited[0]}")
        assert note.find_element(By.CSS_SELECTOR, ".source-url-warning").get_attribute("textContent").startswith("Vorsicht")
        viewport_screenshot(d, REPORTS / "reader_screenshot.png")
    finally:
        d.close()
        d.switch_to.window(main)

    # "Passage N, S. P" (a sentence without a footnote) opens the reader at passage N of that answer.
    follow = answer_of(ask(d, FOLLOW_UP))
    ref = follow.find_element(By.CSS_SELECTOR, ".answer-text a.passage-ref")
    rank = int(re.search(r"(\d+),", ref.text).group(1))
    expected = expand_passages(d, follow)[rank - 1].get_attribute("data-passage-id")
    in_new_tab(d, ref, main)
    try:
        target = d.find_element(By.CSS_SELECTOR, ".passage-block--target")
        assert target.get_attribute("id") == expected
        assert "2011" in target.find_element(By.CSS_SELECTOR, "mark.hl-answer").text
        assert visible_in_viewport(d, target)
    finally:
        d.close()
        d.switch_to.window(main)


def test_an_answer_is_copied_with_its_sources_and_exported_for_reference_managers(server, browser):
    d = browser
    open_page(d, server, fresh=True)
    d.execute_cdp_cmd("Browser.grantPermissions", {"origin": server,
                                                   "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    turns_ = [answer_of(ask(d, q)) for q in (ENGLISH, QUESTION)]
    session = session_in_storage(d)
    assert turns_[0].find_element(By.XPATH, "./preceding-sibling::div[@class='question']/p").get_attribute("lang") == "en"
    for number, answer in enumerate(turns_, start=1):
        click(d, answer.find_element(By.CSS_SELECTOR, "button.copy-answer"))
        status = answer.find_element(By.CSS_SELECTOR, ".tools-status")
        wait(d, lambda _, status=status: status.text, "copying said nothing", timeout=10)
        # the status speaks the asker's language: the first question is English, the second German
        assert status.text.startswith(("Copied", "Kopiert")[number - 1]), status.text
        copied = d.execute_async_script("navigator.clipboard.readText().then(arguments[0], e => arguments[0](String(e)))")
        markdown = httpx.get(f"{server}/sessions/{session}/turns/{number}/export", params={"format": "markdown"},
                             timeout=WAIT_S).text
        assert copied == markdown
        assert copied.startswith(MARKERS.sub("", answer.find_element(By.CSS_SELECTOR, ".answer-text").text)[:40])

    # The second answer cites footnote 6: Markdown lists it with its URL; RIS and CSL-JSON carry it.
    cited = httpx.get(f"{server}/sessions/{session}", timeout=WAIT_S).json()["turns"][1]["citations"]
    assert cited and all(f"<{c['url']}>" in copied for c in cited)
    ris = httpx.get(turns_[1].find_element(By.CSS_SELECTOR, "a.export-ris").get_attribute("href"), timeout=WAIT_S)
    assert [r["urls"] for r in rispy.loads(ris.text)] == [[c["url"]] for c in cited]
    csl = httpx.get(turns_[1].find_element(By.CSS_SELECTOR, "a.export-csl").get_attribute("href"), timeout=WAIT_S)
    assert [item["URL"] for item in json.loads(csl.text)] == [c["url"] for c in cited]
    assert turns_[1].find_element(By.CSS_SELECTOR, "a.export-ris").get_attribute("download") is not None


def set_year(driver: WebDriver, element_id: str, value: str) -> None:
    box = driver.find_element(By.ID, element_id)
    box.clear()
    if value:
        box.send_keys(value)


def test_filters_narrow_the_answer_to_a_document_and_a_year_range(server, browser):
    d = browser
    open_page(d, server, fresh=True)
    titles = {doc["doc_id"]: doc["title"] for doc in httpx.get(f"{server}/documents", timeout=WAIT_S).json()}
    click(d, d.find_element(By.CSS_SELECTOR, "#filter-box > summary"))
    Select(d.find_element(By.ID, "filter-doc")).select_by_value(DOC_CN)
    assert titles[DOC_CN] in d.find_element(By.ID, "filter-summary").text

    # A Kazakhstan question, searched in the China document only.
    china = answer_of(ask(d, QUESTION))
    assert {p.find_element(By.CSS_SELECTOR, ".doc").text for p in expand_passages(d, china)} == {titles[DOC_CN]}
    assert china.find_element(By.CSS_SELECTOR, ".filter-note").text == f"Eingegrenzt: nur „{titles[DOC_CN]}“"

    # All documents again, sources from 2021 only: every passage shown cites a 2021 source.
    Select(d.find_element(By.ID, "filter-doc")).select_by_value("")
    set_year(d, "filter-year-from", "2021")
    set_year(d, "filter-year-to", "2021")
    dated = answer_of(ask(d, "Welche Industrieparks gibt es?"))
    passages = expand_passages(d, dated)
    assert passages
    for p in passages:
        assert any(chip.text.endswith(", 2021") for chip in p.find_elements(By.CSS_SELECTOR, ".chip")), p.text
    assert dated.find_element(By.CSS_SELECTOR, ".filter-note").text == "Eingegrenzt: Quellen 2021–2021"

    # An inverted range is explained before anything is sent; the question stays in the box.
    set_year(d, "filter-year-from", "2015")
    set_year(d, "filter-year-to", "2010")
    before = len(turns(d))
    box = d.find_element(By.ID, "question")
    box.send_keys("Welche Industrieparks gibt es?", Keys.ENTER)
    error = d.find_element(By.ID, "error")
    wait(d, lambda _: error.is_displayed(), "no error for an inverted year range", timeout=10)
    assert "tauschen" in error.text and len(turns(d)) == before
    assert box.get_attribute("value") == "Welche Industrieparks gibt es?"
    set_year(d, "filter-year-from", "")
    set_year(d, "filter-year-to", "")


def requests_leaving(driver: WebDriver, base: str) -> list[str]:
    """Network URLs the page asked for beyond `base` that were not refused before leaving (the browser's own
    chrome:// pages and data:/blob: URLs are not network requests)."""
    sent, refused = {}, set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent":
            sent[params["requestId"]] = params["request"]["url"]
        elif message["method"] == "Network.loadingFailed" and params.get("blockedReason"):
            refused.add(params["requestId"])
    return [url for rid, url in sent.items()
            if url.startswith(("http:", "https:", "ws:", "wss:")) and not url.startswith(base) and rid not in refused]


def test_api_docs_render_offline_with_every_operation(server, browser):
    d = browser
    d.get_log("performance")  # drop what earlier tests logged
    spec = httpx.get(f"{server}/openapi.json", timeout=WAIT_S).json()
    operations = sum(len(ops) for ops in spec["paths"].values())
    d.get(f"{server}/docs")
    wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".opblock")) == operations,
         f"Swagger UI did not list the {operations} operations")
    # The /search example runs as it stands (tryItOutEnabled) and finds passages in the document it names.
    search = next(op for op in d.find_elements(By.CSS_SELECTOR, ".opblock-post")
                  if op.find_element(By.CSS_SELECTOR, ".opblock-summary-path").text == "/search")
    click(d, search.find_element(By.CSS_SELECTOR, ".opblock-summary"))
    wait(d, lambda _: search.find_elements(By.CSS_SELECTOR, "button.execute"), "no Execute button", timeout=10)
    viewport_screenshot(d, REPORTS / "docs_screenshot.png")
    click(d, search.find_element(By.CSS_SELECTOR, "button.execute"))
    wait(d, lambda _: search.find_elements(By.CSS_SELECTOR, ".live-responses-table tr.response .response-col_status"),
         "the example request got no response", timeout=WAIT_S)
    assert search.find_element(By.CSS_SELECTOR, ".live-responses-table tr.response .response-col_status").text.startswith("200")
    assert '"answerable": true' in search.find_element(By.CSS_SELECTOR, ".live-responses-table").text
    assert requests_leaving(d, server) == []

    d.get(f"{server}/redoc")
    wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-section-id*='operation/']")) >= operations,
         f"ReDoc did not list the {operations} operations")
    # ReDoc's sidebar asks for its vendor's logo from a CDN; the page's Content-Security-Policy refuses it.
    assert requests_leaving(d, server) == []
