"""Benchmarks: scripts that print tables (results go to BENCHMARKS.md)."""
