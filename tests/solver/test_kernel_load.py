"""The kernel's load in a fresh process: numba's BLAS probe is refused, BLAS is not."""

from __future__ import annotations

import json
import subprocess
import sys

_LOAD = """
import json, sys
import numpy as np
from numba import njit
from solver import refine
from solver._sisr import _in_blas_probe
refine.warm_up()
import numba.np.arraymath as arraymath
probed = {"blas_probe": arraymath._HAVE_BLAS, "linalg": "scipy.linalg.blas" in sys.modules}

@njit(cache=False)
def dot(a, b):
    return np.dot(a, b)

probed["dot"] = float(dot(np.ones(3), np.arange(3.0)))
probed["linalg_after_dot"] = "scipy.linalg.blas" in sys.modules
probed["elsewhere"] = _in_blas_probe(sys._getframe())
import scipy.linalg
probed["solve"] = float(scipy.linalg.solve(np.eye(2) * 2, np.ones(2))[0])
print(json.dumps(probed))
"""


def test_the_kernel_loads_without_scipy_linear_algebra_and_blas_still_compiles() -> None:
    """Loading the kernel refuses ``scipy.linalg`` to numba's BLAS probe alone (SciPy's
    linear algebra stays out of the start-up), while a compiled ``np.dot`` still gets
    BLAS and ``scipy.linalg`` still imports for whoever asks."""
    done = subprocess.run(
        [sys.executable, "-c", _LOAD], capture_output=True, text=True, timeout=600, check=True
    )
    probed = json.loads(done.stdout.strip().splitlines()[-1])
    assert probed == {
        "blas_probe": False,
        "linalg": False,
        "dot": 3.0,
        "linalg_after_dot": True,
        "elsewhere": False,
        "solve": 0.5,
    }
