"""Fail when a library or executable in the bundle needs a shared library that is neither in the bundle nor
installed on this system: the sign of a pruning rule that removed something still in use.

Usage: check_bundle_libraries.py BUNDLE_DIR  (Linux; reads DT_NEEDED entries with readelf)
"""

import subprocess
import sys
from pathlib import Path

ELF_MAGIC = b"\x7fELF"


def elf_files(bundle: Path) -> list[Path]:
    files = []
    for path in bundle.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as file:
                if file.read(4) == ELF_MAGIC:
                    files.append(path)
    return files


def needed_libraries(path: Path) -> list[str]:
    dynamic = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split("[", 1)[1].rstrip("]") for line in dynamic.splitlines() if "(NEEDED)" in line]


def system_libraries() -> set[str]:
    cache = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=True).stdout
    return {line.split()[0] for line in cache.splitlines()[1:] if line.strip()}


def main(bundle: Path) -> int:
    files = elf_files(bundle)
    available = {path.name for path in bundle.rglob("*")} | system_libraries()
    problems = [
        f"{path.relative_to(bundle)} needs {name}"
        for path in files
        for name in needed_libraries(path)
        if name not in available
    ]
    for problem in problems:
        print(f"error: {problem}, which is neither in the bundle nor on this system", file=sys.stderr)
    print(f"Checked the shared-library dependencies of {len(files)} files: {len(problems)} missing")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
