"""The only package that touches the Alibaba Cloud SDKs: clients, credentials, retries, errors, tapes.

Nothing here imports an `alibabacloud_*` module at import time; SDK modules load when a client is built.
"""
