"""Bad options and environment variables."""
from tests.hostile.corpus import Case

CASES = [
    Case("output-format-unknown", ("--output", "xml", "group", "list"), "--output"),
    Case("endpoint-unknown-service", ("--endpoint", "rma=http://127.0.0.1:1", "group", "list"), "no service 'rma'"),
]
