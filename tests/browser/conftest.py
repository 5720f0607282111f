"""Browser tests: Debian's chromium driven by Playwright's sync API against pytest-django's
live server.

Playwright's sync API keeps an asyncio event loop running in the test thread, and Django refuses
ORM calls from a thread with a running loop unless told otherwise. The tests read the database
(mail outbox, stored members) from that thread, so allow it here, before any ORM call.
"""

import os
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core-4.14.1.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "ja-JP",
    "timezone_id": "Asia/Tokyo",
}
PASSWORD = "correct-horse-battery"  # tests/factories.py UserFactory's password


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _share_serialized_contents(before: dict) -> None:
    """Code inside `sync_playwright()` runs in a context of its own, where Django's
    context-local `connections` hands out new connection objects (to the same test database).
    The database contents pytest-django serialized for rollback emulation hang on the old
    objects, so without this the first transactional test's flush would be final and every
    later browser test would start without the migrations' data (pytest-django #1117)."""
    from django.db import connections

    for alias, old in before.items():
        new = connections[alias]
        if new is not old and hasattr(old, "_test_serialized_contents"):
            new._test_serialized_contents = old._test_serialized_contents


@pytest.fixture(scope="session")
def browser(django_db_setup):
    """One chromium for the whole run. Missing chromium: skipped locally, a failure in CI."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if _in_ci():
            pytest.fail(f"CI=true but {message}", pytrace=False)
        pytest.skip(message)
    from django.db import connections
    from playwright.sync_api import sync_playwright

    before = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        _share_serialized_contents(before)
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, django_db_serialized_rollback):
    """The live server, with the data the migrations create (the 伊賀衆 community, its ranks and
    tags) restored for every test: a transactional test otherwise starts from empty tables once
    an earlier one has flushed them.

    The production cookie settings stay as they are: chromium keeps `Secure` cookies on
    http://localhost, so the session and CSRF cookies work against the plain-http live server.
    """
    return live_server


def _new_page(browser, *, bypass_csp: bool = False):
    context = browser.new_context(**PHONE, bypass_csp=bypass_csp)
    context.set_default_timeout(10_000)
    page = context.new_page()
    # What went wrong in the page: script errors, CSP refusals, failed requests (4xx/5xx).
    page.problems = []

    def on_console(message):
        if message.type == "error":
            page.problems.append(message.text)

    def on_response(response):
        if response.status >= 400:
            page.problems.append(f"{response.status} {response.request.method} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on("response", on_response)
    return context, page


@pytest.fixture
def phone(browser, site):
    """A phone-sized page with the site's Content-Security-Policy enforced."""
    context, page = _new_page(browser)
    yield page
    context.close()


@pytest.fixture
def audit_phone(browser, site):
    """A phone-sized page for axe-core: axe is injected as an inline script, which the site's
    CSP (script-src 'self') would rightly refuse, so this context bypasses CSP."""
    context, page = _new_page(browser, bypass_csp=True)
    yield page
    context.close()


def axe_violations(page, *, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core on the current page; the violations of the given impacts."""
    # Contrast and target-size checks mean nothing on an unstyled page. A page reached by a
    # click may still be loading its stylesheet on a busy machine: wait for it (10 s at most).
    page.wait_for_load_state("load")
    page.wait_for_function(
        "getComputedStyle(document.body).fontFamily.includes('BIZ UDPGothic')", timeout=10_000
    )
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary})),
            }));
        }"""
    )
    return [v for v in result if v["impact"] in impacts]


def format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"axe-core found {len(violations)} serious/critical violation(s) on {url}:"]
    for v in violations:
        lines.append(f"- {v['id']} [{v['impact']}]: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}")
            for detail in (node["summary"] or "").splitlines():
                lines.append(f"      {detail}")
    return "\n".join(lines)


def sign_in_staff(page, site, staff) -> None:
    """Sign a staff login (made by tests.factories.staff_user) in, with the authenticator code."""
    from tests.factories import totp_code

    page.goto(site.url + "/accounts/login/")
    page.locator("input[name=login]").fill(staff.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form").get_by_role("button", name="ログイン").click()
    page.locator("input[name=code]").fill(totp_code(staff))
    page.locator("main form button[type=submit]").first.click()
