"""The README's examples, and those of the pages in docs/, must keep working: run them
and compare what they print.

- Every ```python block runs in a fresh namespace, in an empty temporary working
  directory. Functions it defines whose names start with ``test_`` (hypothesis
  ``@given`` tests included) are then called. When a ```text block follows it
  directly, that block is what the code must print.
- Every ``$ backprop ...`` line in a ```console block is parsed by the real
  command-line parser; ``steps``, ``check`` and ``graph`` are also run, and the
  lines under the command are what it must print (and exit status 0, or 1 for a
  check whose output says FAILED).
- Every relative link and image of those pages points at a file of the repository,
  the README links every page of docs/, the pictures in docs/ are small, valid SVG
  or PNG files, and the README's performance table agrees with benchmarks/README.md.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

import pytest

from nn.cli import command as cli

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCUMENTS = [README, *sorted((ROOT / "docs").glob("*.md"))]  # the README and its pages
FENCE = re.compile(r"^```(\S*)\s*$")
RUN_COMMANDS = ("steps", "check", "graph")  # quick and deterministic: run them
MAX_PICTURE_BYTES = 50_000
LARGER_PICTURES = {"docs/network.svg": 200_000}  # the demo's whole network, 33 neurons


@dataclass(frozen=True)
class Block:
    language: str
    text: str
    line: int  # line number of the opening fence, 1-based
    output: str | None = None  # a ```text block right after a ```python block
    document: str = "README.md"  # where it is, relative to the repository

    @property
    def where(self) -> str:
        return f"{self.document}:{self.line}"


def read_blocks(markdown: str, document: str = "README.md") -> list[Block]:
    """The fenced code blocks of `markdown`, each python block paired with its output."""
    blocks: list[Block] = []
    lines = markdown.splitlines()
    i = 0
    follows_block = False  # only blank lines since the last closing fence
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            if lines[i].strip():
                follows_block = False
            i += 1
            continue
        start = i
        i += 1
        body = []
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i])
            i += 1
        if i == len(lines):
            raise AssertionError(f"{document}:{start + 1}: code block never closed")
        i += 1
        block = Block(opening.group(1), "\n".join(body) + "\n", start + 1, document=document)
        if block.language == "text" and follows_block and blocks[-1].language == "python":
            previous = blocks.pop()
            block = Block(previous.language, previous.text, previous.line, block.text,
                          document)
        blocks.append(block)
        follows_block = True
    return blocks


BLOCKS = [block for path in DOCUMENTS
          for block in read_blocks(path.read_text(encoding="utf-8"),
                                   str(path.relative_to(ROOT)))]
PYTHON = [block for block in BLOCKS if block.language == "python"]
CONSOLE = [
    (block, line)
    for block in BLOCKS
    if block.language in ("console", "sh", "shell", "bash")
    for line in block.text.splitlines()
    if line.startswith("$ backprop ")
]


def _same_text(printed: str, expected: str) -> None:
    """Compare line by line, ignoring trailing blanks."""
    got = [line.rstrip() for line in printed.strip("\n").splitlines()]
    want = [line.rstrip() for line in expected.strip("\n").splitlines()]
    assert got == want, "\n".join(["printed:", *got, "README says:", *want])


def test_the_readme_has_the_examples_these_tests_check():
    languages = {block.language for block in BLOCKS}
    assert "python" in languages and "console" in languages
    assert len(PYTHON) >= 6, [block.line for block in PYTHON]
    assert sum(block.output is not None for block in PYTHON) >= 5
    assert any(
        "@given" in block.text and "expressions_and_inputs" in block.text for block in PYTHON
    ), "the hypothesis example test is missing"
    subcommands = {shlex.split(line)[2] for _, line in CONSOLE}
    assert {"steps", "check", "graph", "demo", "train"} <= subcommands


@pytest.mark.parametrize("block", PYTHON, ids=[b.where for b in PYTHON])
def test_python_example_runs_and_prints_what_the_readme_says(block, tmp_path, monkeypatch, capsys):
    if "torch" in block.text:  # the PyTorch bridge's example (torch is an optional extra)
        pytest.importorskip("torch", reason="PyTorch is not installed (the 'torch' extra)")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"readme_block_{block.line}"}
    exec(compile(block.text, block.where, "exec"), namespace)
    tests = [
        value for name, value in namespace.items() if name.startswith("test_") and callable(value)
    ]
    for test in tests:  # e.g. the @given property tests: hypothesis runs them here
        test()
    if "@given" in block.text:
        assert tests, "a block with @given defines no test_ function to run"
        assert all(hasattr(test, "hypothesis") for test in tests)
    printed = capsys.readouterr().out
    if block.output is not None:
        _same_text(printed, block.output)


@pytest.mark.parametrize(
    "block, command", CONSOLE, ids=[f"{b.where}:{c[2:40]}" for b, c in CONSOLE]
)
def test_backprop_command_works_as_shown(block, command, tmp_path, monkeypatch, capsys):
    argv = shlex.split(command[2:])[1:]  # without "$ " and "backprop"
    parser_args = cli.make_parser().parse_args(argv)  # every option shown must exist
    if argv[0] not in RUN_COMMANDS:  # demo and train take seconds: parsing is the check
        return
    monkeypatch.chdir(tmp_path)
    output = getattr(parser_args, "output", None)
    if output is not None:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
    lines = block.text.splitlines()
    after = lines[lines.index(command) + 1 :]
    shown = []
    for line in after:
        if line.startswith("$ "):
            break
        shown.append(line)
    failed_check = argv[0] == "check" and bool(shown) and ": FAILED" in shown[0]
    assert cli.main(argv) == (1 if failed_check else 0)  # a failed check exits with 1
    printed = capsys.readouterr().out
    if any(line.strip() for line in shown):
        _same_text(printed, "\n".join(shown))
    for written in (output, getattr(parser_args, "html", None)):
        if written is not None:
            assert (tmp_path / written).stat().st_size > 0


def test_the_readme_says_how_to_reach_backprop_before_using_it():
    """After `make demo` the command is in .venv/bin, not on PATH (issue 12, item 28):
    the README activates the virtualenv before its first `$ backprop` line, and that
    activation puts the project's `backprop` on PATH."""
    lines = README.read_text(encoding="utf-8").splitlines()
    first_command = next(i for i, line in enumerate(lines) if line.startswith("$ backprop "))
    activations = [line[2:] for line in lines[:first_command]
                   if re.match(r"\$ (source|\.) \S*activate\b", line)]
    assert activations == ["source .venv/bin/activate"]
    venv = ROOT / ".venv"
    if not (venv / "bin" / "activate").exists():
        pytest.skip("no .venv in the repository (make test creates it): nothing to activate")
    path_without_venv = os.pathsep.join(
        d for d in os.environ.get("PATH", "").split(os.pathsep) if not d.startswith(str(venv)))
    found = subprocess.run(["bash", "-c", f"{activations[0]} && command -v backprop"], cwd=ROOT,
                           env={**os.environ, "PATH": path_without_venv}, capture_output=True,
                           text=True, check=False)
    assert found.returncode == 0, found.stderr
    assert Path(found.stdout.strip()) == venv / "bin" / "backprop"


