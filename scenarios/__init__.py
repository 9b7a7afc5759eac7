"""The bundled scenarios. This folder is shipped inside the ``sahel-sim`` package as
``sim.bundled.scenarios`` (see ``pyproject.toml``); it holds YAML only, no code."""
