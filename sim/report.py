"""Figures and a short report from a results folder (``sahel plot``, ``sahel report``).

Reads what ``sahel run`` and ``sahel compare`` write, draws the figures of
:mod:`sim.plots`, rebuilds the network at a chosen month by replaying one replicate (the
folders store tables, not the network; runs are bit-reproducible from the manifest's
scenario, parameters and seed), and writes ``figures/`` and ``report.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from sim.model import SahelModel


def network_frames(model: SahelModel) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The live model's network as ``(nodes, edges)`` for :func:`sim.plots.network_map`.

    Nodes carry the network's columns (``id``, ``kind``, ``name``, ``lat``, ``lon``; see
    :meth:`sim.network.SahelNetwork.to_frames`) plus, for countries, ``stability``,
    ``control``, ``legitimacy`` (0-1), ``regime``, ``fatalities`` (deaths this month) and
    ``insurgent_strength`` (fighters); for powers ``troops`` (deployed in the region); for
    groups ``fighters`` (in the region); for blocs ``members`` (count, 0 while inactive).
    """
    values: dict[str, dict[str, Any]] = {}
    for c in model.countries_in_order:
        values[c.iso3] = {
            "stability": float(c.stability),
            "control": float(c.control),
            "legitimacy": float(c.legitimacy),
            "regime": str(c.regime),
            "fatalities": float(c.fatalities),
            "insurgent_strength": float(c.fighters),
        }
    for power in model.powers_in_order:
        troops = sum(float(e.get("troops", 0.0)) for e in power.partnerships.values())
        values[power.power_id] = {"troops": troops}
    for group in model.groups_in_order:
        fighters = sum(float(e["fighters"]) for e in group.presence.values())
        values[group.group_id] = {"fighters": fighters}
    for bloc_id, bloc in model.blocs.items():
        values[bloc_id] = {"members": float(bloc.size)}
    return model.network.to_frames(values)
