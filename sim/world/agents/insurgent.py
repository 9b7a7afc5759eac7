"""An armed jihadist group contesting territory in one or more countries."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from sim.scenario.schema import GroupSpec
    from sim.world.agents.country import Country
    from sim.world.model import SahelModel
    from sim.world.network import PresenceEdge


class InsurgentGroup(mesa.Agent):
    """A group (JNIM, IS Sahel, ISWAP, JAS) with fighters in each country it is present in.

    Each presence is a ``presence`` edge (group -> country) holding ``fighters`` and
    ``share``, the share of the country's territory the group contests:
    share = (1 - control) x fighters / all insurgent fighters in the country.

    Monthly submodels: :meth:`recruit` (Epstein: grievance, deterrence, abuses),
    :meth:`fight` (Kalyvas: violence peaks where control is contested),
    :meth:`fight_rivals` and :meth:`spread` (along borders, toward weak control).
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

        recruits = rho x population (millions) x exposure x share contested x grievance
                   x (1 + g_A x abuse memory) x (1 - deterrence) x log-normal noise,
        exposure being the share of the population living where insurgents recruit.
        Grievance = hardship x (1 - legitimacy) (Epstein 2002); abuses by forces push people
        to armed groups; deterrence is Epstein's arrest probability from security forces.
        """
        p = self.model.p
        sd = p.recruitment_dispersion
        for country, e in self.presence.items():
            drive = country.grievance * (1.0 + p.abuse_recruitment_gain * country.abuse)
            expected = (
                p.recruitment_rate
                * country.population_m
                * country.exposure
                * e["share"]
                * drive
                * (1.0 - country.deterrence)
            )
            noise = math.exp(sd * shocks.item(country.idx) - 0.5 * sd * sd)
            e["fighters"] += expected * noise

    def plan_raids(self) -> None:
        """Project force across borders: a share r of the fighters in each country operates
        in its neighbours within its theatre (raids, attacks from sanctuaries), split evenly
        among them.

        Raiders add to the insurgent pressure on the target (its balance of forces,
        deterrence and fighting) without moving there; this is how a stronger insurgency
        next door spills over before any cell is opened.
        """
        share = self.model.p.raid_share
        raids: dict[Country, float] = {}
        for country, e in self.presence.items():
            reach = self.reach[country]
            if reach and share > 0.0:
                each = share * e["fighters"] / len(reach)
                for other in reach:
                    raids[other] = raids.get(other, 0.0) + each
        self.raids = raids
        for country, fighters in raids.items():
            country.raiders += fighters

    def fight(self, normals: np.ndarray, uniforms: np.ndarray) -> None:
        """Clash with security forces and attack civilians; deaths are counted per country.

        expected deaths = lethality x (fighters + raiders) x (base + contest x 4c(1-c)), then
        log-normal noise and stochastic rounding to whole persons. A share of the dead are
        the group's fighters, taken from its fighters in that country where it is present
        (raiders based elsewhere lose none). Desertion removes a further share of fighters.
        """
        p = self.model.p
        sd = p.fatality_dispersion
        raids = self.raids
        for country in {**self.presence, **raids}:
            i = country.idx
            e = self.presence.get(country)
            local = e["fighters"] if e is not None else 0.0
            rate = p.base_lethality + p.contest_lethality * country.contestation
            expected = self.lethality * (local + raids.get(country, 0.0)) * rate
            noise = math.exp(sd * normals.item(i) - 0.5 * sd * sd)
            deaths = _whole(expected * noise, uniforms.item(i))
            country.fatalities += deaths
            if e is not None:
                e["fighters"] = max(
                    0.0, local * (1.0 - p.desertion_rate) - p.combatant_share * deaths
                )

    def fight_rivals(self, normals: np.ndarray, uniforms: np.ndarray) -> None:
        """Fight rival groups where both are present (each pair once, from its first member).

        expected deaths = rival lethality x the smaller of the two forces; all are fighters,
        split between the groups in proportion to the other side's strength.
        """
        p = self.model.p
        sd = p.fatality_dispersion
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
                deaths = _whole(
                    expected * math.exp(sd * normals.item(pair, i) - 0.5 * sd * sd),
                    uniforms.item(pair, i),
                )
                country.fatalities += deaths
                e["fighters"] = max(0.0, a - deaths * b / (a + b))
                other["fighters"] = max(0.0, b - deaths * a / (a + b))

    def spread(self, shocks: np.ndarray) -> None:
        """Move fighters across borders within the group's theatre, toward weaker control.

        Between two countries where the group is present, fighters flow both ways: a share
        sigma x (1 - c_j) / degree_i (degree: neighbours in the theatre) of those in i moves
        to j each month, and likewise back; only the net flow is moved, so fighters drift
        toward weaker control. Into a neighbour
        j where it is absent, each source i tries to open a cell with probability
        pi_ij = pi x (1 - c_j) x f_i / (f_i + f_half); the group opens at most one cell a
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
                    miss *= 1.0 - pull * (1.0 - other.control)
                    seeds[other] = (miss, country, f) if f > best else (miss, source, best)
                elif country.idx < other.idx:
                    back = there["fighters"] * p.spread_flow_rate / max(1, len(self.reach[other]))
                    net = f * out_share * (1.0 - other.control) - back * (1.0 - country.control)
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


def _whole(x: float, u: float) -> float:
    """Stochastic rounding: floor(x) plus one with probability frac(x) (mean preserved)."""
    n = math.floor(x)
    return float(n + (1 if u < x - n else 0))
