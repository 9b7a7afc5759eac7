"""An external power (US, France, Russia, China, Turkey, EU) and its partnerships."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.scenario.schema import PowerSpec
    from sim.world.agents.country import Country
    from sim.world.model import SahelModel
    from sim.world.network import PartnershipEdge


@dataclass(slots=True)
class Contribution:
    """What a power puts into one country's fight this month: typed, not a head count.

    ``troops`` (persons, at the power's ``effectiveness`` te each), ``isr`` surveillance hubs
    and ``air`` air-support detachments (each multiplied by the suspended share while
    cooperation is suspended), ``aid_musd`` security aid flowing (training, arms, money; none
    while suspended), ``econ_musd`` economic engagement, ``harm`` the harm profile of its
    forces, and ``slot`` the power's index (for its random draws).
    """

    slot: int
    troops: float
    effectiveness: float
    harm: float
    isr: float
    air: float
    aid_musd: float
    econ_musd: float


class ExternalPower(mesa.Agent):
    """A power with troops, aid and economic ties in partner countries.

    Each partnership is a ``partnership`` edge of the network (power -> country) with
    ``troops``, ``aid_musd`` (USD million a year), ``econ_musd``, ``isr`` (a surveillance hub),
    ``base``, ``posture`` (active or suspended), ``locked`` (committed to stay), ``leaving``
    and ``target`` (troops it is deploying toward).

    Each month it records in every partner its :class:`Contribution` (troops, surveillance,
    air support, aid, harm profile); the country turns these into forces and multipliers of
    its own (:meth:`Country.muster <sim.world.agents.country.Country.muster>`).
    """

    model: SahelModel

    def __init__(self, model: SahelModel, power_id: str, spec: PowerSpec) -> None:
        super().__init__(model)
        self.power_id = power_id
        self.name = spec.name
        self.idx = len(model.powers_in_order)
        self.western = 1.0 if spec.western else 0.0
        self.troops_available = spec.troops_available
        self.effectiveness = spec.effectiveness
        self.conditionality = spec.conditionality
        self.regime_protection = spec.regime_protection
        self.civilian_harm = spec.civilian_harm
        self.offer_troops = spec.offer_troops
        self.partnerships: dict[Country, PartnershipEdge] = {}

    @property
    def troops_deployed(self) -> float:
        """Troops deployed in all partner countries."""
        return sum(e["troops"] for e in self.partnerships.values())

    def willing_to_support(self, country: Country) -> bool:
        """A power with strong conditions does not deploy to a junta."""
        return not (country.is_junta and self.conditionality >= 0.5)

    def accept_invitation(self, country: Country) -> None:
        """Start deploying ``offer_troops`` to a country that invited it."""
        edge = self.model.partnership(self, country)
        edge["target"] = max(edge["target"], edge["troops"] + self.offer_troops)
        edge["leaving"] = False
        self.model.log_event("invite", country.iso3, self.power_id)

    # --- 2. posture ---------------------------------------------------------------------------
    def set_posture(self) -> None:
        """For each partner: leave, deploy toward target, suspend or resume; then record
        what this power contributes to each country's fight this month."""
        p = self.model.p
        for country, e in self.partnerships.items():
            if e["leaving"]:
                e["troops"] = max(0.0, e["troops"] - p.withdraw_speed)
                e["target"] = 0.0
                if e["troops"] == 0.0:
                    e["isr"] = e["air"] = e["base"] = e["leaving"] = False
            elif e["target"] > e["troops"]:
                room = max(0.0, self.troops_available - self.troops_deployed)
                e["troops"] += min(p.deploy_speed, e["target"] - e["troops"], room)
            self.apply_conditionality(country, e)
            factor = 1.0 if e["posture"] == "active" else p.suspended_effect
            country.contributions[self.power_id] = Contribution(
                slot=self.idx,
                troops=e["troops"] * factor,
                effectiveness=self.effectiveness,
                harm=self.civilian_harm,
                isr=factor if e["isr"] else 0.0,
                air=factor if e["air"] else 0.0,
                aid_musd=e["aid_musd"] if e["posture"] == "active" else 0.0,
                econ_musd=e["econ_musd"],
            )

    def apply_conditionality(self, country: Country, e: PartnershipEdge) -> None:
        """Suspend cooperation with a junta if conditions are strong; resume after it goes."""
        if self.conditionality < 0.5:
            return
        if country.is_junta and e["posture"] == "active":
            e["posture"] = "suspended"
            e["suspended_by"] = "coup"
            self.model.log_event("suspend", country.iso3, self.power_id)
        elif not country.is_junta and e["posture"] == "suspended" and e["suspended_by"] == "coup":
            e["posture"] = "active"
            e["suspended_by"] = None
            self.model.log_event("resume", country.iso3, self.power_id)
