"""Fill the parameter table in ``docs/ODD.md`` from ``sim.world.parameters.parameter_table()``.

The table sits between the markers ``<!-- parameters:start -->`` and
``<!-- parameters:end -->``; everything between them is replaced, the rest of the file is kept.
Each row gives a parameter's value, unit, range, source and justification:

- value: the default in ``sim/parameters.py``; for a calibrated parameter, the fitted value
  (with the default in brackets);
- source: ``calibrated`` when a parameter file named by a bundled scenario
  (``parameter_file:``, written by ``sahel calibrate``) sets the parameter; otherwise the entry
  of :data:`SOURCES`: a short reference for a value anchored to a documented fact or study,
  ``assumption``, ``design choice`` or ``switch``.

A summary line under the table counts the parameters of each kind. Every parameter must have
an entry in :data:`SOURCES` (and every entry must be a parameter), so a new parameter cannot
reach the documentation without its source.

Usage::

    .venv/bin/python docs/make_parameter_table.py          # rewrite docs/ODD.md
    .venv/bin/python docs/make_parameter_table.py --check  # exit 1 if the table is stale
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from sim.scenario import SCENARIO_DIR
from sim.world.parameters import parameter_table

ODD = Path(__file__).resolve().parent / "ODD.md"
ROOT = ODD.parents[1]
START = "<!-- parameters:start -->"
END = "<!-- parameters:end -->"

ASSUMPTION = "assumption"
DESIGN = "design choice"
SWITCH = "switch"
CALIBRATED = "calibrated"

SOURCES: dict[str, str] = {
    # Forces and attrition (Deitchman 1962; Kress and Szechtman 2009)
    "kill_rate": "assumption, prior from Serval 2013 (~700 jihadists killed)",
    "search_fighters": ASSUMPTION,
    "insurgent_fire": "assumption, prior from Nigeria 2013 (~800 soldiers and CJTF killed)",
    "army_intelligence": "assumption, after Kalyvas (2006, ch. 7): information from control",
    "militia_intelligence": ASSUMPTION,
    "foreign_intelligence": ASSUMPTION,
    "holding_visibility": "assumption (departure from Kress and Szechtman 2009)",
    "isr_gain": ASSUMPTION,
    "air_gain": ASSUMPTION,
    "aid_gain": ASSUMPTION,
    "aid_half_musd": ASSUMPTION,
    "collateral_ratio": "assumption, below Kress and Szechtman's ratio of 1",
    "militia_effectiveness": ASSUMPTION,
    "militia_harm": "assumption, after Yirgou and Ogossagou (2019)",
    "soldier_exposure_foreign": "assumption, after Barkhane's losses (~58 in nine years)",
    "suspended_effect": "US overflights in Niger after the 2023 coup",
    "bloc_defence_share": ASSUMPTION,
    # Tempo and mobilisation
    "ci_commitment": "Benin, Operation Mirador (~3,000 of ~12,000 troops)",
    "offensive_gain": ASSUMPTION,
    "offensive_months": ASSUMPTION,
    "offensive_rate": ASSUMPTION,
    "offensive_threat": ASSUMPTION,
    "mobilisation_rate": "assumption, after Mali's 2015-19 programming law",
    "mobilisation_threshold": ASSUMPTION,
    "mobilisation_cap": ASSUMPTION,
    "militia_rate": "assumption, after the CJTF (2013) and the VDP (2020-23)",
    "militia_max_share": "assumption, after the VDP (~90,000 in 2023)",
    "militia_decay": ASSUMPTION,
    "morale_loss": ASSUMPTION,
    "loss_memory_months": ASSUMPTION,
    # Recruitment (Epstein 2002)
    "deterrence_scale": "assumption (Epstein 2002 used 2.3)",
    "deterrence_half_fighters": "assumption (departure from Epstein's A + 1)",
    "join_threshold": "Epstein (2002), threshold 0.1",
    "recruitment_rate": ASSUMPTION,
    "armed_share": ASSUMPTION,
    "access_floor": ASSUMPTION,
    "abuse_alienation": "UNDP (2017), motivation only (not estimated)",
    "desertion_rate": ASSUMPTION,
    "recruitment_dispersion": ASSUMPTION,
    # Violence against civilians (Kalyvas 2006)
    "insurgent_selective": ASSUMPTION,
    "insurgent_terror": ASSUMPTION,
    "insurgent_information": ASSUMPTION,
    "state_abuse_rate": ASSUMPTION,
    "violence_dispersion": ASSUMPTION,
    "rival_lethality": ASSUMPTION,
    # Mass-casualty events (Clauset, Young and Gleditsch 2007; Hawkes 1971)
    "mass_attack_rate": "assumption, after Inates (2019), Inata (2021), Djibo (2023)",
    "massacre_rate": "assumption, after Solhan (2021) and Seytenga (2022)",
    "event_size_min": DESIGN,  # UCDP events of 10 or more deaths
    "event_size_alpha": "Clauset, Young and Gleditsch (2007): 2.38",
    "event_size_max": "assumption, above Moura (2022, ~500)",
    "base_defence_isr": ASSUMPTION,
    "base_defence_air": ASSUMPTION,
    "base_defence_qrf": ASSUMPTION,
    "attacker_loss_ratio": "assumption, after Inates (2019: ~57 attackers against 71)",
    "clustering_jump": ASSUMPTION,
    "clustering_months": ASSUMPTION,
    "abuse_memory_reference": ASSUMPTION,
    "abuse_memory_decay": ASSUMPTION,
    # Control
    "fighter_weight": ASSUMPTION,
    "control_rate": "assumption, after Burkina Faso (~40% lost in ~5 years)",
    "engagement_half_fighters": ASSUMPTION,
    "min_presence_fighters": ASSUMPTION,
    # Spread along borders
    "raid_share": ASSUMPTION,
    "spread_flow_rate": ASSUMPTION,
    "seed_rate": ASSUMPTION,
    "seed_fighters": ASSUMPTION,
    "seed_source_half": ASSUMPTION,
    # Legitimacy and hardship
    "legitimacy_reversion": ASSUMPTION,
    "violence_legitimacy_loss": ASSUMPTION,
    "abuse_legitimacy_loss": ASSUMPTION,
    "hardship_reversion": ASSUMPTION,
    "sanction_hardship": ASSUMPTION,
    "violence_hardship": ASSUMPTION,
    "violence_reference": ASSUMPTION,
    # Coups
    "coup_base_hazard": "Powell and Thyne (2011) base rate",
    "coup_hazard_scale": SWITCH,
    "coup_legitimacy_weight": "assumption, after Powell (2012)",
    "coup_control_weight": ASSUMPTION,
    "coup_violence_weight": ASSUMPTION,
    "coup_contagion_weight": "assumption; weak evidence (Miller, Joseph and Ohl 2018)",
    "coup_contagion_months": ASSUMPTION,
    "coup_trap_weight": "Londregan and Poole (1990), motivation only (not estimated)",
    "coup_trap_months": ASSUMPTION,
    "coup_protection_weight": ASSUMPTION,
    "coup_soldier_weight": "assumption, after Powell (2012): military grievance",
    "coup_economy_weight": "assumption, after Londregan and Poole (1990)",
    "coup_hazard_max": ASSUMPTION,
    "junta_sovereigntism": ASSUMPTION,
    "coup_capacity_loss": ASSUMPTION,
    # Alignment
    "alignment_rate": "Niger: ~8 months from coup to revoking the US agreement",
    "alignment_temperature": ASSUMPTION,
    "security_weight": ASSUMPTION,
    "protection_weight": ASSUMPTION,
    "conditionality_weight": ASSUMPTION,
    "sovereignty_weight": ASSUMPTION,
    "expel_threshold": ASSUMPTION,
    "invite_threshold": ASSUMPTION,
    "decision_rate": ASSUMPTION,
    "deploy_speed": ASSUMPTION,
    "withdraw_speed": "US withdrawal from Niger, 2024",
    # Influence
    "influence_rate": ASSUMPTION,
    "autonomy_weight": ASSUMPTION,
    "econ_troop_equivalent": ASSUMPTION,
    # Blocs
    "bloc_regime_weight": DESIGN,
    "bloc_alignment_weight": DESIGN,
    "bloc_sanction_weight": DESIGN,
    "bloc_leave_threshold": ASSUMPTION,
    "bloc_join_threshold": ASSUMPTION,
    "bloc_move_rate": ASSUMPTION,
    "bloc_exit_notice_months": "ECOWAS Revised Treaty, art. 91 (one year)",
    "sanction_months": "ECOWAS sanctions on Niger, Jul 2023 - Feb 2024",
    # Metrics
    "stability_control_weight": DESIGN,
    "stability_legitimacy_weight": DESIGN,
    "stability_peace_weight": DESIGN,
}
"""Where each parameter's default comes from (see the module docstring for the vocabulary).

