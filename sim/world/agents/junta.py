"""A military junta ruling a country, created by a coup (scripted or endogenous)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.world.agents.alignment import act_on_preferences, update_preferences

if TYPE_CHECKING:
    from sim.world.agents.country import Country
    from sim.world.model import SahelModel


class Junta(mesa.Agent):
    """The military council ruling ``country`` since ``since`` (a month index).

    A junta chooses partners with its own weights: it values regime protection, it bears the
    conditions Western partners attach after a coup (suspended aid), and its sovereigntist
    stance (0-1) penalises Western partners. Its preferences move with inertia
    (:mod:`sim.world.agents.alignment`), so realignment takes months.
    """

    model: SahelModel

    def __init__(
        self,
        model: SahelModel,
        country: Country,
        *,
        name: str,
        leader: str = "",
        since: int,
        sovereigntism: float,
    ) -> None:
        super().__init__(model)
        self.country = country
        self.name = name
        self.leader = leader
        self.since = since
        self.sovereigntism = sovereigntism
        country.junta = self
        country.regime = "junta"

    @property
    def months_in_power(self) -> int:
        """Whole months since the junta took power."""
        return self.model.month - self.since

    def choose_partners(self, shock: float) -> None:
        """Re-weigh partners for one month, then expel or invite past the thresholds."""
        update_preferences(self.country, sovereigntism=self.sovereigntism, is_junta=True)
        act_on_preferences(self.country, shock)

    def step_down(self) -> None:
        """Leave power (a counter-coup or a return to civilian rule) and leave the model."""
        if self.country.junta is self:
            self.country.junta = None
        self.remove()
