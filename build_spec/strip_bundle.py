"""Strip symbols from the bundle's shared libraries, keeping only copies the dynamic loader can still map.

A blind strip breaks libraries that auditwheel edited with patchelf (numpy's and scipy's OpenBLAS, their
gfortran): strip rewrites the file so a LOAD segment's file offset and address no longer agree modulo the
page size, and loading fails with "ELF load command address/offset not page-aligned". So each library is
stripped into a copy, the copy's LOAD segments are checked, and the original is kept when they are wrong.
Executables are not touched: PyInstaller appends the Python archive to them. Linux only.

Usage: strip_bundle.py BUNDLE_DIR
"""

import shutil
import struct
import subprocess
import sys
from pathlib import Path

PT_LOAD = 1


def misaligned_segments(path: Path) -> list[tuple[int, int, int]]:
    """(offset, address, alignment) of the LOAD segments whose offset and address disagree (64-bit ELF)."""
    with path.open("rb") as file:
        header = file.read(64)
        program_header_offset = struct.unpack_from("<Q", header, 0x20)[0]
        entry_size, count = struct.unpack_from("<HH", header, 0x36)
        file.seek(program_header_offset)
        table = file.read(entry_size * count)
    wrong = []
    for index in range(count):
        kind, _flags, offset, address, _physical, _file_size, _memory_size, alignment = struct.unpack_from(
            "<IIQQQQQQ", table, index * entry_size
        )
        if kind == PT_LOAD and alignment > 1 and offset % alignment != address % alignment:
            wrong.append((offset, address, alignment))
    return wrong


def is_elf64(path: Path) -> bool:
    with path.open("rb") as file:
        start = file.read(5)
    return start[:4] == b"\x7fELF" and start[4:5] == b"\x02"


def strip_bundle(bundle: Path) -> tuple[int, list[Path]]:
    """Strip every shared library that stays loadable; return the bytes saved and the libraries kept whole."""
    saved, kept = 0, []
    for path in sorted(bundle.rglob("*.so*")):
        if path.is_symlink() or not path.is_file() or not is_elf64(path):
            continue
        stripped = path.with_name(path.name + ".stripped")
        result = subprocess.run(
            ["strip", "--strip-unneeded", "-o", str(stripped), str(path)], capture_output=True
        )
        if result.returncode != 0 or misaligned_segments(stripped):
            stripped.unlink(missing_ok=True)
            kept.append(path)
            continue
        saved += path.stat().st_size - stripped.stat().st_size
        shutil.copymode(path, stripped)
        stripped.replace(path)
    return saved, kept


if __name__ == "__main__":
    bundle = Path(sys.argv[1])
    saved, kept = strip_bundle(bundle)
    print(
        f"Stripped the shared libraries: {saved / 1e6:.1f} MB saved; kept whole (strip would misalign them):"
    )
    for path in kept:
        print(f"  {path.relative_to(bundle)}")
