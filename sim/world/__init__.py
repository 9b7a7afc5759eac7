"""The model world: the Mesa model, its agents, events, blocs, network, random streams,
metrics and parameters."""
