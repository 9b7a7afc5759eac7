"""An external power (US, France, Russia, China, Turkey, EU) and its partnerships."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.scenario.schema import PowerSpec
    from sim.world.agents.country import Country
    from sim.world.model import SahelModel
    from sim.world.network import PartnershipEdge


class ExternalPower(mesa.Agent):
    """A power with troops, aid and economic ties in partner countries.

    Each partnership is a ``partnership`` edge of the network (power -> country) with
    ``troops``, ``aid_musd`` (USD million a year), ``econ_musd``, ``isr`` (a surveillance hub),
    ``base``, ``posture`` (active or suspended), ``locked`` (committed to stay), ``leaving``
    and ``target`` (troops it is deploying toward).

    Its security effect in a country, in troop-equivalents (te), is
        (troops x effectiveness + isr x ISR te + aid x aid te) x (1, or the suspended share),
    with aid counting only while cooperation is active. Its engagement (for influence) adds
    economic ties in te.
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
        """For each partner: leave, deploy toward target, suspend or resume; then record the
        security effect and engagement this power brings to each country this month.
        """
        p = self.model.p
        for country, e in self.partnerships.items():
            if e["leaving"]:
                e["troops"] = max(0.0, e["troops"] - p.withdraw_speed)
                e["target"] = 0.0
                if e["troops"] == 0.0:
                    e["isr"] = e["base"] = e["leaving"] = False
            elif e["target"] > e["troops"]:
                room = max(0.0, self.troops_available - self.troops_deployed)
                e["troops"] += min(p.deploy_speed, e["target"] - e["troops"], room)
            self.apply_conditionality(country, e)
            factor = 1.0 if e["posture"] == "active" else p.suspended_effect
            aid = e["aid_musd"] * p.aid_troop_equivalent if e["posture"] == "active" else 0.0
            effect = (
                e["troops"] * self.effectiveness + (p.isr_troop_equivalent if e["isr"] else 0.0)
            ) * factor + aid
            country.foreign_effect[self.power_id] = effect
            country.harm_rates[1 + self.idx] = self.civilian_harm * e["troops"] / 1000.0
            country.engagement[self.power_id] = effect + e["econ_musd"] * p.econ_troop_equivalent

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
