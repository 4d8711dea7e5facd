"""wfmock: a stateful, streaming-aware mock and contract kit for imprun workflows v2 and MISO."""

__version__ = "0.1.0"
