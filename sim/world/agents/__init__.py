"""The agent families of the model, one module each."""

from sim.world.agents.country import Country
from sim.world.agents.insurgent import InsurgentGroup
from sim.world.agents.junta import Junta
from sim.world.agents.militia import Militia
from sim.world.agents.power import ExternalPower

__all__ = ["Country", "ExternalPower", "InsurgentGroup", "Junta", "Militia"]
