"""The bundled reference data (see README.md here for sources and licences). This folder is
shipped inside the ``sahel-sim`` package as ``sim.bundled.data``; it holds data only."""
