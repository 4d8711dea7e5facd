"""The two simulated APIs; each knows its own envelope, codes and behaviour, and nothing of the other."""
