"""The API-specific checks: one module per API, each exposing the same small surface.

A module gives `envelope_problems(contract, status, body)` (what is wrong with an error
body), `auth_probes(contract)` (cheap requests for the auth check), `rate_limit_probe(contract)`,
`error_probes(ctx)` (requests to refuse; a probe's `code` is the seed's code for its situation),
`AUTH_CODE` (the seed's code for a bad or missing key, or None where the seed names none),
and `CHECKS`, the list of its own `Check`s (the kit's flows); importing it registers its checks over
recorded exchanges in `wfmock.contract.checks.registry`. The generic engine never names an API.
"""

from __future__ import annotations

import importlib
from types import ModuleType


def load(api: str) -> ModuleType:
    """The checks module the API's registry unit names."""
    from wfmock.apis import registry

    return importlib.import_module(registry.get(api).checks)
