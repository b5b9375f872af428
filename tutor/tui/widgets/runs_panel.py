"""The dashboard's runs panel: saved runs in a table, up to four overlaid on shared axes.

The panel owns which runs are overlaid; the runs themselves live in the progress store, reached
through the course the screen hands down (it tells the learner itself when a run is not saved).
Each row says what a run was (task, model and settings), how far it got (epochs trained of
those planned, and whether the learner stopped it) and where it ended (its final figure, named
as the lesson names it). `Delete` removes a run, after asking.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable

from tutor.course.access import Course
from tutor.course.store import RunInfo
from tutor.tasks import registry
from tutor.tasks.base import METRIC_LABELS
from tutor.tui.widgets.confirm import ConfirmScreen
from tutor.tui.widgets.plots import CachedPlot, log10_norms, plot_series

OVERLAID = 4  # runs drawn at once
RESULT = "result"  # the key of a saved run's final figure in its config (what the table shows)


def epochs_cell(config: dict[str, Any]) -> str:
    """Epochs a saved run trained of those planned: "10/10", "stopped 3/10" ("" for a baseline)."""
    planned, trained = config.get("epochs"), config.get("epochs_trained")
    if planned is None:
        return ""
    done = planned if trained is None else trained  # runs saved before epochs were counted
    cell = f"{done}/{planned}"
    return f"stopped {cell}" if config.get("stopped") else cell


def final_figure(metric: str, part: str, metrics: dict[str, Any]) -> dict[str, Any] | None:
    """What the table shows of a run's end: its metric on the scored part (None if it has none)."""
    value = metrics.get(f"val_{metric}")
    if not isinstance(value, int | float):
        return None
    return {"metric": metric, "part": part, "value": float(value)}


def figure_cell(info: RunInfo, history: dict[str, Any] | None = None) -> str:
    """A run's final figure as its lesson names it: "val accuracy 0.812", "test R² 0.413"."""
    result = info.config.get(RESULT)
    if not isinstance(result, dict) and history is not None:  # saved before the figure was kept
        task = registry.TASKS.get(str(info.config.get("task")))
        metric = task.metric if task is not None else "accuracy"
        part = task.scored_on if task is not None else "val"
        metrics = history.get("metrics") or {f"val_{metric}": (history.get(f"val_{metric}") or [None])[-1]}
        result = final_figure(metric, part, metrics)
    if not isinstance(result, dict) or not isinstance(result.get("value"), int | float):
        return "–"
    name = METRIC_LABELS.get(str(result.get("metric")), str(result.get("metric")))
    return f"{result.get('part', 'val')} {name} {result['value']:.3f}"


class RunsPanel(Vertical):
    """Saved runs, newest first; enter on a row toggles it in the overlay below."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("delete,d", "delete_run", "Delete run")]

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
        # the overlay's mark beside the id, optimiser and rate in one column: the table fits 80 columns
        self.query_one(DataTable).add_columns("⏎ #", "task", "run", "epochs", "final", "optimiser")
        self.refresh_runs()

    def keep(self, label: str, config: dict[str, Any], history: dict[str, Any], metric: str = "accuracy") -> None:
        """Save a finished (or stopped) run with its final figure, and overlay it first."""
        task = registry.TASKS.get(str(config.get("task")))
        part = task.scored_on if task is not None else "val"
        result = final_figure(metric, part, dict(history.get("metrics") or {}))
        run_id = self.course.save_run(label, {**config, RESULT: result}, history)
        if run_id is None:  # not stored: the course has said why
            return
        self.overlay_ids = ([run_id] + self.overlay_ids)[:OVERLAID]
        self.refresh_runs()

    def refresh_runs(self) -> None:
        """List the saved runs (newest first) and redraw the overlay."""
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for info in self.course.list_runs():
            cfg = info.config
            history = None
            if RESULT not in cfg:  # saved before the final figure was kept with the run
                run = self.course.load_run(info.id)
                history = run.history if run is not None else None
            table.add_row(
                ("✓" if info.id in self.overlay_ids else " ") + f"{info.id:>2}",
                str(cfg.get("task", "")),
                info.name,
                epochs_cell(cfg),
                figure_cell(info, history),
                " ".join(str(cfg[k]) for k in ("optimizer", "lr") if cfg.get(k) is not None and cfg.get(k) != ""),
                key=str(info.id),
            )
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))
        self.draw_overlay()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a run toggles it in the overlay."""
        run_id = int(event.row_key.value or 0)
        if run_id in self.overlay_ids:
            self.overlay_ids.remove(run_id)
        else:
            self.overlay_ids = (self.overlay_ids + [run_id])[-OVERLAID:]
        self.refresh_runs()

    def selected_run(self) -> tuple[int, str] | None:
        """The id and name of the run under the table's cursor."""
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        row = table.get_row(key)
        return int(key.value or 0), str(row[2])

    def action_delete_run(self) -> None:
        """Delete the run under the cursor, once the learner says yes."""
        chosen = self.selected_run()
        if chosen is None:
            self.app.notify("No saved run to delete.", severity="warning")
            return
        run_id, name = chosen

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            if self.course.delete_run(run_id):
                self.overlay_ids = [i for i in self.overlay_ids if i != run_id]
                self.app.notify(f"Run #{run_id} ({name}) deleted.", title="Runs", timeout=4)
            self.refresh_runs()

        self.app.push_screen(ConfirmScreen(f"Delete saved run #{run_id} ({name})? This cannot be undone."), answer)

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
