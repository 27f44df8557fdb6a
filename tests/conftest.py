"""Test set-up shared by the suite: Solara without telemetry, and Playwright on Debian's chromium.

Browser tests (``tests/test_dashboard_browser.py``) drive the real dashboard through Solara's pytest
plugin (``pytest-ipywidgets``) and pytest-playwright. Playwright's own browser downloads are never
used: ``browser_type_launch_args`` points it at ``/usr/bin/chromium`` (``apt-get install chromium``).
Without chromium those tests skip, except under CI (env ``CI`` set), where they fail: CI must run them.
Solara's front-end assets come from the CDN cache that ``make test`` seeds into the venv
(``tools/seed_solara_cdn.sh``), so the page loads with no internet.
"""

from __future__ import annotations

import os
import shutil

# before solara is imported anywhere: no usage telemetry from test servers
os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")

import pytest  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def require_chromium() -> str:
    """The chromium binary, or skip (fail under CI) when there is none."""
    if CHROMIUM is None:
        message = "Debian chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: browser tests must run in CI")
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options, pointed at the system chromium (never a downloaded browser)."""
    return {**browser_type_launch_args, "executable_path": require_chromium(), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A viewport wide enough for the dashboard's two columns."""
    return {**browser_context_args, "viewport": {"width": 1500, "height": 1100}}
