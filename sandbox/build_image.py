#!/usr/bin/env python3
"""Build the sandbox image durable-agent-sandbox:<version>, or reuse it when present.

First `docker build` from sandbox/Dockerfile (needs the debian base image from a
registry). Where no registry is reachable, the same image from the same Debian packages:
`debootstrap --variant=minbase` with python3, python3-numpy, python3-pandas, then
`docker import`. The Debian mirror and its keyring come from this machine's own apt
configuration (/etc/apt/sources.list and sources.list.d, one-line or deb822), never a
host written here. Standard library only: CI runs it before any venv exists.

    python3 sandbox/build_image.py [--force] [--tag TAG] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGES = ("python3", "python3-numpy", "python3-pandas")
# What the Dockerfile sets; `docker import --change` gives the imported image the same.
IMAGE_CONFIG = (
    "ENV LANG=C.UTF-8", "ENV PYTHONDONTWRITEBYTECODE=1", "ENV PYTHONUNBUFFERED=1",
    "ENV OPENBLAS_NUM_THREADS=1", "ENV OMP_NUM_THREADS=1", "ENV HOME=/tmp",
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "USER 65534:65534", "WORKDIR /tmp", 'CMD ["python3"]',
)


class BuildError(Exception):
    pass


@dataclass(frozen=True)
class AptSource:
    uri: str
    suite: str
    keyring: str | None


def project_version() -> str:
    text = (HERE.parent / "pyproject.toml").read_text()
    match = re.search(r'^version\s*=\s*"([^"]+)"', text, re.MULTILINE)
    if not match:
        raise BuildError("no version in pyproject.toml")
    return match.group(1)


def default_tag() -> str:
    return f"durable-agent-sandbox:{project_version()}"


def codename() -> str:
    for line in Path("/etc/os-release").read_text().splitlines():
        if line.startswith("VERSION_CODENAME="):
            return line.split("=", 1)[1].strip().strip('"')
    raise BuildError("/etc/os-release names no VERSION_CODENAME: not a Debian-like system")


def _deb822_entries(text: str) -> list[dict[str, str]]:
    entries, current, key = [], {}, None
    for line in text.splitlines() + [""]:
        if line.startswith("#"):
            continue
        if not line.strip():
            if current:
                entries.append(current)
            current, key = {}, None
        elif line[0] in " \t" and key:
            current[key] += " " + line.strip()
        elif ":" in line:
            key, value = line.split(":", 1)
            key = key.strip().lower()
            current[key] = value.strip()
    return entries


def _one_line_entries(text: str) -> list[dict[str, str]]:
    entries = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line.startswith("deb "):
            continue
        options = re.match(r"deb\s+\[([^\]]*)\]\s+(.*)", line)
        rest, opts = (options.group(2), options.group(1)) if options else (line[4:], "")
        parts = rest.split()
        if len(parts) < 2:
            continue
        entry = {"types": "deb", "uris": parts[0], "suites": parts[1],
                 "components": " ".join(parts[2:])}
        signed = re.search(r"signed-by=(\S+)", opts)
        if signed:
            entry["signed-by"] = signed.group(1)
        entries.append(entry)
    return entries


def apt_source(suite: str, etc: Path = Path("/etc/apt")) -> AptSource:
    """The machine's own mirror for `suite` (main component), from its apt configuration."""
    entries = []
    files = [etc / "sources.list"] + sorted((etc / "sources.list.d").glob("*"))
    for path in files:
        if not path.is_file():
            continue
        text = path.read_text()
        if path.suffix == ".sources":
            entries += _deb822_entries(text)
        elif path.suffix == ".list" or path.name == "sources.list":
            entries += _one_line_entries(text)
    for entry in entries:
        if "deb" not in entry.get("types", "").split() or entry.get("enabled") == "no":
            continue
        if suite in entry.get("suites", "").split() and \
                "main" in entry.get("components", "").split():
            keyring = entry.get("signed-by")
            return AptSource(uri=entry["uris"].split()[0], suite=suite,
                             keyring=keyring if keyring and keyring.startswith("/") else None)
    raise BuildError(f"no apt source for {suite} main in {etc}/sources.list(.d): cannot "
                     "debootstrap without a Debian mirror")


