"""The four agent families of the model, one module each."""

from sim.agents.country import Country
from sim.agents.insurgent import InsurgentGroup
from sim.agents.junta import Junta
from sim.agents.power import ExternalPower

__all__ = ["Country", "ExternalPower", "InsurgentGroup", "Junta"]
