"""`python -m yutang` is the `yutang` command."""

from yutang.cli import main

main()
