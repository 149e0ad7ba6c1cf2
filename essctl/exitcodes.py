"""The process exit codes essctl promises to scripts (documented in README.md)."""
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    OPERATION_FAILED = 1   # the operation ran and failed (a scaling activity or execution failed)
    USAGE = 2              # bad usage, bad input or missing configuration: nothing was sent
    API_ERROR = 3          # a cloud API call returned an error
    TIMEOUT = 4            # timed out waiting
    INTERNAL = 70          # a bug in essctl (EX_SOFTWARE); rerun with --verbose for the traceback
    IO_ERROR = 74          # a file essctl writes (a --record tape) could not be written (EX_IOERR)
    INTERRUPTED = 130      # Ctrl-C
