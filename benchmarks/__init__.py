"""Doorstep's benchmarks: macro runs (``python -m benchmarks.<name>``) and micro timings."""
