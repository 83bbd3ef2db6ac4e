"""Reading the project's markdown the way the docs tests need: which pages, the `harness`
commands they show, their links and the repository paths they name, and heading anchors
(GitHub's rule)."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOP_LEVEL = ("engine", "app", "tests", "bench", "sandbox", "packaging", "mockoon", "docs",
             ".ci")
NOT_PLACEHOLDERS = {"README", "CHANGELOG", "LICENSE"}


def pages() -> list[Path]:
    """README.md, CHANGELOG.md, every page under docs/, and the folders' own READMEs."""
    found = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").rglob("*.md"))]
    found += sorted(p for p in ROOT.glob("*/README.md") if p.parent.name in TOP_LEVEL)
    return [p for p in found if p.exists()]


@dataclass(frozen=True)
class Shown:
    page: Path
    line: int
    text: str

    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}: {self.text}"


_FENCE = re.compile(r"^```.*?$(.*?)^```", re.S | re.M)
_SPAN = re.compile(r"(?<!`)`([^`]+)`(?!`)")
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$", re.M)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _without_fences(text: str) -> str:
    """The page with fenced blocks blanked (same length, so offsets keep their lines)."""
    return _FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def code_spans(page: Path) -> list[Shown]:
    text = page.read_text()
    prose = _without_fences(text)
    return [Shown(page, _line_of(text, m.start()), " ".join(m.group(1).split()))
            for m in _SPAN.finditer(prose)]


def code_block_lines(page: Path) -> list[Shown]:
    """Each logical line of every fenced block (backslash continuations joined)."""
    text = page.read_text()
    shown = []
    for block in _FENCE.finditer(text):
        first = _line_of(text, block.start(1))
        joined, start = "", first
        for i, line in enumerate(block.group(1).split("\n")):
            if not joined:
                start = first + i
            if line.rstrip().endswith("\\"):
                joined += line.rstrip()[:-1] + " "
                continue
            joined += line
            if joined.strip():
                shown.append(Shown(page, start, " ".join(joined.split())))
            joined = ""
    return shown


def harness_commands(page: Path) -> list[tuple[Shown, list[str]]]:
    """Every `harness ...` command shown: in a code span, or a line of a code block. An
    error message quoted from the program (`harness: ...`, `harness run: ...`) is not one."""
    found = []
    for shown in code_spans(page) + code_block_lines(page):
        text = shown.text.removeprefix("$ ")
        for prefix in (".venv/bin/", "dist/harness/", "./"):
            text = text.removeprefix(prefix)
        if not re.match(r"harness(\s|$)", text):
            continue
        text = text.split(" #", 1)[0]  # a shell comment
        text = text.replace("\\|", "|").replace("[", " ").replace("]", " ")
        try:
            words = shlex.split(text)
        except ValueError:
            words = text.split()
        if len(words) > 1 and words[1].endswith(":"):
            continue
        found.append((shown, words))
    return found


def links(page: Path) -> list[tuple[Shown, str]]:
    text = page.read_text()
    prose = _without_fences(text)
    return [(Shown(page, _line_of(text, m.start()), m.group(0)), m.group(1))
            for m in _LINK.finditer(prose)]


def repository_paths(page: Path) -> list[tuple[Shown, str]]:
    """Code spans that are one repository path (`engine/runtime/task_proxy.py`,
    `tests/histories/`), placeholders and globs left out."""
    found = []
    for shown in code_spans(page):
        path = shown.text
        if " " in path or not path.startswith(tuple(t + "/" for t in TOP_LEVEL)):
            continue
        if any(c in path for c in "*<>$…{}") or "..." in path:
            continue
        stems = [part.split(".")[0] for part in path.strip("/").split("/")]
        if any(s.isupper() and s not in NOT_PLACEHOLDERS for s in stems):
            continue
        found.append((shown, path))
    return found


def anchors(page: Path) -> set[str]:
    """Heading anchors as GitHub makes them: lower case, punctuation dropped, spaces to
    hyphens, a repeated heading numbered."""
    seen: dict[str, int] = {}
    result = set()
    for match in _HEADING.finditer(_without_fences(page.read_text())):
        slug = re.sub(r"[^\w\- ]", "", match.group(2).strip().lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        result.add(slug if n == 0 else f"{slug}-{n}")
    return result
