"""Combat and violence in one country and month: who fights whom, and who dies.

ODD submodel 4b. The state side fields *forces* (:class:`Force`: the national army, a
militia, allied bloc forces, each foreign contingent), built each month by
:meth:`Country.muster <sim.world.agents.country.Country.muster>`; the insurgent side is the
fighters of each group present plus the raiders from next door. :func:`clash` then computes,
in this order:

1. **Attrition of insurgents** (Kress and Szechtman 2009, after Deitchman 1962). A force
   of combat power P_j = n_j e_j (troops x effectiveness) aims a share iota_j of its fire
   (targets identified by informants, who come with control, and by surveillance); aimed
   fire finds a share A / (A + H) of the targets it could (A fighters and raiders present;
   below H they hide, and attrition is proportional to forces x fighters, Deitchman's
   guerrilla law). Where insurgents hold the zone they also fight in the open, as a
   conventional force (Lanchester's aimed fire: v (1 - z) of the force's fire finds them
   without search). The rest is *area fire*, which hits fighters only in proportion to
   their share of the zone's people, A / N, and kills bystanders in proportion to the
   fighting's intensity pi = A / (A + A_half):
       fighters killed   K = mu sum_j P_j (iota_j A / (A + H) + v (1 - z)
                                           + (1 - iota_j) A / N)      (at most A / 2)
       bystanders killed C = mu c_r sum_j P_j pi (1 - iota_j) h_j (1 - A / N)
   with h_j the force's harm profile and c_r the collateral ratio.
2. **Insurgent fire** (Deitchman's guerrillas fire aimed shots): state-side personnel killed
   D = beta sum_g lambda_g (F_g + R_g) x (offensive_gain during an offensive), split over the
   forces in proportion to troops engaged x exposure.
3. **Violence against civilians** (Kalyvas 2006, ch. 7-9): each side uses *selective*
   violence where its control is dominant but incomplete, s(x) = 8 max(0, 2x - 1)(1 - x)
   (0 at parity and at full control, 1 at x = 3/4), and *indiscriminate* violence where it
   lacks control and information, (1 - x)(1 - iota). For the insurgents x = 1 - z (z the
   state's control of the contested zone): V_g = lambda_g (F_g + R_g) (sigma_s s(1 - z) +
   sigma_t z (1 - iota_I)). State-side forces commit massacres (below) at a rate per 1000
   engaged troops x pi x h_j x (s(z) + (1 - z)(1 - iota_j)).
4. **Mass-casualty events**: massed attacks on bases, insurgent massacres and massacres by
   state-side forces, each at most one per kind and country-month with probability
   1 - exp(-rate), of size x_min U^(-1/(alpha - 1)) truncated at x_max (a power law,
   Clauset, Young and Gleditsch 2007). Base defence (surveillance, air support, foreign
   quick-reaction forces) scales the defenders killed in a massed attack by
   exp(-(d_isr n_isr + d_air n_air + d_qrf foreign troops / 1000)). Each event raises the
   country's excitation, which multiplies the rates of the next ones and decays with time
   constant tau_h (a self-exciting process, Hawkes 1971): events cluster.

Deaths are recorded in UCDP's three categories (Sundberg and Melander 2013): *state-based*
(state or foreign forces against insurgents, both sides' dead and bystanders killed in
battle), *non-state* (militias against insurgents, rival groups) and *one-sided* (deliberate
killing of civilians, by any armed actor), and by perpetrator (:data:`STATE`,
:data:`MILITIA`, a power's id or a group's id). Routine deaths carry log-normal noise and are
rounded stochastically to whole persons.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.world.agents.country import Country
    from sim.world.agents.insurgent import InsurgentGroup
    from sim.world.parameters import Parameters

STATE = "state"
"""Perpetrator id of a country's national forces."""
MILITIA = "militia"
"""Perpetrator id of a country's pro-government militia."""
ALLIES = "allies"
"""Perpetrator id of forces lent by a mutual-defence bloc."""

