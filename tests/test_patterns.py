"""Pattern-oriented checks of the calibrated model against what happened, 2012-2019.

Grimm et al. (2005) pattern-oriented modelling: a model is credible when it reproduces several
qualitative patterns at once. These are the calibration years' patterns from UCDP and the
historical record (docs/ODD.md, 1.2), checked on the median over replicates of the
calibrated historical scenario (scenarios/historical_2012.yaml with the bundled parameters).
"""

from __future__ import annotations

import pandas as pd
import pytest

from sim.studies.calibration import yearly_deaths
from sim.studies.run import run_scenario

REPS = 16
MONTHS = 96  # 2012-01 to 2019-12, the calibration years
COASTAL = ("BEN", "TGO", "GHA", "CIV")


@pytest.fixture(scope="module")
def deaths() -> pd.DataFrame:
    """Median deaths per country (rows) and year (columns) over replicates."""
    result = run_scenario("historical_2012", reps=REPS, months=MONTHS)
    per_rep = yearly_deaths(result.countries)
    return per_rep.groupby(["country", "year"], observed=True)["deaths"].median().unstack()


def test_mali_is_the_first_centre_of_violence(deaths) -> None:
    """2012-2013: Mali's war (the rebellion, the coup, Serval) dominates the central Sahel."""
    early = deaths[[2012, 2013]]
    for year in (2012, 2013):
        for other in ("BFA", "NER", *COASTAL):
            assert early.loc["MLI", year] > 3 * early.loc[other, year], (other, year)
    central = early.loc[["MLI", "BFA", "NER"]].sum(axis=1)
    assert central["MLI"] / central.sum() > 0.75


def test_burkina_faso_rises_from_near_zero(deaths) -> None:
    """Near zero in 2015, then rising year on year to ten times as many by 2019."""
    bfa = deaths.loc["BFA"]
    assert bfa[2015] < 100
    assert bfa[2016] < bfa[2017] < bfa[2018] < bfa[2019]
    assert bfa[2019] > 10 * max(bfa[2015], 1.0)


@pytest.mark.xfail(
    strict=True,
    reason="known miss: the calibrated model's Burkina Faso reaches about a fifth of UCDP's "
    "1,246 deaths in 2019; its insurgency there grows too slowly (docs/ODD.md, 8 Calibration)",
)
def test_burkina_faso_exceeds_a_thousand_deaths_in_2019(deaths) -> None:
    """UCDP: 1,246 deaths in 2019, most of them one-sided violence against civilians."""
    assert deaths.loc["BFA", 2019] > 1000


def test_niger_totals_well_below_mali(deaths) -> None:
    """Over 2012-2019 Niger's violence totals well below Mali's."""
    totals = deaths.loc[:, 2012:2019].sum(axis=1)
    assert totals["NER"] < 0.6 * totals["MLI"]


def test_niger_violence_takes_off_with_boko_haram_in_2015(deaths) -> None:
    """Niger's violence starts in earnest in 2015, when Boko Haram attacks Diffa (a scheduled
    arrival in the Lake Chad basin): several times the deaths of 2014."""
    ner = deaths.loc["NER"]
    assert ner[2015] > 4 * max(ner[2014], 1.0)
    assert ner[2015] > 50


def test_the_coastal_states_stay_low(deaths) -> None:
    """Benin, Togo, Ghana and Cote d'Ivoire: fewer than 100 deaths in every year 2012-2019."""
    assert (deaths.loc[list(COASTAL), 2012:2019] < 100).all().all()
