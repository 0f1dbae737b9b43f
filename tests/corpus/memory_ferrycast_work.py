"""Ordinary work for the "ferrycast" month (tests/corpus/memory_ferrycast.py): a forecasting team's everyday tool
calls (pixi tasks, pytest, ruff, DVC stages, LightGBM training logged to MLflow, notebooks, an ssh to the GPU box),
with outputs shaped like those tools print them, and what changes during the month (drawn per seed)."""

# ruff: noqa: E501  (tool output is data: its lines are as long as the tools print them)

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta

from tests.corpus.memory_month import SessionBuilder

MODULES = ["features", "calendar", "train", "evaluate", "registry", "io", "tft", "backtest"]
SOURCES = [f"src/ferrycast/{m}.py" for m in MODULES] + [f"tests/test_{m}.py" for m in MODULES[:6]]
NOTEBOOKS = [
    "notebooks/01_eda_routes.ipynb",
    "notebooks/03_seasonality.ipynb",
    "notebooks/05_lgbm_grid.ipynb",
    "notebooks/eval_report.ipynb",
]
ROUTES = ["Hirtshals-Larvik", "Oslo-Kiel", "Sandefjord-Stromstad", "Kristiansand-Hirtshals", "Bergen-Stavanger"]
RUN_NAMES = ["bright-gull-412", "calm-tern-77", "salty-heron-9", "brisk-auk-203", "quiet-skua-58", "swift-eider-14"]


class World:
    """What changes during the month, and when."""

    def __init__(self, rng: random.Random, first_day: datetime) -> None:
        self.first_day = first_day
        self.mlflow_day = rng.randint(9, 12)  # the local MLflow moves to the shared box
        self.mlflow_day2 = rng.randint(19, 22)  # and again, behind SSO
        self.python_day = rng.randint(13, 16)
        self.v9_day = rng.randint(7, 10)
        self.v12_day = rng.randint(17, 20)
        self.freeze_day = rng.randint(21, 23)
        self.check_day = rng.randint(8, 11)  # from then on the agent runs `pixi run check` before pushing
        self.wape_day = rng.randint(7, 9)  # the reported metric becomes WAPE (and the MLflow metric's name with it)

    def date(self, day: int) -> datetime:
        return self.first_day + timedelta(days=day)

    def weekend(self, day: int) -> bool:
        return self.date(day).weekday() >= 5

    def mlflow(self, day: int) -> str:
        if day >= self.mlflow_day2:
            return "https://mlflow.ferrycast.io"
        return "http://mlflow.ferry.internal:5000" if day >= self.mlflow_day else "http://localhost:5000"

    def python(self, day: int) -> str:
        return "3.12.7" if day >= self.python_day else "3.11.9"

    def metric(self, day: int) -> str:
        return "wape_14d" if day >= self.wape_day else "mape_14d"

    def production(self, day: int) -> int:
        return 12 if day >= self.v12_day else 9 if day >= self.v9_day else 7


def py_source(rng: random.Random, path: str) -> str:
    lines = ["from __future__ import annotations", "", "import polars as pl", ""]
    for _ in range(rng.randint(2, 6)):
        name = rng.choice(["rolling_pax", "add_calendar", "lag_features", "wape", "load_extract", "fit_quantile"])
        lines += [
            f"def {name}(frame: pl.DataFrame, window: int = 7) -> pl.DataFrame:",
            '    return frame.sort("date").with_columns(',
            '        pl.col("pax").rolling_mean(window).over("route").alias(f"pax_mean_{window}d")',
            "    )",
            "",
        ]
    return "\n".join(lines)


