"""An armed jihadist group contesting territory in one or more countries."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.world.violence import whole

if TYPE_CHECKING:
    from sim.scenario.schema import GroupSpec
    from sim.world.agents.country import Country
    from sim.world.model import SahelModel
    from sim.world.network import PresenceEdge


class InsurgentGroup(mesa.Agent):
    """A group (JNIM, IS Sahel, ISWAP, JAS) with fighters in each country it is present in.

    Each presence is a ``presence`` edge (group -> country) holding ``fighters`` and
    ``share``, the share of the country's territory the group contests:
    share = (1 - zone control) x fighters / all insurgent fighters in the country.

    Monthly submodels: :meth:`plan_raids`, :meth:`recruit` (Epstein's threshold rule over a
    heterogeneous population, bounded by the willing pool), :meth:`fight_rivals` (non-state
    violence), :meth:`desert` and :meth:`spread` (along borders, toward weak control). Its
    fighting with state-side forces and its violence against civilians are the clash of
    :mod:`sim.world.violence`.
    """

    model: SahelModel

    def __init__(self, model: SahelModel, group_id: str, spec: GroupSpec) -> None:
        super().__init__(model)
        self.group_id = group_id
        self.name = spec.name
        self.idx = len(model.groups_in_order)
        self.affiliation = str(spec.affiliation)
        self.lethality = spec.lethality
        self.rivals: list[InsurgentGroup] = []
        self.theatre: frozenset[str] | None = (
            frozenset(spec.theatre) if spec.theatre is not None else None
        )
        self.reach: dict[Country, list[Country]] = {}  # neighbours in its theatre, by country
        self.presence: dict[Country, PresenceEdge] = {}
        self.raids: dict[Country, float] = {}  # fighters operating across a border, by target
        self.raid_sources: dict[Country, list[tuple[Country, float]]] = {}

    def set_reach(self, countries: list[Country]) -> None:
        """Where the group can raid or spread from each country: the neighbours in its
        theatre (all neighbours if it has none)."""
        theatre = self.theatre
        self.reach = {
            c: [n for n in c.neighbours if theatre is None or n.iso3 in theatre] for c in countries
        }

    @property
    def fighters(self) -> float:
        """Fighters in all countries."""
        return sum(e["fighters"] for e in self.presence.values())

    def recruit(self, shocks: np.ndarray) -> None:
        """Add recruits in each country where the group is present.

        The willing pool is W = q x N x max(1 - z, floor): q the share of the exposed people
        N for whom Epstein's rule says rebel (:meth:`Country.willing_share`), in the part of
        the contested zone the state does not hold (1 - z; a floor for villages the state
        never visits). The groups present share the recruits in proportion to their
        fighters, and growth stops at a ceiling phi W (arms and organisation):
            recruits = rho x W x (F_g / F) x max(0, 1 - F / (phi W)) x log-normal noise.
        """
        p = self.model.p
        sd = p.recruitment_dispersion
        for country, e in self.presence.items():
            local = country.fighters
            if local <= 0.0:
                continue
            access = max(country.threat, p.access_floor)
            pool = country.willing_share() * country.exposed_people * access
            if pool <= 0.0:
                continue
            room = 1.0 - local / (p.armed_share * pool)
            if room <= 0.0:
                continue
            expected = p.recruitment_rate * pool * (e["fighters"] / local) * room
            noise = math.exp(sd * shocks.item(country.idx) - 0.5 * sd * sd)
            e["fighters"] += expected * noise

    def plan_raids(self) -> None:
        """Project force across borders: a share r of the fighters in each country operates
        in its neighbours within its theatre (raids, attacks from sanctuaries), split evenly
        among them.

        Raiders add to the insurgent pressure on the target (its balance of forces,
        deterrence and fighting) without moving there; this is how a stronger insurgency
        next door spills over before any cell is opened. Raiders killed are taken off the
        fighters in the countries they came from (:meth:`take_losses`).
        """
        share = self.model.p.raid_share
        raids: dict[Country, float] = {}
        sources: dict[Country, list[tuple[Country, float]]] = {}
        for country, e in self.presence.items():
            reach = self.reach[country]
            if reach and share > 0.0:
                each = share * e["fighters"] / len(reach)
                for other in reach:
                    raids[other] = raids.get(other, 0.0) + each
                    sources.setdefault(other, []).append((country, each))
        self.raids = raids
        self.raid_sources = sources
        for country, fighters in raids.items():
            country.raiders += fighters

    def operations(self, country: Country) -> tuple[float, float]:
        """(fighters based in ``country``, raiders operating there from next door)."""
        e = self.presence.get(country)
        return (e["fighters"] if e is not None else 0.0), self.raids.get(country, 0.0)

    def take_losses(self, country: Country, lost: float, based: float, raiding: float) -> None:
        """Remove ``lost`` fighters killed in ``country``: those based there and the raiders
        in proportion to their numbers, raiders off the countries they came from."""
        total = based + raiding
        if total <= 0.0:
            return
        e = self.presence.get(country)
        if e is not None and based > 0.0:
            e["fighters"] = max(0.0, e["fighters"] - lost * based / total)
        if raiding > 0.0:
            for origin, each in self.raid_sources.get(country, ()):
                edge = self.presence.get(origin)
                if edge is not None:
                    edge["fighters"] = max(0.0, edge["fighters"] - lost * each / total)

    def desert(self) -> None:
        """A share of fighters leaves each month other than by death (desertion)."""
        keep = 1.0 - self.model.p.desertion_rate
        for e in self.presence.values():
            e["fighters"] *= keep

    def fight_rivals(self, normals: np.ndarray, uniforms: np.ndarray) -> None:
        """Fight rival groups where both are present (each pair once, from its first member).

        expected deaths = rival lethality x the smaller of the two forces; all are fighters,
        split between the groups in proportion to the other side's strength.
        """
        p = self.model.p
        sd = p.violence_dispersion
        for rival in self.rivals:
            if rival.idx < self.idx:
                continue
            pair = self.model.rivalry_index[(self.idx, rival.idx)]
            for country, e in self.presence.items():
                other = rival.presence.get(country)
                if other is None:
                    continue
                a, b = e["fighters"], other["fighters"]
                if a <= 0.0 or b <= 0.0:
                    continue
                expected = p.rival_lethality * min(a, b)
                i = country.idx
                deaths = whole(
                    expected * math.exp(sd * normals.item(pair, i) - 0.5 * sd * sd),
                    uniforms.item(pair, i),
                )
                country.toll.add("non_state", self.group_id, deaths * b / (a + b))
                country.toll.add("non_state", rival.group_id, deaths * a / (a + b))
                country.toll.fighters += deaths
                e["fighters"] = max(0.0, a - deaths * b / (a + b))
                other["fighters"] = max(0.0, b - deaths * a / (a + b))

    def spread(self, shocks: np.ndarray) -> None:
        """Move fighters across borders within the group's theatre, toward weaker control.

        Between two countries where the group is present, fighters flow both ways: a share
        sigma x (1 - z_j) / degree_i (degree: neighbours in the theatre) of those in i moves
        to j each month, and likewise back; only the net flow is moved, so fighters drift
        toward weaker control. Into a neighbour
        j where it is absent, each source i tries to open a cell with probability
        pi_ij = pi x max(1 - z_j, floor) x f_i / (f_i + f_half) (z_j the state's control of j's
        contested zone; the floor as in recruitment); the group opens at most one cell a
        month in j (chance 1 - prod_i (1 - pi_ij)), of ``seed_fighters`` (at most half the
        fighters of the strongest source). All moves are planned from the same state, then
        applied one after another, each capped by the fighters left at its origin.
        """
        p = self.model.p
        presence = self.presence
        minimum = p.min_presence_fighters
        moves: list[tuple[Country, Country, float]] = []
        seeds: dict[Country, tuple[float, Country, float]] = {}  # j -> (miss chance, source, f)
        for country, e in presence.items():
            f = e["fighters"]
            reach = self.reach[country]
            if f < minimum or not reach:
                continue
            out_share = p.spread_flow_rate / len(reach)
            pull = p.seed_rate * f / (f + p.seed_source_half)
            for other in reach:
                there = presence.get(other)
                if there is None:
                    miss, source, best = seeds.get(other, (1.0, country, 0.0))
                    miss *= 1.0 - pull * max(other.threat, p.access_floor)
                    seeds[other] = (miss, country, f) if f > best else (miss, source, best)
                elif country.idx < other.idx:
                    back = there["fighters"] * p.spread_flow_rate / max(1, len(self.reach[other]))
                    net = f * out_share * other.threat - back * country.threat
                    if net > 0.0:
                        moves.append((country, other, net))
                    elif net < 0.0:
                        moves.append((other, country, -net))
        for dest, (miss, source, f) in seeds.items():
            if shocks.item(dest.idx) < 1.0 - miss:
                moves.append((source, dest, min(p.seed_fighters, 0.5 * f)))
        for origin, dest, fighters in moves:
            source_edge = presence[origin]
            moved = min(fighters, source_edge["fighters"])
            if moved > 0.0:
                source_edge["fighters"] -= moved
                if dest in presence:
                    presence[dest]["fighters"] += moved
                else:
                    self.model.add_fighters(self, dest, moved)
