"""sandbox/build_image.py reads the Debian mirror from apt's own configuration."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
spec = importlib.util.spec_from_file_location("build_image", ROOT / "sandbox" / "build_image.py")
build_image = importlib.util.module_from_spec(spec)
sys.modules["build_image"] = build_image  # dataclasses look their module up there
spec.loader.exec_module(build_image)


def _etc(tmp_path: Path, sources: dict[str, str]) -> Path:
    (tmp_path / "sources.list.d").mkdir()
    for name, text in sources.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_deb822_source_with_its_keyring(tmp_path):
    etc = _etc(tmp_path, {"sources.list.d/debian.sources": (
        "Types: deb\nURIs: http://mirror.example/debian-security\n"
        "Suites: bookworm-security\nComponents: main\n\n"
        "Types: deb deb-src\n# a comment\nURIs: http://mirror.example/debian\n"
        "Suites: bookworm bookworm-updates\nComponents: main contrib\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n")})
    assert build_image.apt_source("bookworm", etc) == build_image.AptSource(
        "http://mirror.example/debian", "bookworm",
        "/usr/share/keyrings/debian-archive-keyring.gpg")


def test_one_line_source_with_options(tmp_path):
    etc = _etc(tmp_path, {"sources.list": (
        "# deb http://commented.example/debian bookworm main\n"
        "deb [arch=amd64 signed-by=/k.gpg] http://one.example/debian bookworm main\n")})
    assert build_image.apt_source("bookworm", etc) == build_image.AptSource(
        "http://one.example/debian", "bookworm", "/k.gpg")


def test_no_matching_source_is_a_clear_error(tmp_path):
    etc = _etc(tmp_path, {"sources.list": "deb http://x.example/debian trixie main\n"})
    with pytest.raises(build_image.BuildError, match="no apt source for bookworm main"):
        build_image.apt_source("bookworm", etc)


def test_this_machine_has_a_source_for_its_own_release():
    source = build_image.apt_source(build_image.codename())
    assert source.uri.startswith(("http://", "https://", "file:/"))


def test_the_tag_carries_the_project_version():
    assert build_image.default_tag() == "durable-agent-sandbox:" + build_image.project_version()
    assert build_image.project_version() != ""
