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
                                              ``isr``, ``air``, ``base``, ``posture``,
                                              ``locked``, ``leaving``, ``target``
``membership``            country -> bloc     ``status`` (member, suspended, leaving),
                                              ``exit_month``
``rivalry``               group <-> group     (both directions stored)
========================  ==================  ============================================

The edge attribute dicts are the model's state: agents keep references to them and update
them in place, so the graph is always current and can be exported or drawn at any month.
Their fields are typed records (:class:`PresenceEdge`, :class:`PartnershipEdge`,
:class:`MembershipEdge`), made only by :meth:`SahelNetwork.set_presence`,
:meth:`~SahelNetwork.set_partnership` and :meth:`~SahelNetwork.set_membership`, so that a
misspelt field is a type error, not a silent new key.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from math import nan
from typing import TYPE_CHECKING, Any, Literal, TypedDict, cast

import networkx as nx

if TYPE_CHECKING:
    import pandas as pd

EDGE_TYPES: tuple[str, ...] = ("border", "presence", "partnership", "membership", "rivalry")


class PresenceEdge(TypedDict):
    """A group's presence in a country (group -> country)."""

    fighters: float
    """Fighters of the group in the country (persons)."""
    share: float
    """Share of the country's territory the group contests, 0-1."""


class PartnershipEdge(TypedDict):
    """What an external power has in a country (power -> country)."""

    troops: float
    """Deployed troops or contractors (persons)."""
    aid_musd: float
    """Security aid, USD million per year."""
    econ_musd: float
    """Economic engagement, USD million per year."""
    isr: bool
    """Runs a surveillance hub there."""
    air: bool
    """Flies air support there (strike aircraft, helicopters, armed drones)."""
    base: bool
    """Holds a military base there."""
    posture: Literal["active", "suspended"]
    suspended_by: Literal["coup", "event"] | None
    """Why cooperation is suspended: conditions after a coup, or a scheduled event."""
    locked: bool
    """Committed to stay whatever the host prefers (a ``stay`` event)."""
    leaving: bool
    """Withdrawing at the withdrawal speed (expelled or withdrawing)."""
    target: float
    """Troop level the power is moving toward (persons)."""


class MembershipEdge(TypedDict):
    """A country's membership of a bloc (country -> bloc)."""

    status: Literal["member", "suspended", "leaving"]
    exit_month: int | None
    """Model month its announced exit takes effect (status ``leaving``)."""


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

    def set_presence(self, group: str, country: str, fighters: float = 0.0) -> PresenceEdge:
        """Add (or reset) the presence of ``group`` in ``country``; return its record."""
        record = PresenceEdge(fighters=fighters, share=0.0)
        return cast(PresenceEdge, self._set_edge(group, country, "presence", record))

    def set_partnership(self, power: str, country: str) -> PartnershipEdge:
        """Add (or reset) an empty, active partnership of ``power`` in ``country``."""
        record = PartnershipEdge(
            troops=0.0, aid_musd=0.0, econ_musd=0.0, isr=False, air=False, base=False,
            posture="active", suspended_by=None, locked=False, leaving=False, target=0.0,
        )  # fmt: skip
        return cast(PartnershipEdge, self._set_edge(power, country, "partnership", record))

    def set_membership(
        self, country: str, bloc: str, status: Literal["member", "suspended", "leaving"]
    ) -> MembershipEdge:
        """Add (or reset) the membership of ``country`` in ``bloc``; return its record."""
        record = MembershipEdge(status=status, exit_month=None)
        return cast(MembershipEdge, self._set_edge(country, bloc, "membership", record))

    def _set_edge(self, u: str, v: str, kind: str, attrs: Mapping[str, Any]) -> dict[str, Any]:
        """Add (or update) the ``kind`` edge from ``u`` to ``v``; return its attribute dict
        (the graph's own, so that changes to it are changes to the graph)."""
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
