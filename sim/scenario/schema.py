"""The scenario format: every field a scenario YAML file may contain, with its meaning.

This module is the reference for the YAML. A scenario describes a world (countries, external
powers, insurgent groups, blocs, borders), the model parameters, and a dated timeline of
events. ``sahel schema`` prints the JSON Schema generated from these classes.

A minimal file::

    name: us_withdraws
    extends: baseline_2024.yaml          # inherit everything, override below
    description: The US leaves Niger on the real 2024 timetable.
    events:
      - {at: 2024-07, do: withdraw, power: USA, country: NER, share: 0.5}
      - {at: 2024-09, do: withdraw, power: USA, country: NER}

Conventions: months are ``YYYY-MM``; countries are ISO 3166 alpha-3 codes (``NER``);
shares and indices are in [0, 1]; troops and fighters are head counts; money is USD million.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    StringConstraints,
)

from sim.world.parameters import Parameters

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _to_month(value: Any) -> Any:
    """Accept ``YYYY-MM``, ``YYYY-MM-DD`` or a date, and return ``YYYY-MM``."""
    if isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, str):
        text = value.strip()
        if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
            text = text[:7]
        m = _MONTH.match(text)
        if m and 1 <= int(m.group(2)) <= 12:
            return text
    raise ValueError(f"got {value!r}; expected a month as YYYY-MM, e.g. 2024-08")


Month = Annotated[str, BeforeValidator(_to_month)]
"""A calendar month, written ``YYYY-MM``."""

ISO3 = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
"""A country code (ISO 3166-1 alpha-3, upper case)."""

Share = Annotated[float, Field(ge=0.0, le=1.0)]
"""A number in [0, 1]."""


def month_index(month: str) -> int:
    """Months since year 0 for a ``YYYY-MM`` string (for differences between months)."""
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


def month_name(index: int) -> str:
    """Inverse of :func:`month_index`."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Regime(StrEnum):
    """Who rules a country: an elected civilian government, a junta or a military transition."""

    civilian = "civilian"
    junta = "junta"
    transition = "transition"


class JuntaSpec(_Strict):
    """The military council ruling a country at the start."""

    name: str = Field(description="Name of the council, e.g. 'CNSP'.")
    leader: str = Field("", description="Head of the junta.")
    since: Month = Field(description="Month it took power.")
    sovereigntism: Share = Field(
        0.7, description="Stance against Western partners, 0 (none) to 1 (maximal)."
    )
    preferences: dict[str, Share] = Field(
        default_factory=dict,
        description="Initial preference share per power (the rest is autonomy); missing "
        "powers start from their influence share.",
    )


class CountrySpec(_Strict):
    """A state: its people, its government and its security forces."""

    name: str = Field(description="Common English name.")
    capital: tuple[float, float] = Field(description="Capital's (latitude, longitude).")
    population_m: PositiveFloat = Field(description="Population, millions.")
    exposure: Share = Field(
        1.0,
        description=(
            "Share of the population living in the regions where insurgents recruit (e.g."
            " Nigeria's north-east, the north of the coastal states); scales the recruitment"
            " pool. 1 = the whole country."
        ),
    )
    forces: NonNegativeFloat = Field(
        description="National security forces (army, gendarmerie, paramilitary), personnel."
    )
    capacity: Share = Field(description="Government capacity, 0-1 (WGI effectiveness rescaled).")
    legitimacy: Share = Field(description="State legitimacy, 0-1 (1 - FSI P1 / 10).")
    control: Share = Field(description="Share of territory under state control, 0-1.")
    hardship: Share = Field(description="Economic hardship, 0-1 ((FSI E1 + P2) / 20).")
    regime: Regime = Field(Regime.civilian, description="civilian, junta or transition.")
    sovereigntism: Share = Field(
        0.1, description="Stance of a civilian government against Western partners, 0-1."
    )
    junta: JuntaSpec | None = Field(None, description="Required when regime is junta.")
    abuse: Share = Field(0.0, description="Initial memory of abuses by forces, 0-1.")
    last_coup: Month | None = Field(None, description="Month of the last successful coup.")


class Posture(StrEnum):
    """A power's stance in one partner country."""

    active = "active"
    suspended = "suspended"


class PartnershipSpec(_Strict):
    """What one external power has in one country."""

    troops: NonNegativeFloat = Field(0.0, description="Deployed troops or contractors.")
    aid_musd: NonNegativeFloat = Field(0.0, description="Security aid, USD million per year.")
    econ_musd: NonNegativeFloat = Field(
        0.0, description="Economic engagement (investment, loans), USD million per year."
    )
    isr: bool = Field(False, description="Runs a surveillance (ISR) hub in the country.")
    base: bool = Field(False, description="Holds a military base in the country.")
    posture: Posture = Field(Posture.active, description="active or suspended (after a coup).")


