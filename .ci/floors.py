"""Print the runtime dependencies of pyproject.toml pinned to their floors (`>=X` becomes `==X`).

CI installs these into a second venv and runs a smoke set, so the floors we publish stay true.
"""

import re
import sys
import tomllib

with open(sys.argv[1] if len(sys.argv) > 1 else "pyproject.toml", "rb") as f:
    dependencies = tomllib.load(f)["project"]["dependencies"]
for dependency in dependencies:
    floor = re.match(r"^([A-Za-z0-9_.\-\[\]]+)\s*>=\s*([^,;\s]+)", dependency)
    print(f"{floor.group(1)}=={floor.group(2)}" if floor else dependency)
