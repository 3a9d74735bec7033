"""The command line's start: its libraries import without the garbage collector's walks, and collection
is back on before the analysis, so that a long run still frees what it no longer uses."""

import json
import subprocess
import sys

from core.cli import EXIT_BAD_INPUT

WATCH_THE_COLLECTOR = """
import gc, json, sys

collector_on_at_import = {}


class WatchImports:
    def find_spec(self, name, path=None, target=None):
        if name in ("pandas", "scipy", "sklearn"):
            collector_on_at_import.setdefault(name, gc.isenabled())
        return None


sys.meta_path.insert(0, WatchImports())
from core.startup import command_line

sys.argv = ["segment-studio-cli", "analyze", "no such file.csv"]
code = command_line()
print(json.dumps({"code": code, "at_import": collector_on_at_import, "after": gc.isenabled()}))
"""


def test_libraries_import_with_the_collector_paused_and_it_runs_again_afterwards(tmp_path):
    completed = subprocess.run([sys.executable, "-c", WATCH_THE_COLLECTOR], capture_output=True, text=True,
                               cwd=tmp_path, check=True)
    outcome = json.loads(completed.stdout.splitlines()[-1])
    assert outcome == {
        "code": EXIT_BAD_INPUT,
        "at_import": {"pandas": False, "scipy": False, "sklearn": False},
        "after": True,
    }
    assert "no such file.csv" in completed.stderr
