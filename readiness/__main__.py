"""``python -m readiness``: the same as the ``readiness`` command."""

from .cli import main

if __name__ == "__main__":  # pragma: no branch
    main()
