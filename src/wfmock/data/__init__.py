"""Faithful payloads for the imprun workflows v2 results (and the MISO demo answers in `miso_outputs`).

`imprun_result(params, seed)` returns the `result` of a SUCCEEDED run:

- `params.siteCode == "HOMETAX"`: `hometax` (business info, sales/purchase statistics, VAT returns);
- `params.siteCode == "WEHAGO"`: `wehago` (statements and listings read off `ledger`);
- `params.documentType` (or `workflow_type == "document_parsing"`): `registers` (토지/건축물/집합건축물대장).

Payloads depend on the session part of the seed and on the request, never on global state: the same
seed and params give the same bytes. Curated tables live in `korea`; number formats in `bizno` and `pnu`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wfmock.data import hometax, registers, wehago
from wfmock.data.seeding import world_of

__all__ = ["imprun_result", "result_kind"]


def result_kind(params: Mapping[str, Any], workflow_type: str | None = None) -> str:
    """'hometax', 'wehago' or 'registers', inferred from the params (or the request's top-level `type`)."""
    site = str(params.get("siteCode") or "").upper()
    if workflow_type == "document_parsing" or (not site and ("documentType" in params or "imageUrl" in params
                                                             or "imageBase64" in params)):
        return "registers"
    if site == "WEHAGO" or (not site and ("endpoint" in params or "group" in params)):
        return "wehago"
    return "hometax"


def imprun_result(params: Mapping[str, Any], seed: str, *, workflow_type: str | None = None) -> dict[str, Any]:
    """The result payload for a createWorkflow request's `params`, reproducible from `seed` ("<session>:<run id>")."""
    world = world_of(seed)
    kind = result_kind(params, workflow_type)
    if kind == "registers":
        return registers.result(params, world)
    if kind == "wehago":
        return wehago.result(params, world)
    return hometax.result(params, world)
