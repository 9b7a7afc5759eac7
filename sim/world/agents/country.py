"""A state of the region: its people, government, forces, territory and violence."""

from __future__ import annotations

import math
from operator import mul
from typing import TYPE_CHECKING, Any

import mesa

from sim.world.agents.alignment import act_on_preferences, update_preferences
from sim.world.violence import ALLIES, FORCE_SLOTS, MILITIA, STATE, Force, Toll

if TYPE_CHECKING:
    from sim.scenario.schema import CountrySpec
    from sim.world.agents.power import Contribution
    from sim.world.blocs import Bloc
    from sim.world.model import SahelModel
    from sim.world.network import MembershipEdge


class Country(mesa.Agent):
    """A country: population, capacity, legitimacy, control, hardship, regime and violence.

    Monthly submodels (ODD section 7): :meth:`choose_tempo` and :meth:`mobilise` (the
    government's operations and forces), :meth:`muster` (the state side's forces and
    Epstein's arrest probability), the clash (:func:`sim.world.violence.clash`),
    :meth:`choose_partners` for civilian governments, :meth:`review_blocs` (landscape theory)
    and :meth:`update` (control, legitimacy, hardship, abuse memory, influence shares,
    stability, coup hazard).

    Scales: ``control`` is the share of the national territory the state holds; the
    mechanisms of fighting and recruitment work in the *contested zone*, the regions where
    insurgents recruit (``exposure`` of the people, ``periphery_area`` of the land), where the
    state holds ``zone_control`` = 1 - (1 - control) / periphery_area (all territory lost is
    lost there).

    State variables (units):
        population_m: people, millions. forces: national security personnel.
        capacity, legitimacy, control, zone_control, hardship, abuse: indices in [0, 1].
        fatalities: deaths from organised violence this month (persons), split into
        deaths_state_based, deaths_non_state and deaths_one_sided (UCDP's categories).
        security: state-side combat power, troop-equivalents (te).
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
        self.exposed_people = spec.population_m * 1e6 * spec.exposure  # persons
        self.periphery_area = spec.periphery_area
        self.forces = spec.forces
        self.forces_initial = spec.forces
        self.capacity = spec.capacity
        self.legitimacy = spec.legitimacy
        self.legitimacy_base = spec.legitimacy
        # All territory lost is lost in the zone; where the stated control implies more
        # land lost than the zone holds, the zone is wholly lost.
        self.zone_control = max(0.0, 1.0 - (1.0 - spec.control) / spec.periphery_area)
        self.control = 1.0 - spec.periphery_area * (1.0 - self.zone_control)
        self.hardship = spec.hardship
        self.hardship_base = spec.hardship
        self.abuse = spec.abuse
        self.regime = str(spec.regime)
        self.sovereigntism = spec.sovereigntism
        self.last_coup: int | None = model.month_of(spec.last_coup) if spec.last_coup else None
        self.junta: Any = None  # set by Junta.__init__
        self.militia: Any = None  # set by Militia.__init__
        self.neighbours: list[Country] = []
        self.memberships: dict[Bloc, MembershipEdge] = {}
        self.sanctions: dict[Bloc, int] = {}  # bloc -> last month of its sanctions
        self.sanctioned_until = -1  # last month of any bloc's sanctions
        # Operations.
        # Last month of the current or last offensive (none yet: long enough ago that one
        # may start in the first month).
        self.offensive_until = -(10**6)
        self._offensive_flag = 0.0
        self.loss_memory = 0.0  # soldiers killed per 100 troops, e-folding over ~a year
        self.excitation = 0.0  # self-excitation of mass-casualty events
        # Per-month quantities (recomputed every step).
        self.fighters = 0.0
        self.raiders = 0.0  # fighters based next door operating here this month
        self.national_security = 0.0  # the army's combat power before help, te
        self.security = 0.0  # all state-side combat power, te
        self.balance = 1.0
        self.deterrence = 0.0
        self.forces_engaged: list[Force] = []
        self.contributions: dict[str, Contribution] = {}
        self.base_defence = 1.0  # multiplier on defenders killed in a massed attack
        self.toll = Toll()
        self.army_deaths = 0.0
        self.civilians_abused = 0.0
        self.abuse_events = 0
        self.fatalities = 0.0
        self.violence = 0.0
        self.coup_hazard = 0.0
        self.coup_recency = 0.0  # exp(-months since last coup / contagion time), for neighbours
        self.stability = 0.0
        self.foreign_effect: dict[str, float] = {}
        self.engagement: dict[str, float] = {}
        self.influence: dict[str, float] = {}
        self._direction: tuple[int, list[float]] = (-1, [])  # (month, unit influence vector)
        self.preferences: dict[str, float] = {}

    # --- derived quantities -----------------------------------------------------------------
    @property
    def grievance(self) -> float:
        """Epstein's grievance at its most aggrieved: hardship x (1 - legitimacy), 0-1."""
        return self.hardship * (1.0 - self.legitimacy)

    @property
    def is_junta(self) -> bool:
        """True while a military junta rules."""
        return self.regime == "junta"

    @property
    def offensive(self) -> bool:
        """True while the government's forces are on an offensive."""
        return self.offensive_until >= self.model.month

    @property
    def deaths_state_based(self) -> float:
        """UCDP state-based deaths this month (persons)."""
        return self.toll.state_based

    @property
    def deaths_non_state(self) -> float:
        """UCDP non-state deaths this month (persons)."""
        return self.toll.non_state

    @property
    def deaths_one_sided(self) -> float:
        """UCDP one-sided deaths this month (persons)."""
        return self.toll.one_sided

    @property
    def soldier_deaths(self) -> float:
        """State-side personnel killed this month (persons)."""
        return self.toll.soldiers

    @property
    def fighters_killed(self) -> float:
        """Insurgent fighters killed this month (persons)."""
        return self.toll.fighters

    @property
    def civilian_deaths(self) -> float:
        """Civilians killed this month, in battle or deliberately (persons)."""
        return self.toll.civilians

    @property
    def offensive_flag(self) -> float:
        """1.0 if this month's forces fought on an offensive, else 0.0 (as recorded; set by
        :meth:`muster`, so that it reads the same whenever the month is recorded)."""
        return self._offensive_flag

    @property
    def militia_members(self) -> float:
        """Members of the country's pro-government militia (0 if none)."""
        return self.militia.members if self.militia is not None else 0.0

    @property
    def insurgent_strength(self) -> float:
        """Insurgent fighters in the country (all groups)."""
        return self.fighters

    @property
    def sanctioned(self) -> bool:
        """True while any bloc's sanctions are in force against the country."""
        return self.sanctioned_until >= self.model.month

    @property
    def threat(self) -> float:
        """Share of the contested zone the state has lost, 1 - zone control (0-1)."""
        return 1.0 - self.zone_control

    # --- 4a. operations: tempo and mobilisation -------------------------------------------------
    def choose_tempo(self, shock: float) -> None:
        """Launch an offensive when insurgents hold ground.

        A government not on an offensive, and not within ``offensive_months`` of the end of
        its last one, launches an offensive with monthly probability ``offensive_rate`` if
        insurgents are present and it has lost more than ``offensive_threat`` of the
        contested zone. During an offensive the engaged share of the army is multiplied by
        ``offensive_gain``: more fighters killed, more soldiers exposed, more bystanders
        harmed; the offensive lasts ``offensive_months``.
        """
        p = self.model.p
        month = self.model.month
        if self.offensive or month <= self.offensive_until + p.offensive_months:
            return
        if (
            self.fighters + self.raiders > 0.0
            and self.threat > p.offensive_threat
            and shock < p.offensive_rate
        ):
            self.offensive_until = month + round(p.offensive_months) - 1
            self.model.log_event("offensive", self.iso3, STATE)

    def mobilise(self) -> None:
        """Forces grow with threat: the army recruits, and volunteers form militias.

        With loss x = 1 - zone control above the threshold x0, the army grows by
        m x forces x (x - x0) a month up to ``mobilisation_cap`` times its initial size, and
        a militia gains r x exposed people x (x - x0) x (1 - M / M_max) members, M_max a
        share of the exposed people; militia members go home at ``militia_decay``.
        """
        p = self.model.p
        excess = self.threat - p.mobilisation_threshold
        if excess > 0.0:
            ceiling = p.mobilisation_cap * self.forces_initial
            if self.forces < ceiling:
                self.forces = min(ceiling, self.forces * (1.0 + p.mobilisation_rate * excess))
        militia = self.militia
        cap = p.militia_max_share * self.exposed_people
        if excess > 0.0 and cap > 0.0:
            members = militia.members if militia is not None else 0.0
            raised = p.militia_rate * self.exposed_people * excess * max(0.0, 1.0 - members / cap)
            if raised > 0.0:
                if militia is None:
                    militia = self.model.raise_militia(self)
                militia.members += raised
        if militia is not None:
            militia.members *= 1.0 - p.militia_decay

    # --- 4b. the state side's forces and Epstein's arrest probability --------------------------
    def muster(self) -> None:
        """List the forces fighting for the state this month; derive the balance of forces,
        base defence and Epstein's arrest probability.

        Army: forces x tau engaged, tau = min(1, (tau_0 + 1 - z) x offensive gain), of
        effectiveness capacity x exp(-morale_loss x loss memory) x (1 + g_aid aid / (aid +
        aid_half)). Militia: all members, of ``militia_effectiveness``. Allies: a share of
        mutual-defence partners' army power. Each foreign contingent: its troops at the
        power's effectiveness (x the suspended share). Air support multiplies every force's
        effectiveness by (1 + g_air n_air). Every force aims a share
        iota = 1 - (1 - iota_0 z) exp(-g_ISR n_ISR) of its fire: information from control
        (informants) and from surveillance.

        Balance B = E / (E + w sum_g lambda_g (F_g + R_g)), E the state side's combat power.
        Arrest probability P = 1 - exp(-k C / (A + A_0)), C = sum of troops x iota (troops
        who can identify), A fighters and raiders present (Epstein 2002).
        """
        p = self.model.p
        z = self.zone_control
        contributions = self.contributions
        n_isr = n_air = aid = foreign_troops = 0.0
        for c in contributions.values():
            n_isr += c.isr
            n_air += c.air
            aid += c.aid_musd
            foreign_troops += c.troops
        # Unaimed share of fire: what neither informants (control) nor surveillance reveal.
        unaimed = math.exp(-p.isr_gain * n_isr)
        air = 1.0 + p.air_gain * n_air
        engaged = min(1.0, p.ci_commitment + 1.0 - z)
        self._offensive_flag = 1.0 if self.offensive else 0.0
        if self.offensive:
            engaged = min(1.0, engaged * p.offensive_gain)
        morale = math.exp(-p.morale_loss * self.loss_memory)
        aid_effect = p.aid_gain * aid / (aid + p.aid_half_musd) if aid > 0.0 else 0.0
        base = self.capacity * morale
        effectiveness = base * air * (1.0 + aid_effect)
        army = Force(STATE, 0, self.forces * engaged, effectiveness,
                     1.0 - (1.0 - p.army_intelligence * z) * unaimed, 1.0, 1.0)  # fmt: skip
        forces = [army]
        self.national_security = self.forces * engaged * base
        if self.militia is not None and self.militia.members > 0.0:
            forces.append(
                Force(MILITIA, 1, self.militia.members, p.militia_effectiveness * air,
                      1.0 - (1.0 - p.militia_intelligence * z) * unaimed, p.militia_harm, 1.0,
                      non_state=True)
            )  # fmt: skip
        allied = 0.0
        for bloc, m in self.memberships.items():
            if bloc.mutual_defence and bloc.active and m["status"] != "leaving":
                allied += p.bloc_defence_share * (bloc.pooled_security - self.national_security)
        if allied > 0.0:
            forces.append(
                Force(ALLIES, 2, allied, air, 1.0 - (1.0 - p.foreign_intelligence * z) * unaimed,
                      1.0, p.soldier_exposure_foreign)
            )  # fmt: skip
        foreign_iota = 1.0 - (1.0 - p.foreign_intelligence * z) * unaimed
        army_power = army.power
        for power_id, c in contributions.items():
            if c.troops > 0.0:
                forces.append(
                    Force(power_id, FORCE_SLOTS + c.slot, c.troops, c.effectiveness * air,
                          foreign_iota,
                          c.harm, p.soldier_exposure_foreign)
                )  # fmt: skip
            # What the partner adds to the state's fight, in te: its troops' combat power,
            # the army power its air support and aid add, and its surveillance valued as
            # the aimed fire it adds to the army.
            added = c.troops * c.effectiveness * air
            added += army_power * p.air_gain * c.air / air
            if aid > 0.0:
                added += army_power * aid_effect / (1.0 + aid_effect) * c.aid_musd / aid
            if c.isr > 0.0:
                without = 1.0 - (1.0 - p.army_intelligence * z) * math.exp(
                    -p.isr_gain * (n_isr - c.isr)
                )
                added += army_power * (army.intelligence - without)
            self.foreign_effect[power_id] = added
            self.engagement[power_id] = added + c.econ_musd * p.econ_troop_equivalent
        self.forces_engaged = forces
        self.security = sum(f.power for f in forces)
        self.base_defence = math.exp(
            -(p.base_defence_isr * n_isr + p.base_defence_air * n_air
              + p.base_defence_qrf * foreign_troops / 1000.0)
        )  # fmt: skip
        pressure = self.fighters + self.raiders
        weighted = p.fighter_weight * self.insurgent_weight
        total = self.security + weighted
        self.balance = self.security / total if total > 0.0 else 1.0
        watchers = sum(f.troops * f.intelligence for f in forces)
        self.deterrence = 1.0 - math.exp(
            -p.deterrence_scale * watchers / (pressure + p.deterrence_half_fighters)
        )

    @property
    def insurgent_weight(self) -> float:
        """Insurgents present weighted by their groups' lethality: sum_g lambda_g (F_g + R_g)."""
        total = 0.0
        for group in self.model.groups_in_order:
            e = group.presence.get(self)
            local = e["fighters"] if e is not None else 0.0
            total += group.lethality * (local + group.raids.get(self, 0.0))
        return total

    def willing_share(self) -> float:
        """Epstein's rule over a heterogeneous population: the share of the exposed people
        for whom grievance minus net risk exceeds the threshold, G - R P > T.

        Hardship H ~ U(0, h) and risk aversion R ~ U(0, 1) are independent (Epstein 2002's
        H and R are U(0, 1)); perceived legitimacy in the zone is L (1 - a x abuse memory),
        so G = H (1 - L'). With g = h (1 - L') the most aggrieved person's grievance:
            q = 0                                   if g <= T
            q = 1 - (T + P/2) / g                   if P <= g - T
            q = (g - T)^2 / (2 g P)                 otherwise.
        Deterrence bites only where grievance is moderate: where legitimacy is low it
        cannot stop rebellion, where it is high it is not needed.
        """
        p = self.model.p
        legitimacy = self.legitimacy * (1.0 - p.abuse_alienation * self.abuse)
        g = self.hardship * (1.0 - legitimacy)
        t, risk = p.join_threshold, self.deterrence
        if g <= t:
            return 0.0
        if risk <= g - t:
            return 1.0 - (t + 0.5 * risk) / g
        return (g - t) ** 2 / (2.0 * g * risk)

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
        """Record the month's dead; update losses, control, legitimacy, hardship, abuse memory,
        influence and stability; maybe suffer a coup (when coups are endogenous)."""
        self.record_toll()
        self.update_control()
        self.update_legitimacy_and_hardship()
        self.update_influence()
        self.update_stability()
        self.coup_hazard = self.hazard_of_coup()
        if self.model.endogenous_coups and coup_shock < self.coup_hazard:
            self.model.coup(self)

    def record_toll(self) -> None:
        """Turn the month's toll into the recorded deaths; update the memories it feeds.

        Loss memory Lambda <- Lambda exp(-1/tau_L) + 100 x army deaths / forces (soldiers
        killed per 100 troops); abuse memory a <- a (1 - d) + (1 - a)(1 - exp(-C_s / C_ref)),
        C_s the civilians killed by state-side forces (in battle or massacres) this month.
        """
        p = self.model.p
        toll = self.toll
        self.fatalities = toll.total
        if self.forces > 0.0:
            self.loss_memory = self.loss_memory * math.exp(-1.0 / p.loss_memory_months) + (
                100.0 * self.army_deaths / self.forces
            )
        else:
            self.loss_memory *= math.exp(-1.0 / p.loss_memory_months)
        hit = 1.0 - math.exp(-self.civilians_abused / p.abuse_memory_reference)
        self.abuse = self.abuse * (1.0 - p.abuse_memory_decay) + (1.0 - self.abuse) * hit

    def update_control(self) -> None:
        """Control of the contested zone moves toward the balance of forces, at a pace set by
        how much fighting: z <- z + mu x A / (A + A_half) x (B - z), A counting raiders from
        next door (no insurgents, no change); national control = 1 - a (1 - z)."""
        p = self.model.p
        pressure = self.fighters + self.raiders
        if pressure > 0.0:
            pace = p.control_rate * pressure / (pressure + p.engagement_half_fighters)
            z = self.zone_control + pace * (self.balance - self.zone_control)
            self.zone_control = min(1.0, max(0.0, z))
            self.control = 1.0 - self.periphery_area * (1.0 - self.zone_control)

    def update_legitimacy_and_hardship(self) -> None:
        """Legitimacy reverts to its structural level and erodes with violence and abuse.

        v = 1 - exp(-(deaths per 100,000 people) / reference) is the violence index.
        L <- L + nu_L (L0 - L) - a_V v - a_A abuse;  H <- H + nu_H (H0 + s x sanctioned +
        h_V v - H).
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

        h = h0 x exp(b_L (1 - L) + b_C (1 - c) + b_V v + b_S Lambda + b_E (H - H0)
                     + b_N N + b_T T - b_P P),
        Lambda the memory of soldiers killed (per 100 troops), H - H0 hardship above its
        structural level,
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
            + p.coup_soldier_weight * self.loss_memory
            + p.coup_economy_weight * max(0.0, self.hardship - self.hardship_base)
            + p.coup_contagion_weight * contagion
            + p.coup_trap_weight * trap
            - p.coup_protection_weight * protection
        )
        hazard = p.coup_hazard_scale * p.coup_base_hazard * math.exp(min(log_h, 50.0))
        return min(p.coup_hazard_max, hazard)


def _clip(x: float) -> float:
    return 0.0 if x < 0.0 else (1.0 if x > 1.0 else x)
