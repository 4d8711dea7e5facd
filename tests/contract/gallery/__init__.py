"""A gallery of deliberately broken servers: a correct minimal reference server per API, and
per-bug mutations of it, so that each broken server differs from a correct one by exactly one bug."""
