"""Set-up: the packaging metadata and the Makefile a newcomer meets first. pyproject.toml uses
the SPDX license string (no setuptools deprecation warning) and keeps its extras; a clean
editable install, as pip shows it, prints no warning; `make demo` installs only the core
package, `make test` and the Jupyter targets everything, each install announced by a line of
its own, pip's progress not silenced, and a stamp per install keeps a second run fast."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
INSTALL_S = 300  # a bounded wait for pip (it may fetch setuptools for the build)


def make_dry(*args: str, **variables: str) -> str:
    """What `make -n` would run (nothing is run)."""
    if shutil.which("make") is None:
        pytest.skip("needs make")
    out = subprocess.run(["make", "-n", "--no-print-directory", *args,
                          *(f"{k}={v}" for k, v in variables.items())],
                         cwd=ROOT, capture_output=True, text=True, check=True, timeout=30)
    return out.stdout


# -- pyproject.toml ---------------------------------------------------------------------------
def test_license_is_an_spdx_expression_and_the_build_backend_knows_it():
    assert PYPROJECT["project"]["license"] == "MIT"  # not the deprecated {text = ...} table
    (req,) = [r for r in PYPROJECT["build-system"]["requires"] if r.startswith("setuptools")]
    low = tuple(int(x) for x in re.search(r">=\s*([\d.]+)", req).group(1).split("."))
    assert low >= (77,), f"{req}: SPDX license strings need setuptools>=77"
    for f in PYPROJECT["project"].get("license-files", []):
        assert list(ROOT.glob(f)), f"license-files: {f} matches no file"


def test_extras_kept_and_all_has_every_other_extra():
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert {"notebooks", "test", "dask", "templates", "all"} <= set(extras)
    assert any(d.startswith("jupyterlab") for d in extras["notebooks"])
    assert any(d.startswith("voila") for d in extras["notebooks"])
    assert any(d.startswith("pytest") for d in extras["test"])
    (everything,) = extras["all"]
    named = set(re.search(r"\[(.*)\]", everything).group(1).split(","))
    assert named == set(extras) - {"all"}
    # the demo's figure needs matplotlib: it is a core dependency, so `make demo` needs no extra
    assert any(d.startswith("matplotlib") for d in PYPROJECT["project"]["dependencies"])


def test_a_clean_editable_install_prints_no_warning(tmp_path):
    """pip installs the project (a copy of its packaging files and package) editable into a
    new environment, showing what pip shows a user: no setuptools deprecation and no notice
    box from the build. pip's own lines about this machine's package index configuration
    (a missing local index directory) are not the project's and are left out."""
    proj = tmp_path / "proj"
    proj.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, proj / name)
    shutil.copytree(ROOT / "lambdasim", proj / "lambdasim",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    env = tmp_path / "env"
    venv.create(env, with_pip=False)  # this interpreter's pip installs into it (--python)
    cmd = [sys.executable, "-m", "pip", "--python", str(env / "bin" / "python"), "install",
           "--no-deps", "-e", str(proj)]
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHONWARNINGS")}
    t0 = time.monotonic()
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=INSTALL_S, env=run_env)
    text = out.stdout + out.stderr
    if out.returncode != 0 and ("No matching distribution" in text
                                or "Could not find a version" in text):
        pytest.skip(f"no package index reachable for the build's setuptools:\n{text[-1500:]}")
    assert out.returncode == 0, text[-3000:]
    machine = re.compile(r"^WARNING: Location '.*' is ignored: it is neither a file nor a "
                         r"directory\.$")
    noisy = [line for line in text.splitlines()
             if re.search(r"warn|deprecat|!!|\*{20}", line, re.IGNORECASE)
             and not machine.match(line.strip())]
    assert not noisy, "\n".join(noisy[:40])
    site = next((env / "lib").glob("python3*/site-packages"))
    assert list(site.glob("__editable__.lambdasim-*.pth"))
    assert time.monotonic() - t0 < INSTALL_S


