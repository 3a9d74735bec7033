"""The command line's entry point: `segment-studio-cli`, the installed script and the frozen launcher.

It imports the libraries every command uses with Python's garbage collector paused. While pandas,
SciPy and scikit-learn import, the collector runs about 340 times and walks the objects they make (70 ms
of a command's one second on the development machine, the notebook script's import paying the same);
none of them is garbage. Afterwards they are moved out of the collector's sight (`gc.freeze`), so that
the collections during the analysis walk only the analysis's own objects, and collection resumes.
"""

import gc


def command_line() -> int:
    gc.disable()
    try:
        from core import cli, pipeline  # noqa: F401 (pandas, SciPy and scikit-learn, for every command)
    finally:
        gc.freeze()
        gc.enable()
    return cli.run()
