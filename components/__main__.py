"""`python -m components`: the same command line as `polyaxon-storage`."""

from .offline.cli import main

main()
