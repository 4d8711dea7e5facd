"""The simulated APIs, each a unit of `registry`; each knows its own envelope, codes and behaviour, and nothing of
the others."""
