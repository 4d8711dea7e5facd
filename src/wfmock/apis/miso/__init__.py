"""MISO workflow API: its registry unit (`unit`), the simulated API (`api`, with `runner`, `apps`, `inputs`,
`uploads`, `store`) and its contract checks (`checks`, loaded by the kit only)."""