FORCE_SLOTS = 3
"""Slots before the powers' in a country's block of the ``massacre`` stream: army, militia,
allies; power j uses slot 3 + j."""

ROUNDING_SLOTS = 8
"""Uniforms per country and month for stochastic rounding (one per death count)."""


@dataclass(slots=True)
class Force:
    """One state-side force in a country this month.

    ``troops`` are engaged personnel (persons), ``effectiveness`` troop-equivalents per
    person, ``intelligence`` the aimed share of its fire (0-1), ``harm`` its harm profile (1
    = a national army of the region), ``exposure`` its exposure to insurgent fire relative to
    national soldiers, ``slot`` its index in the massacre stream and ``non_state`` whether
    UCDP would count its fighting as non-state (militias).
    """

    actor: str
    slot: int
    troops: float
    effectiveness: float
    intelligence: float
    harm: float
    exposure: float
    non_state: bool = False

    @property
    def power(self) -> float:
        """Combat power, troop-equivalents (troops x effectiveness)."""
        return self.troops * self.effectiveness


def selective(x: float) -> float:
    """Kalyvas' selective violence by a side with control share ``x`` of a zone:
    8 max(0, 2x - 1)(1 - x): nil at parity and at full control, 1 at x = 3/4."""
    return 8.0 * (2.0 * x - 1.0) * (1.0 - x) if x > 0.5 else 0.0


def indiscriminate(x: float, information: float) -> float:
    """Kalyvas' indiscriminate violence by a side with control ``x`` and information
    ``information`` (both 0-1): (1 - x)(1 - information)."""
    return (1.0 - x) * (1.0 - information)


def event_size(u: float, p: Parameters) -> float:
    """Size of a mass-casualty event from a uniform ``u`` in [0, 1): a power law above
    x_min with exponent alpha, truncated at x_max (inverse of P(X > x) = (x/x_min)^(1-a))."""
    x = p.event_size_min * (1.0 - u) ** (-1.0 / (p.event_size_alpha - 1.0))
    return x if x < p.event_size_max else p.event_size_max


def whole(x: float, u: float) -> float:
    """Stochastic rounding: floor(x) plus one with probability frac(x) (mean preserved)."""
    n = math.floor(x)
    return float(n + (1 if u < x - n else 0))


class Toll:
    """The month's dead in one country, by UCDP category and by perpetrator."""

    __slots__ = (
        "by",
        "civilians",
        "fighters",
        "non_state",
        "one_sided",
        "soldiers",
        "state_based",
    )  # fmt: skip

    def __init__(self) -> None:
        self.state_based = 0.0  # deaths, persons
        self.non_state = 0.0
        self.one_sided = 0.0
        self.soldiers = 0.0  # state-side personnel killed (army, militia, allies, foreign)
        self.fighters = 0.0  # insurgent fighters killed
        self.civilians = 0.0  # civilians killed (in battle or deliberately)
        self.by: dict[str, float] = {}  # perpetrator -> deaths it inflicted

    @property
    def total(self) -> float:
        """All deaths from organised violence (the three categories)."""
        return self.state_based + self.non_state + self.one_sided

    def add(self, category: str, perpetrator: str, deaths: float) -> None:
        """Record ``deaths`` inflicted by ``perpetrator`` in UCDP ``category``."""
        if deaths <= 0.0:
            return
        if category == "state_based":
            self.state_based += deaths
        elif category == "non_state":
            self.non_state += deaths
        else:
            self.one_sided += deaths
        self.by[perpetrator] = self.by.get(perpetrator, 0.0) + deaths


