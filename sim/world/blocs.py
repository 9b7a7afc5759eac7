"""Regional organisations (ECOWAS, AES, G5 Sahel): memberships that countries change.

A bloc is not an agent: it does not act. Its members are the ``membership`` edges of the
network (country -> bloc) with a ``status``: ``member``, ``suspended`` (after a coup, in a
bloc that sanctions coups) or ``leaving`` (notice given, exit at ``exit_month``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from sim.scenario.schema import BlocSpec
    from sim.world.agents.country import Country
    from sim.world.model import SahelModel


class Bloc:
    """One regional organisation and its rules."""

    def __init__(self, model: SahelModel, bloc_id: str, spec: BlocSpec) -> None:
        self.model = model
        self.bloc_id = bloc_id
        self.name = spec.name
        self.active = spec.active
        self.mutual_defence = spec.mutual_defence
        self.sanctions_coups = spec.sanctions_coups
        self.eligible: set[str] | None = set(spec.eligible) if spec.eligible is not None else None
        self.sanctions: dict[Country, int] = {}
        self._members: list[Country] = []
        self.pooled_security = 0.0  # members' national security this month (te)
        self._landscape_month = -1
        self._landscape: tuple[float, float, list[float]] = (0.0, 0.0, [])

    def __repr__(self) -> str:
        return f"Bloc({self.bloc_id!r}, members={[c.iso3 for c in self._members]})"

    def members(self) -> list[Country]:
        """Current members, including suspended ones and those serving notice."""
        return self._members

    @property
    def size(self) -> int:
        """Number of members while the bloc is active (0 when it is not)."""
        return len(self._members) if self.active else 0

    def is_eligible(self, country: Country) -> bool:
        """Whether ``country`` may join."""
        return self.eligible is None or country.iso3 in self.eligible

    def join(
        self, country: Country, status: Literal["member", "suspended", "leaving"] = "member"
    ) -> None:
        """Admit a country (or update its status if already a member)."""
        if self not in country.memberships:
            self._members.append(country)
            self._landscape_month = -1
        country.memberships[self] = self.model.network.set_membership(
            country.iso3, self.bloc_id, status
        )
        if status == "member":
            self.model.log_event("join_bloc", country.iso3, self.bloc_id)

    def leave(self, country: Country) -> None:
        """Remove a country from the bloc now."""
        if self in country.memberships:
            del country.memberships[self]
            self._members.remove(country)
            self._landscape_month = -1
            self.model.network.remove_edge(country.iso3, self.bloc_id, "membership")
            self.model.log_event("leave_bloc", country.iso3, self.bloc_id)

    def announce_exit(self, country: Country, exit_month: int) -> None:
        """A member gives notice; it leaves at ``exit_month`` (see :meth:`process_exits`)."""
        edge = country.memberships.get(self)
        if edge is not None and edge["status"] != "leaving":
            edge["status"] = "leaving"
            edge["exit_month"] = exit_month
            self.model.log_event("announce_exit", country.iso3, self.bloc_id)

    def suspend(self, country: Country) -> None:
        """Suspend a member (after a coup)."""
        edge = country.memberships.get(self)
        if edge is not None and edge["status"] == "member":
            edge["status"] = "suspended"

    def reinstate(self, country: Country) -> None:
        """Lift a suspension."""
        edge = country.memberships.get(self)
        if edge is not None and edge["status"] == "suspended":
            edge["status"] = "member"

    def sanction(self, country: Country, until: int) -> None:
        """Impose sanctions until month ``until`` (inclusive)."""
        self.sanctions[country] = until
        country.sanctions[self] = until
        country.sanctioned_until = max(country.sanctions.values())
        self.model.log_event("sanction", country.iso3, self.bloc_id)

    def lift_sanctions(self, country: Country) -> None:
        """End this bloc's sanctions on a country."""
        self.sanctions.pop(country, None)
        country.sanctions.pop(self, None)
        country.sanctioned_until = max(country.sanctions.values(), default=-1)

    def landscape(self) -> tuple[float, float, list[float]]:
        """Members' population under juntas and under other regimes, and the sum of their
        population-weighted alignment directions (cached for the month).

        Affinity (landscape theory) is linear in these, so each country's affinity costs
        the number of powers, not the number of members.
        """
        month = self.model.month
        if self._landscape_month != month:
            junta = other = 0.0
            vector = [0.0] * len(self.model.powers_in_order)
            for c in self._members:
                if c.is_junta:
                    junta += c.population_m
                else:
                    other += c.population_m
                for k, d in enumerate(c.direction()):
                    vector[k] += c.population_m * d
            self._landscape = (junta, other, vector)
            self._landscape_month = month
        return self._landscape

    def pool_security(self) -> None:
        """Sum the members' national security effect (for mutual defence)."""
        self.pooled_security = sum(c.national_security for c in self._members)

    def process_exits(self) -> None:
        """Members whose notice has run out leave."""
        month = self.model.month
        for country in list(self._members):
            edge = country.memberships[self]
            if (
                edge["status"] == "leaving"
                and edge["exit_month"] is not None
                and edge["exit_month"] <= month
            ):
                self.leave(country)

    def respond_to_coup(self, country: Country) -> None:
        """A bloc that sanctions coups suspends the member and sanctions it."""
        if self.active and self.sanctions_coups and self in country.memberships:
            self.suspend(country)
            self.sanction(country, self.model.month + round(self.model.p.sanction_months) - 1)
