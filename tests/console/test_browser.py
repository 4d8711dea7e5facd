"""wfmock in a real browser (headless Chromium): the API reference lists every operation and "Try it out"
calls the mock; the QA console switches scenario and the next request's journal entry shows it, streams a
MISO run as it arrives and resets; the imprun progress page follows a run to SUCCEEDED. No console errors.

Screenshots for the README: `WFMOCK_SCREENSHOTS=tests/screenshots pytest tests/console/test_browser.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.browser import chromium, console_errors, require_chromium, screenshot
from tests.support import running_server
from wfmock.openapi.spec import ApiSpec

WAIT = 30  # seconds: generous, the machine may be busy
HOMETAX = {"type": "scraping", "params": {"siteCode": "HOMETAX", "function": "get_business_info",
                                          "credentialId": "cred_abc123", "year": 2025}}


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    require_chromium()
    with running_server("--seed", "4", "--pace", "0.2", "--run-duration", "2", "--no-rate-limit") as url:
        yield url


@pytest.fixture(scope="module")
def browser(base: str) -> Iterator[Any]:
    with chromium() as driver:
        yield driver


def wait(driver: Any, condition: Any, timeout: float = WAIT) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(condition)


def by_css(selector: str) -> Any:
    from selenium.webdriver.common.by import By

    return By.CSS_SELECTOR, selector


@pytest.mark.parametrize("api", ["imprun", "miso"])
def test_docs_page_lists_every_operation(api: str, base: str, browser: Any) -> None:
    browser.get(f"{base}/_wfmock/docs?api={api}")
    wait(browser, lambda d: d.find_elements(*by_css(".opblock .opblock-summary-operation-id")))
    shown = {e.text for e in browser.find_elements(*by_css(".opblock .opblock-summary-operation-id"))}
    assert shown == set(ApiSpec.load(api).operations)
    servers = browser.find_element(*by_css(".servers select")).get_attribute("value")
    assert servers == base, "the mock itself is the first server"
    if api == "miso":
        screenshot(browser, "docs-miso")
    assert console_errors(browser) == []


def test_docs_try_it_out_calls_the_mock(base: str, browser: Any) -> None:
    browser.get(f"{base}/_wfmock/docs?api=imprun")
    wait(browser, lambda d: d.find_elements(*by_css("#operations-workflows-createWorkflow")))
    browser.find_element(*by_css(".auth-wrapper .authorize")).click()  # as a person would: Authorize, key, close
    wait(browser, lambda d: d.find_elements(*by_css(".auth-container input")))[0].send_keys("browser-key")
    browser.find_element(*by_css(".auth-btn-wrapper .authorize")).click()
    wait(browser, lambda d: d.find_elements(*by_css(".auth-btn-wrapper .btn-done")))[0].click()
    browser.find_element(*by_css("#operations-workflows-createWorkflow .opblock-summary-control")).click()
    wait(browser, lambda d: d.find_elements(*by_css("#operations-workflows-createWorkflow .try-out__btn")))[0].click()
    wait(browser, lambda d: d.find_elements(*by_css("#operations-workflows-createWorkflow .execute")))[0].click()
    status = wait(browser, lambda d: d.find_elements(
        *by_css("#operations-workflows-createWorkflow .live-responses-table tr.response .response-col_status")))
    assert status[0].text.strip() == "200"
    journal = httpx.get(f"{base}/_wfmock/requests", params={"operation": "createWorkflow"}).json()["requests"]
    assert journal and journal[-1]["status"] == 200 and journal[-1]["api_key"] == "…"  # a short key is masked whole
    assert console_errors(browser) == []


def journal_rows(driver: Any) -> list[Any]:
    return driver.find_elements(*by_css("#journal tbody tr"))


def test_console_switches_scenario_and_the_journal_shows_it(base: str, browser: Any) -> None:
    from selenium.webdriver.support.ui import Select

    httpx.post(f"{base}/_wfmock/reset")
    browser.get(f"{base}/_wfmock/")
    wait(browser, lambda d: d.find_element(*by_css("#connection")).text == "live")
    wait(browser, lambda d: len(d.find_elements(*by_css("#scenario-select option"))) > 5)
    Select(browser.find_element(*by_css("#scenario-select"))).select_by_value("credential-expired")
    assert "CREDENTIAL_EXPIRED" in browser.find_element(*by_css("#scenario-help")).text
    browser.find_element(*by_css("#scenario-apply")).click()
    wait(browser, lambda d: d.find_element(*by_css("#scenario-active")).text == "credential-expired")
    assert httpx.get(f"{base}/_wfmock/scenario").json()["active"]["name"] == "credential-expired"

    created = httpx.post(f"{base}/v2/workflows", json=HOMETAX, headers={"X-API-Key": "qa"})
    assert created.status_code == 200
    row = wait(browser, lambda d: [r for r in journal_rows(d) if "createWorkflow" in r.text])[0]
    assert row.get_attribute("data-scenario") == "credential-expired"
    assert row.get_attribute("data-status") == "200"
    wait(browser, lambda d: d.find_elements(*by_css(f"#imprun-runs tr[data-id='{created.json()['id']}']")))

    browser.find_element(*by_css("#filter-api")).send_keys("miso")  # the filter hides imprun rows
    assert all(not r.is_displayed() for r in journal_rows(browser))
    Select(browser.find_element(*by_css("#filter-api"))).select_by_value("")

    Select(browser.find_element(*by_css("#scenario-select"))).select_by_value("")
    browser.find_element(*by_css("#scenario-apply")).click()
    wait(browser, lambda d: d.find_element(*by_css("#scenario-active")).text == "none")
    assert console_errors(browser) == []


ARRIVAL_RECORDER = """
window.wfmockArrivals = [];
new MutationObserver(records => records.forEach(r => r.addedNodes.forEach(node => {
  if (node.dataset && node.dataset.event) window.wfmockArrivals.push({event: node.dataset.event, t: performance.now()});
}))).observe(document.getElementById("stream-events"), {childList: true});
"""  # when each streamed event appeared in the page (ms), timed in the browser itself


def test_console_shows_a_miso_stream_as_it_arrives_and_resets(base: str, browser: Any) -> None:
    httpx.put(f"{base}/_wfmock/scenario", json={"name": "hometax-business-closed"})  # imprun only: MISO is as usual
    for params in (HOMETAX["params"], {**HOMETAX["params"], "year": 1999}):
        httpx.post(f"{base}/v2/workflows", json={**HOMETAX, "params": params}, headers={"X-API-Key": "qa"})
    browser.get(f"{base}/_wfmock/")
    wait(browser, lambda d: d.find_element(*by_css("#connection")).text == "live")
    assert browser.find_element(*by_css("#scenario-active")).text == "hometax-business-closed"
    browser.execute_script(ARRIVAL_RECORDER)
    browser.find_element(*by_css("#stream-run")).click()
    wait(browser, lambda d: d.find_elements(*by_css("#stream-events li[data-event='workflow_finished']")))
    arrivals = browser.execute_script("return window.wfmockArrivals")
    first_chunk = min(a["t"] for a in arrivals if a["event"] == "text_chunk")
    finished = min(a["t"] for a in arrivals if a["event"] == "workflow_finished")
    # the server paces the run (~0.3 s at --pace 0.2): chunks show while it runs, not all at its end
    assert finished - first_chunk >= 60, f"events appeared together, not as they arrived: {arrivals}"
    assert browser.find_element(*by_css("#stream-answer")).text
    assert browser.find_element(*by_css("#stream-status")).text.startswith("succeeded")
    wait(browser, lambda d: "succeeded" in d.find_element(*by_css("#miso-runs tbody")).text)
    wait(browser, lambda d: [r for r in journal_rows(d) if "runWorkflow" in r.text])
    screenshot(browser, "console")

    browser.find_element(*by_css("#reset")).click()
    wait(browser, lambda d: not journal_rows(d) and not d.find_elements(*by_css("#miso-runs tbody tr")))
    assert httpx.get(f"{base}/_wfmock/requests").json()["total"] == 0
    httpx.delete(f"{base}/_wfmock/scenario")
    assert console_errors(browser) == []


def test_progress_page_follows_a_run_to_succeeded(base: str, browser: Any) -> None:
    created = httpx.post(f"{base}/v2/workflows", json=HOMETAX, headers={"X-API-Key": "qa"}).json()
    browser.get(created["progressUrl"])
    status = "return document.body.dataset.status"  # read in the page: the body is swapped while it updates
    assert browser.execute_script(status) == "RUNNING"
    wait(browser, lambda d: d.execute_script(status) == "SUCCEEDED")
    assert browser.find_element(*by_css("#status")).text == "SUCCEEDED"
    assert console_errors(browser) == []


def test_console_asks_for_the_admin_token_and_keeps_it_for_the_tab(browser: Any) -> None:
    with running_server("--admin-token", "qa-token", "--pace", "0") as guarded:
        browser.get(f"{guarded}/_wfmock/")
        notice = wait(browser, lambda d: [e for e in d.find_elements(*by_css("#notice")) if e.is_displayed()])[0]
        assert "admin token" in notice.text
        browser.find_element(*by_css("#token")).send_keys("qa-token")
        browser.find_element(*by_css("#save-token")).click()
        wait(browser, lambda d: d.find_element(*by_css("#connection")).text == "live")
        wait(browser, lambda d: len(d.find_elements(*by_css("#scenario-select option"))) > 5)
        assert browser.execute_script("return sessionStorage.getItem('wfmock-admin-token')") == "qa-token"
        httpx.get(f"{guarded}/v2/workflows/wf_token", headers={"X-API-Key": "k"})
        wait(browser, lambda d: [r for r in journal_rows(d) if "wf_token" in r.text])
        browser.refresh()  # the token survives a reload of the tab
        wait(browser, lambda d: d.find_element(*by_css("#connection")).text == "live")
        errors = console_errors(browser)
        assert all("401" in message for message in errors), errors  # only the first, token-less calls
