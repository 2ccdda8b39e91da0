"""Packaged scenario data (TOML). Every number carries a source or says "est."."""
