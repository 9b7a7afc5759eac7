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
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from sim.world.parameters import Parameters

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str) -> str:
    """The one strict reading of a month: ``YYYY-MM`` with a four-digit year and month 1-12.

    Returns the month as written (``"2025-01"``); raises ``ValueError`` saying what was
    expected for anything else (``"2025"``, ``"2025-13"``, ``"2025-1"``, a number).
    """
    m = _MONTH.match(text) if isinstance(text, str) else None
    if m is None or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) == 0:
        raise ValueError(f"got {text!r}; expected a month as YYYY-MM (month 01-12), e.g. 2024-08")
    return text


def _to_month(value: Any) -> Any:
    """Read a month in a scenario file: ``YYYY-MM``, or a date (YAML reads ``2024-07-01``
    as one), whose day is dropped."""
    if isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, str):
        text = value.strip()
        if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
            text = text[:7]
        return parse_month(text)
    raise ValueError(f"got {value!r}; expected a month as YYYY-MM, e.g. 2024-08")


Month = Annotated[str, BeforeValidator(_to_month)]
"""A calendar month, written ``YYYY-MM``."""

ISO3_PATTERN = r"^[A-Z]{3}$"
ISO3 = Annotated[str, StringConstraints(pattern=ISO3_PATTERN)]
"""A country code (ISO 3166-1 alpha-3, upper case)."""

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$"
"""A scenario name: 1-100 letters, digits, ``_`` or ``-``, not starting with ``_`` or ``-``
(so that ``results/<name>`` is always a folder directly under ``results/``)."""

Share = Annotated[float, Field(strict=True, ge=0.0, le=1.0)]
"""A number in [0, 1]."""


# Physical bounds: generous enough for any real state or force, tight enough that a typo
# (an extra six zeros) or an overflow-sized number is refused before it reaches the model.
MAX_POPULATION_M = 2000.0
"""Population of a country, millions (India and China are ~1,400)."""
MAX_PERSONNEL = 10_000_000.0
"""Troops, fighters or security forces in one place (the largest armies are ~2 million)."""
MAX_MUSD = 1_000_000.0
"""Money per year, USD million (a trillion dollars)."""
MAX_EFFECTIVENESS = 100.0
"""Troop-equivalents per deployed soldier."""
MAX_DEATHS = 10_000_000
"""Deaths in one event."""

# Numbers are strict: a boolean or a quoted string is refused, not converted; infinity and
# NaN are refused by the models' ``allow_inf_nan=False``.
Number = Annotated[float, Field(strict=True)]
"""A finite number."""
Personnel = Annotated[float, Field(strict=True, ge=0.0, le=MAX_PERSONNEL)]
"""A head count of troops or fighters, finite and non-negative."""
Arrivals = Annotated[float, Field(strict=True, gt=0.0, le=MAX_PERSONNEL)]
"""A head count above zero."""
PersonnelChange = Annotated[float, Field(strict=True, ge=-MAX_PERSONNEL, le=MAX_PERSONNEL)]
"""A change in a head count (negative to reduce)."""
Money = Annotated[float, Field(strict=True, ge=0.0, le=MAX_MUSD)]
"""USD million per year, finite and non-negative."""
Population = Annotated[float, Field(strict=True, gt=0.0, le=MAX_POPULATION_M)]
"""People, millions: above 0, at most 2000."""
Effectiveness = Annotated[float, Field(strict=True, gt=0.0, le=MAX_EFFECTIVENESS)]
"""Troop-equivalents per deployed soldier: above 0, at most 100."""
Multiplier = Annotated[float, Field(strict=True, gt=0.0, le=100.0)]
"""A positive multiplier, at most 100."""
HarmRate = Annotated[float, Field(strict=True, ge=0.0, le=1000.0)]
"""Events per 1000 troops per month, at most 1000."""
Latitude = Annotated[float, Field(strict=True, ge=-90.0, le=90.0)]
Longitude = Annotated[float, Field(strict=True, ge=-180.0, le=180.0)]
Months = Annotated[int, Field(strict=True, ge=1, le=2400)]
"""A whole number of months, 1-2400 (``true`` and ``2.0`` are refused)."""
Seed = Annotated[int, Field(strict=True, ge=0, le=2**63 - 1)]
"""A random seed, a whole number >= 0."""
Deaths = Annotated[int, Field(strict=True, ge=0, le=MAX_DEATHS)]
"""Persons killed, a whole number."""
Flag = Annotated[bool, Field(strict=True)]
"""``true`` or ``false`` (not 1, 0 or a string)."""


def month_index(month: str) -> int:
    """Months since year 0 for a ``YYYY-MM`` string (for differences between months).

    Raises ``ValueError`` for anything :func:`parse_month` refuses.
    """
    year, mon = parse_month(month).split("-")
    return int(year) * 12 + int(mon) - 1


def month_name(index: int) -> str:
    """Inverse of :func:`month_index`."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


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


class MilitiaSpec(_Strict):
    """Armed civilians fighting beside the state (Burkina Faso's VDP, Nigeria's CJTF)."""

    name: str = Field(description="Name, e.g. 'VDP'.")
    members: Personnel = Field(description="Members under arms.")


class CountrySpec(_Strict):
    """A state: its people, its government and its security forces."""

    name: str = Field(description="Common English name.")
    capital: tuple[Latitude, Longitude] = Field(
        description="Capital's (latitude, longitude), decimal degrees."
    )
    population_m: Population = Field(description="Population, millions (above 0, at most 2000).")
    exposure: Share = Field(
        1.0,
        description=(
            "Share of the population living in the regions where insurgents recruit (e.g."
            " Nigeria's north-east, the north of the coastal states); scales the recruitment"
            " pool. 1 = the whole country."
        ),
    )
    forces: Personnel = Field(
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
    periphery_area: Share = Field(
        1.0,
        description=(
            "Share of the national territory in the contested zone: the regions named by"
            " `exposure` (data/periphery.csv). Territory the state loses is lost there, so"
            " the state's control of the zone is 1 - (1 - control) / periphery_area."
            " 1 = the whole country."
        ),
        gt=0.0,
    )
    militia: MilitiaSpec | None = Field(
        None, description="Pro-government militia at the start (VDP, CJTF, Dozo), if any."
    )


class Posture(StrEnum):
    """A power's stance in one partner country."""

    active = "active"
    suspended = "suspended"


