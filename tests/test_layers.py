"""The package's layering: the core stays free of the benchmarks and the trainer, no private names cross
modules, and every module stays small enough to read in one sitting."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "kgqa"
MAX_LINES = 600
#: sub-packages allowed to import the benchmarks and the trainer (everything else is the core)
OUTER = ("bench", "train")


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str, list[str]]]:
    """``(line, imported module, imported names)`` of every import in ``tree``, relative ones resolved."""
    out: list[tuple[int, str, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, target] if target else base)
            out.append((node.lineno, target, [alias.name for alias in node.names]))
    return out


def _is_core(path: Path, root: Path) -> bool:
    rel = path.relative_to(root).parts
    return not (len(rel) > 1 and rel[0] in OUTER)


def core_violations(paths: list[Path], root: Path = PACKAGE) -> list[str]:
    """``file:line imports module`` for each import of kgqa.bench or kgqa.train from the core."""
    bad = []
    for path in paths:
        if not _is_core(path, root):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, target, names in _imports(tree, _module_name(path, root), path.name == "__init__.py"):
            targets = [target] + ([f"{target}.{n}" for n in names] if target == "kgqa" else [])
            for t in targets:
                if any(t == f"kgqa.{o}" or t.startswith(f"kgqa.{o}.") for o in OUTER):
                    bad.append(f"{path.relative_to(root.parent)}:{line} imports {t}")
    return bad


def private_violations(paths: list[Path], root: Path = PACKAGE) -> list[str]:
    """``file:line imports module._name`` for each ``from kgqa.x import _name`` of another module."""
    bad = []
    for path in paths:
        module = _module_name(path, root)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, target, names in _imports(tree, module, path.name == "__init__.py"):
            if not target.startswith("kgqa") or target == module:
                continue
            for name in names:
                if name.startswith("_") and not name.startswith("__"):
                    bad.append(f"{path.relative_to(root.parent)}:{line} imports {target}.{name}")
    return bad


def long_modules(paths: list[Path], root: Path = PACKAGE) -> list[str]:
    """``file: N lines`` for each module over :data:`MAX_LINES` lines."""
    out = []
    for path in paths:
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES:
            out.append(f"{path.relative_to(root.parent)}: {n} lines")
    return out


def test_core_does_not_import_bench_or_train() -> None:
    assert core_violations(_modules()) == []


def test_no_private_names_cross_modules() -> None:
    assert private_violations(_modules()) == []


def test_modules_are_under_the_line_limit() -> None:
    assert long_modules(_modules()) == []


# -- the checks themselves catch what they are meant to -----------------------------------------------------


def _write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def fake_package(tmp_path: Path) -> Path:
    return tmp_path / "kgqa"


@pytest.mark.parametrize(
    "source",
    [
        "from kgqa.bench.metrics import f1_score\n",
        "import kgqa.train.loop\n",
        "from kgqa import bench\n",
        "from ..train.loop import collate\n",
        "def f():\n    from kgqa.bench import cli\n",
    ],
)
def test_core_check_catches_imports_of_bench_and_train(fake_package: Path, source: str) -> None:
    path = _write(fake_package, "reader/qa.py", source)
    assert len(core_violations([path], fake_package)) == 1


@pytest.mark.parametrize(
    "source", ["from kgqa.metrics import normalize_answer\n", "import numpy\n", "from .postprocess import best_spans\n"]
)
def test_core_check_passes_other_imports(fake_package: Path, source: str) -> None:
    path = _write(fake_package, "reader/qa.py", source)
    assert core_violations([path], fake_package) == []


def test_bench_and_train_may_import_each_other(fake_package: Path) -> None:
    paths = [
        _write(fake_package, "bench/cli.py", "from kgqa.train.loop import Trainer\n"),
        _write(fake_package, "train/nli.py", "from kgqa.bench.metrics import accuracy\n"),
    ]
    assert core_violations(paths, fake_package) == []


@pytest.mark.parametrize(
    "source", ["from kgqa.trace import _jsonable\n", "from .questions import _TYPE\n", "from kgqa.x import a, _b\n"]
)
def test_private_check_catches_private_names(fake_package: Path, source: str) -> None:
    path = _write(fake_package, "checks/claims.py", source)
    assert len(private_violations([path], fake_package)) == 1


@pytest.mark.parametrize(
    "source",
    ["from kgqa.trace import jsonable\n", "from kgqa import __version__\n", "from collections import _Link\n"],
)
def test_private_check_passes_public_names(fake_package: Path, source: str) -> None:
    path = _write(fake_package, "checks/claims.py", source)
    assert private_violations([path], fake_package) == []


def test_line_check_counts_lines(fake_package: Path) -> None:
    short = _write(fake_package, "a.py", "x = 1\n" * MAX_LINES)
    long = _write(fake_package, "b.py", "x = 1\n" * (MAX_LINES + 1))
    assert long_modules([short, long], fake_package) == [f"kgqa/b.py: {MAX_LINES + 1} lines"]


def test_the_cli_mounts_train_and_bench_through_entry_points() -> None:
    from importlib.metadata import entry_points

    from kgqa.cli import COMMANDS_GROUP, UsageError, build_parser

    assert {ep.name for ep in entry_points(group=COMMANDS_GROUP)} >= {"bench", "train"}
    ns = build_parser().parse_args(["train", "export", "RUN_DIR", "--out", "MODEL_DIR"])
    assert ns.command == "train" and callable(ns.run_command)
    assert callable(build_parser().parse_args(["bench", "qa"]).run_command)
    # a core command's parser leaves them out
    with pytest.raises(UsageError, match="invalid choice: 'bench'"):
        build_parser(commands=False).parse_args(["bench", "qa"])


def _architecture_modules(readme: str) -> set[str]:
    section = readme.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    block = section.split("```", 2)[1]
    return {
        line.split()[0] for line in block.splitlines() if line.startswith("kgqa/") and line.split()[0].endswith(".py")
    }


def test_the_readme_architecture_lists_every_module() -> None:
    """One line per module; a sub-package's ``__init__.py`` only re-exports and is not listed."""
    listed = _architecture_modules((PACKAGE.parent / "README.md").read_text(encoding="utf-8"))
    files = {str(p.relative_to(PACKAGE.parent)) for p in _modules() if p.name != "__init__.py" or p.parent == PACKAGE}
    assert sorted(files - listed) == [], "modules missing from the README's architecture section"
    assert sorted(listed - files) == [], "the README's architecture section lists modules that do not exist"
