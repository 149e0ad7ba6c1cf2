"""The only package that touches the Alibaba Cloud SDKs: clients, credentials, retries, errors, tapes, and the typed
gateways (ess.py, oos.py, ram.py, reached through gateway.Cloud) that turn the SDK's models into the small objects
of cloud/resources/.

Nothing here imports an `alibabacloud_*` module at import time; SDK modules load when a client is built.
"""
from essctl.cloud.lazy import install as _install_stand_ins

# Before any SDK module loads (they load only through this package): see lazy.py.
_install_stand_ins()