class PowerSpec(_Strict):
    """An external power: the US, France, Russia, China, Turkey, the EU (or the UN)."""

    name: str
    western: bool = Field(description="Counts toward Western influence.")
    troops_available: NonNegativeFloat = Field(
        description="Most troops it will keep in the region at once."
    )
    effectiveness: PositiveFloat = Field(
        description="Security effect per deployed soldier, troop-equivalents (1 = a national "
        "soldier at full capacity)."
    )
    conditionality: Share = Field(
        description="Strength of conditions on support; >= 0.5 means support is suspended "
        "after a coup (US law, section 7008)."
    )
    regime_protection: Share = Field(description="Protection it offers a ruler, 0-1.")
    civilian_harm: NonNegativeFloat = Field(
        description="Abuse events per 1000 troops per month at fully contested control."
    )
    offer_troops: NonNegativeFloat = Field(
        0.0, description="Troops it sends when a government invites it (0: it does not come)."
    )
    partners: dict[ISO3, PartnershipSpec] = Field(default_factory=dict)


class Affiliation(StrEnum):
    """Transnational network an insurgent group belongs to."""

    al_qaeda = "al-Qaeda"
    islamic_state = "Islamic State"
    other = "other"


class GroupSpec(_Strict):
    """An insurgent group and where its fighters are."""

    name: str
    affiliation: Affiliation
    lethality: PositiveFloat = Field(1.0, description="Multiplier on deaths per fighter.")
    fighters: dict[ISO3, NonNegativeFloat] = Field(
        default_factory=dict, description="Fighters per country."
    )
    theatre: list[ISO3] | None = Field(
        None,
        description=(
            "Countries the group operates in: it raids and spreads only into these (e.g."
            " Boko Haram and ISWAP around Lake Chad). Default: anywhere."
        ),
    )


class BlocSpec(_Strict):
    """A regional organisation: ECOWAS, the AES, the G5 Sahel."""

    name: str
    members: list[ISO3] = Field(default_factory=list)
    active: bool = Field(True, description="False until formed by a form_bloc event.")
    mutual_defence: bool = Field(False, description="Members lend each other security.")
    sanctions_coups: bool = Field(
        False, description="Suspends and sanctions members after a coup (ECOWAS)."
    )
    eligible: list[ISO3] | None = Field(
        None, description="Countries that may join; omitted means any."
    )
    suspended: list[ISO3] = Field(default_factory=list, description="Suspended members.")
    leaving: dict[ISO3, Month] = Field(
        default_factory=dict, description="Members that gave notice, with the exit month."
    )
    sanctioned: dict[ISO3, Month] = Field(
        default_factory=dict, description="Countries under its sanctions, until the month given."
    )


# --- Timeline events --------------------------------------------------------------------------


class _Event(_Strict):
    at: Month = Field(description="Month the event fires (at the start of that month's step).")
    note: str = Field("", description="What happened, for the reader.")
    source: str = Field("", description="Where the fact comes from.")


class Withdraw(_Event):
    """A power withdraws troops from a country (all of them unless ``share`` is given)."""

    do: Literal["withdraw"]
    power: str
    country: ISO3
    share: Share | None = Field(None, description="Share of current troops to withdraw now.")
    ends_isr: bool = Field(False, description="Also close the power's surveillance hub.")


class Deploy(_Event):
    """A power deploys troops (and optionally aid or an ISR hub) to a country."""

    do: Literal["deploy"]
    power: str
    country: ISO3
    troops: NonNegativeFloat = 0.0
    aid_musd: NonNegativeFloat | None = None
    isr: bool | None = None
    base: bool | None = None


class Stay(_Event):
    """A power commits to keep its forces in a country whatever the host prefers."""

    do: Literal["stay"]
    power: str
    country: ISO3


class Suspend(_Event):
    """A power suspends security cooperation with a country."""

    do: Literal["suspend"]
    power: str
    country: ISO3


class Resume(_Event):
    """A power resumes suspended cooperation."""

    do: Literal["resume"]
    power: str
    country: ISO3


class Expel(_Event):
    """A government orders a power's forces out."""

    do: Literal["expel"]
    country: ISO3
    power: str


class Coup(_Event):
    """A successful coup: a junta takes power."""

    do: Literal["coup"]
    country: ISO3
    junta: str = Field("Junta", description="Name of the new council.")
    leader: str = ""
    sovereigntism: Share = 0.7


class CivilianRule(_Event):
    """Power passes to a civilian (or elected) government."""

    do: Literal["civilian_rule"]
    country: ISO3


class FormBloc(_Event):
    """A bloc is founded (it must be declared in ``blocs`` with ``active: false``)."""

    do: Literal["form_bloc"]
    bloc: str
    members: list[ISO3] | None = Field(None, description="Founding members (default: declared).")


class DissolveBloc(_Event):
    """A bloc is dissolved."""

    do: Literal["dissolve_bloc"]
    bloc: str


