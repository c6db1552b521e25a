"""The ``fedcheck`` console script and ``python -m fedcheck``.

``fedcheck --version`` is answered here, from the version module alone, so that it costs little
more than starting Python; every other command line is the command line's
(``fedcheck.cli.main``), which imports argparse and the library as a command needs them.
"""

import sys

from ._version import __version__


def main() -> int:
    if sys.argv[1:] == ["--version"]:
        # What argparse's version action prints for it (fedcheck.cli.build_parser), exit 0.
        sys.stdout.write(f"fedcheck {__version__}\n")
        return 0
    from .cli import main as cli_main

    return cli_main()
