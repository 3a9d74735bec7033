"""Replace Qt's 32 MB ICU data library with one holding only the data Qt uses in this app (about 1.2 MB).

Qt links ICU for collation (QCollator: the file dialog's sorting) and legacy text codecs; its own code does
locale formatting, casing, normalisation and text breaking. The app reads files through pandas, not Qt's
codecs. So the trimmed data keeps the root locale, the resource pool, the converter alias table and the
root collation (the Unicode collation algorithm's table): collation works for every language with the
default order, and QStringDecoder loses only legacy code pages.

Linux only; needs icupkg (Debian/Ubuntu package icu-devtools) and a C compiler. When they are missing the
spec keeps the full library and says so. The trimmed library is checked before use: ICU must open a
collator from it and sort "apple" before "Banana".
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

KEPT_ITEMS = (
    "root.res",
    "res_index.res",
    "pool.res",
    "cnvalias.icu",
    "coll/root.res",
    "coll/res_index.res",
    "coll/ucadata.icu",
)

_CHECK = """
import ctypes, sys
folder, version = sys.argv[1], sys.argv[2]
ctypes.CDLL(f"{folder}/libicudata.so.{version}", mode=ctypes.RTLD_GLOBAL)
ctypes.CDLL(f"{folder}/libicuuc.so.{version}", mode=ctypes.RTLD_GLOBAL)
i18n = ctypes.CDLL(f"{folder}/libicui18n.so.{version}")
status = ctypes.c_int(0)
open_collator = getattr(i18n, f"ucol_open_{version}")
open_collator.restype = ctypes.c_void_p
collator = open_collator(b"de_DE", ctypes.byref(status))
assert collator and status.value <= 0, f"ucol_open failed with status {status.value}"
compare = getattr(i18n, f"ucol_strcoll_{version}")
compare.argtypes = [ctypes.c_void_p, ctypes.c_wchar_p, ctypes.c_int, ctypes.c_wchar_p, ctypes.c_int]
"""


def _symbol_bytes(library: Path, symbol: str) -> bytes:
    """The bytes of a data symbol of an ELF shared library (found with nm and readelf)."""
    symbols = subprocess.run(
        ["nm", "-D", "-S", str(library)], capture_output=True, text=True, check=True
    ).stdout
    address, size = next(
        (int(fields[0], 16), int(fields[1], 16))
        for fields in (line.split() for line in symbols.splitlines())
        if len(fields) == 4 and fields[3] == symbol
    )
    sections = subprocess.run(
        ["readelf", "-S", "-W", str(library)], capture_output=True, text=True, check=True
    )
    for line in sections.stdout.splitlines():
        match = re.search(r"\]\s+\S+\s+PROGBITS\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)", line)
        if match:
            start, offset, length = (int(group, 16) for group in match.groups())
            if start <= address < start + length:
                with library.open("rb") as file:
                    file.seek(address - start + offset)
                    return file.read(size)
    raise ValueError(f"{symbol} is in no PROGBITS section of {library}")


def trimmed_icu_data_library(original: Path, work: Path) -> Path | None:
    """Build the trimmed libicudata next to `work`; None (with a message) when the tools are missing."""
    missing = [tool for tool in ("icupkg", "cc", "nm", "readelf") if shutil.which(tool) is None]
    if missing:
        print(f"note: keeping the full ICU data ({', '.join(missing)} not found; install icu-devtools)")
        return None
    version = original.name.rsplit(".", 1)[1]  # libicudata.so.73 -> 73
    package = f"icudt{version}l"  # ICU's name for the little-endian data package
    work.mkdir(parents=True, exist_ok=True)
    full = work / "full" / f"{package}.dat"
    full.parent.mkdir(exist_ok=True)
    full.write_bytes(_symbol_bytes(original, f"icudt{version}_dat"))
    items, trimmed = work / "items", work / "trimmed" / f"{package}.dat"
    items.mkdir(exist_ok=True)
    trimmed.parent.mkdir(exist_ok=True)
    keep_list = work / "keep.txt"
    keep_list.write_text("\n".join(KEPT_ITEMS) + "\n", encoding="ascii")
    subprocess.run(["icupkg", "-d", str(items), "-x", str(keep_list), str(full)], check=True)
    trimmed.unlink(missing_ok=True)
    subprocess.run(["icupkg", "-tl", "-s", str(items), "-a", str(keep_list), "new", str(trimmed)], check=True)
    assembly = work / "icudata.S"
    assembly.write_text(
        "\n".join(
            [
                ".section .rodata",
                f".globl icudt{version}_dat",
                f".type icudt{version}_dat, @object",
                ".balign 16",
                f"icudt{version}_dat:",
                f'.incbin "{trimmed}"',
                f".size icudt{version}_dat, .-icudt{version}_dat",
                '.section .note.GNU-stack,"",@progbits',
                "",
            ]
        ),
        encoding="ascii",
    )
    library = work / "lib" / original.name
    library.parent.mkdir(exist_ok=True)
    subprocess.run(
        ["cc", "-shared", "-nostdlib", f"-Wl,-soname,{original.name}", "-o", str(library), str(assembly)],
        check=True,
    )
    for sibling in ("libicuuc", "libicui18n"):
        shutil.copy2(original.with_name(f"{sibling}.so.{version}"), library.parent)
    check = _CHECK + 'assert compare(collator, "apple", -1, "Banana", -1) == -1, "wrong collation order"\n'
    subprocess.run([sys.executable, "-c", check, str(library.parent), version], check=True)
    return library
