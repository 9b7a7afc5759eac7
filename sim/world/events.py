"""Scheduled scenario events: what each ``do:`` in a scenario timeline does to the model.

Events fire first in the month they are dated (ODD: process overview, step 1). One function
per event kind; :func:`apply_event` dispatches on ``event.do``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sim.scenario import schema as s
from sim.world.violence import STATE

if TYPE_CHECKING:
    from sim.world.model import SahelModel


def withdraw(model: SahelModel, ev: s.Withdraw) -> None:
    """Remove a share of a power's troops at once, or all of them (ending its hub and base)."""
    power, country = model.powers[ev.power], model.countries[ev.country]
    e = power.partnerships.get(country)
    if e is None:
        return
    e["locked"] = False
    if ev.share is None:
        e["troops"] = e["target"] = 0.0
        e["isr"] = e["air"] = e["base"] = e["leaving"] = False
    else:
        e["troops"] *= 1.0 - ev.share
        e["target"] = min(e["target"], e["troops"])
    if ev.ends_isr:
        e["isr"] = False


def deploy(model: SahelModel, ev: s.Deploy) -> None:
    """Deploy troops at once (and optionally set aid, an ISR hub or a base)."""
    e = model.partnership(model.powers[ev.power], model.countries[ev.country])
    e["troops"] += ev.troops
    e["target"] = max(e["target"], e["troops"])
    e["leaving"] = False
    for field in ("aid_musd", "isr", "air", "base"):
        value = getattr(ev, field)
        if value is not None:
            e[field] = value


def stay(model: SahelModel, ev: s.Stay) -> None:
    """Commit a power to stay: the host can no longer expel it."""
    e = model.partnership(model.powers[ev.power], model.countries[ev.country])
    e["locked"] = True
    e["leaving"] = False


def suspend(model: SahelModel, ev: s.Suspend) -> None:
    """Suspend cooperation (until a resume event)."""
    e = model.partnership(model.powers[ev.power], model.countries[ev.country])
    e["posture"] = "suspended"
    e["suspended_by"] = "event"


def resume(model: SahelModel, ev: s.Resume) -> None:
    """Resume suspended cooperation."""
    e = model.partnership(model.powers[ev.power], model.countries[ev.country])
    e["posture"] = "active"
    e["suspended_by"] = None


def expel(model: SahelModel, ev: s.Expel) -> None:
    """The host orders the power out (even a power committed to stay)."""
    power, country = model.powers[ev.power], model.countries[ev.country]
    if country in power.partnerships:
        power.partnerships[country]["locked"] = False
        model.expel(country, power)


def coup(model: SahelModel, ev: s.Coup) -> None:
    """A scheduled coup."""
    model.coup(
        model.countries[ev.country], name=ev.junta, leader=ev.leader, sovereigntism=ev.sovereigntism
    )


def civilian_rule(model: SahelModel, ev: s.CivilianRule) -> None:
    """Hand power to a civilian government."""
    model.civilian_rule(model.countries[ev.country])


def form_bloc(model: SahelModel, ev: s.FormBloc) -> None:
    """Found a bloc with its members."""
    bloc = model.blocs[ev.bloc]
    bloc.active = True
    for iso in ev.members or []:
        bloc.join(model.countries[iso])
    model.log_event("form_bloc", "", ev.bloc)


def dissolve_bloc(model: SahelModel, ev: s.DissolveBloc) -> None:
    """Dissolve a bloc: every member leaves."""
    bloc = model.blocs[ev.bloc]
    for country in list(bloc.members()):
        bloc.leave(country)
    bloc.active = False
    model.log_event("dissolve_bloc", "", ev.bloc)


def join_bloc(model: SahelModel, ev: s.JoinBloc) -> None:
    """A country joins a bloc."""
    model.blocs[ev.bloc].join(model.countries[ev.country])


def leave_bloc(model: SahelModel, ev: s.LeaveBloc) -> None:
    """A country leaves a bloc now, or gives notice."""
    bloc, country = model.blocs[ev.bloc], model.countries[ev.country]
    if ev.notice:
        bloc.announce_exit(country, model.month + round(model.p.bloc_exit_notice_months))
    else:
        bloc.leave(country)


def sanction(model: SahelModel, ev: s.Sanction) -> None:
    """A bloc sanctions a country."""
    model.blocs[ev.bloc].sanction(model.countries[ev.country], model.month + ev.months - 1)


def lift_sanctions(model: SahelModel, ev: s.LiftSanctions) -> None:
    """A bloc lifts its sanctions."""
    model.blocs[ev.bloc].lift_sanctions(model.countries[ev.country])


def abuse(model: SahelModel, ev: s.Abuse) -> None:
    """A massacre by state-side forces: its dead count this month as one-sided deaths of the
    named power (or of the national forces), and raise the abuse memory like any massacre."""
    country = model.countries[ev.country]
    perpetrator = ev.power if ev.power is not None else STATE
    country.toll.add("one_sided", perpetrator, float(ev.deaths))
    country.toll.civilians += ev.deaths
    country.civilians_abused += ev.deaths


def arrive(model: SahelModel, ev: s.Arrive) -> None:
    """Insurgent fighters arrive in a country."""
    model.add_fighters(model.groups[ev.group], model.countries[ev.country], ev.fighters)


def split(model: SahelModel, ev: s.Split) -> None:
    """A faction breaks away: a share of the parent's fighters in the country change group."""
    parent, country = model.groups[ev.parent], model.countries[ev.country]
    edge = parent.presence.get(country)
    if edge is None:
        return
    moving = edge["fighters"] * ev.share
    edge["fighters"] -= moving
    if moving > 0:
        model.add_fighters(model.groups[ev.group], country, moving)


def mobilise(model: SahelModel, ev: s.Mobilise) -> None:
    """A country's forces change by ``troops`` (never below zero); capacity may change too."""
    country = model.countries[ev.country]
    country.forces = max(0.0, country.forces + ev.troops)
    if ev.capacity is not None:
        country.capacity = ev.capacity


def set_parameter(model: SahelModel, ev: s.SetParameter) -> None:
    """Change a model parameter from this month on."""
    model.p = model.p.model_copy(update={ev.name: ev.value})


def _handlers() -> dict[str, Callable[[Any, Any], None]]:
    """The handler of each kind of event in the schema: the function of this module named
    after its ``do`` tag (so that the list of kinds lives in the schema alone)."""
    here = globals()
    missing = [kind for kind in s.EVENT_KINDS if not callable(here.get(kind))]
    if missing:
        raise ImportError(f"sim.world.events has no handler for event kind(s) {missing}")
    return {kind: here[kind] for kind in s.EVENT_KINDS}


HANDLERS: dict[str, Callable[[Any, Any], None]] = _handlers()


def apply_event(model: SahelModel, event: Any) -> None:
    """Apply one scheduled event and record it once in the model's event log; what it
    causes (a new presence, a suspension) is logged too, marked scheduled."""
    logged = len(model.event_log)
    model._firing = event
    try:
        HANDLERS[event.do](model, event)
    finally:
        model._firing = None
    if any(entry["kind"] == event.do for entry in model.event_log[logged:]):
        return  # the handler logged it (a coup, a bloc move), marked scheduled
    who = getattr(event, "country", "") or ""
    what = (
        getattr(event, "power", None)
        or getattr(event, "bloc", None)
        or getattr(event, "group", None)
        or ""
    )
    model.log_event(event.do, who, what, scheduled=True, note=event.note)
