"""``python -m fedcheck``: the same command line as the ``fedcheck`` script."""

from ._entry import main

if __name__ == "__main__":
    raise SystemExit(main())
