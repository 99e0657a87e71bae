"""`python -m w2sg` is the `w2sg` command."""

from w2sg.cli import main

main()
