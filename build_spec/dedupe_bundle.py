"""Replace identical copies of a library in the bundle by relative symbolic links (Linux and macOS).

numpy's and scipy's wheels each vendor the same gfortran and quadmath runtime (same file, two folders);
the bundle needs one. Run by package.sh after PyInstaller. Usage: dedupe_bundle.py BUNDLE_DIR
"""

import hashlib
import os
import sys
from pathlib import Path


def dedupe(bundle: Path) -> int:
    """Link each duplicate to the first copy (in sorted path order); return the bytes saved."""
    first_by_digest: dict[tuple[int, str], Path] = {}
    saved = 0
    for path in sorted(bundle.rglob("*.so*")):
        if path.is_symlink() or not path.is_file():
            continue
        key = (path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest())
        original = first_by_digest.setdefault(key, path)
        if original != path:
            saved += key[0]
            path.unlink()
            path.symlink_to(os.path.relpath(original, path.parent))
    return saved


if __name__ == "__main__":
    print(f"Linked duplicate libraries: {dedupe(Path(sys.argv[1])) / 1e6:.1f} MB saved")
