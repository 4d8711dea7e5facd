"""The pinned payload fixtures under `fixtures/{hometax,wehago,registers}/`, and how to regenerate them.

Each fixture is `imprun_result(params, SEED)` written as indented UTF-8 JSON, so a test can check the
files are exactly what the generators produce. Regenerate with `python -m wfmock.data.fixtures`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from wfmock.data import imprun_result

SEED = "fixtures:wf_fixture"
_HOMETAX = {"siteCode": "HOMETAX"}
_WEHAGO = {"siteCode": "WEHAGO", "credentialId": "cred_0001"}

FIXTURES: dict[str, dict[str, Any]] = {
    "hometax/business-active.json": {**_HOMETAX, "function": "get_business_info", "credentialId": "cred_0002", "year": 2025},
    "hometax/business-closed.json": {**_HOMETAX, "function": "get_business_info", "credentialId": "cred_0024", "year": 2025},
    "hometax/business-individual.json": {**_HOMETAX, "function": "get_business_info", "credentialId": "cred_0005", "year": 2025},
    "hometax/sales-stats-2025-03.json": {**_HOMETAX, "function": "get_sales_stats", "credentialId": "cred_0002", "year": 2025, "month": 3},
    "hometax/purchase-stats-2025-03.json": {**_HOMETAX, "function": "get_purchase_stats", "credentialId": "cred_0002", "year": 2025, "month": 3},
    "hometax/vat-2025.json": {**_HOMETAX, "function": "get_vat_info", "credentialId": "cred_0002", "year": 2025},
    "wehago/balance-sheet-2025-03.json": {**_WEHAGO, "group": "financial", "endpoint": "balance-sheet", "period": "2025-03"},
    "wehago/income-statement-2025-03.json": {**_WEHAGO, "group": "financial", "endpoint": "income-statement", "period": "2025-03"},
    "wehago/trial-balance-2025-03.json": {**_WEHAGO, "group": "financial", "endpoint": "trial-balance", "period": "2025-03"},
    "wehago/sales-report-2025-03.json": {**_WEHAGO, "group": "transactions", "endpoint": "sales-report", "period": "2025-03"},
    "wehago/purchase-report-2025-03.json": {**_WEHAGO, "group": "transactions", "endpoint": "purchase-report", "period": "2025-03"},
    "wehago/journal-2025-03.json": {**_WEHAGO, "group": "transactions", "endpoint": "journal", "period": "2025-03"},
    "registers/land.json": {"documentType": "land", "imageUrl": "https://example.com/registers/land-37.png"},
    "registers/land-mountain.json": {"documentType": "land", "imageUrl": "https://example.com/registers/land-0.png"},
    "registers/building.json": {"documentType": "building", "imageUrl": "https://example.com/registers/building-5.png"},
    "registers/aggregate-building.json": {"documentType": "aggregate_building",
                                          "imageUrl": "https://example.com/registers/aggregate_building-2.png"},
    "registers/aggregate-building-officetel.json": {"documentType": "aggregate_building",
                                                    "imageUrl": "https://example.com/registers/aggregate_building-3.png"},
}


def render(payload: Any) -> str:
    """The file text for a payload: indented, non-ASCII kept, trailing newline."""
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def expected(name: str) -> str:
    """What fixture `name` must contain."""
    return render(imprun_result(FIXTURES[name], SEED))


def write_all(root: Path) -> list[Path]:
    """Writes every fixture under `root` (the repo's `fixtures/`) and returns the paths."""
    written = []
    for name in FIXTURES:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(expected(name), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    from wfmock.app import fixtures_dir

    root = Path(args[0]) if args else fixtures_dir()
    for path in write_all(root):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
