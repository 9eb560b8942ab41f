"""A journey through the portal in the browser: every page it reaches is checked the same way
(no WCAG 2.1 A/AA violation found by axe-core, nothing scrolling sideways at 375 px, no console
error nor Content Security Policy violation) and photographed, one numbered file per step."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Response

CHROMIUM = "/usr/bin/chromium"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 900}
PHONE_WIDTH = 375
# The longest a page or a background task may take before a step gives up (Playwright's waits
# go on as soon as the condition holds).
TIMEOUT_MS = 60_000

# Records every Content Security Policy violation the page meets, whether or not Chromium
# also writes it to the console.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(event.violatedDirective + ' ' + (event.blockedURI || 'inline'));
});
"""

AXE = Axe()


def page_pattern(url: str) -> str:
    """The page a URL shows, with its object numbers left out: /staff/candidature/<n>/."""
    return re.sub(r"/\d+(?=/|$)", "/<n>", urlsplit(url).path)


@dataclass
class JourneyRecord:
    name: str
    steps: list[str] = field(default_factory=list)
    pages: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)

    def summary(self) -> str:
        return f"{self.name}: {len(self.steps)} steps, {len(self.pages)} pages, {len(self.problems)} problems"


class Journey:
    def __init__(self, *, browser: Browser, base_url: str, name: str, folder: Path, person: str = "") -> None:
        self.browser = browser
        self.base_url = base_url
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.record = JourneyRecord(name=name)
        self.started = time.monotonic()
        self.contexts: list[BrowserContext] = []
        self.console_errors: dict[int, list[str]] = {}
        self.page = self.new_page()

    # People and pages

    def new_page(self) -> Page:
        """A browser of its own (cookies included) for one person of the journey."""
        context = self.browser.new_context(
            base_url=self.base_url, viewport=DESKTOP, locale="it-IT", accept_downloads=True
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(CSP_LISTENER)
        self.contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        self.console_errors[id(page)] = errors
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
        return page

    def close(self) -> None:
        (self.folder / "problems.json").write_text(json.dumps(self.record.problems, indent=2))
        steps = [
            f"{seconds:6.1f} s  {label}"
            for seconds, label in zip(self.record.times, self.record.steps, strict=True)
        ]
        (self.folder / "steps.txt").write_text("\n".join(steps) + "\n")
        for context in self.contexts:
            context.close()

    # Moving

    def goto(self, path: str, label: str, page: Page | None = None) -> Response:
        page = page or self.page
        response = page.goto(path)
        assert response is not None and response.ok, f"{path}: {response.status if response else 'none'}"
        self.check(label, page)
        return response

    def refused(self, path: str, status: int, label: str, page: Page | None = None) -> None:
        """The page answers `status` (403 or 404); the portal's own error page is checked too."""
        page = page or self.page
        response = page.goto(path)
        assert response is not None and response.status == status, (
            f"{path}: expected {status}, got {response.status if response else 'none'}"
        )
        # Chromium writes every 4xx answer to the console; this one is the point of the step.
        errors = self.console_errors[id(page)]
        errors[:] = [text for text in errors if f"status of {status}" not in text]
        self.check(label, page)

    # Checking a page

    def check(self, label: str, page: Page | None = None) -> None:
        """Checks the page as it now is, and keeps its screenshot as the journey's next step."""
        page = page or self.page
        page.wait_for_load_state("load")
        number = len(self.record.steps) + 1
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        where = f"step {number:02d} {label} ({page_pattern(page.url)})"
        self.record.steps.append(label)
        self.record.times.append(round(time.monotonic() - self.started, 1))
        self.record.pages.add(page_pattern(page.url))
        page.screenshot(path=str(self.folder / f"{number:02d}-{slug}.png"), full_page=True)

        results = AXE.run(
            page,
            options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
        )
        for violation in results.response["violations"]:
            targets = [", ".join(node["target"]) for node in violation["nodes"]][:5]
            self.record.problems.append(f"{where}: axe {violation['id']} ({violation['help']}) at {targets}")

        page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
        # Two frames let the page react to the new width (the dashboard's charts resize on the
        # next frame) before it is measured.
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE_WIDTH:
            wide = page.evaluate(
                """() => {
                  const clipped = (el) => {
                    for (let up = el.parentElement; up; up = up.parentElement) {
                      if (getComputedStyle(up).overflowX !== 'visible') { return true; }
                    }
                    return false;
                  };
                  return [...document.querySelectorAll('body *')]
                    .filter(el => el.getBoundingClientRect().right > 376 && !clipped(el))
                    .slice(0, 5).map(el => el.tagName.toLowerCase() + '.' + el.className);
                }"""
            )
            self.record.problems.append(f"{where}: {width} px wide at {PHONE_WIDTH} px ({wide})")
            page.screenshot(path=str(self.folder / f"{number:02d}-{slug}-375px.png"), full_page=True)
        page.set_viewport_size(DESKTOP)

        csp = page.evaluate("window.__cspViolations || []")
        self.record.problems.extend(f"{where}: CSP violation {text}" for text in csp)
        errors = self.console_errors[id(page)]
        self.record.problems.extend(f"{where}: console error {text}" for text in errors)
        errors.clear()

    def finish(self) -> None:
        """Fails the journey on every problem its pages showed."""
        assert not self.record.problems, "\n".join(self.record.problems)

    # The keyboard alone

    def tab_to(self, target: Locator, page: Page | None = None, limit: int = 120) -> None:
        """Presses Tab until `target` has the focus, as a person without a mouse would."""
        page = page or self.page
        for _press in range(limit):
            if target.evaluate("element => element === document.activeElement"):
                return
            page.keyboard.press("Tab")
        raise AssertionError(f"{target} never took the focus after {limit} presses of Tab")

    def type_into(self, target: Locator, text: str, page: Page | None = None) -> None:
        page = page or self.page
        self.tab_to(target, page)
        page.keyboard.press("ControlOrMeta+a")
        page.keyboard.press("Delete")
        page.keyboard.type(text)

    def press_on(self, target: Locator, key: str = "Enter", page: Page | None = None) -> None:
        page = page or self.page
        self.tab_to(target, page)
        page.keyboard.press(key)

    def keyboard_fill(self, fields: dict[str, str | bool], page: Page | None = None) -> None:
        """Fills the fields (CSS selector -> value) with the keyboard alone: Tab to each, then
        typing, Space for a box or a radio button, arrow keys in a list."""
        page = page or self.page
        for selector, value in fields.items():
            field = page.locator(selector)
            kind = field.evaluate("element => element.tagName.toLowerCase() + ':' + (element.type || '')")
            self.tab_to(field, page)
            if kind in ("input:checkbox", "input:radio"):
                if field.is_checked() != bool(value):
                    page.keyboard.press("Space")
                assert field.is_checked() == bool(value), f"{selector} did not take {value}"
            elif kind.startswith("select"):
                options = field.evaluate("element => [...element.options].map(option => option.value)")
                current = options.index(field.input_value())
                wanted = options.index(value)
                key = "ArrowDown" if wanted > current else "ArrowUp"
                for _press in range(abs(wanted - current)):
                    page.keyboard.press(key)
                assert field.input_value() == value, f"{selector} did not take {value}"
            elif kind == "input:date":
                # Chromium's date field takes the digits in the order of the browser's own
                # language (started in American English: month, day, year), moving from part
                # to part by itself.
                year, month, day = value.split("-")
                page.keyboard.type(f"{month}{day}{year}")
                assert field.input_value() == value, f"{selector} shows {field.input_value()}"
            else:
                page.keyboard.press("ControlOrMeta+a")
                page.keyboard.press("Delete")
                page.keyboard.type(str(value))

    def sign_in(self, user, password: str, page: Page | None = None, label: str = "") -> None:
        """Signs in through the login page, and the authenticator code's page for staff and
        administrators (the code computed from their secret, as their app would)."""
        from tests.conftest import totp_code

        page = page or self.page
        self.goto("/accounts/login/", f"{label} sign-in".strip(), page)
        page.fill("#id_login", user.email)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
        if "/accounts/2fa/authenticate/" in page.url:
            self.check(f"{label} authenticator code".strip(), page)
            page.fill("input[name=code]", totp_code(user.totp_secret))
            with page.expect_navigation():
                page.locator("main form button[type=submit]").first.click()
        self.check(f"{label} signed in".strip(), page)
