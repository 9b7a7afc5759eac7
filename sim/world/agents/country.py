"""A state of the region: its people, government, forces, territory and violence."""

from __future__ import annotations

import math
from operator import mul
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from sim.world.agents.alignment import act_on_preferences, update_preferences

if TYPE_CHECKING:
    from sim.scenario.schema import CountrySpec
    from sim.world.blocs import Bloc
    from sim.world.model import SahelModel
    from sim.world.network import MembershipEdge


class Country(mesa.Agent):
    """A country: population, capacity, legitimacy, control, hardship, regime and violence.

    Monthly submodels (ODD section 7): :meth:`assess_security` (Epstein's deterrence from
    national, foreign and allied forces), :meth:`choose_partners` for civilian governments,
    :meth:`review_blocs` (landscape theory), :meth:`suffer_abuses` and :meth:`update`
    (control, legitimacy, hardship, influence shares, stability, coup hazard).

    State variables (units):
        population_m: people, millions. forces: national security personnel.
        capacity, legitimacy, control, hardship, abuse: indices in [0, 1].
        fatalities: conflict deaths this month (persons). security: troop-equivalents (te).
        influence: share of each external power in the country's alignment, summing to <= 1.
    """

    model: SahelModel

    def __init__(self, model: SahelModel, iso3: str, spec: CountrySpec) -> None:
        super().__init__(model)
        self.iso3 = iso3
        self.name = spec.name
        self.capital = spec.capital
        self.idx = len(model.countries_in_order)
        self.population_m = spec.population_m
        self.exposure = spec.exposure  # share of the population in insurgent regions
        self.forces = spec.forces
        self.capacity = spec.capacity
        self.legitimacy = spec.legitimacy
        self.legitimacy_base = spec.legitimacy
        self.control = spec.control
        self.hardship = spec.hardship
        self.hardship_base = spec.hardship
        self.abuse = spec.abuse
        self.regime = str(spec.regime)
        self.sovereigntism = spec.sovereigntism
        self.last_coup: int | None = model.month_of(spec.last_coup) if spec.last_coup else None
        self.junta: Any = None  # set by Junta.__init__
        self.neighbours: list[Country] = []
        self.memberships: dict[Bloc, MembershipEdge] = {}
        self.sanctions: dict[Bloc, int] = {}  # bloc -> last month of its sanctions
        self.sanctioned_until = -1  # last month of any bloc's sanctions
        # Per-month quantities (recomputed every step).
        self.fighters = 0.0
        self.raiders = 0.0  # fighters based next door operating here this month
        self.national_security = 0.0
        self.security = 0.0
        self.balance = 1.0
        self.deterrence = 0.0
        self.fatalities = 0.0
        self.abuse_events = 0
        self.violence = 0.0
        self.coup_hazard = 0.0
        self.coup_recency = 0.0  # exp(-months since last coup / contagion time), for neighbours
        self.stability = 0.0
        self.foreign_effect: dict[str, float] = {}
        self.engagement: dict[str, float] = {}
        self.influence: dict[str, float] = {}
        self._direction: tuple[int, list[float]] = (-1, [])  # (month, unit influence vector)
        self.harm_rates: dict[int, float] = {}  # abuse events per month per unit contestation
        self.preferences: dict[str, float] = {}

    # --- derived quantities -----------------------------------------------------------------
    @property
    def grievance(self) -> float:
        """Epstein's grievance: hardship x (1 - legitimacy), in [0, 1]."""
        return self.hardship * (1.0 - self.legitimacy)

    @property
    def contestation(self) -> float:
        """Kalyvas' contestation 4 c (1 - c): 0 under full or no control, 1 at half control."""
        return 4.0 * self.control * (1.0 - self.control)

    @property
    def is_junta(self) -> bool:
        """True while a military junta rules."""
        return self.regime == "junta"

    @property
    def insurgent_strength(self) -> float:
        """Insurgent fighters in the country (all groups)."""
        return self.fighters

    @property
    def sanctioned(self) -> bool:
        """True while any bloc's sanctions are in force against the country."""
        return self.sanctioned_until >= self.model.month

    # --- 4a. security (Epstein) -------------------------------------------------------------
    def assess_security(self) -> None:
        """Sum national, foreign and allied forces and derive the deterrence of insurgents.

        security S = forces x capacity x min(1, e + 1 - c) + sum over powers of their effect
        + bloc support: the state commits a share e of its forces against insurgents plus the
        share of territory it has lost; foreign forces deploy where the fighting is;
        balance B = S / (S + w F) with F the fighters present plus raiders from next door
        and w the fighter weight;
        deterrence D = 1 - exp(-k S / (w F + F_half)), Epstein's arrest probability.
        """
        p = self.model.p
        self.national_security = self.forces * self.capacity
        engaged = self.national_security * min(1.0, p.ci_commitment + 1.0 - self.control)
        foreign = sum(self.foreign_effect.values())
        allied = 0.0
        for bloc, m in self.memberships.items():
            if bloc.mutual_defence and bloc.active and m["status"] != "leaving":
                allied += p.bloc_defence_share * (bloc.pooled_security - self.national_security)
        self.security = engaged + foreign + allied
        weighted = p.fighter_weight * (self.fighters + self.raiders)
        self.balance = (
            self.security / (self.security + weighted) if self.security + weighted > 0 else 1.0
        )
        self.deterrence = 1.0 - math.exp(
            -p.deterrence_scale * self.security / (weighted + p.engagement_half_fighters)
        )

    # --- 3. governments choose partners (civilian rule) -------------------------------------
    def choose_partners(self, shock: float) -> None:
        """A civilian government weighs partners by security delivered and sovereignty.

        Conditions and regime protection do not enter an elected government's choice (see
        :mod:`sim.world.agents.alignment`). Juntas decide in :class:`~sim.world.agents.junta.Junta`.
        """
        if self.junta is None:
            update_preferences(self, sovereigntism=self.sovereigntism, is_junta=False)
            act_on_preferences(self, shock)

    # --- 3. bloc membership (landscape theory) ----------------------------------------------
    def affinity(self, bloc: Bloc) -> float:
        """Affinity for a bloc: shared regime type and alignment, minus its sanctions.

        Landscape theory (Axelrod and Bennett 1993): an actor prefers the configuration in
        which it shares a bloc with those it is propense to, weighted by their size (here
        population). Propensity = regime similarity (+1 same, -1 different) x regime weight +
        cosine similarity of influence shares x alignment weight.
        """
        p = self.model.p
        pop_junta, pop_other, vector = bloc.landscape()
        pop, direction = self.population_m, self.direction()
        member = bloc in self.memberships
        same, different = (pop_junta, pop_other) if self.is_junta else (pop_other, pop_junta)
        if member:  # leave itself out
            same -= pop
            vector = [v - pop * d for v, d in zip(vector, direction, strict=False)]
        weight = same + different
        alignment = sum(map(mul, direction, vector)) if direction else 0.0
        score = (
            (p.bloc_regime_weight * (same - different) + p.bloc_alignment_weight * alignment)
            / weight
            if weight > 1e-12
            else 0.0
        )
        m = self.memberships.get(bloc)
        if bloc.sanctions.get(self, -1) >= self.model.month or (m and m["status"] == "suspended"):
            score -= p.bloc_sanction_weight
        return score

    def review_blocs(self, shock: float) -> None:
        """With probability ``bloc_move_rate`` a month, review memberships: announce an exit
        from blocs it no longer fits, join eligible ones it fits well."""
        p = self.model.p
        if shock >= p.bloc_move_rate:
            return
        for bloc in self.model.blocs_in_order:
            if not bloc.active:
                continue
            m = self.memberships.get(bloc)
            if m is not None and m["status"] == "leaving":
                continue
            score = self.affinity(bloc)
            if m is not None and score < p.bloc_leave_threshold:
                bloc.announce_exit(self, self.model.month + round(p.bloc_exit_notice_months))
            elif m is None and bloc.is_eligible(self) and score > p.bloc_join_threshold:
                bloc.join(self)

    # --- 4. abuses by forces -----------------------------------------------------------------
    def suffer_abuses(self, shocks: np.ndarray, size: float) -> None:
        """Abuse events by national and foreign forces where control is contested.

        Each force (national, and each power present) commits an abuse in a month with
        probability 1 - exp(-rate x troops/1000 x contestation x F / (F + F_half)), so abuses
        happen in counter-insurgency where control is contested; an event kills on average
        ``abuse_deaths`` civilians (log-normal with log-sd 0.8, one draw per country and
        month, rounded to whole persons) and raises the abuse memory.
        """
        p = self.model.p
        pressure = self.fighters + self.raiders
        k = self.contestation * pressure / (pressure + p.engagement_half_fighters)
        if k <= 0.0:
            self.abuse_events = 0
            return
        events = 0
        deaths = 0.0
        # Slot 0 is the national forces; slot 1 + j is power j (rates set in set_posture).
        self.harm_rates[0] = p.state_abuse_rate * self.forces / 1000.0
        for j, rate in self.harm_rates.items():
            if rate > 0.0 and shocks.item(j) < 1.0 - math.exp(-rate * k):
                events += 1
                deaths += round(p.abuse_deaths * math.exp(0.8 * size - 0.32))
        self.abuse_events = events
        self.fatalities += deaths
        self.abuse = min(1.0, self.abuse + p.abuse_memory_jump * events)

    # --- 5. state update ---------------------------------------------------------------------
    def note_coup_recency(self) -> None:
        """How recent the last coup is, as neighbours feel it: exp(-months since / tau_N)."""
        month = self.model.month
        if self.last_coup is not None and self.last_coup <= month:
            self.coup_recency = math.exp(
                -(month - self.last_coup) / self.model.p.coup_contagion_months
            )
        else:
            self.coup_recency = 0.0

    def update(self, coup_shock: float) -> None:
        """Update control, legitimacy, hardship, influence and stability; maybe suffer a coup."""
        self.update_control()
        self.update_legitimacy_and_hardship()
        self.update_influence()
        self.update_stability()
        self.coup_hazard = self.hazard_of_coup()
        if coup_shock < self.coup_hazard:
            self.model.coup(self)

    def update_control(self) -> None:
        """Control moves toward the balance of forces, at a pace set by how much fighting.

        c <- c + mu x F / (F + F_half) x (B - c), F counting raiders from next door: with
        no insurgents, control does not change.
        """
        p = self.model.p
        pressure = self.fighters + self.raiders
        if pressure > 0.0:
            pace = p.control_rate * pressure / (pressure + p.engagement_half_fighters)
            self.control = min(1.0, max(0.0, self.control + pace * (self.balance - self.control)))

    def update_legitimacy_and_hardship(self) -> None:
        """Legitimacy reverts to its structural level and erodes with violence and abuse.

        v = 1 - exp(-(deaths per 100,000 people) / reference) is the violence index.
        L <- L + nu_L (L0 - L) - a_V v - a_A abuse;  H <- H + nu_H (H0 + s x sanctioned +
        h_V v - H);  abuse memory decays by a fixed share a month.
        """
        p = self.model.p
        per_100k = self.fatalities / (self.population_m * 10.0)
        self.violence = 1.0 - math.exp(-per_100k / p.violence_reference)
        self.legitimacy = _clip(
            self.legitimacy
            + p.legitimacy_reversion * (self.legitimacy_base - self.legitimacy)
            - p.violence_legitimacy_loss * self.violence
            - p.abuse_legitimacy_loss * self.abuse
        )
        target = self.hardship_base + p.violence_hardship * self.violence
        if self.sanctioned:
            target += p.sanction_hardship
        self.hardship = _clip(
            self.hardship + p.hardship_reversion * (min(1.0, target) - self.hardship)
        )
        self.abuse *= 1.0 - p.abuse_memory_decay

    def update_influence(self) -> None:
        """Influence shares move toward each power's share of engagement.

        target_k = E_k / (a x national security + sum_j E_j), E_k = security effect + aid and
        economic engagement in troop-equivalents; shares then move a fixed part of the way.
        Because the targets sum to at most 1 and shares move by convex steps, they do too.
        """
        p = self.model.p
        engagement = self.engagement
        total = p.autonomy_weight * self.national_security + sum(engagement.values())
        rate = p.influence_rate
        influence = self.influence
        for power_id, share in influence.items():
            target = engagement.get(power_id, 0.0) / total if total > 0 else 0.0
            influence[power_id] = share + rate * (target - share)

    def direction(self) -> list[float]:
        """Influence shares as a unit vector over all powers (cached for the month), so that
        a dot product of two directions is the cosine similarity of two alignments."""
        month, vector = self._direction
        if month != self.model.month:
            shares = [self.influence.get(pid, 0.0) for pid in self.model.powers]
            norm = math.sqrt(sum([v * v for v in shares]))
            vector = [v / norm for v in shares] if norm > 0 else []
            self._direction = (self.model.month, vector)
        return vector

    def update_stability(self) -> None:
        """Stability = weighted mean of control, legitimacy and (1 - violence), in [0, 1]."""
        p = self.model.p
        weights = (
            p.stability_control_weight + p.stability_legitimacy_weight + p.stability_peace_weight
        )
        self.stability = (
            (
                p.stability_control_weight * self.control
                + p.stability_legitimacy_weight * self.legitimacy
                + p.stability_peace_weight * (1.0 - self.violence)
            )
            / weights
            if weights > 0
            else 0.0
        )

    def hazard_of_coup(self) -> float:
        """Monthly probability of a successful coup.

        h = h0 x exp(b_L (1 - L) + b_C (1 - c) + b_V v + b_N N + b_T T - b_P P),
        N = sum over neighbours of exp(-(months since their last coup) / tau_N) (contagion,
        from the neighbours' state at the start of the month's country updates),
        T = exp(-(months since its own last coup) / tau_T) (the coup trap),
        P = sum over powers of influence share x regime protection; capped at h_max.
        """
        p = self.model.p
        if p.coup_hazard_scale <= 0.0:
            return 0.0
        contagion = 0.0
        for other in self.neighbours:
            contagion += other.coup_recency
        protection = 0.0
        offered = self.model.regime_protection
        for power_id, share in self.influence.items():
            protection += share * offered[power_id]
        trap = 0.0
        if self.last_coup is not None and self.last_coup <= self.model.month:
            trap = math.exp(-(self.model.month - self.last_coup) / p.coup_trap_months)
        log_h = (
            p.coup_legitimacy_weight * (1.0 - self.legitimacy)
            + p.coup_control_weight * (1.0 - self.control)
            + p.coup_violence_weight * self.violence
            + p.coup_contagion_weight * contagion
            + p.coup_trap_weight * trap
            - p.coup_protection_weight * protection
        )
        return min(p.coup_hazard_max, p.coup_hazard_scale * p.coup_base_hazard * math.exp(log_h))


def _clip(x: float) -> float:
    return 0.0 if x < 0.0 else (1.0 if x > 1.0 else x)
