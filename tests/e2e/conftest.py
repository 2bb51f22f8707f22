"""The browser the page tests use (Debian's chromium through Playwright), shared here too."""

from tests.web.conftest import chromium  # noqa: F401 - a fixture, registered by importing it
