"""Authenticates a request against the operation's declared security schemes.

Open mode (no keys configured) accepts any non-empty credential, so the seed documents' own
examples work unchanged. Strict mode accepts only the configured keys.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from wfmock.errors import UNAUTHORIZED, ApiError
from wfmock.openapi.operations import Operation
from wfmock.openapi.security import read_credential


class Authenticator:
    """Reads the credential an operation's security scheme names and checks it against the key set."""

    def __init__(self, schemes: Mapping[str, Mapping[str, Any]], keys: Collection[str] = ()) -> None:
        self._schemes = schemes
        self.keys = set(keys)

    @property
    def strict(self) -> bool:
        return bool(self.keys)

    def authenticate(self, operation: Operation, headers: Mapping[str, str]) -> str | None:
        """The caller's key, or `None` for an operation without security; `ApiError` when refused."""
        if not operation.security or not any(operation.security):
            return None
        problem = "credentials are missing"
        for requirement in operation.security:
            for scheme_name in requirement:
                credential, problem = read_credential(self._schemes.get(scheme_name, {}), headers)
                if credential is None:
                    continue
                if self.strict and credential not in self.keys:
                    raise ApiError(UNAUTHORIZED, "Access token is invalid", status=401)
                return credential
        raise ApiError(UNAUTHORIZED, problem, status=401)
