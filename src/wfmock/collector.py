"""How a serving process tunes Python's cyclic garbage collector: rarely, and never over what lives for good.

A held MISO stream is about 80 objects the collector tracks (`benchmarks/held_streams.py`), and every ping's timer
and future lives a second, long enough to be promoted to the oldest generation. With CPython's defaults the oldest
generation is collected again and again once thousands of streams are held: each full collection walks every held
stream and pauses them all (with 10,000 streams: 16 full collections in 30 s, up to 840 ms each, 3% of the pings
never sent and a lateness p99 of 500 ms; with these settings none in 50 s, every ping sent, p99 3 ms:
`benchmarks/bench.py --only streams`). Garbage without cycles is freed at once by reference counting whatever the
thresholds; the collector is only for cycles, so collecting the young generations less often and the oldest
rarely costs a little memory for a while, never correctness.

Only a process that `wfmock serve` started calls `settle`: an app embedded in someone's test process (the pytest
plugin, `build_app`) leaves that process's collector as it found it.
"""

from __future__ import annotations

import gc

# a young collection every 2,000 net allocations (not 700), the middle generation every 20 of those, and the oldest
# considered only every 100 middle ones (CPython's defaults: 700, 10, 10). 10,000 young made a young collection long
# enough to show in the p99 of `POST /v2/workflows` under wrk.
THRESHOLDS = (2_000, 20, 100)


def settle() -> None:
    """After start-up: what start-up built (documents, compiled schemas, domain data) is moved out of the collector's
    sight for good (`gc.freeze`, after a collection so that no start-up garbage is kept), then the thresholds."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
