"""A pro-government militia: armed civilians fighting beside the state."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.world.agents.country import Country
    from sim.world.model import SahelModel


class Militia(mesa.Agent):
    """Volunteers under arms in one country (Burkina Faso's VDP, Nigeria's Civilian JTF,
    Mali's Dan Na Ambassagou), with ``members`` (persons).

    A force type of its own (ODD 7, "Forces"): it knows the ground (its aimed share is
    ``militia_intelligence`` at full control), fights poorly (``militia_effectiveness`` te
    per member), and abuses more (harm profile ``militia_harm``); UCDP counts its fighting
    with insurgents as non-state violence. It grows with threat and shrinks as members go
    home (:meth:`Country.mobilise <sim.world.agents.country.Country.mobilise>`), and loses
    members killed in fighting.
    """

    model: SahelModel

    def __init__(self, model: SahelModel, country: Country, *, name: str, members: float) -> None:
        super().__init__(model)
        self.country = country
        self.name = name
        self.members = members
        country.militia = self
