"""The test suite (a package, so that tests can share tests/dot_reading.py)."""
