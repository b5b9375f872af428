"""Tasks: data + model + metrics for each thing the tutor trains (toy, IMDb, NYSE)."""
