"""``python -m fedcheck``: the same command line as the ``fedcheck`` script."""

from .cli import run

if __name__ == "__main__":
    run()
