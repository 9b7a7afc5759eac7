"""Install Solara's front-end assets for an offline dashboard (used by scripts/setup.sh).

The logic lives in the package (:mod:`sim.views.assets`), so that an installed ``sahel``
has it too (``sahel viz --install-assets``); this script only runs it::

    .venv/bin/python scripts/solara_assets.py [--check] [--list] [--all] [--quiet]
"""

from __future__ import annotations

import sys

from sim.views.assets import main

if __name__ == "__main__":
    sys.exit(main())
