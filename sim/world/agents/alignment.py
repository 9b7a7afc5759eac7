"""How a government (civilian or junta) weighs and picks its external partners.

Shared by :class:`~sim.world.agents.country.Country` (civilian rule) and
:class:`~sim.world.agents.junta.Junta`. The utility of partner k for the government of country i:

    U_k = w_S x security share delivered (or offered, if absent)
        + w_P x regime protection x (1 for a junta, 0 for a civilian government)
        - w_C x conditionality x (1 for a junta, 0 otherwise)
        - w_V x sovereigntist stance x (1 if k is Western)

The preferred alignment is a softmax over partners and autonomy (utility 0) with temperature
T; preferences move toward it by a fixed share a month (inertia), so a junta that finds a
partner without conditions shifts over months, not at once. In a month when it reviews its
partnerships (probability ``decision_rate``), the government expels present partners below
the expel threshold and invites willing absent ones above the invite threshold.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.world.agents.country import Country


def update_preferences(country: Country, *, sovereigntism: float, is_junta: bool) -> None:
    """Move ``country.preferences`` one month toward the softmax of partner utilities.

    The security a present partner delivers is its share of the country's security effect
    (troops, surveillance and aid; 1 when the country had no security at all last month);
    an absent one is judged by what it offers to send.
    """
    model = country.model
    p = model.p
    security = country.security
    effects = country.foreign_effect
    inv_temperature = 1.0 / p.alignment_temperature
    sovereignty = p.sovereignty_weight * sovereigntism
    w_security, w_protection, w_conditions = (
        p.security_weight,
        p.protection_weight,
        p.conditionality_weight,
    )
    utilities = []
    top = 0.0  # autonomy has utility 0
    for power in model.powers_in_order:
        effect = effects.get(power.power_id, 0.0)
        if effect > 0.0:
            # Both are last month's (the country musters its forces after partners are
            # chosen): a partner present in a country that had no security at all then
            # delivers all the security there is.
            delivered = effect / security if security > 0.0 else 1.0
        else:
            offer = power.offer_troops * power.effectiveness
            delivered = offer / (security + offer) if offer > 0.0 else 0.0
        utility = w_security * delivered - sovereignty * power.western
        if is_junta:
            utility += w_protection * power.regime_protection - w_conditions * power.conditionality
        utility *= inv_temperature
        utilities.append(utility)
        if utility > top:
            top = utility
    weights = [math.exp(u - top) for u in utilities]  # shifted: no overflow
    total = math.exp(-top)
    for w in weights:
        total += w
    rate = p.alignment_rate
    prefs = country.preferences
    for power, w in zip(model.powers_in_order, weights, strict=True):
        current = prefs.get(power.power_id, 0.0)
        prefs[power.power_id] = current + rate * (w / total - current)


def act_on_preferences(country: Country, shock: float) -> None:
    """With probability ``decision_rate`` a month, review partnerships: expel present
    partners below the expel threshold, invite absent willing ones above the invite one.
    """
    model = country.model
    p = model.p
    if shock >= p.decision_rate:
        return
    for power in model.powers_in_order:
        pref = country.preferences.get(power.power_id, 0.0)
        pship = power.partnerships.get(country)
        present = pship is not None and (pship["troops"] > 0 or pship["isr"])
        if (
            pship is not None
            and present
            and pref < p.expel_threshold
            and not pship["locked"]
            and not pship["leaving"]
        ):
            model.expel(country, power)
        elif (
            not present
            and pref > p.invite_threshold
            and power.offer_troops > 0
            and power.willing_to_support(country)
        ):
            power.accept_invitation(country)
