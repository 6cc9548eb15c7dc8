"""The tests mirror the package: every module ``rankscope/<path>/<name>.py`` has its test file
``tests/<path>/test_<name>.py`` (a leading underscore dropped: ``_codec.py`` -> ``test_codec.py``)."""

from pathlib import Path

import rankscope

PACKAGE = Path(rankscope.__file__).parent
TESTS = Path(__file__).parent


def mirrored_test(module: Path, package: Path = PACKAGE, tests: Path = TESTS) -> Path:
    rel = module.relative_to(package)
    return tests / rel.parent / f"test_{rel.stem.lstrip('_')}.py"


def missing_tests(package: Path = PACKAGE, tests: Path = TESTS) -> list[str]:
    return [
        f"{m.relative_to(package)} -> {mirrored_test(m, package, tests).relative_to(tests)}"
        for m in sorted(package.rglob("*.py"))
        if m.name != "__init__.py" and not mirrored_test(m, package, tests).is_file()
    ]


def test_every_module_has_its_mirrored_test_file():
    missing = missing_tests()
    assert not missing, "modules without their test file:\n" + "\n".join(missing)


def test_the_check_reports_a_module_without_tests(tmp_path):
    pkg, tests = tmp_path / "pkg", tmp_path / "tests"
    (pkg / "sub").mkdir(parents=True)
    (tests / "sub").mkdir(parents=True)
    for name in ("sub/_kept.py", "sub/lonely.py", "sub/__init__.py"):
        (pkg / name).write_text("")
    (tests / "sub" / "test_kept.py").write_text("")
    assert missing_tests(pkg, tests) == ["sub/lonely.py -> sub/test_lonely.py"]
