"""Real Chromium helpers: context options, screenshots under test-artifacts/, logging in like a person."""
from __future__ import annotations

import os

from support.web import PASSWORD

ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", "..", "test-artifacts", "screenshots")

# Playwright runs a string given to wait_for_function through eval, which the portal's Content-Security-Policy
# forbids; test contexts bypass the policy, except test_security_headers.py, which checks the pages run under it.
PAGE_OPTIONS = {"viewport": {"width": 1366, "height": 850}, "locale": "id-ID"}
PHONE_OPTIONS = {"viewport": {"width": 390, "height": 844}, "locale": "id-ID", "is_mobile": True, "has_touch": True,
                 "device_scale_factor": 2}


def screenshot(page, name: str) -> str:
    """Save a full-page screenshot under test-artifacts/screenshots/ and return its path."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.abspath(os.path.join(ARTIFACTS, f"{name}.png"))
    page.screenshot(path=path, full_page=True)
    return path


def fill(page, values: dict[str, str]) -> None:
    """Type each value into the field its selector names, in order, like a person going down a form."""
    for selector, value in values.items():
        page.fill(selector, value)


def browser_login(page, username: str, password: str = PASSWORD) -> None:
    """Log in through the form like a person does."""
    page.goto("/login")
    fill(page, {"#username": username, "#password": password})
    page.click("#login-submit")
