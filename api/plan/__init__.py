"""The household and plan domain: ledger -> day -> routing problem -> checked plan.

No command line, no HTTP, no printing: :func:`api.plan.run.run_plan` is the one entry used
by ``doorstep plan``, the city batch, the HTTP service's workers and the benchmarks.
"""
