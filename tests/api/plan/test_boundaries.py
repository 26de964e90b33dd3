"""The plan domain stays free of the command line and HTTP, and its stages stay short."""

from __future__ import annotations

import ast
from pathlib import Path

import api.plan
import api.plan.pipeline

PLAN = Path(api.plan.__file__).parent
FORBIDDEN = ("typer", "rich", "fastapi", "starlette", "uvicorn", "api.cli", "api.service")
#: Longest a stage function of the pipeline may be (lines, docstring included).
STAGE_LINES = 80


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def _forbidden(name: str) -> bool:
    return any(name == f or name.startswith(f + ".") for f in FORBIDDEN)


def test_no_plan_module_imports_the_cli_or_http() -> None:
    """No module of api/plan imports typer, rich, FastAPI, api.cli or api.service."""
    modules = sorted(PLAN.glob("*.py"))
    assert len(modules) > 10
    found = {p.name: [n for n in _imports(p) if _forbidden(n)] for p in modules}
    assert {k: v for k, v in found.items() if v} == {}


def test_the_checker_of_imports_sees_a_forbidden_import(tmp_path: Path) -> None:
    """The import check above finds a lazy import inside a function too."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from rich.console import Console\n    import api.cli.plan\n")
    assert [n for n in _imports(bad) if _forbidden(n)] == ["rich.console", "api.cli.plan"]


def test_every_pipeline_stage_is_short() -> None:
    """Every function of api/plan/pipeline.py is under 80 lines."""
    tree = ast.parse(Path(api.plan.pipeline.__file__).read_text(encoding="utf-8"))
    lengths = {
        node.name: (node.end_lineno or node.lineno) - node.lineno + 1
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
    }
    assert "plan_day" in lengths and "search" in lengths
    assert {k: n for k, n in lengths.items() if n >= STAGE_LINES} == {}
