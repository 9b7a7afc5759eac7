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

from collections.abc import Iterator
from typing import Any

import networkx as nx

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
