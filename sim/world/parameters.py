"""The model's free parameters: name, unit, default, allowed range and why that default.

Every mechanism constant of the model lives here, so that a scenario file can override it
(``parameters:`` in YAML), a sweep can vary it and the documentation can list it. Each field
carries its unit and a one-line justification (a source or a stated assumption) in its
metadata; ``parameter_table()`` turns them into the table printed in ``docs/ODD.md``.

Actor-specific constants (a power's effectiveness per soldier, a group's lethality) belong to
the actors in the scenario file, not here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


def _p(default: float, lo: float, hi: float, unit: str, why: str) -> Any:
    """Declare one numeric parameter with its range, unit and justification."""
    return Field(default, ge=lo, le=hi, description=why, json_schema_extra={"unit": unit})


class Parameters(BaseModel):
    """All mechanism parameters of :class:`sim.world.model.SahelModel` (immutable).

    Rates are per month unless the unit says otherwise. Troop-equivalents (te) measure
    security effect in units of one regular national soldier at full state capacity.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _a_number(cls, value: Any) -> Any:
        """Refuse ``true``/``false`` and quoted numbers instead of converting them."""
        if isinstance(value, bool | str):
            raise ValueError(f"got {value!r}; expected a number")
        return value

    # --- Forces and attrition (Deitchman 1962; Kress and Szechtman 2009) -------------------
    kill_rate: float = _p(
        0.01,
        0.0005,
        0.5,
        "fighters per te per month",
        "mu: fighters put out of action per troop-equivalent of engaged state-side force per "
        "month under fully aimed fire (Kress and Szechtman 2009's attrition coefficient); prior "
        "from Serval (~4,000 French and ~1,500 Malian te, ~700 jihadists killed in 2013); "
        "fitted to UCDP 2012-2019 (docs/ODD.md, 8).",
    )
    search_fighters: float = _p(
        3000.0,
        10.0,
        200000.0,
        "fighters",
        "H: insurgent numbers at which aimed fire finds half the targets it could; below H "
        "fighters hide among the people and attrition is proportional to forces x fighters "
        "(Deitchman's guerrilla law), above it to forces alone (Lanchester's aimed fire); "
        "fitted to UCDP 2012-2019 (docs/ODD.md, 8).",
    )
    insurgent_fire: float = _p(
        0.01,
        0.0002,
        0.5,
        "soldiers per fighter per month",
        "beta: state-side personnel killed per insurgent fighter per month in routine attacks "
        "(Deitchman's guerrillas' aimed fire, scaled by the group's lethality); prior from "
        "Nigeria 2013 (~800 soldiers and CJTF killed against ~6,000 fighters); fitted to UCDP "
        "2012-2019 (docs/ODD.md, 8).",
    )
    army_intelligence: float = _p(
        0.3,
        0.0,
        1.0,
        "share",
        "iota_0: share of the national army's fire that is aimed (targets identified) at full "
        "control of the contested zone; information comes from control (Kalyvas 2006, ch. 7); "
        "assumption.",
    )
    militia_intelligence: float = _p(
        0.5,
        0.0,
        1.0,
        "share",
        "Aimed share of a militia's fire at full control: local volunteers know who is who "
        "(CJTF in Maiduguri; assumption).",
    )
    foreign_intelligence: float = _p(
        0.15,
        0.0,
        1.0,
        "share",
        "Aimed share of a foreign contingent's fire at full control, before its surveillance; "
        "foreign troops lack local knowledge (assumption).",
    )
    holding_visibility: float = _p(
        0.5,
        0.0,
        1.0,
        "share",
        "v: share of insurgent fire positions a state-side force can target where the "
        "insurgents hold the zone: fighters who hold towns fight in the open (Gao and the "
        "Ifoghas, 2013; Boko Haram's towns, 2014-15); departure from Kress and Szechtman, "
        "whose insurgents always hide (assumption).",
    )
    isr_gain: float = _p(
        0.7,
        0.0,
        5.0,
        "per ISR hub",
        "g_ISR: a surveillance hub multiplies the unaimed share of every state-side force by "
        "exp(-g_ISR) (drones find targets; Air Base 201 Agadez); assumption.",
    )
    air_gain: float = _p(
        0.5,
        0.0,
        5.0,
        "per air detachment",
        "Rise in the effectiveness of every state-side force per air-support detachment "
        "(strike aircraft, helicopters, armed drones) of a partner; assumption.",
    )
    aid_gain: float = _p(
        0.5,
        0.0,
        5.0,
        "multiplier",
        "Largest rise in the national army's effectiveness from security aid (training, arms, "
        "money): effectiveness x (1 + aid_gain x aid / (aid + aid_half_musd)); assumption.",
    )
    aid_half_musd: float = _p(
        50.0,
        1.0,
        5000.0,
        "USD million per year",
        "Security aid at which the aid effect is half its maximum (assumption).",
    )
    collateral_ratio: float = _p(
        0.3,
        0.0,
        5.0,
        "civilians per unit of unaimed fire",
        "Civilians killed per unit of unaimed (area) fire of a force with harm profile 1; "
        "Kress and Szechtman's area fire kills a bystander with each unaimed shot (ratio 1); "
        "most unaimed fire is suppressive, so the prior is lower; fitted to UCDP 2012-2019 "
        "(docs/ODD.md, 8).",
    )
    militia_effectiveness: float = _p(
        0.3,
        0.0,
        3.0,
        "te per militia member",
        "Combat effect of one militia member relative to a soldier at full capacity (VDP "
        "received two weeks of training; assumption).",
    )
    militia_harm: float = _p(
        3.0,
        0.0,
        20.0,
        "harm profile",
        "Harm profile of militias (abuse and collateral relative to the national army): "
        "Koglweogo at Yirgou (2019), Dan Na Ambassagou at Ogossagou (2019); assumption.",
    )
    soldier_exposure_foreign: float = _p(
        0.2,
        0.0,
        1.0,
        "relative exposure",
        "Exposure of foreign contingents to insurgent fire relative to national soldiers (force "
        "protection; French losses in Barkhane were ~58 in nine years); assumption.",
    )

    suspended_effect: float = _p(
        0.5,
        0.0,
        1.0,
        "share",
        "Share of a partner's contribution (troops' effect, surveillance, air, aid) that remains "
        "while cooperation is suspended after a coup (US ISR flights continued for force "
        "protection in Niger, 2023-24).",
    )
    bloc_defence_share: float = _p(
        0.05,
        0.0,
        0.5,
        "share",
        "Share of fellow members' national combat power a mutual-defence bloc (AES, G5 joint "
        "force) lends to a member (assumption; joint operations were small).",
    )

    # --- Tempo and mobilisation ---------------------------------------------------------------
    ci_commitment: float = _p(
        0.2,
        0.0,
        1.0,
        "share of national forces",
        "tau_0: share of national forces engaged against insurgents beyond the share of the "
        "contested zone lost (Benin's Operation Mirador: ~3,000 of ~12,000 troops in the north).",
    )
    offensive_gain: float = _p(
        2.0,
        1.0,
        5.0,
        "multiplier",
        "Engaged share during an offensive relative to routine tempo (the 2015 MNJTF offensive; "
        "assumption).",
    )
    offensive_months: float = _p(
        6.0,
        1.0,
        36.0,
        "months",
        "Length of an offensive; a government does not launch another for as long after it ends "
        "(assumption).",
    )
    offensive_rate: float = _p(
        0.1,
        0.0,
        1.0,
        "per month",
        "Monthly chance that a government that has lost more of the contested zone than "
        "offensive_threat launches an offensive (assumption).",
    )
    offensive_threat: float = _p(
        0.2,
        0.0,
        1.0,
        "share of the zone lost",
        "Loss of control of the contested zone above which a government launches offensives "
        "(assumption).",
    )
    mobilisation_rate: float = _p(
        0.01,
        0.0,
        0.2,
        "share of forces per month per unit threat",
        "Growth of national forces per month per unit of the contested zone lost beyond the "
        "mobilisation threshold (Mali's 2015-19 programming law: +10,000 in five years); "
        "assumption.",
    )
    mobilisation_threshold: float = _p(
        0.1,
        0.0,
        1.0,
        "share of the zone lost",
        "Loss of control of the contested zone above which a government enlarges its forces "
        "(assumption).",
    )
    mobilisation_cap: float = _p(
        3.0,
        1.0,
        10.0,
        "multiple of initial forces",
        "Largest size of national forces relative to the initial size (assumption).",
    )
    militia_rate: float = _p(
        0.0005,
        0.0,
        0.05,
        "members per exposed person per month per unit threat",
        "Militia members raised per exposed person per month per unit of the contested zone "
        "lost beyond the mobilisation threshold (CJTF 2013: ~26,000 in Borno in months; VDP "
        "2020-23); assumption.",
    )
    militia_max_share: float = _p(
        0.01,
        0.0,
        0.1,
        "share of exposed population",
        "Largest militia as a share of the exposed population (VDP ~90,000 of ~10 million "
        "exposed in 2023); assumption.",
    )
    militia_decay: float = _p(
        0.02,
        0.0,
        0.5,
        "per month",
        "Share of militia members who go home each month (assumption).",
    )
    morale_loss: float = _p(
        0.1,
        0.0,
        10.0,
        "per unit of loss memory",
        "Fall in the national army's effectiveness per unit of recent losses (soldiers killed "
        "per 100 troops over about a year): exp(-morale_loss x losses); assumption.",
    )
    loss_memory_months: float = _p(
        12.0,
        1.0,
        60.0,
        "months",
        "e-folding time of the memory of soldiers' deaths (morale, coup grievance); assumption.",
    )

    # --- Recruitment (Epstein 2002) -------------------------------------------------------------
    deterrence_scale: float = _p(
        1.0,
        0.01,
        20.0,
        "1 / (identified troops per fighter)",
        "k in Epstein's arrest probability P = 1 - exp(-k C / (A + A_0)), C the state-side troops "
        "in the zone that identify targets (troops x aimed share), A the insurgents there; "
        "Epstein used 2.3 with cops and actives in vision (assumption).",
    )
    deterrence_half_fighters: float = _p(
        200.0,
        1.0,
        10000.0,
        "fighters",
        "A_0: would-be insurgents count on this many potential comrades as well as the fighters "
        "present (Epstein counts the agent itself, A + 1; here a band, assumption).",
    )
    join_threshold: float = _p(
        0.1,
        0.0,
        1.0,
        "grievance units",
        "T: a person joins when grievance minus risk aversion x arrest probability exceeds T "
        "(Epstein 2002 used 0.1).",
    )
    recruitment_rate: float = _p(
        0.0002,
        0.000001,
        0.05,
        "share of the willing pool per month",
        "rho: share of the people willing to rebel (Epstein's rule) who join a group in a "
        "month while it is far from its ceiling; fitted to UCDP 2012-2019 (docs/ODD.md, 8).",
    )
    armed_share: float = _p(
        0.01,
        0.0001,
        1.0,
        "fighters per willing person",
        "phi: ceiling of the fighters as a share of the willing pool (arms, money and "
        "organisation limit who can be armed); fitted to UCDP 2012-2019 (docs/ODD.md, 8).",
    )
    access_floor: float = _p(
        0.05,
        0.0,
        1.0,
        "share of the zone",
        "Share of the contested zone where insurgents can recruit even under full state "
        "control (villages the state does not visit); assumption.",
    )
    abuse_alienation: float = _p(
        0.5,
        0.0,
        1.0,
        "share of legitimacy at abuse memory 1",
        "Share of the state's legitimacy lost, in the communities abuses hit, at abuse memory 1: "
        "71% of recruits in UNDP's 'Journey to Extremism in Africa' (2017) named government "
        "action against family or friends as the tipping point.",
    )
    desertion_rate: float = _p(
        0.005,
        0.0,
        0.2,
        "per month",
        "Share of fighters leaving a group each month other than by death (assumption; "
        "defection and disengagement programmes are small in the Sahel).",
    )
    recruitment_dispersion: float = _p(
        0.3,
        0.0,
        3.0,
        "log-sd",
        "Log-normal spread of monthly recruitment around its mean (assumption).",
    )

    # --- Violence against civilians (Kalyvas 2006) ----------------------------------------------
    insurgent_selective: float = _p(
        0.01,
        0.0,
        0.5,
        "civilians per fighter per month",
        "Civilians killed per fighter per month by selective violence where the group's control "
        "is dominant but incomplete (Kalyvas' zone 4; s = 1 at 3/4 control); fitted to UCDP "
        "2012-2019 (docs/ODD.md, 8).",
    )
    insurgent_terror: float = _p(
        0.005,
        0.0,
        0.5,
        "civilians per fighter per month",
        "Civilians killed per fighter per month by indiscriminate violence where the group lacks "
        "control and information (raids on villages held by the state or its militias); "
        "fitted to UCDP 2012-2019 (docs/ODD.md, 8).",
    )
    insurgent_information: float = _p(
        0.5,
        0.0,
        1.0,
        "share",
        "Insurgents' information about civilians where they do not control (assumption).",
    )
    state_abuse_rate: float = _p(
        0.02,
        0.0,
        1.0,
        "events per 1000 troops per month",
        "Massacre events by a force of harm profile 1 per 1000 engaged troops per month, at "
        "Kalyvas factor 1 (HRW and UN reports on FAMa and VDP; assumption).",
    )
    violence_dispersion: float = _p(
        0.4,
        0.0,
        3.0,
        "log-sd",
        "Log-normal spread of routine monthly deaths around their mean (assumption).",
    )
    rival_lethality: float = _p(
        0.01,
        0.0,
        0.5,
        "deaths per fighter per month",
        "Deaths per fighter (of the smaller rival) per month where rival groups meet (UCDP "
        "non-state deaths; assumption).",
    )

    # --- Mass-casualty events (Clauset, Young and Gleditsch 2007) ------------------------------
    mass_attack_rate: float = _p(
        0.05,
        0.0,
        2.0,
        "events per 1000 fighters per month",
        "Massed attacks on bases or towns per 1000 fighters per month (Inates 2019, Inata 2021, "
        "Djibo 2023); assumption.",
    )
    massacre_rate: float = _p(
        0.05,
        0.0,
        2.0,
        "events per 1000 fighters per month",
        "Insurgent massacres of civilians per 1000 fighters per month at Kalyvas factor 1 "
        "(Solhan 2021, Seytenga 2022); assumption.",
    )
    event_size_min: float = _p(
        10.0,
        1.0,
        200.0,
        "deaths",
        "x_min: smallest mass-casualty event (UCDP events of 10 or more deaths); assumption.",
    )
    event_size_alpha: float = _p(
        2.4,
        1.5,
        4.0,
        "exponent",
        "alpha: sizes above x_min follow a power law P(X > x) = (x / x_min)^(1 - alpha); "
        "Clauset, Young and Gleditsch (2007) estimate 2.38 for terrorist events.",
    )
    event_size_max: float = _p(
        1000.0,
        10.0,
        5000.0,
        "deaths",
        "Largest single event (truncation of the power law; Moura 2022, ~500, is the largest in "
        "the region since 2012); assumption.",
    )
    base_defence_isr: float = _p(
        0.5,
        0.0,
        5.0,
        "per ISR hub",
        "Base defence from a surveillance hub (warning of massed attacks): deaths among "
        "defenders x exp(-d_isr - d_air - d_qrf x foreign troops / 1000); assumption.",
    )
    base_defence_air: float = _p(
        0.5, 0.0, 5.0, "per air detachment", "Base defence from air support (assumption)."
    )
    base_defence_qrf: float = _p(
        0.3,
        0.0,
        5.0,
        "per 1000 foreign troops",
        "Base defence from foreign quick-reaction forces (assumption).",
    )
    attacker_loss_ratio: float = _p(
        0.7,
        0.0,
        5.0,
        "attackers per defender killed",
        "Attackers killed per defender killed in a massed attack (Inates 2019: ~57 against 71; "
        "assumption).",
    )
    clustering_jump: float = _p(
        0.5,
        0.0,
        10.0,
        "rate multiplier per event",
        "Rise of the mass-event rate after each mass event (self-exciting, Hawkes 1971); "
        "assumption.",
    )
    clustering_months: float = _p(
        3.0,
        0.5,
        24.0,
        "months",
        "e-folding time of the excitation after a mass event (assumption).",
    )
    abuse_memory_reference: float = _p(
        50.0,
        1.0,
        5000.0,
        "civilian deaths per month",
        "Civilians killed by state-side forces in a month that raise the abuse memory by "
        "1 - 1/e of the way to 1 (assumption).",
    )
    abuse_memory_decay: float = _p(
        0.05,
        0.0,
        1.0,
        "per month",
        "Monthly decay of abuse memory; half-life ~14 months (assumption).",
    )

    # --- Control ---------------------------------------------------------------------------------
    fighter_weight: float = _p(
        1.0,
        0.05,
        500.0,
        "te per fighter",
        "w: combat weight of one fighter against one troop-equivalent in the balance of forces "
        "B = E / (E + w sum lambda F) that control moves toward (assumption; fitted to UCDP "
        "2012-2019, docs/ODD.md, 8).",
    )
    control_rate: float = _p(
        0.05,
        0.0,
        1.0,
        "per month",
        "Speed at which control of the contested zone moves toward the balance of forces "
        "(Burkina Faso lost ~40% of its territory in ~5 years; assumption).",
    )
    engagement_half_fighters: float = _p(
        200.0,
        1.0,
        10000.0,
        "fighters",
        "Insurgent fighters at which fighting reaches half intensity; with no insurgents "
        "control does not change (assumption).",
    )
    min_presence_fighters: float = _p(
        20.0,
        0.0,
        1000.0,
        "fighters",
        "Below this many fighters a group's presence in a country ends (assumption).",
    )

    # --- Spread along borders --------------------------------------------------------------------
    raid_share: float = _p(
        0.2,
        0.0,
        1.0,
        "share of fighters",
        "Share of a group's fighters in a country that operate across its borders (raids from "
        "sanctuaries, e.g. IS Sahel from Menaka into Tillaberi), split over the neighbours "
        "(assumption).",
    )
    spread_flow_rate: float = _p(
        0.004,
        0.0,
        0.5,
        "share per month",
        "Share of a group's fighters in a country that moves to its neighbours where it is "
        "present, per month, split evenly over the neighbours and scaled by each one's "
        "uncontrolled share; only net flows move (assumption).",
    )
    seed_rate: float = _p(
        0.05,
        0.0,
        1.0,
        "per month",
        "Monthly chance that a strong group opens a cell in a neighbour with no state control; "
        "scaled by the neighbour's uncontrolled share (assumption; JNIM into Benin, 2021).",
    )
    seed_fighters: float = _p(
        40.0,
        1.0,
        2000.0,
        "fighters",
        "Fighters a group sends to open a new cell across a border (assumption).",
    )
    seed_source_half: float = _p(
        500.0,
        1.0,
        20000.0,
        "fighters",
        "Fighters in the source country at which the chance of opening a cell is half its "
        "maximum (assumption).",
    )

    # --- Legitimacy and hardship -----------------------------------------------------------------
    legitimacy_reversion: float = _p(
        0.02,
        0.0,
        1.0,
        "per month",
        "Monthly pull of legitimacy back to its structural level (assumption).",
    )
    violence_legitimacy_loss: float = _p(
        0.002,
        0.0,
        0.2,
        "per month at violence index 1",
        "Legitimacy lost per month under maximal violence: states that cannot protect lose "
        "support (Afrobarometer; assumption).",
    )
    abuse_legitimacy_loss: float = _p(
        0.002,
        0.0,
        0.2,
        "per month at abuse memory 1",
        "Legitimacy lost per month under maximal abuse memory (assumption).",
    )
    hardship_reversion: float = _p(
        0.05,
        0.0,
        1.0,
        "per month",
        "Monthly pull of hardship toward its structural level plus shocks (assumption).",
    )
    sanction_hardship: float = _p(
        0.1,
        0.0,
        1.0,
        "hardship units",
        "Added hardship under regional sanctions (ECOWAS closed Niger's borders and froze "
        "assets in 2023; prices rose sharply; assumption).",
    )
    violence_hardship: float = _p(
        0.1,
        0.0,
        1.0,
        "hardship units at violence index 1",
        "Added hardship under maximal violence (displacement, closed markets; assumption).",
    )
    violence_reference: float = _p(
        1.0,
        0.01,
        100.0,
        "deaths per 100,000 people per month",
        "Fatality rate at which the violence index reaches 1 - 1/e (assumption; Mali 2019 "
        "had ~0.4, Burkina Faso 2023 ~3).",
    )

    # --- Coups -----------------------------------------------------------------------------------
    coup_base_hazard: float = _p(
        0.0002,
        0.0,
        0.1,
        "per month",
        "Monthly chance of a successful coup for a fully legitimate state in full control with "
        "no coup history; set so the ten countries average ~2% per country-year, as sub-Saharan "
        "Africa since 2000 (Powell and Thyne 2011 data).",
    )
    coup_hazard_scale: float = _p(
        1.0,
        0.0,
        10.0,
        "multiplier",
        "Multiplies the coup hazard; 0 sets it to zero. (A scenario with `coups: scheduled`, "
        "such as the historical run, computes the hazard but lets only dated coups happen.)",
    )
    coup_legitimacy_weight: float = _p(
        2.0,
        0.0,
        20.0,
        "log-hazard per unit",
        "Rise in log coup hazard per unit of lost legitimacy (assumption after Powell 2012).",
    )
    coup_control_weight: float = _p(
        2.0,
        0.0,
        20.0,
        "log-hazard per unit",
        "Rise in log coup hazard per unit of lost territorial control: insecurity motivated "
        "the Mali, Burkina Faso and Niger coups (assumption).",
    )
    coup_violence_weight: float = _p(
        1.0,
        0.0,
        20.0,
        "log-hazard at violence index 1",
        "Rise in log coup hazard under maximal violence (assumption).",
    )
    coup_contagion_weight: float = _p(
        1.0,
        0.0,
        20.0,
        "log-hazard per recent neighbouring coup",
        "Rise in log coup hazard per recent coup next door; evidence on contagion is mixed "
        "(Miller, Joseph and Ohl 2018 find little robust diffusion) but the 2020-23 Sahel "
        "sequence suggests some (assumption).",
    )
    coup_contagion_months: float = _p(
        12.0,
        1.0,
        120.0,
        "months",
        "e-folding time of a neighbour's coup's effect on the hazard (assumption).",
    )
    coup_trap_weight: float = _p(
        1.5,
        0.0,
        20.0,
        "log-hazard",
        "Extra log hazard just after a coup, fading with coup_trap_months (the 'coup trap', "
        "Londregan and Poole 1990; Burkina Faso had two coups in 2022).",
    )
    coup_trap_months: float = _p(
        60.0,
        1.0,
        600.0,
        "months",
        "e-folding time of the coup trap (assumption).",
    )
    coup_protection_weight: float = _p(
        3.0,
        0.0,
        20.0,
        "log-hazard per unit",
        "Fall in log hazard per unit of regime protection (a foreign guard for the ruler, "
        "e.g. Wagner in Bamako; assumption).",
    )
    coup_soldier_weight: float = _p(
        0.3,
        0.0,
        20.0,
        "log-hazard per unit of loss memory",
        "Rise in log coup hazard per unit of recent soldiers' deaths (per 100 troops, about a "
        "year's memory): the 2022 coups in Burkina Faso followed Inata (2021-11), Djibo and "
        "Gaskinde (2022-09); military grievance (Powell 2012; assumption).",
    )
    coup_economy_weight: float = _p(
        1.0,
        0.0,
        20.0,
        "log-hazard per unit of hardship",
        "Rise in log coup hazard per unit of economic hardship above its structural level "
        "(economic decline raises coup risk, Londregan and Poole 1990; assumption).",
    )
    coup_hazard_max: float = _p(
        0.1,
        0.0,
        1.0,
        "per month",
        "Upper bound on the monthly coup hazard (assumption).",
    )
    junta_sovereigntism: float = _p(
        0.7,
        0.0,
        1.0,
        "index",
        "Sovereigntist stance of a junta that takes power by an endogenous coup (the 2020-23 "
        "Sahel juntas all turned against France; assumption).",
    )
    coup_capacity_loss: float = _p(
        0.03,
        0.0,
        0.5,
        "capacity units",
        "Loss of state capacity from a coup (purges, disrupted command; assumption).",
    )

    # --- Alignment (juntas and governments choose partners) --------------------------------------
    alignment_rate: float = _p(
        0.08,
        0.0,
        1.0,
        "per month",
        "Inertia of partner preferences: share of the gap to the preferred alignment closed per "
        "month (Niger took ~8 months from coup to revoking the US agreement).",
    )
    alignment_temperature: float = _p(
        0.5,
        0.01,
        10.0,
        "utility units",
        "Softmax temperature of partner choice; lower is more decisive (assumption).",
    )
    security_weight: float = _p(
        2.0,
        0.0,
        20.0,
        "utility per unit share",
        "Weight of the security a partner delivers (share of the country's security; assumption).",
    )
    protection_weight: float = _p(
        2.0,
        0.0,
        20.0,
        "utility per unit",
        "Weight a junta gives to regime protection offered (assumption; civilian governments "
        "give it none).",
    )
    conditionality_weight: float = _p(
        2.0,
        0.0,
        20.0,
        "utility per unit",
        "Weight of conditions attached (aid suspended after a coup) in a junta's choice "
        "(assumption).",
    )
    sovereignty_weight: float = _p(
        1.5,
        0.0,
        20.0,
        "utility per unit",
        "Penalty on Western partners per unit of the government's sovereigntist stance "
        "(assumption).",
    )
    expel_threshold: float = _p(
        0.06,
        0.0,
        1.0,
        "preference share",
        "A government expels a partner whose preference share falls below this (assumption).",
    )
    invite_threshold: float = _p(
        0.3,
        0.0,
        1.0,
        "preference share",
        "A government invites a willing partner whose preference share exceeds this (assumption).",
    )
    decision_rate: float = _p(
        0.2,
        0.0,
        1.0,
        "per month",
        "Monthly chance that a government reviews its partnerships and acts on every "
        "preference past a threshold (assumption).",
    )
    deploy_speed: float = _p(
        300.0,
        1.0,
        10000.0,
        "troops per month",
        "Troops a power can deploy into one country per month (Africa Corps arrived in groups "
        "of ~100; assumption).",
    )
    withdraw_speed: float = _p(
        500.0,
        1.0,
        10000.0,
        "troops per month",
        "Troops a power withdraws from one country per month when it leaves (US: ~1000 in "
        "~4 months, 2024).",
    )

    # --- Influence -------------------------------------------------------------------------------
    influence_rate: float = _p(
        0.1,
        0.0,
        1.0,
        "per month",
        "Share of the gap between a power's influence and its engagement-based target closed "
        "per month (assumption).",
    )
    autonomy_weight: float = _p(
        0.3,
        0.0,
        10.0,
        "te per te of national security",
        "Weight of a country's own security effect against foreign engagement in its influence "
        "shares; the rest of the shares is autonomy (assumption).",
    )
    econ_troop_equivalent: float = _p(
        0.5,
        0.0,
        100.0,
        "te per USD million",
        "Influence weight of economic engagement (investment, loans) in troop-equivalents "
        "(assumption).",
    )

    # --- Blocs (landscape theory, Axelrod and Bennett 1993) --------------------------------------
    bloc_regime_weight: float = _p(
        1.0,
        0.0,
        10.0,
        "affinity per unit",
        "Affinity from sharing a regime type (junta or not) with a bloc's members.",
    )
    bloc_alignment_weight: float = _p(
        1.0,
        0.0,
        10.0,
        "affinity per unit",
        "Affinity from similar foreign alignments (cosine of influence shares).",
    )
    bloc_sanction_weight: float = _p(
        1.5,
        0.0,
        10.0,
        "affinity",
        "Loss of affinity for a bloc that sanctions the country.",
    )
    bloc_leave_threshold: float = _p(
        -0.3,
        -5.0,
        5.0,
        "affinity",
        "Below this affinity a member announces its exit (assumption).",
    )
    bloc_join_threshold: float = _p(
        0.6,
        -5.0,
        5.0,
        "affinity",
        "Above this affinity an eligible country joins (assumption).",
    )
    bloc_move_rate: float = _p(
        0.1,
        0.0,
        1.0,
        "per month",
        "Monthly chance that a country reviews its bloc memberships and acts on every "
        "affinity past a threshold (assumption).",
    )
    bloc_exit_notice_months: float = _p(
        12.0,
        0.0,
        60.0,
        "months",
        "Notice before an announced exit takes effect (ECOWAS treaty art. 91: one year).",
    )
    sanction_months: float = _p(
        7.0,
        0.0,
        60.0,
        "months",
        "How long regional sanctions after a coup last (ECOWAS on Niger: Jul 2023 - Feb 2024).",
    )

    # --- Metrics ---------------------------------------------------------------------------------
    stability_control_weight: float = _p(
        0.4, 0.0, 1.0, "weight", "Weight of territorial control in the stability index."
    )
    stability_legitimacy_weight: float = _p(
        0.3, 0.0, 1.0, "weight", "Weight of legitimacy in the stability index."
    )
    stability_peace_weight: float = _p(
        0.3, 0.0, 1.0, "weight", "Weight of (1 - violence index) in the stability index."
    )


def parameter_table() -> list[dict[str, Any]]:
    """Return one row per parameter: name, default, unit, range and justification."""
    rows = []
    for name, field in Parameters.model_fields.items():
        lo = hi = None
        for meta in field.metadata:
            lo = getattr(meta, "ge", lo)
            hi = getattr(meta, "le", hi)
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        rows.append(
            {
                "name": name,
                "default": field.default,
                "unit": extra.get("unit", ""),
                "min": lo,
                "max": hi,
                "justification": field.description or "",
            }
        )
    return rows


def parameter_bounds(name: str) -> tuple[float, float]:
    """Return the allowed ``(min, max)`` of parameter ``name`` (KeyError if unknown)."""
    for row in parameter_table():
        if row["name"] == name:
            return float(row["min"]), float(row["max"])
    raise KeyError(name)
