"""rankscope.provenance: what a run records about where it ran, and that no probe can fail a run."""

import json
import re
import shutil
import subprocess

import pytest

from rankscope import provenance
from rankscope.experiments.runner import thread_limits
from rankscope.provenance import collect_provenance, git_state

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def test_provenance_is_strict_json_with_the_documented_keys():
    prov = collect_provenance()
    json.dumps(prov, allow_nan=False)
    assert set(prov) == {
        "cpu",
        "machine",
        "os",
        "python",
        "blas",
        "torch_threads",
        "torch",
        "env",
        "versions",
        "git",
    }
    assert set(prov["versions"]) == {"rankscope", "torch", "numpy", "scipy"}
    assert all(isinstance(v, str) for v in prov["versions"].values())
    assert re.match(r"^\d+\.\d+", prov["python"])


def test_blas_entries_carry_kernel_and_threads():
    with thread_limits(1):
        prov = collect_provenance()
    assert prov["torch_threads"] == 1 == prov["torch"]["threads"]
    blas = [lib for lib in prov["blas"] if lib["user_api"] == "blas"]
    assert blas, "numpy and scipy load at least one BLAS"
    for lib in blas:
        assert lib["num_threads"] == 1
        assert "internal_api" in lib and "version" in lib


def test_env_records_only_the_thread_variables_that_are_set(monkeypatch):
    for key in provenance.ENV_KEYS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    monkeypatch.setenv("UNRELATED", "x")
    assert collect_provenance()["env"] == {"OPENBLAS_CORETYPE": "Haswell"}


@pytest.mark.parametrize(
    "error", [FileNotFoundError("git"), subprocess.TimeoutExpired("git", 2.0), PermissionError("denied")]
)
def test_git_state_is_none_when_git_cannot_answer(monkeypatch, error):
    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(provenance.subprocess, "run", broken)
    assert git_state() is None
    assert collect_provenance()["git"] is None


@needs_git
def test_git_state_outside_a_checkout_is_none(tmp_path):
    package = tmp_path / "rankscope"
    package.mkdir()
    (package / "__init__.py").write_text("")
    assert git_state(package) is None


@needs_git
def test_git_state_reports_commit_and_dirty_flag(tmp_path):
    package = tmp_path / "rankscope"
    package.mkdir()
    (package / "__init__.py").write_text("x = 1\n")

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
            cwd=tmp_path,
            check=True,
            capture_output=True,
        )

    git("init", "-q")
    git("add", ".")
    git("commit", "-q", "-m", "init")
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True
    ).stdout.strip()
    assert git_state(package) == {"commit": head, "dirty": False}
    (package / "__init__.py").write_text("x = 2\n")
    assert git_state(package) == {"commit": head, "dirty": True}
    (tmp_path / "untracked.txt").write_text("not counted")
    (package / "__init__.py").write_text("x = 1\n")
    assert git_state(package) == {"commit": head, "dirty": False}


@needs_git
def test_a_package_nested_in_another_repository_is_not_that_repository(tmp_path):
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    package = tmp_path / "site-packages" / "rankscope"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    assert git_state(package) is None
