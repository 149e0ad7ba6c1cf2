"""--write-profile: a 'sandbox' AK profile in the aliyun CLI configuration, other profiles untouched."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from essctl.cloud.settings import aliyun_config_path
from essctl.errors import UsageError
from essctl.sandbox.signature import AccessKey

PROFILE = "sandbox"


def write_sandbox_profile(key: AccessKey, region: str, path: Path | None = None) -> Path:
    path = path or aliyun_config_path()
    try:
        config = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except ValueError as exc:
        raise UsageError(f"{path}: not valid JSON ({exc}); not changed") from exc
    except OSError as exc:
        raise UsageError(f"--write-profile: cannot read {path}: {exc.strerror or exc}; not changed") from exc
    if not isinstance(config, dict):
        raise UsageError(f"{path}: not an aliyun CLI configuration; not changed")
    profiles = [p for p in config.get("profiles") or [] if p.get("name") != PROFILE]
    profiles.append({"name": PROFILE, "mode": "AK", "access_key_id": key.key_id, "access_key_secret": key.secret,
                     "region_id": region, "output_format": "json", "language": "en"})
    config["profiles"] = profiles
    config.setdefault("current", "default" if len(profiles) > 1 else PROFILE)
    if path.parent.exists() and not path.parent.is_dir():
        raise UsageError(f"--write-profile: cannot write {path}: {path.parent} is not a folder; not changed")
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".config.", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(config, out, indent=2)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except OSError as exc:     # a read-only home, ~/.aliyun a file, a full disk
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)
        raise UsageError(f"--write-profile: cannot write {path}: {exc.strerror or exc}; not changed") from exc
    return path
