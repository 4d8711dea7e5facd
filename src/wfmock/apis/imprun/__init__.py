"""imprun workflows v2: the simulated API (`api`) and its contract checks (`checks`, loaded by the kit only)."""

from wfmock.apis.imprun.api import ImprunApi

__all__ = ["ImprunApi"]
