"""How every figure looks: the one palette, the names shown, metric labels, the backend rule.

- **Palette.** Each external power, each country and each bloc keeps one colour in every
  figure and in the dashboard (:data:`POWER_COLOURS`, :data:`COUNTRY_COLOURS`,
  :data:`BLOC_COLOURS`). Powers take Okabe and Ito's colour-blind-safe colours (Western
  powers in blues and green, Russia in vermillion); the ten countries take Tableau's ten
  (Okabe-Ito has eight); blocs take three dark colours of Paul Tol's, drawn as outlines.
  Other ids get the next free colour of the same family (:func:`power_colour` and so on).
- **Names.** Legends say "Russia", not ``RUS`` (:data:`POWER_NAMES`, :data:`COUNTRY_NAMES`,
  :data:`BLOC_NAMES`); unknown codes are shown as they are.
- **Labels.** Titles, axis labels and legends come from the metric table
  (:data:`sim.world.metrics.METRICS`) through :func:`metric_info`, never from a column name.
- **Backend.** :func:`pyplot` is the one place a figure module gets ``matplotlib.pyplot``:
  figures are drawn with the non-interactive Agg backend when there is no display, unless
  the user (``MPLBACKEND``, an earlier ``import matplotlib.pyplot``) or Jupyter chose one
  (:func:`backend_rule`). The dashboard draws on :class:`matplotlib.figure.Figure` objects
  directly and needs no backend.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.world.metrics import Metric

OKABE_ITO: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#F0E442",
    "#000000",
)
"""Okabe and Ito's colour-blind-safe palette: blue, vermillion, bluish green, reddish purple,
orange, sky blue, yellow, black. Lines that are not a power or a country take these."""

POWER_COLOURS: dict[str, str] = {
    "USA": "#0072B2",  # blue
    "FRA": "#56B4E9",  # sky blue
    "EU": "#009E73",  # bluish green
    "RUS": "#D55E00",  # vermillion
    "CHN": "#E69F00",  # orange
    "TUR": "#CC79A7",  # reddish purple
}
"""One Okabe-Ito colour per external power of the bundled scenarios."""

_MORE_POWER_COLOURS = ("#F0E442", "#000000", "#999999")

COUNTRY_COLOURS: dict[str, str] = {
    "NER": "#4E79A7",  # blue
    "MLI": "#F28E2B",  # orange
    "BFA": "#E15759",  # red
    "TCD": "#76B7B2",  # teal
    "NGA": "#59A14F",  # green
    "BEN": "#EDC948",  # yellow
    "TGO": "#B07AA1",  # purple
    "GHA": "#FF9DA7",  # pink
    "CIV": "#9C755F",  # brown
    "MRT": "#7F7F7F",  # grey
}
"""One Tableau-10 colour per country of the bundled scenarios (lines per country)."""

_MORE_COUNTRY_COLOURS = ("#1F77B4", "#8C564B", "#17BECF", "#BCBD22", "#2CA02C")

BLOC_COLOURS: dict[str, str] = {
    "ECOWAS": "#332288",  # indigo
    "AES": "#882255",  # wine
    "G5S": "#117733",  # green
}
"""One dark colour (Paul Tol's) per bloc; blocs are drawn as outlines of their members."""

_MORE_BLOC_COLOURS = ("#44AA99", "#999933", "#AA4499", "#DDCC77")

POWER_NAMES: dict[str, str] = {
    "USA": "United States",
    "FRA": "France",
    "EU": "European Union",
    "RUS": "Russia",
    "CHN": "China",
    "TUR": "Turkey",
}
"""Short names of the powers for legends (the scenarios' own names can be long)."""

COUNTRY_NAMES: dict[str, str] = {
    "BEN": "Benin",
    "BFA": "Burkina Faso",
    "CIV": "Côte d'Ivoire",
    "GHA": "Ghana",
    "MLI": "Mali",
    "MRT": "Mauritania",
    "NER": "Niger",
    "NGA": "Nigeria",
    "TCD": "Chad",
    "TGO": "Togo",
}
"""Full names of the bundled scenarios' countries (as in ``data/countries.csv``)."""

BLOC_NAMES: dict[str, str] = {
    "ECOWAS": "ECOWAS",
    "AES": "Alliance of Sahel States (AES)",
    "G5S": "G5 Sahel",
}
"""Names of the blocs for legends."""


def _pick(table: Mapping[str, str], more: Sequence[str], ident: str, k: int) -> str:
    if ident in table:
        return table[ident]
    return more[k % len(more)]


def power_colour(power: str, k: int = 0) -> str:
    """The colour of ``power``; an unknown power takes the ``k``-th spare colour."""
    return _pick(POWER_COLOURS, _MORE_POWER_COLOURS, power, k)


def country_colour(iso: str, k: int = 0) -> str:
    """The colour of country ``iso``; an unknown one takes the ``k``-th spare colour."""
    return _pick(COUNTRY_COLOURS, _MORE_COUNTRY_COLOURS, iso, k)


def bloc_colour(bloc: str, k: int = 0) -> str:
    """The colour of ``bloc``; an unknown one takes the ``k``-th spare colour."""
    return _pick(BLOC_COLOURS, _MORE_BLOC_COLOURS, bloc, k)


def country_name(iso: str) -> str:
    """Full name of a country code where known (``NER`` -> "Niger")."""
    return COUNTRY_NAMES.get(iso, iso)


def power_name(power: str) -> str:
    """Name of a power where known (``RUS`` -> "Russia")."""
    return POWER_NAMES.get(power, power)


def bloc_name(bloc: str) -> str:
    """Name of a bloc where known (``AES`` -> "Alliance of Sahel States (AES)")."""
    return BLOC_NAMES.get(bloc, bloc)


def metric_info(name: str) -> Metric:
    """The metric table's record of column ``name``, powers and blocs named
    (``influence_RUS`` -> label "Influence of Russia"). A column the table does not know (a
    reporter a user added) gets a plain record: its name in words, no unit."""
    from sim.world.metrics import Metric, describe  # imports mesa: only when drawing

    try:
        return describe(name, {**POWER_NAMES, **BLOC_NAMES})
    except KeyError:
        return Metric(name, "", "", "", label=name.replace("_", " "))


# --- the backend rule ----------------------------------------------------------------------------


def backend_rule(
    environ: Mapping[str, str] | None = None,
    modules: Mapping[str, Any] | None = None,
    platform: str | None = None,
) -> str | None:
    """The backend to select before ``pyplot`` is imported: ``"Agg"`` when there is no
    display, ``None`` to leave the choice to matplotlib.

    ``None`` also when the user chose (``MPLBACKEND`` set, or ``matplotlib.pyplot`` already
    imported, so its backend is settled) or Jupyter runs (``ipykernel`` imported: its inline
    backend is kept). A display is ``DISPLAY`` or ``WAYLAND_DISPLAY`` on Linux and other
    X11 systems; macOS and Windows always have one.
    """
    environ = os.environ if environ is None else environ
    modules = sys.modules if modules is None else modules
    platform = sys.platform if platform is None else platform
    if environ.get("MPLBACKEND") or "matplotlib.pyplot" in modules or "ipykernel" in modules:
        return None
    if platform.startswith(("darwin", "win", "cygwin")):
        return None
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    return "Agg"


def pyplot() -> Any:
    """``matplotlib.pyplot``, its backend chosen by :func:`backend_rule`."""
    import matplotlib

    backend = backend_rule()
    if backend is not None:
        matplotlib.use(backend)
    import matplotlib.pyplot as plt

    return plt