class PartnershipSpec(_Strict):
    """What one external power has in one country."""

    troops: Personnel = Field(0.0, description="Deployed troops or contractors.")
    aid_musd: Money = Field(0.0, description="Security aid, USD million per year.")
    econ_musd: Money = Field(
        0.0, description="Economic engagement (investment, loans), USD million per year."
    )
    isr: Flag = Field(False, description="Runs a surveillance (ISR) hub in the country.")
    air: Flag = Field(
        False, description="Flies air support (strike aircraft, helicopters, armed drones)."
    )
    base: Flag = Field(False, description="Holds a military base in the country.")
    posture: Posture = Field(Posture.active, description="active or suspended (after a coup).")


class PowerSpec(_Strict):
    """An external power: the US, France, Russia, China, Turkey, the EU (or the UN)."""

    name: str
    western: Flag = Field(description="Counts toward Western influence.")
    troops_available: Personnel = Field(
        description="Most troops it will keep in the region at once."
    )
    effectiveness: Effectiveness = Field(
        description="Security effect per deployed soldier, troop-equivalents (1 = a national "
        "soldier at full capacity; above 0, at most 100)."
    )
    conditionality: Share = Field(
        description="Strength of conditions on support; >= 0.5 means support is suspended "
        "after a coup (US law, section 7008)."
    )
    regime_protection: Share = Field(description="Protection it offers a ruler, 0-1.")
    civilian_harm: HarmRate = Field(
        description="Harm profile of its forces: abuses and collateral deaths relative to a "
        "national army of the region (1); Wagner above, US and French forces below."
    )
    offer_troops: Personnel = Field(
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
    lethality: Multiplier = Field(
        1.0, description="Multiplier on deaths per fighter (above 0, at most 100)."
    )
    fighters: dict[ISO3, Personnel] = Field(
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
    active: Flag = Field(True, description="False until formed by a form_bloc event.")
    mutual_defence: Flag = Field(False, description="Members lend each other security.")
    sanctions_coups: Flag = Field(
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
    ends_isr: Flag = Field(False, description="Also close the power's surveillance hub.")


class Deploy(_Event):
    """A power deploys troops (and optionally aid or an ISR hub) to a country."""

    do: Literal["deploy"]
    power: str
    country: ISO3
    troops: Personnel = 0.0
    aid_musd: Money | None = None
    isr: Flag | None = None
    air: Flag | None = None
    base: Flag | None = None


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
    notice: Flag = False


class Sanction(_Event):
    """A bloc sanctions a country for a number of months."""

    do: Literal["sanction"]
    bloc: str
    country: ISO3
    months: Months = 6


class LiftSanctions(_Event):
    """A bloc lifts its sanctions on a country."""

    do: Literal["lift_sanctions"]
    bloc: str
    country: ISO3


class Abuse(_Event):
    """A massacre or other abuse by forces (state or foreign)."""

    do: Literal["abuse"]
    country: ISO3
    deaths: Deaths
    power: str | None = Field(
        None, description="Foreign force involved, if any (recorded in the event log)."
    )


class Arrive(_Event):
    """Insurgent fighters arrive in (or are raised in) a country."""

    do: Literal["arrive"]
    group: str
    country: ISO3
    fighters: Arrivals


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
    troops: PersonnelChange = Field(
        description="Change in forces, head count (negative to reduce)."
    )
    capacity: Share | None = Field(None, description="New government capacity, 0-1, if it changes.")


class SetParameter(_Event):
    """A model parameter changes from this month on."""

    do: Literal["set_parameter"]
    name: str
    value: Number


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

EVENT_CLASSES: dict[str, type[BaseModel]] = {
    get_args(cls.model_fields["do"].annotation)[0]: cls for cls in get_args(get_args(Event)[0])
}
"""The class of each kind of event, by its ``do`` tag, in the order of :data:`Event`."""

EVENT_KINDS: tuple[str, ...] = tuple(EVENT_CLASSES)
"""Every ``do:`` an event may have (derived from :data:`Event`, the one list)."""


class Scenario(_Strict):
    """A complete, resolved scenario: the world at ``start`` and what happens after."""

    name: Annotated[str, StringConstraints(pattern=NAME_PATTERN)] = Field(
        description="Short identifier, e.g. us_withdraws: letters, digits, '_' and '-' "
        "(it names the default results folder)."
    )
    description: str = Field("", description="One or two sentences for humans.")
    extends: str | None = Field(
        None,
        description="Parent scenario to inherit from: a file relative to this one, or the name"
        " of a bundled scenario (us_withdraws or us_withdraws.yaml).",
    )
    start: Month = Field(description="First simulated month.")
    months: Months = Field(description="Number of monthly steps.")
    seed: Seed = Field(0, description="Default random seed.")
    coups: Literal["endogenous", "scheduled"] = Field(
        "endogenous",
        description=(
            "endogenous: coups happen with the model's hazard; scheduled: only dated coup"
            " events happen, and the hazard is computed and recorded to be scored against"
            " the coup record."
        ),
    )
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
