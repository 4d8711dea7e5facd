"""The one exception every pipeline stage raises to answer with an error in the API's envelope."""

from __future__ import annotations

from collections.abc import Mapping

from wfmock.limits import clip


class ApiError(Exception):
    """An error the client should see: an API error code, its HTTP status and a message.

    `code` is a code from the API's error catalogue (`x-wfmock-errors` in its OpenAPI document);
    the API's renderer turns it into that API's envelope. `status` and `message` default to the
    catalogue's values.
    """

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        message = clip(message) if message else message  # never echo megabytes of input back
        super().__init__(message or code)
        self.code = code
        self.message = message
        self.status = status
        self.headers = dict(headers or {})


# Generic error kinds raised by the shared stages; each API maps them to its own catalogue code.
NOT_FOUND = "not_found"
METHOD_NOT_ALLOWED = "method_not_allowed"
UNAUTHORIZED = "unauthorized"
RATE_LIMITED = "rate_limited"
INVALID_REQUEST = "invalid_request"
UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
PAYLOAD_TOO_LARGE = "payload_too_large"
INTERNAL = "internal"
UNAVAILABLE = "unavailable"