def docker(*args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(["docker", *args], capture_output=True, text=True, **kwargs)
    if check and done.returncode != 0:
        raise BuildError(f"docker {args[0]} failed: {done.stderr.strip()[-500:]}")
    return done


def image_exists(tag: str) -> bool:
    return docker("image", "inspect", tag, check=False).returncode == 0


def build_from_dockerfile(tag: str, base: str | None = None) -> str | None:
    """None when built; else why not (e.g. the base image cannot be pulled). `base`
    replaces the Dockerfile's FROM image (debian:bookworm-slim from a registry)."""
    extra = ["--build-arg", f"BASE={base}"] if base else []
    done = docker("build", "-t", tag, *extra, str(HERE), check=False, timeout=1800)
    if done.returncode == 0:
        return None
    return (done.stderr.strip().splitlines() or ["docker build failed"])[-1]


def build_from_debian(tag: str, packages: tuple[str, ...] = PACKAGES,
                      config: tuple[str, ...] = IMAGE_CONFIG) -> None:
    """The image from this machine's Debian mirror: `packages` on a minbase rootfs, with
    `config` (a bare base for the Dockerfile's test: no packages, no USER)."""
    if shutil.which("debootstrap") is None:
        raise BuildError("debootstrap is not installed (Debian: apt-get install debootstrap)")
    source = apt_source(codename())
    with tempfile.TemporaryDirectory(prefix="sandbox-rootfs-", dir="/var/tmp") as work:
        rootfs = Path(work) / "rootfs"
        try:
            _debootstrap_and_import(source, rootfs, tag, packages, config)
        finally:
            # debootstrap mounts /proc (and may bind /dev) in the rootfs; a failed run can
            # leave them mounted, and deleting the directory must never reach through them.
            _unmount_below(rootfs)


def _unmount_below(root: Path) -> None:
    prefix = str(root.resolve()) + "/"
    mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    for target in sorted((m for m in mounts if m.startswith(prefix)), reverse=True):
        subprocess.run(["umount", "-l", target], capture_output=True)


def _debootstrap_and_import(source: AptSource, rootfs: Path, tag: str,
                            packages: tuple[str, ...], config: tuple[str, ...]) -> None:
    command = ["debootstrap", "--variant=minbase"]
    if packages:
        command.append(f"--include={','.join(packages)}")
    if source.keyring:
        command.append(f"--keyring={source.keyring}")
    command += [source.suite, str(rootfs), source.uri]
    print(f"debootstrap {source.suite} from {source.uri} (this machine's apt source)",
          file=sys.stderr)
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise BuildError(f"debootstrap failed: {(done.stdout + done.stderr).strip()[-800:]}")
    for junk in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for item in (rootfs / junk).glob("*"):
            if item.is_file():
                item.unlink()
    # No home directories at all: the isolation probe proves none is visible inside.
    for home in ("root", "home"):
        shutil.rmtree(rootfs / home)
    changes = [arg for change in config for arg in ("--change", change)]
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "--numeric-owner", "-c", "."],
                           stdout=subprocess.PIPE)
    done = subprocess.run(["docker", "import", *changes, "-", tag], stdin=tar.stdout,
                          capture_output=True, text=True)
    tar.stdout.close()
    if tar.wait() != 0 or done.returncode != 0:
        raise BuildError(f"docker import failed: {done.stderr.strip()[-500:]}")


def ensure_image(tag: str, force: bool = False) -> dict:
    started = time.monotonic()
    if not force and image_exists(tag):
        return {"tag": tag, "how": "reused", "seconds": round(time.monotonic() - started, 2)}
    why = build_from_dockerfile(tag)
    how = "dockerfile"
    if why is not None:
        print(f"docker build from sandbox/Dockerfile failed ({why}); building the same image "
              "from Debian packages", file=sys.stderr)
        build_from_debian(tag)
        how = "debootstrap"
    # The image must run what the runner needs, or it is no sandbox image.
    docker("run", "--rm", "--network", "none", tag, "python3", "-c", "import numpy, pandas")
    return {"tag": tag, "how": how, "seconds": round(time.monotonic() - started, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tag", help="image tag (default: durable-agent-sandbox:<version>)")
    parser.add_argument("--force", action="store_true", help="rebuild even when present")
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    args = parser.parse_args(argv)
    try:
        outcome = ensure_image(args.tag or default_tag(), force=args.force)
    except (BuildError, OSError, subprocess.TimeoutExpired) as exc:
        print(f"build_image: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(outcome) if args.json else
          f"{outcome['tag']}: {outcome['how']} in {outcome['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
