"""Tests of the PostgreSQL-protocol server (a package: its conftest must not shadow
tests/conftest.py, which other test modules import as ``conftest``)."""