def notebook(rng: random.Random, path: str) -> str:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": [f"# {path.rsplit('/', 1)[-1].removesuffix('.ipynb')}"]},
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": [
                "import polars as pl\n",
                "from ferrycast import features\n",
                'df = pl.read_parquet("data/features/daily.parquet")',
            ],
        },
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": [f'df.filter(pl.col("route") == "{rng.choice(ROUTES)}").plot.line(x="date", y="pax")'],
        },
    ]
    doc = {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "ferrycast", "display_name": "ferrycast (pixi)"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(doc, indent=1)


def pytest_out(rng: random.Random, day: int, w: World, failing: bool = False) -> str:
    count = rng.randint(60, 140)
    head = (
        "============================= test session starts ==============================\n"
        f"platform linux -- Python {w.python(day)}, pytest-8.3.3, pluggy-1.5.0\nrootdir: /srv/ferrycast\n"
        f"configfile: pyproject.toml\nplugins: hypothesis-6.112.1, cov-5.0.0\ncollected {count} items\n\n"
        f"tests/test_features.py {'.' * 18}{'F' if failing else '.'}{'.' * 6}{'':>20}[ 30%]\n"
        f"tests/test_calendar.py {'.' * 12}{'':>31}[ 45%]\ntests/test_evaluate.py {'.' * 20}{'':>23}[100%]\n\n"
    )
    if not failing:
        return (
            head
            + f"============================== {count} passed in {rng.uniform(3, 40):.2f}s =============================="
        )
    return head + (
        "=================================== FAILURES ===================================\n"
        "___________________________ test_rolling_pax_per_route ___________________________\n\n"
        "    def test_rolling_pax_per_route():\n        out = rolling_pax(frame, window=7)\n"
        ">       assert_frame_equal(out, expected)\n"
        "E       AssertionError: DataFrames are different (value mismatch for column 'pax_mean_7d')\n"
        "E       [left]:  [None, None, None, None, None, None, 118.4]\n"
        "E       [right]: [112.0, 114.5, 115.3, 116.0, 117.2, 117.8, 118.4]\n\n"
        "tests/test_features.py:41: AssertionError\n=========================== short test summary info ============================\n"
        "FAILED tests/test_features.py::test_rolling_pax_per_route - AssertionError: DataFrames are different (value mismatch for column 'pax_mean_7d')\n"
        f"========================= 1 failed, {count - 1} passed in {rng.uniform(3, 40):.2f}s ========================="
    )


def check_out(rng: random.Random, day: int, w: World) -> str:
    mypy = f"Success: no issues found in {rng.randint(22, 26)} source files"
    return f"✨ Pixi task (lint in default): ruff check src tests\nAll checks passed!\n✨ Pixi task (typecheck in default): mypy src\n{mypy}\n✨ Pixi task (test in default): pytest -q\n{pytest_out(rng, day, w)}"


def training(rng: random.Random, day: int, w: World) -> str:
    uri = w.mlflow(day)
    run = rng.getrandbits(128).to_bytes(16, "big").hex()
    return (
        "[LightGBM] [Info] Auto-choosing col-wise multi-threading, the overhead of testing was 0.041203 seconds.\n"
        "You can set `force_col_wise=true` to remove the overhead.\n"
        f"[LightGBM] [Info] Total Bins {rng.randint(4000, 5200)}\n"
        f"[LightGBM] [Info] Number of data points in the train set: {rng.randint(380000, 420000)}, number of used features: {rng.randint(55, 70)}\n"
        f"[LightGBM] [Info] Start training from score {rng.uniform(100, 130):.6f}\n"
        f"[{rng.randint(300, 900)}]\tvalid_0's l1: {rng.uniform(9, 14):.4f}\n"
        f"{w.metric(day)}={rng.uniform(0.118, 0.16):.4f} bias={rng.uniform(-0.03, 0.03):+.4f}\n"
        f"2026/10/{rng.randint(5, 30):02d} {rng.randint(8, 20):02d}:{rng.randint(0, 59):02d}:11 INFO mlflow.tracking._tracking_service.client: "
        f"🏃 View run {rng.choice(RUN_NAMES)} at: {uri}/#/experiments/3/runs/{run}.\n"
        f"2026/10/{rng.randint(5, 30):02d} {rng.randint(8, 20):02d}:{rng.randint(0, 59):02d}:11 INFO mlflow.tracking._tracking_service.client: 🧪 View experiment at: {uri}/#/experiments/3."
    )


def registry(day: int, w: World) -> str:
    current = w.production(day)
    archived = [v for v in (7, 9) if v < current]
    metric = w.metric(day)
    lines = [f"ferrycast-demand v{current:<3} Production  {metric}=0.{150 - 2 * current:03d}"]
    lines += [f"ferrycast-demand v{v:<3} Archived    {metric}=0.{150 - 2 * v:03d}" for v in archived]
    lines.append(f"ferrycast-demand v{current + 1:<3} None        {metric}=0.{151 - 2 * current:03d}")
    return "\n".join(lines)


def dvc_repro(rng: random.Random) -> str:
    stage = rng.choice(["featurize", "train", "evaluate"])
    return (
        f"'data/raw/sailings.parquet.dvc' didn't change, skipping\nRunning stage '{stage}':\n"
        f"> pixi run python -m ferrycast.{stage if stage != 'featurize' else 'features'} --params params.yaml\n"
        "Updating lock file 'dvc.lock'\n\nTo track the changes with git, run:\n\n\tgit add dvc.lock\n\n"
        "To enable auto staging, run:\n\n\tdvc config core.autostage true\nUse `dvc push` to send your updates to remote storage."
    )


def chores(b: SessionBuilder, rng: random.Random, day: int, w: World, steps: int) -> None:
    """``steps`` tool calls of everyday forecasting work: read code and notebooks, grep, edit, tests (a failing one
    fixed by an edit: work, not a lesson), lint, DVC status and stages, a training run, git."""
    for _ in range(steps):
        roll = rng.random()
        if roll < 0.24:
            path = rng.choice(SOURCES)
            b.read(path, py_source(rng, path))
        elif roll < 0.3:
            path = rng.choice(NOTEBOOKS)
            b.read(path, notebook(rng, path))
        elif roll < 0.36:
            b.grep(rng.choice(["rolling_mean", "def wape", "holidays", "route_id"]), rng.sample(SOURCES, 3))
        elif roll < 0.5:
            b.edit(rng.choice(SOURCES), '.over("route")', '.over(["route", "direction"])')
        elif roll < 0.64:
            if rng.random() < 0.25:
                b.bash("pixi run test", pytest_out(rng, day, w, failing=True), exit_code=1)
                b.say(
                    rng.choice(
                        [
                            "The rolling window needs min_periods=1 for the first days.",
                            "The fixture has the old column order; fixing the feature, not the test.",
                        ]
                    )
                )
                b.edit("src/ferrycast/features.py", "rolling_mean(window)", "rolling_mean(window, min_periods=1)")
            b.bash(
                rng.choice(["pixi run test", "pixi run test -k features", "pixi run pytest tests/test_evaluate.py -q"]),
                pytest_out(rng, day, w),
            )
        elif roll < 0.7 and day > w.check_day and rng.random() < 0.6:
            b.bash("pixi run check", check_out(rng, day, w))
        elif roll < 0.7:
            b.bash(
                "pixi run lint",
                "ruff check src tests\nAll checks passed!\nruff format --check src tests\n41 files already formatted",
            )
        elif roll < 0.76:
            b.bash(
                "dvc status",
                rng.choice(
                    [
                        "Data and pipelines are up to date.",
                        "featurize:\n\tchanged deps:\n\t\tmodified:           src/ferrycast/features.py",
                    ]
                ),
            )
        elif roll < 0.8:
            b.bash("dvc repro", dvc_repro(rng))
        elif roll < 0.85:
            b.bash(rng.choice(["pixi run train", "pixi run train -- --routes all"]), training(rng, day, w))
        elif roll < 0.9:
            b.bash("git status --short", "\n".join(f" M {f}" for f in rng.sample(SOURCES, 3)) + "\n M dvc.lock")
        elif roll < 0.93:
            b.bash(
                "git diff --stat",
                f" src/ferrycast/features.py | {rng.randint(4, 40)} ++++---\n tests/test_features.py    | {rng.randint(2, 20)} ++--\n 2 files changed",
            )
        elif roll < 0.97:
            b.think(
                rng.choice(
                    [
                        f"The {rng.choice(ROUTES)} series has gaps in winter; the lag features need a filled calendar.",
                        "WAPE is dominated by the big routes; check the small ones separately.",
                        "The backtest leaks if the rolling features are computed before the split.",
                    ]
                )
            )
        else:
            b.say(
                rng.choice(
                    [
                        "Next I'll rerun the backtest.",
                        "The features look right on the sample route.",
                        "Running the tests again.",
                    ]
                )
            )
