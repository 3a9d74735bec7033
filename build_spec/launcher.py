"""Frozen entry point of both executables, chosen by the name the program was started under.

`segment-studio-cli` runs the command line (`core.startup:command_line`); any other name runs the desktop app
(`desktop_app.app:main`), the same functions the installed scripts call. On Linux the bundle has one
executable and `segment-studio-cli` is a symbolic link to it, so the 17 MB archive of Python modules
ships once; Windows and macOS get two executables (console and windowed) from this same script.
"""

import sys
from pathlib import Path

if Path(sys.argv[0]).stem == "segment-studio-cli":
    from core.startup import command_line as main
else:
    from desktop_app.app import main

sys.exit(main())
