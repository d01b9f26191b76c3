"""The layering holds by a check: `lint-imports` (import-linter, contracts in pyproject.toml,
run by .ci/run) keeps the kernel `veille` free of the rooms, the rooms free of the CLI,
crawlers and processors independent, and sinks out of crawlers and processors. These tests
run it on the tree, and on a copy with a wrong-way import to see that it fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from veille.settings import REPO_ROOT

PACKAGES = ("veille", "crawlers", "processors", "sinks")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    if not Path(exe).exists():
        pytest.fail("lint-imports is missing: pip install -e '.[test]' (import-linter)", pytrace=False)
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([exe, "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def _contracts() -> list[dict]:
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def test_the_tree_keeps_every_contract() -> None:
    result = _lint_imports(REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_kernel_module_is_in_the_kernel_layer() -> None:
    """A layer cannot contain another (`veille` holds `veille.cli`), so the kernel layer lists
    its modules: a new one must be added there, or it would escape the check."""
    [layers] = [c for c in _contracts() if c["type"] == "layers"]
    kernel = {m.strip() for m in layers["layers"][-1].split(":")}
    found = {f"veille.{p.stem}" for p in (REPO_ROOT / "veille").glob("*.py") if p.stem != "__init__"}
    found |= {f"veille.{p.parent.name}" for p in (REPO_ROOT / "veille").glob("*/__init__.py")}
    assert found - {"veille.cli"} == kernel


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The four packages' Python files and pyproject.toml, to break on purpose."""
    root = tmp_path_factory.mktemp("layers")
    for package in PACKAGES:
        shutil.copytree(REPO_ROOT / package, root / package,
                        ignore=lambda d, names: [n for n in names if not n.endswith(".py")
                                                 and not (Path(d) / n).is_dir() or n == "__pycache__"])
    shutil.copy(REPO_ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


@pytest.mark.parametrize("module,line,contract", [
    ("veille/ids.py", "import sinks.store", "above the kernel"),  # the kernel imports a room
    ("sinks/store.py", "import veille.cli.wiring", "above the kernel"),  # a room imports the CLI
    ("crawlers/dates.py", "import processors.normalise", "independent"),
    ("processors/data_files.py", "import sinks.store", "do not import sinks"),
])
def test_a_wrong_way_import_breaks_a_contract(copy: Path, module: str, line: str, contract: str) -> None:
    path = copy / module
    original = path.read_text(encoding="utf-8")
    path.write_text(original + f"\n{line}  # wrong way, on purpose\n", encoding="utf-8")
    try:
        result = _lint_imports(copy)
    finally:
        path.write_text(original, encoding="utf-8")
    assert result.returncode == 1, result.stdout + result.stderr
    broken = [block for block in result.stdout.split("\n\n") if "BROKEN" in block]
    assert any(contract in block for block in broken), result.stdout
    assert line.split()[-1] in result.stdout  # the report names the offending import
