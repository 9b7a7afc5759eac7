"""Install Solara's front-end assets for an offline dashboard (run by scripts/setup.sh).

The logic lives in :mod:`sim.views.assets` (also ``sahel viz --install-assets``); this module
keeps the ``python -m sim.bundled.solara_assets [--check] [--list] [--all] [--quiet]`` entry
point that setup.sh and the install test use.
"""

from __future__ import annotations

import sys

from sim.views.assets import main

if __name__ == "__main__":
    sys.exit(main())
