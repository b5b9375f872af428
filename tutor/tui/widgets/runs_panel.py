"""The dashboard's runs panel: saved runs in a table, up to four overlaid on shared axes.

The panel owns which runs are overlaid; the runs themselves live in the progress store, reached
through the course the screen hands down (it tells the learner itself when a run is not saved).
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable

from tutor.course.access import Course
from tutor.tui.widgets.plots import CachedPlot, log10_norms, plot_series

OVERLAID = 4  # runs drawn at once


def epochs_cell(config: dict[str, Any]) -> str:
    """Epochs a saved run trained, "9/30" when it was stopped early (runs saved before: as set)."""
    planned, trained = config.get("epochs"), config.get("epochs_trained")
    if trained is None or planned is None or trained >= planned:
        return "" if planned is None else str(planned)
    return f"{trained}/{planned}"


class RunsPanel(Vertical):
    """Saved runs, newest first; enter on a row toggles it in the overlay below."""

    def __init__(self, course: Course, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.course = course
        self.overlay_ids: list[int] = []  # saved run ids shown in the overlay

    def compose(self) -> ComposeResult:
        yield DataTable(id="runs-table", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="overlay"):
            yield CachedPlot(id="overlay-loss")
            yield CachedPlot(id="overlay-grad")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("overlay (⏎)", "id", "run", "opt", "lr", "epochs")
        self.refresh_runs()

    def keep(self, label: str, config: dict[str, Any], history: dict[str, Any]) -> None:
        """Save a finished run and overlay it first."""
        run_id = self.course.save_run(label, config, history)
        if run_id is None:  # not stored: the course has said why
            return
        self.overlay_ids = ([run_id] + self.overlay_ids)[:OVERLAID]
        self.refresh_runs()

    def refresh_runs(self) -> None:
        """List the saved runs (newest first) and redraw the overlay."""
        table = self.query_one(DataTable)
        table.clear()
        for info in self.course.list_runs():
            cfg = info.config
            table.add_row(
                "✓" if info.id in self.overlay_ids else "",
                str(info.id),
                info.name,
                str(cfg.get("optimizer", "")),
                str(cfg.get("lr", "")),
                epochs_cell(cfg),
                key=str(info.id),
            )
        self.draw_overlay()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a run toggles it in the overlay."""
        run_id = int(event.row_key.value or 0)
        if run_id in self.overlay_ids:
            self.overlay_ids.remove(run_id)
        else:
            self.overlay_ids = (self.overlay_ids + [run_id])[-OVERLAID:]
        self.refresh_runs()

    def draw_overlay(self) -> None:
        """Validation loss and last-epoch step norms of the marked runs, on shared axes."""
        losses: list[tuple[str, list[float]]] = []
        norms: list[tuple[str, list[float]]] = []
        for run_id in self.overlay_ids:
            run = self.course.load_run(run_id)
            if run is None:
                continue
            label = f"#{run.id} {run.config.get('model')}"
            losses.append((label, run.history.get("val_loss") or run.history.get("loss") or []))
            layers = run.history.get("step_grad_norms") or {}
            rows: list[list[float]] = next(iter(layers.values()), []) if isinstance(layers, dict) else []
            norms.append((label, log10_norms(rows[-1]) if rows else []))
        plot_series(self.query_one("#overlay-loss", CachedPlot), "val loss", losses)
        plot_series(self.query_one("#overlay-grad", CachedPlot), "log₁₀‖∂L/∂hₜ‖, last epoch", norms)
