"""Training a task's model away from the app: the training process, its protocol, saving models.

- `protocol`: the typed reports a run sends (batch, epoch, stage, done) and their JSON lines.
- `control`: `Switches`, the one stop/pause type, flipped by the app and read by the run.
- `process`: what the training process runs (`python -m tutor.training.process`).
- `client`: the app's side: starts the process, sends runs and switches, reads reports.
- `saving`: the one place a trained model is written to disk.

Nothing here imports Textual (a test enforces it): the app wraps the reports in its messages.
"""