def _relative_targets(markdown: str) -> list[str]:
    """Targets of [text](target) and ![alt](target) that are not web addresses."""
    outside_code = re.sub(r"^```.*?^```", "", markdown, flags=re.M | re.S)
    targets = re.findall(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", outside_code)
    return [t for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:|#", t)]


def _resolved_targets(path: Path) -> list[Path]:
    """The files the relative links and pictures of the page at `path` point at."""
    return [(path.parent / target.split("#")[0]).resolve()
            for target in _relative_targets(path.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("path", DOCUMENTS, ids=[p.name for p in DOCUMENTS])
def test_every_relative_link_and_picture_exists(path):
    missing = [str(t) for t in _resolved_targets(path) if not t.exists()]
    assert not missing, f"{path.name} links to files that do not exist: {missing}"


def test_the_readme_links_the_benchmarks_the_notebooks_and_every_page_of_docs():
    targets = set(_resolved_targets(README))
    pages = {p.resolve() for p in DOCUMENTS[1:]}
    assert len(pages) >= 4
    wanted = {ROOT / "benchmarks" / "README.md", ROOT / "notebooks" / "README.md", *pages}
    assert wanted <= targets, sorted(str(p) for p in wanted - targets)


def test_every_notebook_is_linked():
    targets = set(_relative_targets(README.read_text(encoding="utf-8")))
    notebooks = {f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert notebooks and notebooks <= targets, sorted(notebooks - targets)


def test_pictures_are_small_valid_and_all_used():
    pictures = {(document.parent / found).resolve() for document in DOCUMENTS
                for found in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)",
                                        document.read_text(encoding="utf-8"))}
    assert len(pictures) >= 3, pictures
    for path in pictures:
        picture = str(path.relative_to(ROOT))
        assert path.parent == ROOT / "docs", f"{picture}: keep the pictures in docs/"
        content = path.read_bytes()
        budget = LARGER_PICTURES.get(picture, MAX_PICTURE_BYTES)
        assert 0 < len(content) <= budget, f"{picture}: {len(content)} bytes"
        if path.suffix == ".svg":
            assert ElementTree.fromstring(content).tag.endswith("svg"), picture
        else:
            assert path.suffix == ".png" and content.startswith(b"\x89PNG\r\n\x1a\n"), picture
    files = {p.resolve() for p in (ROOT / "docs").iterdir() if p.suffix != ".md"}
    unused = sorted(p.name for p in files - pictures)
    assert not unused, f"files in docs/ that no page shows: {unused}"


def _table_rows(markdown: str, first_header: str) -> list[dict[str, str]]:
    """The rows of the markdown table whose header starts with `first_header`."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_header} |"))
    header = [cell.strip() for cell in lines[start].strip("|").split("|")]
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows.append(dict(zip(header, cells)))
    return rows


def test_performance_table_matches_benchmarks_readme():
    ours = _table_rows(README.read_text(encoding="utf-8"), "workload")
    theirs = _table_rows(
        (ROOT / "benchmarks" / "README.md").read_text(encoding="utf-8"), "workload"
    )
    assert len(ours) >= 5
    by_key = {(row["workload"], row["engine"]): row for row in theirs}
    for row in ours:
        key = (row["workload"], row["engine"])
        assert key in by_key, f"{key} is not in benchmarks/README.md"
        for column, value in row.items():
            assert by_key[key][column] == value, (key, column, value, by_key[key][column])
