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

    # --- Security, deterrence (Epstein 2002) -------------------------------------------------
    fighter_weight: float = _p(
        1.0,
        0.1,
        10.0,
        "te per fighter",
        "Asymmetric-war weight of one insurgent fighter in the balance of forces; prior set so "
        "that Burkina Faso's 2024 balance gives its sourced ~60% state control; fitted to UCDP "
        "2012-2019 (docs/ODD.md, 8).",
    )
    ci_commitment: float = _p(
        0.2,
        0.0,
        1.0,
        "share of national forces",
        "Share of national forces committed against insurgents beyond the share of territory "
        "lost (Benin's Operation Mirador: ~3,000 of ~12,000 troops in the north).",
    )
    deterrence_scale: float = _p(
        0.5,
        0.01,
        5.0,
        "1 / (te per fighter)",
        "k in Epstein's arrest probability D = 1 - exp(-k S / (w F + F_half)); smaller than "
        "Epstein's 2.3 because the ratio here counts troops, not cops in vision (assumption).",
    )
    isr_troop_equivalent: float = _p(
        1500.0,
        0.0,
        20000.0,
        "te per ISR hub",
        "Security effect of an aerial surveillance hub (drones, intelligence sharing), e.g. "
        "Air Base 201 Agadez; valued as one brigade's worth of presence (assumption).",
    )
    aid_troop_equivalent: float = _p(
        10.0,
        0.0,
        200.0,
        "te per USD million per year",
        "Security aid (training, equipment) converted to troop-equivalents; ~USD 100k per "
        "trained-and-equipped soldier-year (assumption).",
    )
    suspended_effect: float = _p(
        0.5,
        0.0,
        1.0,
        "share",
        "Share of a partner's security effect that remains while cooperation is suspended "
        "after a coup (US ISR flights continued for force protection in Niger, 2023-24).",
    )
    bloc_defence_share: float = _p(
        0.05,
        0.0,
        0.5,
        "share",
        "Share of fellow members' national security effect a mutual-defence bloc (AES, G5 "
        "joint force) lends to a member (assumption; joint operations were small).",
    )

    # --- Recruitment and grievance -------------------------------------------------------------
    recruitment_rate: float = _p(
        25.0,
        0.0,
        1000.0,
        "recruits per million people per month",
        "Recruits per million exposed people in contested territory at grievance 1 and no "
        "deterrence; prior set so JNIM in Burkina Faso grows ~30%/year in 2024; fitted to UCDP "
        "2012-2019 (docs/ODD.md, 8).",
    )
    abuse_recruitment_gain: float = _p(
        1.0,
        0.0,
        5.0,
        "multiplier at abuse memory 1",
        "Abuses push recruitment: 71% of recruits in UNDP's 'Journey to Extremism in Africa' "
        "(2017) named government action against family or friends as the tipping point.",
    )
    desertion_rate: float = _p(
        0.005,
        0.0,
        0.2,
        "per month",
        "Share of fighters leaving a group each month other than by death (assumption; "
        "defection and disengagement programmes are small in the Sahel).",
    )
    combatant_share: float = _p(
        0.45,
        0.0,
        1.0,
        "share of fatalities",
        "Share of conflict fatalities that are insurgent fighters; UCDP 2012-2019 Sahel "
        "state-based deaths are ~55% of all, roughly split between the sides (assumption).",
    )

    # --- Violence (Kalyvas 2006) -----------------------------------------------------------------
    base_lethality: float = _p(
        0.004,
        0.0,
        0.5,
        "deaths per fighter per month",
        "Deaths per fighter per month where the state holds full control (raids, IEDs); "
        "prior an assumption; fitted with contest_lethality to UCDP 2012-2019 (docs/ODD.md, 8).",
    )
    contest_lethality: float = _p(
        0.03,
        0.0,
        1.0,
        "deaths per fighter per month",
        "Extra deaths per fighter per month at fully contested control (Kalyvas: violence "
        "peaks where control is contested); prior from UCDP 2019 (~0.5 deaths per fighter-year "
        "in BF/Mali); fitted to UCDP 2012-2019 (docs/ODD.md, 8).",
    )
    rival_lethality: float = _p(
        0.01,
        0.0,
        0.5,
        "deaths per fighter per month",
        "Deaths per fighter (of the smaller rival) per month where rival groups meet; JNIM "
        "vs IS Sahel fighting from 2020 (UCDP non-state deaths; assumption).",
    )
    recruitment_dispersion: float = _p(
        0.3,
        0.0,
        3.0,
        "log-sd",
        "Log-normal spread of monthly recruitment around its mean (assumption).",
    )
    fatality_dispersion: float = _p(
        0.6,
        0.0,
        3.0,
        "log-sd",
        "Log-normal spread of monthly deaths around their mean; monthly ACLED/UCDP series "
        "are over-dispersed (coefficient of variation ~0.6; assumption).",
    )
    state_abuse_rate: float = _p(
        0.02,
        0.0,
        1.0,
        "events per 1000 troops per month",
        "Abuse events by national forces per 1000 troops per month at fully contested "
        "control (HRW and UN reports on FAMa and VDP; assumption).",
    )
    abuse_deaths: float = _p(
        15.0,
        0.0,
        500.0,
        "deaths per event",
        "Mean civilian deaths per abuse event (typical massacres 10-50; Moura 2022 ~500 "
        "is the tail; assumption).",
    )
    abuse_memory_jump: float = _p(
        0.05,
        0.0,
        1.0,
        "per event",
        "Rise in a country's abuse memory (0-1) per abuse event (assumption).",
    )
    abuse_memory_decay: float = _p(
        0.05,
        0.0,
        1.0,
        "per month",
        "Monthly decay of abuse memory; half-life ~14 months (assumption).",
    )

    # --- Control ---------------------------------------------------------------------------------
    control_rate: float = _p(
        0.05,
        0.0,
        1.0,
        "per month",
        "Speed at which territorial control moves toward the balance of forces "
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
        "Multiplies the endogenous coup hazard; 0 switches endogenous coups off (historical "
        "runs schedule the real coups instead).",
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
