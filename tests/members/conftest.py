"""The CLI fixture of tests/test_cli.py, shared with the member CLI tests."""

from tests.test_cli import cli_env  # noqa: F401
