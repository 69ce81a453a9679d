"""Test harnesses: the API as a real server process, builds stopped at a named stage."""