An entry that starts with ``assumption`` is an assumption, even when a fact motivated it."""


def kind(source: str) -> str:
    """The kind of a source entry: calibrated, assumption, design choice, switch or anchored."""
    if source.startswith(CALIBRATED):
        return CALIBRATED
    if source.startswith(ASSUMPTION):
        return ASSUMPTION
    if source in (DESIGN, SWITCH):
        return source
    return "anchored"


def calibrated_values(scenario_dir: Path = SCENARIO_DIR) -> dict[str, tuple[float, str]]:
    """Parameters set by the parameter files that bundled scenarios name.

    Returns ``{name: (value, file)}`` with ``file`` relative to the repository root. Raises
    ``SystemExit`` if a named file is missing or two files give one parameter different values.
    """
    found: dict[str, tuple[float, str]] = {}
    for scenario in sorted(scenario_dir.glob("*.yaml")):
        data = yaml.safe_load(scenario.read_text(encoding="utf-8"))
        ref = data.get("parameter_file") if isinstance(data, dict) else None
        if not ref:
            continue
        target = (scenario.parent / str(ref)).resolve()
        if not target.exists():
            raise SystemExit(f"{scenario.name}: parameter_file {ref!r} not found")
        shown = target.relative_to(ROOT).as_posix() if target.is_relative_to(ROOT) else str(target)
        content = yaml.safe_load(target.read_text(encoding="utf-8"))
        values = content.get("parameters") if isinstance(content, dict) else None
        for name, value in (values or {}).items():
            previous = found.get(name)
            if previous is not None and previous[0] != float(value):
                raise SystemExit(
                    f"{name} is {previous[0]:g} in {previous[1]} but {float(value):g} in {shown}"
                )
            found[name] = (float(value), shown)
    return found


def _number(value: Any) -> str:
    """Format a number compactly (no trailing zeros); leave other values as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return f"{value:g}"
    return str(value)


