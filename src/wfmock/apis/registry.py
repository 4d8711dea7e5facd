"""The one list of simulated APIs: every part of wfmock that serves, checks, records or lists an API loops over it.

Each API is a unit (`ApiUnit`) declared in its own package (`wfmock.apis.<name>.unit`). The core never names an
API: it asks the registry (`get`, `names`, `units`, `owner_of`). Tests may `register` a unit of their own and
`unregister` it afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wfmock.apis.unit import ApiUnit

_UNITS: dict[str, "ApiUnit"] = {}
_BUNDLED_LOADED = False
_LOADING = threading.local()  # set while this thread imports the bundled units
_MERGE = threading.Lock()


def register(unit: ApiUnit) -> ApiUnit:
    if unit.name in _bundled():
        raise ValueError(f"an API named {unit.name!r} is already registered")
    _UNITS[unit.name] = unit
    return unit


def unregister(name: str) -> None:
    _UNITS.pop(name, None)


def get(name: str) -> ApiUnit:
    try:
        return _bundled()[name]
    except KeyError:
        raise KeyError(f"no API named {name!r} (known: {', '.join(_bundled())})") from None


def names() -> tuple[str, ...]:
    """Every registered API, the default one (the owner of paths no prefix claims) first."""
    return tuple(_bundled())


def units(among: Iterable[str] | None = None) -> tuple[ApiUnit, ...]:
    wanted = None if among is None else set(among)
    return tuple(unit for unit in _bundled().values() if wanted is None or unit.name in wanted)


def owner_of(path: str, among: Iterable[str] | None = None) -> ApiUnit | None:
    """The unit whose prefix `path` has; else the default (first) unit, when it is among those asked about."""
    candidates = units(among)
    for unit in candidates:
        if path.startswith(unit.prefixes):
            return unit
    default = next(iter(_bundled().values()), None)
    return default if default is not None and default in candidates else None


def _bundled() -> dict[str, "ApiUnit"]:
    """The registered units, the bundled ones first, registered at first use. Thread-safe: a thread that asks
    while another loads them waits for the whole set (Python's import lock holds it at the unit modules), never
    sees it half-made. Only the loading thread itself may see it partial: a unit's module may be what is being
    imported when the registry is asked."""
    global _BUNDLED_LOADED
    if _BUNDLED_LOADED or getattr(_LOADING, "active", False):
        return _UNITS
    _LOADING.active = True
    try:
        from wfmock.apis.imprun.unit import UNIT as IMPRUN
        from wfmock.apis.miso.unit import UNIT as MISO
    finally:
        _LOADING.active = False
    with _MERGE:
        if not _BUNDLED_LOADED:
            added = dict(_UNITS)
            _UNITS.clear()
            _UNITS.update({unit.name: unit for unit in (IMPRUN, MISO)})
            _UNITS.update(added)
            _BUNDLED_LOADED = True
    return _UNITS