# -- the Makefile -----------------------------------------------------------------------------
def test_make_demo_installs_only_the_core_and_announces_each_step(tmp_path):
    venv_dir = tmp_path / "venv"  # no environment yet: every step shows
    demo = make_dry("demo", VENV=str(venv_dir))
    assert "-m venv" in demo and "install --upgrade pip" in demo
    installs = [line for line in demo.splitlines() if "pip install -e" in line]
    assert installs == [f"{venv_dir}/bin/python -m pip install -e ."], installs
    assert ".[all]" not in demo and "--quiet" not in demo and " -q " not in demo
    assert "lambdasim demo --out out/demo" in demo
    # a line is printed before each step
    lines = demo.splitlines()
    for i, line in enumerate(lines):
        if line.startswith((f"{venv_dir}/bin/python -m pip", "python3 -m venv",
                            f"{venv_dir}/bin/lambdasim")):
            assert any(prev.startswith("echo \"==>") for prev in lines[max(0, i - 3):i]), line


@pytest.mark.parametrize("target", ["test", "lab", "notebooks", "app", "bench"])
def test_the_other_targets_install_everything(tmp_path, target):
    venv_dir = tmp_path / "venv"
    out = make_dry(target, VENV=str(venv_dir))
    assert f'{venv_dir}/bin/python -m pip install -e ".[all]"' in out
    assert "--quiet" not in out


def test_a_second_make_demo_installs_nothing(tmp_path):
    """A stamp per install: once the core is installed (stamp newer than pyproject.toml),
    `make demo` only runs the demo; `make test` still installs the rest (the extras'
    packages, without building lambdasim again), and after that neither installs again."""
    venv_dir = tmp_path / "venv"
    (venv_dir / "bin").mkdir(parents=True)
    (venv_dir / "bin" / "python").touch()
    (venv_dir / ".installed-core").touch()
    (venv_dir / ".built").touch()  # the compiled modules, built by that install
    demo = make_dry("demo", VENV=str(venv_dir))
    assert "pip install" not in demo and "-m venv" not in demo
    assert "lambdasim demo" in demo
    test = make_dry("test", VENV=str(venv_dir))  # the extras only: lambdasim is not rebuilt
    assert f"{venv_dir}/bin/python -m pip install -r {venv_dir}/extras.txt" in test
    assert "pip install -e" not in test and "pip install --no-deps" not in test
    (venv_dir / ".installed-all").touch()
    assert "pip install" not in make_dry("test", VENV=str(venv_dir))
    assert "pip install" not in make_dry("demo", VENV=str(venv_dir))
    # pyproject.toml changed since: installed again
    old = (ROOT / "pyproject.toml").stat().st_mtime - 60  # stamps older than it
    for stamp in (".installed-core", ".installed-all"):
        os.utime(venv_dir / stamp, (old, old))
    assert "pip install -e ." in make_dry("demo", VENV=str(venv_dir))


def test_a_change_to_the_sim_layer_compiles_again_without_installing_the_rest(tmp_path):
    """The compiled modules are rebuilt (no dependencies installed) once a module of
    lambdasim/sim is newer than the build's stamp, and not before."""
    venv_dir = tmp_path / "venv"
    (venv_dir / "bin").mkdir(parents=True)
    (venv_dir / "bin" / "python").touch()
    for stamp in (".installed-core", ".installed-all", ".built"):
        (venv_dir / stamp).touch()
    assert "pip install" not in make_dry("demo", VENV=str(venv_dir))
    old = (ROOT / "lambdasim" / "sim" / "clock.py").stat().st_mtime - 60
    os.utime(venv_dir / ".built", (old, old))
    demo = make_dry("demo", VENV=str(venv_dir))
    assert f"{venv_dir}/bin/python -m pip install --no-deps -e ." in demo
    assert ".[all]" not in demo


def test_after_make_demo_the_extras_list_is_every_package_of_all(tmp_path):
    """The command `make test` runs after `make demo` writes the requirements of every group
    that the "all" extra names, read from pyproject.toml."""
    venv_dir = tmp_path / "venv"
    (venv_dir / "bin").mkdir(parents=True)
    (venv_dir / "bin" / "python").symlink_to(sys.executable)
    (venv_dir / ".installed-core").touch()
    (venv_dir / ".built").touch()
    (line,) = [x for x in make_dry("test", VENV=str(venv_dir)).splitlines()
               if "tomllib" in x]
    subprocess.run(line, shell=True, cwd=ROOT, check=True, timeout=30)
    extras = PYPROJECT["project"]["optional-dependencies"]
    (all_,) = extras["all"]
    groups = re.search(r"\[(.*)\]", all_).group(1).split(",")
    assert set(groups) == set(extras) - {"all"}
    want = [r for g in groups for r in extras[g]]
    assert (venv_dir / "extras.txt").read_text().split() == want
