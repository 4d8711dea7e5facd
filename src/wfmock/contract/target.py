"""What the kit learns about the server under test before it runs: is it a wfmock mock in open mode?

`wfmock serve` without `--api-key` accepts any non-empty key, so the first curl works with whatever
a user pastes. Such a server cannot refuse an invalid key, and the kit would report that as a
violation. A wfmock mock says which mode it is in at `/_wfmock/health`; when it is open, the kit
does not run the auth checks and says so in its summary, instead of failing a correct mock.
"""

from __future__ import annotations

import httpx

from wfmock.contract.settings import Settings

HEALTH_PATH = "/_wfmock/health"


def wfmock_health(settings: Settings) -> dict | None:
    """The server's `/_wfmock/health` answer when it is a wfmock mock (it names each API's auth mode), else None."""
    try:
        response = httpx.get(settings.base_url + HEALTH_PATH, timeout=min(settings.timeout, 5.0))
        body = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None
    return body if isinstance(body, dict) and isinstance(body.get("auth"), dict) else None


def accepts_any_key(settings: Settings, health: dict | None) -> bool:
    """True only when the server is a wfmock mock that reports open mode for this API."""
    return health is not None and health["auth"].get(settings.api) == "open"


def open_mode_note(settings: Settings) -> str:
    return (f"{settings.base_url} is a wfmock mock in open mode (it accepts any non-empty key), so it cannot "
            "refuse an invalid one; start it with `--api-key KEY` to check authentication")
