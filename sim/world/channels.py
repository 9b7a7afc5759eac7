"""The model's causal channels: the mechanisms through which a scenario change acts.

A channel is a group of mechanisms a reader can name ("lost surveillance", "spillover")
together with the parameter values that switch it off. ``sahel compare A B --explain``
knocks each channel out in turn, runs both scenarios again with the same seeds, and reports
how much of the difference B - A goes away (``docs/ODD.md``, "Explaining a comparison").

Each channel's ``off`` names parameters of :class:`sim.world.parameters.Parameters` and the
values (inside their ranges) at which the channel's mechanisms do nothing; a test checks
both, so renaming a parameter without updating this table fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Channel:
    """One causal channel of the model.

    Attributes:
        name: identifier (``surveillance``), as tables and the command line show it.
        label: plain words for a reader (``lost surveillance``).
        description: one or two sentences: what the channel is and what switching it off
            removes.
        off: parameter overrides ``{name: value}`` that switch the channel off.
    """

    name: str
    label: str
    description: str
    off: dict[str, float] = field(default_factory=dict)


def _channels(*channels: Channel) -> dict[str, Channel]:
    return {c.name: c for c in channels}


CHANNELS: dict[str, Channel] = _channels(
    Channel(
        "recruitment",
        "deterrence and recruitment",
        "Troops that identify targets deter would-be insurgents (Epstein's arrest "
        "probability); off, deterrence is at the bottom of its range, so fewer troops no "
        "longer let more people join.",
        {"deterrence_scale": 0.01},
    ),
    Channel(
        "attrition",
        "attrition",
        "State-side forces put fighters out of action; off, the attrition coefficient is at "
        "the bottom of its range, so forces hardly kill fighters.",
        {"kill_rate": 0.0005},
    ),
    Channel(
        "surveillance",
        "lost surveillance",
        "Surveillance hubs (drones, intelligence sharing) make state-side fire aimed and warn "
        "bases of massed attacks; off, a hub adds nothing, so closing one changes nothing.",
        {"isr_gain": 0.0, "base_defence_isr": 0.0},
    ),
    Channel(
        "abuses",
        "militia and foreign abuses",
        "Militias, state-side and foreign forces kill civilians (unaimed fire, massacres), "
        "which feeds grievance; off, militias harm no one, unaimed fire kills no bystander "
        "and no state-side force commits a massacre.",
        {"militia_harm": 0.0, "collateral_ratio": 0.0, "state_abuse_rate": 0.0},
    ),
    Channel(
        "spillover",
        "spillover",
        "Fighters raid, move and open cells across borders; off, each country's groups stay "
        "at home.",
        {"raid_share": 0.0, "spread_flow_rate": 0.0, "seed_rate": 0.0},
    ),
)
"""The channels ``sahel compare --explain`` decomposes an effect into, in the order shown."""
