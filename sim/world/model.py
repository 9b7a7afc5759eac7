"""SahelModel: the Mesa model that builds the world from a scenario and runs it month by month."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import mesa
import numpy as np

from sim.scenario import Scenario, load_scenario, month_index, month_name
from sim.world import metrics
from sim.world.agents import Country, ExternalPower, InsurgentGroup, Junta, Militia
from sim.world.blocs import Bloc
from sim.world.events import apply_event
from sim.world.network import PartnershipEdge, SahelNetwork
from sim.world.parameters import Parameters
from sim.world.streams import Shocks
from sim.world.violence import FORCE_SLOTS, ROUNDING_SLOTS, Toll, clash


class SahelModel(mesa.Model):
    """Regional influence and stability in the central Sahel; one step is one month.

    Args:
        scenario: a :class:`~sim.scenario.Scenario`, a bundled scenario name
            (``"us_withdraws"``) or a path to a scenario file.
        rng: seed for this replicate (int or ``numpy.random.SeedSequence``); defaults to the
            scenario's ``seed``. Every random draw comes from named streams derived from it.
        months: number of months to run (defaults to the scenario's ``months``).
        parameters: parameter overrides, ``{name: value}``, validated against their ranges.
        **more_parameters: further overrides as keywords (as ``mesa.batch_run`` passes them).

    The step order (ODD "process overview"): scheduled events; external powers set their
    posture; governments choose partners and review bloc memberships; governments set their
    tempo and mobilise, groups plan raids, the state side musters its forces, groups recruit;
    in each country the two sides clash (:mod:`sim.world.violence`); rival groups fight,
    fighters desert and spread; countries update control, legitimacy, hardship, abuse memory,
    influence and coup risk; the DataCollector records the month.
    """

    def __init__(
        self,
        scenario: Scenario | str = "baseline_2024",
        *,
        rng: int | np.random.SeedSequence | None = None,
        months: int | None = None,
        parameters: dict[str, float] | None = None,
        **more_parameters: float,
    ) -> None:
        spec = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        overrides = {**(parameters or {}), **more_parameters}
        seed = spec.seed if rng is None else rng
        if isinstance(seed, np.random.Generator):
            raise TypeError("pass an int or a SeedSequence as rng=, not a shared Generator")
        super().__init__(rng=seed)
        self.spec = spec
        self.p: Parameters = (
            Parameters.model_validate({**spec.parameters.model_dump(), **overrides})
            if overrides
            else spec.parameters
        )
        self.seed = seed
        self.start = spec.start
        self.endogenous_coups = spec.coups == "endogenous"
        self.n_months = months if months is not None else spec.months
        self.month = 0
        self.event_log: list[dict[str, Any]] = []
        self._firing: Any = None  # the scheduled event being applied, if any
        self.network = SahelNetwork()
        self._build_world()
        self.timeline: dict[int, list[Any]] = defaultdict(list)
        for event in spec.events:
            self.timeline[self.month_of(event.at)].append(event)
        self.shocks = Shocks(seed, self._shock_shapes())
        self.regional: dict[str, float] = {}
        self.datacollector = metrics.SahelDataCollector(self)
        self.running = self.n_months > 0

    # --- construction --------------------------------------------------------------------------
    def _build_world(self) -> None:
        spec = self.spec
        self.groups: dict[str, InsurgentGroup] = {}
        self.groups_in_order: list[InsurgentGroup] = []
        self.countries: dict[str, Country] = {}
        self.countries_in_order: list[Country] = []
        for iso, cspec in spec.countries.items():
            country = Country(self, iso, cspec)
            self.countries[iso] = country
            self.countries_in_order.append(country)
            self.network.add_actor(iso, "country", name=cspec.name, capital=cspec.capital)
        for a, b in spec.borders:
            if b not in self.network.neighbours(a):
                self.network.add_border(a, b)
        for country in self.countries_in_order:
            country.neighbours = [self.countries[n] for n in self.network.neighbours(country.iso3)]

        self.powers: dict[str, ExternalPower] = {}
        self.powers_in_order: list[ExternalPower] = []
        for pid, pspec in spec.powers.items():
            power = ExternalPower(self, pid, pspec)
            self.powers[pid] = power
            self.powers_in_order.append(power)
            self.network.add_actor(pid, "power", name=pspec.name, western=pspec.western)
            for iso, ps in pspec.partners.items():
                edge = self.partnership(power, self.countries[iso])
                edge["troops"], edge["aid_musd"], edge["econ_musd"] = (
                    ps.troops,
                    ps.aid_musd,
                    ps.econ_musd,
                )
                edge["isr"], edge["base"], edge["posture"] = ps.isr, ps.base, ps.posture.value
                edge["air"] = ps.air
                edge["target"] = ps.troops
                if ps.posture == "suspended":
                    edge["suspended_by"] = "coup" if self.countries[iso].is_junta else "event"
        self.regime_protection = {pid: p.regime_protection for pid, p in self.powers.items()}
        for power in self.powers_in_order:
            power.set_posture()
        for country in self.countries_in_order:
            militia = spec.countries[country.iso3].militia
            if militia is not None:
                Militia(self, country, name=militia.name, members=militia.members)
            country.muster()
            total = self.p.autonomy_weight * country.national_security + sum(
                country.engagement.values()
            )
            for pid, eng in country.engagement.items():
                country.influence[pid] = eng / total if total > 0 else 0.0

        for gid, gspec in spec.groups.items():
            group = InsurgentGroup(self, gid, gspec)
            group.set_reach(self.countries_in_order)
            self.groups[gid] = group
            self.groups_in_order.append(group)
            self.network.add_actor(
                gid, "group", name=gspec.name, affiliation=str(gspec.affiliation)
            )
            for iso, fighters in gspec.fighters.items():
                if fighters > 0:
                    self.add_fighters(group, self.countries[iso], fighters)
        self.rivalry_index: dict[tuple[int, int], int] = {}
        for a, b in spec.rivalries:
            ga, gb = self.groups[a], self.groups[b]
            if gb not in ga.rivals:
                ga.rivals.append(gb)
                gb.rivals.append(ga)
                self.network.add_rivalry(a, b)
                key = (min(ga.idx, gb.idx), max(ga.idx, gb.idx))
                self.rivalry_index.setdefault(key, len(self.rivalry_index))
        self._update_presence()

        self.blocs: dict[str, Bloc] = {}
        for bid, bspec in spec.blocs.items():
            bloc = Bloc(self, bid, bspec)
            self.blocs[bid] = bloc
            self.network.add_actor(bid, "bloc", name=bspec.name)
            for iso in bspec.members:
                bloc.join(
                    self.countries[iso],
                    status="suspended" if iso in bspec.suspended else "member",
                )
            for iso, month in bspec.leaving.items():
                bloc.announce_exit(self.countries[iso], self.month_of(month))
            for iso, month in bspec.sanctioned.items():
                bloc.sanction(self.countries[iso], self.month_of(month))
        self.blocs_in_order = list(self.blocs.values())
        self.event_log.clear()  # founding memberships are state, not events

        for country in self.countries_in_order:
            cspec = spec.countries[country.iso3]
            if cspec.junta is not None:
                j = cspec.junta
                Junta(
                    self,
                    country,
                    name=j.name,
                    leader=j.leader,
                    since=self.month_of(j.since),
                    sovereigntism=j.sovereigntism,
                )
                prefs = {pid: country.influence.get(pid, 0.0) for pid in self.powers}
                prefs.update(j.preferences)
                country.preferences = prefs
            else:
                country.preferences = {pid: country.influence.get(pid, 0.0) for pid in self.powers}
        for bloc in self.blocs_in_order:
            bloc.pool_security()
        for country in self.countries_in_order:
            country.muster()
            country.update_stability()

    # --- helpers used by agents and events ---------------------------------------------------
    def month_of(self, month: str) -> int:
        """Index of a ``YYYY-MM`` month relative to the start (0 = first simulated month)."""
        return month_index(month) - month_index(self.start)

    @property
    def date(self) -> str:
        """The month being (or last) simulated, ``YYYY-MM``."""
        return month_name(month_index(self.start) + self.month)

    def partnership(self, power: ExternalPower, country: Country) -> PartnershipEdge:
        """The partnership edge power -> country, created empty if absent."""
        edge = power.partnerships.get(country)
        if edge is None:
            edge = self.network.set_partnership(power.power_id, country.iso3)
            power.partnerships[country] = edge
            country.influence.setdefault(power.power_id, 0.0)
        return edge

    def add_fighters(self, group: InsurgentGroup, country: Country, fighters: float) -> None:
        """Add fighters of ``group`` in ``country``, creating its presence there if new."""
        edge = group.presence.get(country)
        if edge is None:
            edge = self.network.set_presence(group.group_id, country.iso3)
            group.presence[country] = edge
            self.log_event("presence", country.iso3, group.group_id)
        edge["fighters"] += fighters

    def log_event(
        self, kind: str, country: str, actor: str, *, scheduled: bool = False, note: str = ""
    ) -> None:
        """Record something that happened this month (for timelines and tests).

        While a scheduled event is being applied, what it causes is marked ``scheduled``
        and carries the event's note.
        """
        if self._firing is not None:
            scheduled = True
            note = note or self._firing.note
        self.event_log.append(
            {"month": self.month, "date": self.date, "kind": kind, "country": country,
             "actor": actor, "scheduled": scheduled, "note": note}
        )  # fmt: skip

    def raise_militia(self, country: Country, name: str = "Militia") -> Militia:
        """A militia forms in ``country`` (volunteers raised against a threat)."""
        militia = Militia(self, country, name=name, members=0.0)
        self.log_event("militia", country.iso3, name)
        return militia

    def expel(self, country: Country, power: ExternalPower) -> None:
        """The host orders a power's forces out; they leave at the withdrawal speed."""
        edge = power.partnerships[country]
        edge["leaving"] = True
        edge["target"] = 0.0
        self.log_event("expel", country.iso3, power.power_id)

    def coup(
        self,
        country: Country,
        *,
        name: str = "Junta",
        leader: str = "",
        sovereigntism: float | None = None,
    ) -> None:
        """A successful coup: a new junta rules, capacity drops, blocs respond."""
        if country.junta is not None:
            country.junta.step_down()
        Junta(
            self,
            country,
            name=name,
            leader=leader,
            since=self.month,
            sovereigntism=self.p.junta_sovereigntism if sovereigntism is None else sovereigntism,
        )
        country.last_coup = self.month
        country.capacity = max(0.0, country.capacity - self.p.coup_capacity_loss)
        for bloc in self.blocs.values():
            bloc.respond_to_coup(country)
        self.log_event("coup", country.iso3, name)

    def civilian_rule(self, country: Country) -> None:
        """Power passes to a civilian government; suspensions by blocs are lifted."""
        if country.junta is not None:
            country.junta.step_down()
        country.regime = "civilian"
        for bloc in self.blocs.values():
            bloc.reinstate(country)

    # --- the monthly step ------------------------------------------------------------------------
    def step(self) -> None:
        """Advance the world by one month (see the class docstring for the order)."""
        shocks = self.shocks.month(self.month)
        countries = self.countries_in_order
        for country in countries:
            country.toll = Toll()
            country.army_deaths = country.civilians_abused = 0.0
        # 1. scheduled events
        for event in self.timeline.get(self.month, ()):
            apply_event(self, event)
        # 2. external powers set their posture
        for power in self.powers_in_order:
            power.set_posture()
        # 3. governments choose partners; blocs
        for country in countries:
            if country.junta is not None:
                country.junta.choose_partners(shocks["alignment"].item(country.idx))
            else:
                country.choose_partners(shocks["alignment"].item(country.idx))
        for bloc in self.blocs.values():
            bloc.process_exits()
        for country in countries:
            country.review_blocs(shocks["blocs"].item(country.idx))
        # 4. operations, recruitment, combat, spread
        for country in countries:
            country.raiders = 0.0
            country.choose_tempo(shocks["tempo"].item(country.idx))
            country.mobilise()
        for group in self.groups_in_order:
            group.plan_raids()
        for country in countries:
            country.muster()
        for bloc in self.blocs.values():
            bloc.pool_security()
        for group in self.groups_in_order:
            group.recruit(shocks["recruitment"][group.idx])
        groups = self.groups_in_order
        for country in countries:
            fighting = []
            for group in groups:
                based, raiding = group.operations(country)
                if based + raiding > 0.0:
                    fighting.append((group, based, raiding))
            i = country.idx
            clash(country, country.forces_engaged, fighting, shocks["violence"][i],
                  shocks["violence_rounding"][i], shocks["mass_events"][i],
                  shocks["massacre"][i])  # fmt: skip
        for group in groups:
            group.fight_rivals(shocks["rivalry"], shocks["rivalry_rounding"])
        for group in groups:
            group.desert()
        for group in groups:
            group.spread(shocks["spread"][group.idx])
        self._update_presence()
        # 5. countries update; coups
        for country in countries:
            country.note_coup_recency()
        for country in countries:
            country.update(shocks["coups"].item(country.idx))
        # 6. record
        self.regional = metrics.regional(self)
        self.datacollector.collect(self)
        self.month += 1
        self.running = self.month < self.n_months

    def run(self, months: int | None = None) -> SahelModel:
        """Run ``months`` steps (default: the rest of the scenario); return self."""
        for _ in range(self.n_months - self.month if months is None else months):
            self.step()
        return self

    def _shock_shapes(self) -> dict[str, tuple[int, ...]]:
        """Shape of each stream's monthly block: it depends only on the world's dimensions,
        never on its state, so scenarios sharing a seed share their shocks."""
        n, g, k = len(self.countries_in_order), len(self.groups_in_order), len(self.powers_in_order)
        # alignment and blocs: one draw per country (does it review its partners / blocs?)
        r = max(1, len(self.rivalry_index))
        return {
            "recruitment": (g, n),
            "violence": (n, 2),
            "violence_rounding": (n, ROUNDING_SLOTS),
            "mass_events": (n, 4),
            "massacre": (n, 2 * (FORCE_SLOTS + k)),
            "rivalry": (r, n),
            "rivalry_rounding": (r, n),
            "spread": (g, n),
            "tempo": (n,),
            "coups": (n,),
            "alignment": (n,),
            "blocs": (n,),
        }

    def _update_presence(self) -> None:
        """Drop presences below the minimum; recount fighters and contested shares."""
        minimum = self.p.min_presence_fighters
        for country in self.countries_in_order:
            country.fighters = 0.0
        for group in self.groups_in_order:
            for country, edge in list(group.presence.items()):
                if edge["fighters"] < minimum or edge["fighters"] <= 0.0:
                    del group.presence[country]
                    self.network.remove_edge(group.group_id, country.iso3, "presence")
                    self.log_event("presence_ends", country.iso3, group.group_id)
                else:
                    country.fighters += edge["fighters"]
        for group in self.groups_in_order:
            for country, edge in group.presence.items():
                edge["share"] = country.threat * edge["fighters"] / country.fighters

    # --- output -------------------------------------------------------------------------------
    def regional_frame(self) -> Any:
        """Regional metrics, one row per month (see :func:`sim.world.metrics.regional_frame`)."""
        return metrics.regional_frame(self)

    def country_frame(self) -> Any:
        """Country metrics, one row per month and country
        (:func:`sim.world.metrics.country_frame`)."""
        return metrics.country_frame(self)
