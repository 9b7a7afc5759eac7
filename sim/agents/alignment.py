"""How a government (civilian or junta) weighs and picks its external partners.

Shared by :class:`~sim.agents.country.Country` (civilian rule) and
:class:`~sim.agents.junta.Junta`. The utility of partner k for the government of country i:

    U_k = w_S x security share delivered (or offered, if absent)
        + w_P x regime protection x (1 for a junta, 0 for a civilian government)
        - w_C x conditionality x (1 for a junta, 0 otherwise)
        - w_V x sovereigntist stance x (1 if k is Western)

The preferred alignment is a softmax over partners and autonomy (utility 0) with temperature
T; preferences move toward it by a fixed share a month (inertia), so a junta that finds a
partner without conditions shifts over months, not at once. Past thresholds, with a monthly
probability, the government expels a present partner or invites a willing absent one.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.agents.country import Country


def update_preferences(country: Country, *, sovereigntism: float, is_junta: bool) -> None:
    """Move ``country.preferences`` one month toward the softmax of partner utilities.

    The security a present partner delivers is its share of the country's security effect
    (troops, surveillance and aid); an absent one is judged by what it offers to send.
    """
    model = country.model
    p = model.p
    security = country.security
    effects = country.foreign_effect
    temperature = p.alignment_temperature
    sovereignty = p.sovereignty_weight * sovereigntism
    utilities = []
    for power in model.powers_in_order:
        effect = effects.get(power.power_id, 0.0)
        if effect > 0.0:
            delivered = effect / security
        else:
            offer = power.offer_troops * power.effectiveness
            delivered = offer / (security + offer) if offer > 0.0 else 0.0
        utility = p.security_weight * delivered - sovereignty * power.western
        if is_junta:
            utility += power.junta_appeal
        utilities.append((power.power_id, utility / temperature))
    top = max(0.0, *(u for _, u in utilities)) if utilities else 0.0  # autonomy has utility 0
    weights = [(pid, math.exp(u - top)) for pid, u in utilities]
    total = math.exp(-top) + sum(w for _, w in weights)
    rate = p.alignment_rate
    prefs = country.preferences
    for pid, w in weights:
        current = prefs.get(pid, 0.0)
        prefs[pid] = current + rate * (w / total - current)


def act_on_preferences(country: Country, shocks: list[float]) -> None:
    """Expel present partners below the expel threshold; invite absent willing ones above
    the invite threshold. Each acts with probability ``decision_rate`` in a month.
    """
    model = country.model
    p = model.p
    for j, power in enumerate(model.powers_in_order):
        if shocks[j] >= p.decision_rate:
            continue
        pref = country.preferences.get(power.power_id, 0.0)
        pship = power.partnerships.get(country)
        present = pship is not None and (pship["troops"] > 0 or pship["isr"])
        if present and pref < p.expel_threshold and not pship["locked"] and not pship["leaving"]:
            model.expel(country, power)
        elif (
            not present
            and pref > p.invite_threshold
            and power.offer_troops > 0
            and power.willing_to_support(country)
        ):
            power.accept_invitation(country)
