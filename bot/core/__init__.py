"""The platform-neutral core: standard library only (dateparser inside parsing)."""