def _cell(text: str) -> str:
    """Make text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def sources_for(
    rows: list[dict[str, Any]], calibrated: dict[str, tuple[float, str]]
) -> dict[str, str]:
    """The source entry of each parameter; ``SystemExit`` if :data:`SOURCES` is out of step."""
    names = [row["name"] for row in rows]
    missing = [n for n in names if n not in SOURCES]
    unknown = sorted(set(SOURCES) - set(names))
    stray = sorted(set(calibrated) - set(names))
    if missing or unknown or stray:
        raise SystemExit(
            "docs/make_parameter_table.py is out of step with sim/parameters.py: "
            f"no source for {missing}; sources for unknown parameters {unknown}; "
            f"calibrated values for unknown parameters {stray}"
        )
    return {
        n: f"{CALIBRATED} (`{calibrated[n][1]}`)" if n in calibrated else SOURCES[n] for n in names
    }


def render(
    rows: list[dict[str, Any]], calibrated: dict[str, tuple[float, str]] | None = None
) -> str:
    """Return the Markdown table (name, value, unit, range, source, justification) and the
    summary line counting the parameters of each kind of source."""
    calibrated = calibrated or {}
    sources = sources_for(rows, calibrated)
    lines = [
        "| name | value | unit | range | source | justification |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        name = row["name"]
        value = _number(row["default"])
        if name in calibrated:
            value = f"**{_number(calibrated[name][0])}** (default {value})"
        span = f"{_number(row['min'])} to {_number(row['max'])}"
        lines.append(
            f"| `{name}` | {value} | {_cell(row['unit'])} | {span} "
            f"| {_cell(sources[name])} | {_cell(row['justification'])} |"
        )
    counts = Counter(kind(s) for s in sources.values())
    parts = [
        f"{counts[CALIBRATED]} calibrated",
        f"{counts[ASSUMPTION]} assumptions",
        f"{counts['anchored']} anchored to a documented fact or study",
        f"{counts[DESIGN]} design choices",
        f"{counts[SWITCH]} switch" + ("es" if counts[SWITCH] != 1 else ""),
    ]
    summary = f"Of the {len(rows)} parameters: " + ", ".join(parts) + "."
    return "\n".join(lines) + "\n\n" + summary


def fill(text: str, table: str) -> str:
    """Replace what lies between the markers in ``text`` with ``table``."""
    head, sep, rest = text.partition(START)
    if not sep:
        raise SystemExit(f"{ODD}: marker {START!r} not found")
    _, sep, tail = rest.partition(END)
    if not sep:
        raise SystemExit(f"{ODD}: marker {END!r} not found after {START!r}")
    return f"{head}{START}\n\n{table}\n\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    """Rewrite the table in place, or with ``--check`` report whether it is up to date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="do not write; exit 1 if the table is out of date"
    )
    args = parser.parse_args(argv)
    text = ODD.read_text(encoding="utf-8")
    new = fill(text, render(parameter_table(), calibrated_values()))
    if args.check:
        if new != text:
            print(f"{ODD}: parameter table is out of date; run {Path(__file__).name}")
            return 1
        return 0
    if new != text:
        ODD.write_text(new, encoding="utf-8")
        print(f"updated {ODD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
