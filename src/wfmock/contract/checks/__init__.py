"""Contract checks as pure functions over recorded exchanges, in one registry (`registry`): the generic ones
(`http`, `stream`) and, registered from `wfmock.apis.<api>.checks`, each API's own."""
