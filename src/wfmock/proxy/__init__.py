"""The validating proxy: `wfmock proxy --upstream URL` forwards traffic to a real deployment unchanged,
streams every answer back as it arrives, and judges each exchange against the contracts afterwards
(the kit's own checks, as pure functions over the recorded exchange). `--record DIR` also writes what it
saw as fixtures and a replaying scenario.
"""
