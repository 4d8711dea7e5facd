"""The security schemes of a document: which header carries a credential, how to send a key, how to read one.

Two kinds are understood, the ones the documents use: an `apiKey` in a header (imprun's `X-API-Key`) and
`http` bearer (MISO's `Authorization: Bearer`). Any other scheme carries no credential wfmock can send or read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Scheme = Mapping[str, Any]


def schemes(document: Mapping[str, Any]) -> dict[str, Scheme]:
    """Scheme name -> scheme, from `components.securitySchemes`."""
    return dict((document.get("components") or {}).get("securitySchemes") or {})


def is_header_key(scheme: Scheme) -> bool:
    return scheme.get("type") == "apiKey" and scheme.get("in") == "header"


def is_bearer(scheme: Scheme) -> bool:
    return scheme.get("type") == "http" and str(scheme.get("scheme", "")).lower() == "bearer"


def credential_header(scheme: Scheme) -> str | None:
    """The header a credential of this scheme travels in (any `http` scheme: `Authorization`)."""
    if is_header_key(scheme):
        return scheme["name"]
    if scheme.get("type") == "http":
        return "Authorization"
    return None


def secret_header_names(document_schemes: Mapping[str, Scheme]) -> tuple[str, ...]:
    """Every header that carries a credential of these schemes: what logs and reports must mask."""
    return tuple(name for scheme in document_schemes.values() if (name := credential_header(scheme)))


def headers_for_key(scheme: Scheme, key: str) -> dict[str, str]:
    """The headers that present `key` under this scheme (none for a scheme wfmock cannot send)."""
    if is_header_key(scheme):
        return {scheme["name"]: key}
    if is_bearer(scheme):
        return {"Authorization": f"Bearer {key}"}
    return {}


def schemathesis_auth(document_schemes: Mapping[str, Scheme], key: str) -> dict[str, dict[str, str]]:
    """schemathesis' `auth.openapi` setting presenting `key` for every scheme it can send."""
    auth: dict[str, dict[str, str]] = {}
    for name, scheme in document_schemes.items():
        if scheme.get("type") == "apiKey":
            auth[name] = {"api_key": key}
        elif is_bearer(scheme):
            auth[name] = {"bearer": key}
    return auth


def read_credential(scheme: Scheme, headers: Mapping[str, str]) -> tuple[str | None, str]:
    """(the credential `headers` (lower-case names) carry for this scheme, or None; why not, in the API's words)."""
    if is_header_key(scheme):
        value = headers.get(scheme["name"].lower(), "").strip()
        return (value or None), f"{scheme['name']} header is required"
    if is_bearer(scheme):
        header = headers.get("authorization", "")
        kind, _, token = header.strip().partition(" ")
        if not header or not token.strip():
            return None, "Authorization header must be provided and start with 'Bearer'"
        if kind.lower() != "bearer":
            return None, "Authorization scheme must be 'Bearer'"
        return token.strip(), ""
    return None, "unsupported security scheme"