class JoinBloc(_Event):
    """A country joins a bloc."""

    do: Literal["join_bloc"]
    country: ISO3
    bloc: str


class LeaveBloc(_Event):
    """A country leaves a bloc now (``notice: true`` only announces it, effective later)."""

    do: Literal["leave_bloc"]
    country: ISO3
    bloc: str
    notice: bool = False


class Sanction(_Event):
    """A bloc sanctions a country for a number of months."""

    do: Literal["sanction"]
    bloc: str
    country: ISO3
    months: Annotated[int, Field(ge=1)] = 6


class LiftSanctions(_Event):
    """A bloc lifts its sanctions on a country."""

    do: Literal["lift_sanctions"]
    bloc: str
    country: ISO3


class Abuse(_Event):
    """A massacre or other abuse by forces (state or foreign)."""

    do: Literal["abuse"]
    country: ISO3
    deaths: NonNegativeInt
    power: str | None = Field(
        None, description="Foreign force involved, if any (recorded in the event log)."
    )


class Arrive(_Event):
    """Insurgent fighters arrive in (or are raised in) a country."""

    do: Literal["arrive"]
    group: str
    country: ISO3
    fighters: PositiveFloat


class Split(_Event):
    """A faction breaks away from a group in one country and becomes (or joins) another group,
    taking a share of its fighters there (ISWAP from Boko Haram in 2016; IS Sahel from
    al-Mourabitoun in 2015)."""

    do: Literal["split"]
    group: str = Field(description="The group the faction becomes or joins.")
    parent: str = Field(description="The group it breaks away from.")
    country: ISO3
    share: Share = Field(description="Share of the parent's fighters in the country who leave.")


class Mobilise(_Event):
    """A country's own forces grow or shrink: recruitment drives, volunteer militias fighting
    beside the army (Nigeria's Civilian JTF, 2013; Burkina Faso's VDP, 2020), demobilisation."""

    do: Literal["mobilise"]
    country: ISO3
    troops: float = Field(description="Change in forces, head count (negative to reduce).")
    capacity: Share | None = Field(None, description="New government capacity, 0-1, if it changes.")


class SetParameter(_Event):
    """A model parameter changes from this month on."""

    do: Literal["set_parameter"]
    name: str
    value: float


Event = Annotated[
    Withdraw
    | Deploy
    | Stay
    | Suspend
    | Resume
    | Expel
    | Coup
    | CivilianRule
    | FormBloc
    | DissolveBloc
    | JoinBloc
    | LeaveBloc
    | Sanction
    | LiftSanctions
    | Abuse
    | Arrive
    | Split
    | Mobilise
    | SetParameter,
    Field(discriminator="do"),
]
"""One dated event; the ``do`` field says which kind."""

EVENT_KINDS: tuple[str, ...] = (
    "withdraw", "deploy", "stay", "suspend", "resume", "expel", "coup", "civilian_rule",
    "form_bloc", "dissolve_bloc", "join_bloc", "leave_bloc", "sanction", "lift_sanctions",
    "abuse", "arrive", "split", "mobilise", "set_parameter",
)  # fmt: skip


class Scenario(_Strict):
    """A complete, resolved scenario: the world at ``start`` and what happens after."""

    name: str = Field(description="Short identifier, e.g. us_withdraws.")
    description: str = Field("", description="One or two sentences for humans.")
    extends: str | None = Field(
        None,
        description="Parent scenario to inherit from: a file relative to this one, or the name"
        " of a bundled scenario (us_withdraws or us_withdraws.yaml).",
    )
    start: Month = Field(description="First simulated month.")
    months: Annotated[int, Field(ge=1, le=2400)] = Field(description="Number of monthly steps.")
    seed: Annotated[int, Field(ge=0)] = Field(0, description="Default random seed.")
    parameter_file: str | None = Field(
        None,
        description=(
            "A YAML file (relative to this one) whose `parameters:` mapping sets parameter"
            " values, e.g. the calibrated ones written by `sahel calibrate`; values under this"
            " scenario's own `parameters:` take precedence."
        ),
    )
    parameters: Parameters = Field(default_factory=Parameters)
    countries: dict[ISO3, CountrySpec]
    powers: dict[str, PowerSpec] = Field(default_factory=dict)
    groups: dict[str, GroupSpec] = Field(default_factory=dict)
    blocs: dict[str, BlocSpec] = Field(default_factory=dict)
    borders: list[tuple[ISO3, ISO3]] = Field(
        default_factory=list, description="Land borders, as pairs of country codes."
    )
    rivalries: list[tuple[str, str]] = Field(
        default_factory=list, description="Pairs of insurgent groups that fight each other."
    )
    events: list[Event] = Field(default_factory=list)

    @property
    def end(self) -> str:
        """Last simulated month (``YYYY-MM``)."""
        return month_name(month_index(self.start) + self.months - 1)
