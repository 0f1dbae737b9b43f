"""Settings for the Stop hook's nudge, rendered where a POSIX shell can read them without YAML.

``hooks/stop`` sources ``.nevo/hooks/stop.conf`` (two shell assignments). `nevo init` and every
nightly run render it from memory.nudge in the config, so a config change reaches the hook by the
next night at the latest (or at once with `nevo memory nudge-config`, which init calls).
"""

from __future__ import annotations

from nevo.config import Config
from nevo.fsutil import atomic_write_text
from nevo.workspace import Workspace


def stop_conf_text(config: Config) -> str:
    enabled = 1 if config.get("memory.nudge.enabled") else 0
    min_calls = max(1, int(config.get("memory.nudge.min_tool_calls")))
    return (
        "# rendered by nevo from memory.nudge in .nevo/config.yaml; edits are overwritten\n"
        f"nudge_enabled={enabled}\n"
        f"nudge_min_tool_calls={min_calls}\n"
    )


def render_stop_conf(workspace: Workspace, config: Config) -> bool:
    """Write ``.nevo/hooks/stop.conf``; True when it changed."""
    path = workspace.hooks_dir / "stop.conf"
    text = stop_conf_text(config)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    atomic_write_text(path, text)
    return True