def clash(
    country: Country,
    forces: list[Force],
    fighters: list[tuple[InsurgentGroup, float, float]],
    noise: np.ndarray,
    rounding: np.ndarray,
    events: np.ndarray,
    massacres: np.ndarray,
) -> None:
    """Fight one month in ``country``: add the dead to ``country.toll`` and take the losses.

    Args:
        forces: the state side this month (:meth:`Country.muster`).
        fighters: (group, fighters based here, raiders from next door) for every group
            operating in the country.
        noise: 2 standard normals (battle, insurgent violence against civilians).
        rounding: :data:`ROUNDING_SLOTS` uniforms for stochastic rounding.
        events: 4 uniforms (massed attack: occurs, size; insurgent massacre: occurs, size).
        massacres: 2 uniforms per force slot (occurs, size) for massacres by state-side
            forces.

    Fighters killed are taken from each group in proportion to its weight lambda (F + R);
    losses among raiders come off the group's fighters in the countries they raid from.
    State-side losses reduce the army and the militia (foreign contingents are replenished
    by their governments).
    """
    p = country.model.p
    toll = country.toll
    weights = [g.lethality * (f + r) for g, f, r in fighters]
    present = sum(f + r for _, f, r in fighters)
    weight = sum(weights)
    decay = math.exp(-1.0 / p.clustering_months)
    if present <= 0.0 or weight <= 0.0:
        country.excitation *= decay
        country.abuse_events = 0
        return
    u = rounding.tolist()
    z = country.zone_control
    people = max(country.exposed_people, 1.0)
    hidden = min(1.0, present / people)  # insurgents' share of the zone's people
    intensity = present / (present + p.engagement_half_fighters)
    sd = p.violence_dispersion
    battle_noise = math.exp(sd * noise.item(0) - 0.5 * sd * sd)
    civilian_noise = math.exp(sd * noise.item(1) - 0.5 * sd * sd)
    offensive = p.offensive_gain if country.offensive else 1.0
    excitation = 1.0 + country.excitation
    mass_events = 0

    # 1. Attrition of insurgents (aimed and area fire) and bystanders in battle.
    aimed_state = aimed_militia = 0.0
    powers = [f.troops * f.effectiveness for f in forces]  # combat power, te
    collateral: list[float] = []  # bystanders killed by each force, persons
    exposure = 0.0
    found = present / (present + p.search_fighters)  # share of aimed fire that finds a target
    open_ground = p.holding_visibility * (1.0 - z)  # targets holding ground in the open
    kill_rate = p.kill_rate
    area_rate = kill_rate * p.collateral_ratio
    for force, power in zip(forces, powers, strict=True):
        iota = force.intelligence
        hits = kill_rate * power * (iota * found + open_ground + (1.0 - iota) * hidden)
        if force.non_state:
            aimed_militia += hits
        else:
            aimed_state += hits
        area = area_rate * (power * intensity) * (1.0 - iota)
        collateral.append(area * force.harm * (1.0 - hidden))
        exposure += force.troops * force.exposure
    killed = (aimed_state + aimed_militia) * battle_noise
    cap = 0.5 * present
    scale = cap / killed if killed > cap else 1.0
    killed_state = whole(aimed_state * battle_noise * scale, u[0])
    killed_militia = whole(aimed_militia * battle_noise * scale, u[1])
    killed_all = killed_state + killed_militia
    lost = [killed_all * w / weight for w in weights]
    collateral = [whole(c * battle_noise, u[2]) for c in collateral]
    power_state = sum(w for f, w in zip(forces, powers, strict=True) if not f.non_state)
    for force, power, bystanders in zip(forces, powers, collateral, strict=True):
        if not force.non_state:
            share = power / power_state if power_state > 0.0 else 0.0
            toll.add("state_based", force.actor, killed_state * share + bystanders)
    for force, bystanders in zip(forces, collateral, strict=True):
        if force.non_state:
            toll.add("non_state", force.actor, killed_militia + bystanders)
    toll.fighters += killed_all
    toll.civilians += sum(collateral)

    # 2. Insurgent fire on state-side forces (routine), split by exposure.
    routine = p.insurgent_fire * weight * offensive * battle_noise
    # 4a. A massed attack on a base or town: its defenders die unless defended.
    u_attack, u_attack_size, u_massacre, u_massacre_size = events.tolist()
    attack_rate = p.mass_attack_rate * weight / 1000.0 * excitation
    defenders = attackers = 0.0
    if u_attack < 1.0 - math.exp(-attack_rate):
        size = event_size(u_attack_size, p)
        defenders = size * country.base_defence
        attackers = min(p.attacker_loss_ratio * size, cap)
        mass_events += 1
    soldiers = whole(routine + defenders, u[3])
    if exposure > 0.0 and soldiers > 0.0:
        # Whole persons per force: each its floor share, the remainder to the most exposed.
        shares = [soldiers * f.troops * f.exposure / exposure for f in forces]
        whole_shares = [float(math.floor(x)) for x in shares]
        most = max(range(len(forces)), key=shares.__getitem__)
        whole_shares[most] += soldiers - sum(whole_shares)
        for force, killed in zip(forces, whole_shares, strict=True):
            if killed <= 0.0:
                continue
            force_loss(country, force, killed)
            category = "non_state" if force.non_state else "state_based"
            for (group, _, _), w in zip(fighters, weights, strict=True):
                toll.add(category, group.group_id, killed * w / weight)
        toll.soldiers += soldiers
    main = _index_largest(weights)  # the strongest group: massed attacks and massacres
    if attackers > 0.0:
        attackers = whole(attackers, u[4])
        lost[main] += attackers
        toll.fighters += attackers
        toll.add("state_based", STATE, attackers)

    # 3 and 4b. Insurgents' violence against civilians: routine and massacres.
    contested = selective(1.0 - z)
    informed = 1.0 - p.insurgent_information
    kalyvas = p.insurgent_selective * contested + p.insurgent_terror * z * informed
    factor = contested + z * informed
    massacre = 0.0
    if u_massacre < 1.0 - math.exp(-p.massacre_rate * weight / 1000.0 * factor * excitation):
        massacre = event_size(u_massacre_size, p)
        mass_events += 1
    for i, (group, _, _) in enumerate(fighters):
        dead = whole(weights[i] * kalyvas * civilian_noise, u[5])
        if i == main:
            dead += math.floor(massacre)
        toll.add("one_sided", group.group_id, dead)
        toll.civilians += dead

    # 4c. Massacres by state-side forces (selective where control is dominant, indiscriminate
    # where it is lost).
    abused = sum(collateral)
    abuse_rate = p.state_abuse_rate
    selective_z = selective(z)
    for force in forces:
        rate = (
            abuse_rate
            * force.troops
            / 1000.0
            * intensity
            * force.harm
            * (selective_z + indiscriminate(z, force.intelligence))
            * excitation
        )
        if rate > 0.0 and massacres.item(2 * force.slot) < 1.0 - math.exp(-rate):
            dead = math.floor(event_size(massacres.item(2 * force.slot + 1), p))
            toll.add("one_sided", force.actor, dead)
            toll.civilians += dead
            abused += dead
            mass_events += 1
    country.abuse_events = mass_events
    country.civilians_abused += abused  # after any scheduled massacre this month

    # Losses among the insurgents: from fighters based here first, raiders' from their bases.
    for i, (group, based, raiding) in enumerate(fighters):
        if lost[i] > 0.0:
            group.take_losses(country, lost[i], based, raiding)
    country.excitation = (country.excitation + p.clustering_jump * mass_events) * decay


def force_loss(country: Country, force: Force, dead: float) -> None:
    """Take ``dead`` state-side personnel off the force they belong to."""
    if force.actor == STATE:
        country.forces = max(0.0, country.forces - dead)
        country.army_deaths += dead
    elif force.actor == MILITIA and country.militia is not None:
        country.militia.members = max(0.0, country.militia.members - dead)


def _index_largest(weights: list[float]) -> int:
    return max(range(len(weights)), key=weights.__getitem__)
