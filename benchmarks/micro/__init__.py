"""Micro timings of hot paths (pytest-benchmark); run explicitly, see ``benchmarks/README.md``."""
