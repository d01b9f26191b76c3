"""`python -m veille.cli …`, as the `veille` script."""

from veille.cli import main

main()
