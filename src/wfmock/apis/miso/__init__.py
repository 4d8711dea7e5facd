"""MISO workflow API: the simulated API (`api`) and its contract checks (`checks`, loaded by the kit only)."""

from wfmock.apis.miso.api import MisoApi

__all__ = ["MisoApi"]
