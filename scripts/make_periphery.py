"""Write data/periphery.csv: each country's periphery as a share of its land area.

The periphery is the set of first-level administrative units where insurgents recruit, the
regions named in the comments of scenarios/historical_2012.yaml beside each country's
``exposure`` (which is the population share of the same regions). Areas come from
data/naturalearth_admin1_10m.geojson (Natural Earth 1:10m admin-1, public domain).

Area: the exact area on the WGS84 ellipsoid of each polygon drawn with straight edges in the
Lambert cylindrical equal-area projection, i.e. the shoelace formula on longitude and the
authalic function q(latitude) (Snyder 1987, Map Projections: A Working Manual, eqs. 3-12 and
10-15). At Natural Earth's vertex density this equals the geodesic area to well under 0.1%.
A country's area is the sum of its admin-1 units in the file.

Usage: ``python scripts/make_periphery.py [--input GEOJSON] [--output CSV]``. Errors (a
missing file, a unit not found) print one line naming the file and exit with code 2; the
output is written whole or not at all.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
INPUT = ROOT / "data" / "naturalearth_admin1_10m.geojson"
OUTPUT = ROOT / "data" / "periphery.csv"
SOURCE = (
    "Natural Earth 1:10m admin-1 (data/naturalearth_admin1_10m.geojson); "
    "regions of scenarios/historical_2012.yaml"
)

# Burkina Faso is in the file as its 45 provinces; these are the provinces of its five
# peripheral regions (the regions of 2001).
BFA_REGIONS = {
    "Sahel": ["Oudalan", "Séno", "Soum", "Yagha"],
    "Nord": ["Loroum", "Passoré", "Yatenga", "Zondoma"],
    "Est": ["Gnagna", "Gourma", "Komondjari", "Kompienga", "Tapoa"],
    "Centre-Nord": ["Bam", "Namentenga", "Sanmatenga"],
    "Boucle du Mouhoun": ["Balé", "Banwa", "Kossi", "Mou Houn", "Nayala", "Sourou"],
}

PERIPHERY: dict[str, list[str]] = {
    "NER": ["Tillabéri", "Tahoua", "Diffa"],
    # the centre and north; Ménaka (part of Gao until 2016) and Taoudénit (part of Timbuktu)
    "MLI": ["Ségou", "Mopti", "Timbuktu", "Taoudénit", "Gao", "Ménaka", "Kidal"],
    "BFA": [p for provinces in BFA_REGIONS.values() for p in provinces],
    "TCD": ["Lac"],
    "NGA": ["Borno", "Yobe", "Adamawa"],
    "BEN": ["Alibori", "Atakora"],
    "TGO": ["Savanes"],
    # Northern still holds Savannah and North East (split off in 2018) in Natural Earth
    "GHA": ["Northern", "Upper East", "Upper West"],
    "CIV": ["Savanes", "Denguélé", "Woroba"],
    "MRT": ["Hodh ech Chargui"],
}
"""Each country's periphery: Natural Earth admin-1 names (the ``name`` property)."""

ZONES: dict[str, tuple[str, list[str]]] = {
    "NER_liptako": ("NER", ["Tillabéri", "Tahoua"]),
    "NER_lakechad": ("NER", ["Diffa"]),
}
"""Zones within a country's periphery: name -> (country, admin-1 names)."""

# WGS84 ellipsoid
A = 6_378_137.0
F = 1 / 298.257223563
E2 = F * (2 - F)
E = np.sqrt(E2)


class InputError(Exception):
    """Bad input: the message names the file and what was expected."""


def authalic_q(latitude_deg: np.ndarray) -> np.ndarray:
    """Snyder's q(latitude): y = a q / 2 in the cylindrical equal-area projection."""
    s = np.sin(np.radians(latitude_deg))
    return (1 - E2) * (s / (1 - E2 * s * s) - np.log((1 - E * s) / (1 + E * s)) / (2 * E))


def ring_area(ring: Sequence[Sequence[float]]) -> float:
    """Area enclosed by a ring of [longitude, latitude] points (degrees), in square metres."""
    points = np.asarray(ring, dtype=float)
    x = np.radians(points[:, 0])
    y = authalic_q(points[:, 1])
    twice = np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y)
    return float(abs(twice) * A * A / 4)


def polygon_area(rings: Sequence[Sequence[Sequence[float]]]) -> float:
    """A GeoJSON polygon's area: its outer ring less its holes, square metres."""
    return ring_area(rings[0]) - sum(ring_area(hole) for hole in rings[1:])


def feature_area(geometry: dict, where: str) -> float:
    """A Polygon or MultiPolygon geometry's area, square metres."""
    kind = geometry.get("type")
    if kind == "Polygon":
        return polygon_area(geometry["coordinates"])
    if kind == "MultiPolygon":
        return sum(polygon_area(p) for p in geometry["coordinates"])
    raise InputError(f"{where}.geometry.type: expected Polygon or MultiPolygon, got {kind!r}")


def unit_areas(path: Path) -> dict[str, dict[str, float]]:
    """Area of every admin-1 unit, square metres: country ISO3 -> unit name -> area."""
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InputError(f"{path}: cannot read GeoJSON ({err})") from err
    areas: dict[str, dict[str, float]] = {}
    for i, feature in enumerate(collection.get("features", [])):
        where = f"{path}: features[{i}]"
        props = feature.get("properties", {})
        country, name = props.get("adm0_a3"), props.get("name")
        if not country or not name:
            raise InputError(f"{where}.properties: expected adm0_a3 and name")
        units = areas.setdefault(country, {})
        if name in units:
            raise InputError(f"{where}.properties.name: {name!r} appears twice in {country}")
        units[name] = feature_area(feature.get("geometry") or {}, where)
    return areas


def share(areas: dict[str, dict[str, float]], country: str, names: list[str], path: Path) -> float:
    """The named units' area as a share of the country's area."""
    units = areas.get(country)
    if not units:
        raise InputError(f"{path}: no admin-1 units with adm0_a3 {country}")
    absent = [n for n in names if n not in units]
    if absent:
        raise InputError(
            f"{path}: features[].properties.name: no unit {', '.join(absent)} in {country}; "
            f"expected one of {', '.join(sorted(units))}"
        )
    return sum(units[n] for n in names) / sum(units.values())


def rows(path: Path) -> list[dict[str, str]]:
    """The rows of periphery.csv: the ten countries, then the zones."""
    areas = unit_areas(path)
    out = []
    chosen = [(iso3, iso3, names) for iso3, names in PERIPHERY.items()]
    chosen += [(zone, country, names) for zone, (country, names) in ZONES.items()]
    for label, country, names in chosen:
        value = share(areas, country, names, path)
        out.append(
            {
                "iso3": label,
                "regions": ";".join(names),
                "area_share": f"{value:.3f}",
                "source": SOURCE,
            }
        )
    return out


def render(table: list[dict[str, str]]) -> str:
    """The CSV text of the rows (header first, Unix line ends)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=["iso3", "regions", "area_share", "source"], lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(table)
    return buffer.getvalue()


def write_whole(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file, so it is whole or absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: Sequence[str] | None = None) -> int:
    """Compute the shares, write the CSV and print a summary; 2 on bad input."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, default=INPUT, help="admin-1 GeoJSON")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="CSV to write")
    args = parser.parse_args(argv)
    try:
        table = rows(args.input)
    except InputError as err:
        print(f"make_periphery: {err}", file=sys.stderr)
        return 2
    write_whole(args.output, render(table))
    for row in table:
        print(f"{row['iso3']:<13} {row['area_share']}")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
