"""``python3 -m api ARGS``: run the ``doorstep`` CLI, installing it first when needed."""

from __future__ import annotations

import sys

from api import _venv

if __name__ == "__main__":
    if not _venv.inside():
        _venv.reexec(["-m", "api", *sys.argv[1:]])
    from api.cli import main

    main()
