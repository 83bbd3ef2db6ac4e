"""The Python a bundle carries for its bubblewrap sandboxes: the interpreter that builds
the bundle, its standard library and numpy, laid out as a relocatable prefix.

    sandbox-python/bin/python3
    sandbox-python/lib/libpython3.X.so.1.0             (when the interpreter is shared)
    sandbox-python/lib/python3.X/...                   (stdlib, lib-dynload)
    sandbox-python/lib/python3.X/site-packages/numpy   (and numpy.libs)

engine/sandbox/bwrap_python.py binds it read-only at /opt/python. Python finds its
standard library from where its binary is (the `lib/python3.X/os.py` landmark), so the
prefix works wherever it is mounted. Only what the runner needs (sandbox/runner imports
the standard library and numpy): no pip, no tests, no Tk, no pandas.

    python packaging/sandbox_python.py DEST    # lay it out in DEST (tests, a trial)
"""

from __future__ import annotations

import compileall
import py_compile
import shutil
import sys
import sysconfig
from pathlib import Path

CARRIED_DIR_NAME = "sandbox-python"  # engine/sandbox/bwrap_python.py looks for this name
PACKAGES = ("numpy", "numpy.libs")
# Standard-library parts the runner never imports (and that weigh): left out.
STDLIB_SKIP = {"site-packages", "dist-packages", "test", "idlelib", "tkinter", "turtledemo",
               "ensurepip", "lib2to3", "__phello__", "pydoc_data"}
FILE_SKIP_SUFFIXES = (".opt-1.pyc", ".opt-2.pyc", ".exe")


def _base_interpreter() -> Path:
    """The real binary of the Python that runs this (a venv's python is a link to it)."""
    return Path(getattr(sys, "_base_executable", sys.executable)).resolve()


def _stdlib() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def _libpython() -> Path | None:
    if not sysconfig.get_config_var("Py_ENABLE_SHARED"):
        return None  # libpython is linked into the binary
    name = sysconfig.get_config_var("INSTSONAME") or sysconfig.get_config_var("LDLIBRARY")
    path = Path(sysconfig.get_config_var("LIBDIR")) / name
    return path if path.is_file() else None


def _package_dirs() -> list[Path]:
    import numpy  # the build's own numpy: the version the bundle pins

    site = Path(numpy.__file__).resolve().parents[1]
    return [site / name for name in PACKAGES if (site / name).is_dir()]


def _walk(source: Path, dest: Path, skip_top: set[str] = frozenset()) -> list[tuple[str, str]]:
    pairs = []
    for file in sorted(source.rglob("*")):
        rel = file.relative_to(source)
        if rel.parts[0] in skip_top or "tests" in rel.parts[:-1] or not file.is_file():
            continue
        if file.name.endswith(FILE_SKIP_SUFFIXES) or file.is_symlink():
            continue
        pairs.append((str(file), str(dest / rel.parent)))
    return pairs


def files(prefix: str = CARRIED_DIR_NAME) -> list[tuple[str, str]]:
    """(source file, destination folder) pairs, as PyInstaller's `datas` takes them."""
    root = Path(prefix)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    pairs = [(str(_base_interpreter()), str(root / "bin"))]
    libpython = _libpython()
    if libpython is not None:
        pairs.append((str(libpython), str(root / "lib")))
    pairs += _walk(_stdlib(), root / "lib" / version, STDLIB_SKIP)
    for package in _package_dirs():
        pairs += _walk(package, root / "lib" / version / "site-packages" / package.name)
    return pairs


def assemble(dest: Path) -> Path:
    """Copy the carried Python into `dest` (modes kept); bin/python3 is its program."""
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)  # a rebuild never keeps a stale file
    for source, folder in files(prefix=str(dest)):
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, folder)
    interpreter = dest / "bin" / _base_interpreter().name
    if interpreter.name != "python3":
        interpreter.rename(dest / "bin" / "python3")
    compile_unchecked(dest / "lib")
    return dest / "bin" / "python3"


def compile_unchecked(lib: Path) -> None:
    """Bytecode that holds whatever the files' times. A .pyc records its source's mtime,
    and PyInstaller copies `datas` without keeping mtimes: every one the bundle shipped was
    stale, and the sandbox (read-only, so nothing is written back) compiled the standard
    library and numpy again on every run: `import numpy` took 0.29 s against 0.07 s, and
    the bundled window's first discovery 7.5 s against 3.9 s. Unchecked-hash .pyc files are used
    as they are; the carried tree is only ever rebuilt whole (above), never edited."""
    if not compileall.compile_dir(
        lib, quiet=2, force=True, workers=0,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    ):
        raise RuntimeError(f"the carried Python's library did not compile: {lib}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python packaging/sandbox_python.py DEST")
    print(assemble(Path(sys.argv[1])))
