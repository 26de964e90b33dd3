"""The dispatch service: FastAPI app, job store, solver processes, keys, map page."""
