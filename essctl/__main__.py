"""`python -m essctl`."""
from essctl.cli.app import main

main()
