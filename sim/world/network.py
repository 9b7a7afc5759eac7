"""The typed relation network of the model (DESIGN section 3).

A ``networkx.MultiDiGraph`` whose nodes are actor ids (``NER``, ``JNIM``, ``USA``, ``ECOWAS``)
with a ``kind`` attribute, and whose edges are keyed by their type, so that at most one edge of
each type joins two actors:

========================  ==================  ============================================
edge type (key)           direction           attributes
========================  ==================  ============================================
``border``                country <-> country (both directions stored)
``presence``              group -> country    ``fighters``, ``share`` (territory contested)
``partnership``           power -> country    ``troops``, ``aid_musd``, ``econ_musd``,
                                              ``isr``, ``base``, ``posture``, ``locked``,
                                              ``leaving``, ``target``
``membership``            country -> bloc     ``status`` (member, suspended, leaving),
                                              ``exit_month``
``rivalry``               group <-> group     (both directions stored)
========================  ==================  ============================================

The edge attribute dicts are the model's state: agents keep references to them and update
them in place, so the graph is always current and can be exported or drawn at any month.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from math import nan
from typing import TYPE_CHECKING, Any

import networkx as nx

if TYPE_CHECKING:
    import pandas as pd

EDGE_TYPES: tuple[str, ...] = ("border", "presence", "partnership", "membership", "rivalry")


class SahelNetwork:
    """The model's typed multigraph and the queries the agents need."""

    def __init__(self) -> None:
        self.G: nx.MultiDiGraph = nx.MultiDiGraph()
        self._neighbours: dict[str, list[str]] = {}

    # --- building ---------------------------------------------------------------------------
    def add_actor(self, actor_id: str, kind: str, **attrs: Any) -> None:
        """Add a node for a country, group, power or bloc."""
        self.G.add_node(actor_id, kind=kind, **attrs)

    def add_border(self, a: str, b: str) -> None:
        """Join two countries by a land border (stored in both directions)."""
        self.G.add_edge(a, b, key="border")
        self.G.add_edge(b, a, key="border")
        self._neighbours.setdefault(a, []).append(b)
        self._neighbours.setdefault(b, []).append(a)

    def add_rivalry(self, a: str, b: str) -> None:
        """Mark two insurgent groups as rivals (stored in both directions)."""
        self.G.add_edge(a, b, key="rivalry")
        self.G.add_edge(b, a, key="rivalry")

    def set_edge(self, u: str, v: str, kind: str, **attrs: Any) -> dict[str, Any]:
        """Add (or update) the ``kind`` edge from ``u`` to ``v``; return its attribute dict."""
        self.G.add_edge(u, v, key=kind, **attrs)
        return self.G.succ[u][v][kind]

    def remove_edge(self, u: str, v: str, kind: str) -> None:
        """Remove the ``kind`` edge from ``u`` to ``v`` if present."""
        if self.G.has_edge(u, v, key=kind):
            self.G.remove_edge(u, v, key=kind)

    # --- queries ----------------------------------------------------------------------------
    def neighbours(self, country: str) -> list[str]:
        """Countries sharing a land border with ``country``, in the order borders were added."""
        return self._neighbours.get(country, [])

    def edges(self, kind: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """All edges of one type as ``(source, target, attributes)``."""
        for u, v, key, data in self.G.edges(keys=True, data=True):
            if key == kind:
                yield u, v, data

    def layer(self, kind: str) -> nx.DiGraph:
        """A plain directed graph of one edge type (for analysis or drawing)."""
        out = nx.DiGraph()
        out.add_nodes_from(self.G.nodes(data=True))
        out.add_edges_from((u, v, d) for u, v, d in self.edges(kind))
        return out

    def edge_counts(self) -> dict[str, int]:
        """Number of edges of each type (undirected types count each pair once)."""
        counts = {k: 0 for k in EDGE_TYPES}
        for _, _, key in self.G.edges(keys=True):
            counts[key] += 1
        counts["border"] //= 2
        counts["rivalry"] //= 2
        return counts

    # --- export -----------------------------------------------------------------------------
    def to_frames(
        self, node_values: Mapping[str, Mapping[str, Any]] | None = None
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The network as two tidy tables, for drawing (:func:`sim.views.figures.network_map`)
        or export.

        Args:
            node_values: extra per-node columns, ``{node id: {column: value}}`` (for example
                the model's country stability); nodes without a value get NaN / None.

        Returns:
            ``(nodes, edges)``. ``nodes`` has one row per actor: ``id`` (``NER``, ``USA``,
            ``JNIM``, ``ECOWAS``), ``kind`` (``country``, ``power``, ``group`` or ``bloc``),
            ``name`` (full name), ``lat`` and ``lon`` (capital, decimal degrees; NaN for
            actors that are not countries), then the ``node_values`` columns. ``edges`` has
            one row per edge: ``source``, ``target``, ``type`` (one of :data:`EDGE_TYPES`)
            and the edge's attributes (``troops``, ``aid_musd``, ``econ_musd``, ``isr``,
            ``base``, ``posture``, ``target_troops`` (the troop level aimed at) for
            partnerships; ``fighters``, ``share`` for presences;
            ``status`` for memberships; NaN / None where an attribute does not apply).
            Symmetric types (``border``, ``rivalry``) appear once per pair.
        """
        import pandas as pd

        extra = node_values or {}
        rows = []
        for node, data in self.G.nodes(data=True):
            capital = data.get("capital")
            lat, lon = (float(capital[0]), float(capital[1])) if capital else (nan, nan)
            rows.append(
                {"id": node, "kind": data.get("kind", ""), "name": data.get("name", node),
                 "lat": lat, "lon": lon, **extra.get(node, {})}
            )  # fmt: skip
        nodes = pd.DataFrame(rows, columns=_columns(["id", "kind", "name", "lat", "lon"], rows))
        edge_rows = []
        for u, v, key, data in self.G.edges(keys=True, data=True):
            if key in _SYMMETRIC and str(u) > str(v):
                continue
            attrs = {_EDGE_COLUMN.get(k, k): value for k, value in data.items()}
            edge_rows.append({"source": u, "target": v, "type": key, **attrs})
        edges = pd.DataFrame(edge_rows, columns=_columns(["source", "target", "type"], edge_rows))
        return nodes, edges


_SYMMETRIC = frozenset({"border", "rivalry"})
_EDGE_COLUMN = {"source": "source_attr", "type": "type_attr", "target": "target_troops"}
"""Edge attributes renamed in :meth:`SahelNetwork.to_frames` so they cannot clash with the
key columns (a partnership's ``target`` is the troop level the power aims at)."""


def _columns(first: list[str], rows: list[dict[str, Any]]) -> list[str]:
    """``first``, then every other key found in ``rows`` in order of appearance."""
    out = list(first)
    for row in rows:
        out.extend(k for k in row if k not in out)
    return out
