"""Doorstep's ways in: CLI, HTTP service, file formats and the shared plan pipeline.

Kept import-light on purpose: ``python3 -m api`` must start on a bare interpreter (see
``api/_venv.py``) before the dependencies are installed.
"""

__all__: list[str] = []
