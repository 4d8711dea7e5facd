"""imprun workflows v2: its registry unit (`unit`), the simulated API (`api`) and its contract checks (`checks`,
loaded by the kit only)."""
