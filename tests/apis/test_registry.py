"""The registry of APIs as threads first meet it: a proxy or a kit run started from several threads at once must
never see it empty or half-loaded (it once answered "--api: invalid choice: 'imprun'")."""

from __future__ import annotations

import subprocess
import sys

FIRST_USE_FROM_MANY_THREADS = """
import sys
from concurrent.futures import ThreadPoolExecutor
sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can
from wfmock.apis import registry
with ThreadPoolExecutor(8) as pool:
    print(sorted(set(pool.map(lambda _: registry.names(), range(8)))))
"""


def test_threads_asking_at_first_use_all_see_every_bundled_api() -> None:
    for _ in range(3):  # a fresh interpreter each time: the first use is the point
        seen = subprocess.run([sys.executable, "-c", FIRST_USE_FROM_MANY_THREADS], capture_output=True, text=True,
                              timeout=60, check=True).stdout.strip()
        assert seen == "[('imprun', 'miso')]"
