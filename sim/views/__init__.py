"""Views of results: figures, reports and the browser dashboard. Nothing here runs the
model's mechanisms; figures take DataFrames."""
