"""Every relative link in the project's Markdown points at a file that exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
SKIP = {".git", ".build", "node_modules", ".pytest_cache"}


def markdown_files() -> list[Path]:
    return [p for p in ROOT.rglob("*.md") if not SKIP & set(p.relative_to(ROOT).parts)]


def broken_links(files: list[Path]) -> list[str]:
    broken = []
    for path in files:
        for target in LINK.findall(path.read_text(encoding="utf-8")):
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue  # a URL or an anchor in the same file
            if not (path.parent / target.split("#", 1)[0]).exists():
                broken.append(f"{path} -> {target}")
    return broken


def test_every_relative_markdown_link_resolves() -> None:
    assert broken_links(markdown_files()) == []


def test_a_broken_link_is_reported(tmp_path: Path) -> None:
    page = tmp_path / "a.md"
    page.write_text("[there](missing.md) and [web](https://example.com) and [same](#x)")
    assert len(broken_links([page])) == 1


def test_code_and_docs_cite_no_tracker_numbers() -> None:
    pattern = re.compile(r"\bissue #?\d+", re.IGNORECASE)
    found = []
    for suffix in ("*.py", "*.md", "*.js", "*.html"):
        for path in ROOT.rglob(suffix):
            parts = set(path.relative_to(ROOT).parts)
            if SKIP & parts or path.name == "CHANGELOG.md" or path == Path(__file__):
                continue
            found += [f"{path.relative_to(ROOT)}: {m}" for m in pattern.findall(path.read_text())]
    assert found == []
