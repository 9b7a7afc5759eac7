"""The documentation stays true to the code: the ODD, its links, the data attributions and the
citation file."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from sim.world.metrics import COUNTRY_METRICS, REGIONAL_METRICS
from sim.world.parameters import parameter_table

ROOT = Path(__file__).resolve().parents[1]
ODD = ROOT / "docs" / "ODD.md"

CFF_REFERENCE_TYPES = frozenset(
    "art article audiovisual bill blog book catalogue conference-paper conference data database "
    "dictionary edited-work encyclopedia film-broadcast generic government-document grant "
    "hearing historical-work legal-case legal-rule magazine-article manual map multimedia music "
    "newspaper-article pamphlet patent personal-communication proceedings report serial slides "
    "software-code software-container software-executable software-virtual-machine software "
    "sound-recording standard statute thesis unpublished video website".split()
)
"""The reference types the Citation File Format 1.2.0 schema allows (``references[].type``)."""


def _table_script() -> ModuleType:
    """Import ``docs/make_parameter_table.py`` (a script, not a package module)."""
    spec = importlib.util.spec_from_file_location(
        "make_parameter_table", ROOT / "docs" / "make_parameter_table.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading: lower case, punctuation other than hyphens
    and underscores dropped, spaces turned into hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(markdown: str) -> set[str]:
    """Every anchor a Markdown file defines: its headings' slugs (numbered on repeats, as GitHub
    does) and explicit ``<a id="...">`` targets. Headings inside code blocks do not count."""
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    in_code = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_code = not in_code
            continue
        m = re.match(r"^#{1,6} (.+)$", line)
        if m and not in_code:
            slug = _slug(m.group(1))
            n = seen.get(slug, 0)
            anchors.add(slug if n == 0 else f"{slug}-{n}")
            seen[slug] = n + 1
    anchors.update(re.findall(r'<a id="([^"]+)"></a>', markdown))
    return anchors


# --- the parameter table ------------------------------------------------------------------


def test_odd_parameter_table_is_generated_from_the_code() -> None:
    res = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "make_parameter_table.py"), "--check"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr


def test_every_parameter_row_shows_value_unit_range_and_source() -> None:
    odd = ODD.read_text(encoding="utf-8")
    block = odd.split("<!-- parameters:start -->")[1].split("<!-- parameters:end -->")[0]
    rows = [line for line in block.splitlines() if line.startswith("| `")]
    assert len(rows) == len(parameter_table())
    for line in rows:
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        _name, value, unit, span, source, why = cells
        assert re.search(r"\d", value), line
        assert unit and why, line
        assert re.fullmatch(r"-?[\d.e+-]+ to -?[\d.e+-]+", span), line
        assert source, line


def test_a_parameter_set_by_a_bundled_parameter_file_is_shown_as_calibrated(
    tmp_path: Path,
) -> None:
    script = _table_script()
    (tmp_path / "parameters").mkdir()
    fitted = tmp_path / "parameters" / "fitted.yaml"
    fitted.write_text("parameters:\n  recruitment_rate: 0.0003\n")
    (tmp_path / "base.yaml").write_text("name: base\nparameter_file: parameters/fitted.yaml\n")
    (tmp_path / "other.yaml").write_text("name: other\nextends: base.yaml\n")
    calibrated = script.calibrated_values(tmp_path)
    assert list(calibrated) == ["recruitment_rate"]
    assert calibrated["recruitment_rate"][0] == 0.0003

    rows = parameter_table()
    default = next(r["default"] for r in rows if r["name"] == "recruitment_rate")
    table = script.render(rows, calibrated)
    row = next(line for line in table.splitlines() if line.startswith("| `recruitment_rate`"))
    assert f"**0.0003** (default {default:g})" in row and "| calibrated (" in row
    other = next(line for line in table.splitlines() if line.startswith("| `raid_share`"))
    assert "calibrated" not in other
    assert "1 calibrated" in table.splitlines()[-1]


def test_two_parameter_files_that_disagree_are_refused(tmp_path: Path) -> None:
    script = _table_script()
    (tmp_path / "parameters").mkdir()
    for name, value in (("a", 30), ("b", 40)):
        (tmp_path / "parameters" / f"{name}.yaml").write_text(
            f"parameters:\n  recruitment_rate: {value}\n"
        )
        (tmp_path / f"{name}.yaml").write_text(f"parameter_file: parameters/{name}.yaml\n")
    with pytest.raises(SystemExit, match="recruitment_rate"):
        script.calibrated_values(tmp_path)


def test_a_parameter_without_a_documented_source_stops_the_generator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    script = _table_script()
    sources = dict(script.SOURCES)
    del sources["raid_share"]
    monkeypatch.setattr(script, "SOURCES", sources)
    with pytest.raises(SystemExit, match="raid_share"):
        script.render(parameter_table(), {})


# --- metrics ------------------------------------------------------------------------------


def test_every_metric_is_documented_in_the_odd() -> None:
    odd = ODD.read_text(encoding="utf-8")
    for metric in (*COUNTRY_METRICS, *REGIONAL_METRICS):
        assert f"`{metric.name}`" in odd or metric.name in odd, metric.name


def test_the_odd_metric_tables_list_exactly_the_code_s_metrics() -> None:
    odd = ODD.read_text(encoding="utf-8")
    section = odd.split("## 9 Metrics (output)")[1].split("\n## ")[0]
    documented = set(re.findall(r"^\| `([^`]+)` \|", section, flags=re.MULTILINE))
    assert documented == {m.name for m in (*COUNTRY_METRICS, *REGIONAL_METRICS)}


# --- structure and links ------------------------------------------------------------------


def test_the_odd_has_the_seven_elements_and_the_eleven_design_concepts() -> None:
    headings = re.findall(r"^#{2,3} (.+)$", ODD.read_text(encoding="utf-8"), flags=re.MULTILINE)
    for element in (
        "1 Purpose and patterns",
        "2 Entities, state variables and scales",
        "3 Process overview and scheduling",
        "4 Design concepts",
        "5 Initialisation",
        "6 Input data",
        "7 Submodels",
        "8 Calibration",
    ):
        assert element in headings, element
    concepts = [h.split(" ", 1)[1] for h in headings if re.match(r"4\.\d+ ", h)]
    assert concepts == [
        "Basic principles", "Emergence", "Adaptation", "Objectives", "Learning", "Prediction",
        "Sensing", "Interaction", "Stochasticity", "Collectives", "Observation",
    ]  # fmt: skip


def test_the_calibration_section_is_marked_until_results_exist() -> None:
    odd = ODD.read_text(encoding="utf-8")
    section = odd.split("## 8 Calibration")[1].split("\n## ")[0]
    calibrated = _table_script().calibrated_values()
    if not calibrated:
        assert "TO BE COMPLETED WITH THE CALIBRATION RESULTS" in section
    for name in calibrated:  # once fitted, the section must say which parameters were fitted
        assert f"`{name}`" in section, name


def test_every_link_inside_the_odd_points_to_an_anchor_it_has() -> None:
    odd = ODD.read_text(encoding="utf-8")
    anchors = _anchors(odd)
    targets = re.findall(r"\]\(#([^)]+)\)", odd)
    assert len(targets) > 40  # the table of contents
    missing = [t for t in targets if t not in anchors]
    assert not missing, missing


def test_the_table_of_contents_lists_every_numbered_section() -> None:
    odd = ODD.read_text(encoding="utf-8")
    contents = odd.split("## Contents")[1].split("\n## ")[0]
    linked = set(re.findall(r"\]\(#([^)]+)\)", contents))
    numbered = re.findall(r"^#{2,3} (\d+(?:\.\d+)? .+)$", odd, flags=re.MULTILINE)
    assert numbered
    missing = [h for h in numbered if _slug(h) not in linked]
    assert not missing, missing


def test_links_from_other_documents_into_the_odd_resolve() -> None:
    anchors = _anchors(ODD.read_text(encoding="utf-8"))
    for doc in (ROOT / "README.md", ROOT / "data" / "README.md"):
        for target in re.findall(r"ODD\.md#([\w-]+)", doc.read_text(encoding="utf-8")):
            assert target in anchors, f"{doc.name}: #{target}"


# --- data attribution and citation --------------------------------------------------------


def test_every_file_in_data_is_attributed_in_its_readme() -> None:
    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([^`]+)` \|", readme, flags=re.MULTILINE))
    files = {
        p.name
        for p in (ROOT / "data").iterdir()
        if p.is_file() and p.name not in ("README.md", "__init__.py")
    }
    assert files <= listed, sorted(files - listed)
    assert listed <= files, sorted(listed - files)


def test_citation_file_is_valid_cff_and_matches_the_package() -> None:
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert cff["cff-version"] == "1.2.0"
    assert cff["message"] and cff["title"]
    assert str(cff["version"]) == project["version"]
    assert cff["license"] == project["license"]["text"]
    assert cff["authors"] and all("name" in a or "family-names" in a for a in cff["authors"])
    for ref in cff["references"]:
        assert {"type", "title", "authors"} <= set(ref), ref.get("title")
        assert ref["type"] in CFF_REFERENCE_TYPES, ref["title"]
        assert all("name" in a or "family-names" in a for a in ref["authors"]), ref["title"]
    titles = " | ".join(ref["title"] for ref in cff["references"]).lower()
    for needle in (
        "UCDP",  # the conflict data
        "Georeferenced Event Dataset",
        "Fragile States Index",
        "Modeling civil violence",  # Epstein 2002
        "The Logic of Violence in Civil War",  # Kalyvas 2006
        "A landscape theory of aggregation",  # Axelrod and Bennett 1993
        "Global instances of coups",  # Powell and Thyne 2011
        "The ODD protocol for describing agent-based",  # Grimm et al. 2020
    ):
        assert needle.lower() in titles, needle


def test_readme_says_how_to_cite() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How to cite")[1]
    assert "CITATION.cff" in section and "data/README.md" in section


def test_readme_starts_with_the_two_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    head = readme[: readme.index("## ")]
    assert "make results" in head and "make test" in head
    assert "make test" in (ROOT / ".ci" / "run").read_text()
