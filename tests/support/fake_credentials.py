"""The AccessKey every test process runs with (set by tests/conftest.py) and the sandboxes accept: none of it
may ever appear in output, logs or tapes."""

FAKE_KEY_ID = "test-key-id-0001"
FAKE_KEY_SECRET = "test-key-secret-must-never-print"
FAKE_STS_TOKEN = "test-sts-token-must-never-print"
SECRETS = (FAKE_KEY_ID, FAKE_KEY_SECRET, FAKE_STS_TOKEN)
