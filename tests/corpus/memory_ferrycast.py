"""The fourth held-out month: "ferrycast", a data-science repository forecasting ferry passengers per route
(polars, LightGBM and a PyTorch TFT, notebooks, pixi, DVC stages with an S3 remote, MLflow, papermill, a shared
GPU box over ssh).

Written in round 3 by a fifth scheme: threads of work, each a short run of sessions on working days (a weekend
has one to three sessions, a weekday seven to nine), placed around the days the world changes. Facts arrive the
ways they do in a forecasting team: a prohibition said after the agent proposed the thing (``dvc gc``), a
preference said once as a correction of code just written (pandas -> polars), a correction of the agent's plan
mid-session (the covid years), a teammate's PR comment forwarded, a rule given after fixing a red build, a
value announced by the person and then changed again (MLflow's address twice, the model in Production twice, the
Python version once), values only tools print (the DVC remote, the GPU host, a package version), decisions
inside a numbered plan or said in passing, events with dates (two of them over by the end), and lessons that
only appear as recoveries from real tools' errors (AWS SSO behind DVC, pixi's lock-file check, DVC's lock and
its already-tracked output, papermill's missing kernel, a CUDA out of memory on a GPU someone else holds).
Its questions are typed as one looks something up. Written before its first run; run once for the blind figures.
"""

# ruff: noqa: E501  (prompts and tool output are data: as long as people and tools write them)

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tests.corpus.memory_ferrycast_work import World, chores, registry, training
from tests.corpus.memory_month import Month, Question, Session, SessionBuilder, session_id

DAYS = 30
Beat = Callable[[SessionBuilder, random.Random, int, World], None]


@dataclass
class Thread:
    openers: list[str]  # what the person types to start each of the thread's sessions
    days: list[int]  # one session per day
    beats: list[list[Beat]]  # what happens in each session, in order, around ordinary work


def say(text: str) -> Beat:
    return lambda b, rng, day, w: b.prompt(text)


def agent(text: str) -> Beat:
    return lambda b, rng, day, w: b.say(text)


def run(command: str, output: Callable[[int, World], str] | str) -> Beat:
    def beat(b: SessionBuilder, rng: random.Random, day: int, w: World) -> None:
        b.bash(command, output(day, w) if callable(output) else output)

    return beat


def edit(path: str, old: str, new: str) -> Beat:
    return lambda b, rng, day, w: b.edit(path, old, new)


def seq(*beats: Beat) -> Beat:
    """Beats that happen one right after the other (a question and its answer)."""

    def beat(b: SessionBuilder, rng: random.Random, day: int, w: World) -> None:
        for one in beats:
            one(b, rng, day, w)

    return beat


def inbox(text: str) -> Beat:
    return lambda b, rng, day, w: b.note_inbox([text])


def recovery(
    failed: str,
    error: Callable[[int, World], str] | str,
    steps: list[tuple[str, str]],
    retry: str,
    result: Callable[[int, World], str] | str,
    truth: dict[str, str],
) -> Beat:
    """A failed command, what the agent ran to find or remove the cause, then the call that worked (the same
    one, or the same with what the error asked for)."""

    def beat(b: SessionBuilder, rng: random.Random, day: int, w: World) -> None:
        b.bash(failed, error(day, w) if callable(error) else error, exit_code=1, lesson={"failed": failed, **truth})
        b.think(
            rng.choice(
                [
                    "Not the code: the environment.",
                    "The error names what is missing.",
                    "Something outside the repo is holding this.",
                ]
            )
        )
        for command, output in steps:
            b.bash(command, output)
        b.bash(retry, result(day, w) if callable(result) else result)

    return beat


SSO_ERROR = "Collecting                                            |0.00 [00:00,    ?entry/s]\nERROR: unexpected error - Error when retrieving token from sso: Token has expired and refresh failed"
SSO_LOGIN = "Attempting to automatically open the SSO authorization page in your default browser.\nIf the browser does not open or you wish to use a different device to authorize this request, open the following URL:\n\nhttps://device.sso.eu-north-1.amazonaws.com/\n\nThen enter the code:\n\nQKXD-TNWB\nSuccessfully logged into Start URL: https://ferrycast.awsapps.com/start"
PULLED = "Collecting                                            |4.00 [00:00,  12.3entry/s]\nFetching\nBuilding workspace index                              |3.00 [00:00,   421entry/s]\nComparing indexes                                    |4.00 [00:00,  2.10kentry/s]\nApplying changes                                      |2.00 [00:03,  1.51s/file]\nA       data/raw/sailings.parquet\nM       data/external/holidays.csv\n1 file added and 1 file modified"
SSO_TRUTH = {"fix": "aws sso login --profile ferrycast", "fix_kind": "prepare", "error_line": "ERROR: unexpected error - Error when retrieving token from sso: Token has expired and refresh failed",
             "lesson": "DVC's S3 remote uses the `ferrycast` AWS SSO profile: when its token expires, `aws sso login --profile ferrycast`, then `dvc pull` again."}  # fmt: skip


def oom(day: int, w: World) -> str:
    return (
        "GPU available: True (cuda), used: True\nTPU available: False, using: 0 TPU cores\nLOCAL_RANK: 0 - CUDA_VISIBLE_DEVICES: [0,1]\n\n"
        "  | Name                  | Type                           | Params\n0 | model                 | TemporalFusionTransformer      | 4.1 M\n"
        'Traceback (most recent call last):\n  File "/home/ml/ferrycast/src/ferrycast/tft.py", line 88, in main\n    trainer.fit(model, datamodule=dm)\n'
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 23.68 GiB of which 1.12 GiB is free. "
        "Process 48211 has 14.20 GiB memory in use. Including non-PyTorch memory, this process has 8.31 GiB memory in use. Of the allocated memory "
        "7.80 GiB is allocated by PyTorch, and 113.42 MiB is reserved by PyTorch but unallocated. If reserved but unallocated memory is large try "
        "setting PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.  See documentation for Memory Management  "
        "(https://pytorch.org/docs/stable/notes/cuda.html#environment-variables)"
    )


def papermill_error(day: int, w: World) -> str:
    minor = w.python(day).rsplit(".", 1)[0]
    return (
        "Input Notebook:  notebooks/eval_report.ipynb\nOutput Notebook: reports/eval_v9.ipynb\nTraceback (most recent call last):\n"
        '  File "/srv/ferrycast/.pixi/envs/default/bin/papermill", line 10, in <module>\n    sys.exit(papermill())\n'
        f'  File "/srv/ferrycast/.pixi/envs/default/lib/python{minor}/site-packages/papermill/execute.py", line 116, in execute_notebook\n'
        "    nb = papermill_engines.execute_notebook_with_engine(\n"
        f'  File "/srv/ferrycast/.pixi/envs/default/lib/python{minor}/site-packages/jupyter_client/kernelspec.py", line 285, in get_kernel_spec\n'
        "    raise NoSuchKernel(kernel_name)\njupyter_client.kernelspec.NoSuchKernel: No such kernel named ferrycast"
    )


def mlflow_refused(day: int, w: World) -> str:
    return (
        '[LightGBM] [Info] Total Bins 4811\nTraceback (most recent call last):\n  File "/srv/ferrycast/src/ferrycast/train.py", line 142, in main\n'
        "    with mlflow.start_run(run_name=run_name):\nmlflow.exceptions.MlflowException: API request to http://localhost:5000/api/2.0/mlflow/runs/create "
        "failed with exception HTTPConnectionPool(host='localhost', port=5000): Max retries exceeded with url: /api/2.0/mlflow/runs/create "
        "(Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f3a1c2b9d50>: Failed to establish a new connection: "
        "[Errno 111] Connection refused'))"
    )


def threads(rng: random.Random, w: World) -> tuple[list[Thread], list[tuple[Question, int]]]:
    """Every thread that plants something, and each question with the day it is planted."""
    q = Question
    out: list[Thread] = []
    asked: list[tuple[Question, int]] = []

    def workdays(low: int, high: int, n: int = 1) -> list[int]:
        start = rng.choice([d for d in range(low, high + 1) if not w.weekend(d)])
        days = [d for d in range(start, DAYS) if not w.weekend(d)]
        return days[:n]

    def add(thread: Thread, *questions: Question) -> None:
        out.append(thread)
        asked.extend((question, thread.days[0]) for question in questions)

    def when(offset: int) -> str:
        return f"{w.date(offset):%a %b} {w.date(offset).day}"

    add(
        Thread(["dvc pull is taking forever and my disk is at 94%, what's eating the space in .dvc/cache?"], workdays(0, 3),
               [[run("du -sh .dvc/cache data", "38G\t.dvc/cache\n11G\tdata"),
                 seq(agent("Most of it is old versions of data/features. `dvc gc -w` would drop every cached version the workspace no longer references; want me to run it?"),
                     say("no — don't ever run `dvc gc` here, not even with -w. the remote is shared with the pricing team's repo and one gc -c takes their stuff with it. just rm the old experiment outputs under data/exp/ by hand")),
                 run("rm -rf data/exp/2026-09-*", ""), run("du -sh .dvc/cache data", "38G\t.dvc/cache\n6.2G\tdata")]]),
        q("dvc_gc", "prompt", "can I clean up the dvc cache with gc", (r"dvc gc",), key=True, marker=r"dvc gc"),
    )  # fmt: skip
    add(
        Thread(["add a lag feature for the same weekday last year (t-364), per route"], workdays(1, 4),
               [[edit("src/ferrycast/features.py", "def lag_features(", "def add_yoy_lag(df: pd.DataFrame) -> pd.DataFrame:\n    df['pax_lag_364d'] = df.groupby('route')['pax'].shift(364)\n    return df\n\n\ndef lag_features("),
                 seq(agent("Added `add_yoy_lag`: a pandas `groupby('route').shift(364)` on the daily frame."),
                     say("can you redo that in polars? we're polars everywhere, pandas only right at the lightgbm boundary (to_pandas() just before fit). I don't want more pandas creeping in")),
                 edit("src/ferrycast/features.py", "df.groupby('route')['pax'].shift(364)", 'pl.col("pax").shift(364).over("route").alias("pax_lag_364d")')]]),
        q("polars", "prompt", "pandas or polars for dataframes", (r"polars",), key=True, marker=r"polars everywhere|more pandas"),
    )  # fmt: skip
    add(
        Thread(["the seasonality features in notebooks/03_seasonality.ipynb finally look right, can you move them into the package",
                "tests for the fourier terms pls, then delete the cells from the notebook"], workdays(2, 6, 2),
               [[say("rule of thumb here: notebooks are scratch. anything the model consumes lives in src/ferrycast/ with a test, and the notebook just imports it. so the fourier terms go in src/ferrycast/calendar.py"),
                 run("git mv notebooks/03_seasonality.ipynb notebooks/archive/03_seasonality.ipynb", "")], []]),
        q("notebooks", "prompt", "can model code stay in a notebook", (r"src/ferrycast",), key=True, marker=r"notebooks are scratch"),
    )  # fmt: skip
    add(
        Thread(["retrain the baseline on the full history now that the 2017 backfill landed"], workdays(3, 8),
               [[seq(agent("Plan: train on everything from 2017-01-01 up to the cutoff with the current features, then compare against the production model on the holdout."),
                     say("no wait — 2020 and 2021 stay out of training. covid wrecks the weekly seasonality. they can be in the backtest plots but never in fit()")),
                 edit("params.yaml", "exclude_years: []", "exclude_years: [2020, 2021]"),
                 run("pixi run train", lambda d, x: training(random.Random(d), d, x))]]),
        q("covid", "prompt", "which years are excluded from training", (r"2020", r"2021"), key=True, marker=r"covid|exclude_years|2020 and 2021"),
    )  # fmt: skip
    add(
        Thread(["fwd from Priya on PR #212:\n> we report WAPE at the 14-day horizon, not MAPE. MAPE explodes on the winter routes (Hirtshals–Larvik has days with 3 passengers). please rename the mlflow metric to wape_14d as well\ncan you do both"],
               [w.wape_day], [[run("grep -rn mape src/ferrycast", "src/ferrycast/evaluate.py:12:def mape(actual, forecast):\nsrc/ferrycast/train.py:151:    mlflow.log_metric(\"mape_14d\", score)"),
                               edit("src/ferrycast/train.py", 'mlflow.log_metric("mape_14d", score)', 'mlflow.log_metric("wape_14d", score)')]]),
        q("wape", "prompt", "which error metric do we report", (r"WAPE",), key=True, marker=r"we report WAPE"),
    )  # fmt: skip
    add(
        Thread(["is mlflow logging working? I don't see yesterday's runs"], workdays(0, 2),
               [[run("echo $MLFLOW_TRACKING_URI", "http://localhost:5000"),
                 run("docker compose ps mlflow", "NAME                 IMAGE                           COMMAND                  SERVICE   CREATED      STATUS       PORTS\nferrycast-mlflow-1   ghcr.io/mlflow/mlflow:v2.16.2   \"mlflow server --hos…\"   mlflow    3 days ago   Up 3 hours   0.0.0.0:5000->5000/tcp"),
                 agent("The runs are there: they went to the experiment `ferrycast-dev` (id 3), and the UI was filtered on `Default`.")]]),
    )  # fmt: skip
    add(
        Thread(["mlflow moved to the shared box: MLFLOW_TRACKING_URI=http://mlflow.ferry.internal:5000 (I updated .env.example). the docker-compose one is gone, drop it from compose.yaml"], [w.mlflow_day],
               [[edit("compose.yaml", "  mlflow:\n    image: ghcr.io/mlflow/mlflow:v2.16.2\n", ""),
                 run("grep -n MLFLOW .env.example", "3:MLFLOW_TRACKING_URI=http://mlflow.ferry.internal:5000")]]),
        q("mlflow", "prompt", "mlflow tracking uri", (r"mlflow\.ferrycast\.io",), (r"localhost:5000", r"mlflow\.ferry\.internal"), key=True, marker=r"mlflow\.ferry|localhost:5000|MLFLOW_TRACKING_URI"),
    )  # fmt: skip
    add(
        Thread(["the backtest for Oslo-Kiel crashes on the first fold, traceback in the CI log"], [w.mlflow_day2],
               [[say(f"aaand mlflow moved again 🙃 platform put it behind SSO: https://mlflow.ferrycast.io . the .internal one goes read-only {when(w.mlflow_day2 + 3)} and away after. update .env.example + the README pls"),
                 edit(".env.example", "MLFLOW_TRACKING_URI=http://mlflow.ferry.internal:5000", "MLFLOW_TRACKING_URI=https://mlflow.ferrycast.io"),
                 run("pixi run train", lambda d, x: training(random.Random(d), d, x))]]),
    )  # fmt: skip
    add(
        Thread(["train keeps dying before the first tree, can you look"], workdays(1, w.mlflow_day - 2),
               [[recovery("pixi run train", mlflow_refused, [("docker compose up -d mlflow", " ✔ Container ferrycast-mlflow-1  Started")], "pixi run train",
                          lambda d, x: training(random.Random(d), d, x),
                          {"fix": "docker compose up -d mlflow", "fix_kind": "prepare", "error_line": "Failed to establish a new connection: [Errno 111] Connection refused",
                           "lesson": "Training logs to the local MLflow: start it (`docker compose up -d mlflow`) before `pixi run train`."})]]),
    )  # fmt: skip
    for low, high, opener in ((2, 5, "pull the latest data and rerun the backtest"), (11, 15, "dvc pull then retrain pls, Ingrid pushed the October extract"),
                              (23, 27, "sync data and regenerate the eval numbers for the weekly")):  # fmt: skip
        add(
            Thread([opener], workdays(low, high), [[recovery("dvc pull", SSO_ERROR, [("aws sso login --profile ferrycast", SSO_LOGIN)], "dvc pull", PULLED, SSO_TRUTH)]]),
            *([q("sso", "lesson", "dvc pull sso token has expired", (r"aws sso login",), key=True, marker=r"aws sso login")] if low == 2 else []),
        )  # fmt: skip
    add(
        Thread(["CI is red again on #219, ruff F401 in features.py. fix pls"], [w.check_day],
               [[edit("src/ferrycast/features.py", "import pandas as pd\n", ""),
                 say("thanks. from now on before you push anything run `pixi run check` — it's ruff + mypy + pytest, exactly what CI runs. I'm tired of red builds over unused imports"),
                 run("pixi run check", "✨ Pixi task (lint in default): ruff check src tests\nAll checks passed!\n✨ Pixi task (typecheck in default): mypy src\nSuccess: no issues found in 24 source files\n✨ Pixi task (test in default): pytest -q\n........................................................................ [ 76%]\n......................                                                   [100%]\n94 passed in 11.82s")]]),
        q("check", "prompt", "what to run before pushing", (r"pixi run check",), key=True, marker=r"pixi run check"),
    )  # fmt: skip
    add(
        Thread(["what python does pixi give us again? numba warns about something"], workdays(1, 6),
               [[run("pixi run python --version", lambda d, x: f"Python {x.python(d)}")]]),
    )  # fmt: skip
    add(
        Thread(["I bumped python to 3.12 in pixi.toml + pixi.lock on main (numba finally has wheels). pull, pixi install and run the tests"], [w.python_day],
               [[run("git pull --ff-only", "Updating 4e1d2c0..9b7a3f1\nFast-forward\n pixi.lock  | 2318 +++++++++++-----------\n pixi.toml  |    2 +-\n 2 files changed, 1187 insertions(+), 1133 deletions(-)"),
                 run("pixi install", "✔ The default environment has been installed."),
                 run("pixi run python --version", lambda d, x: f"Python {x.python(d)}")]]),
    )  # fmt: skip
    add(
        Thread(["quick env sanity check before I write the setup section of the README: python + lightgbm versions"], workdays(w.python_day + 3, 29),
               [[run("pixi run python --version", lambda d, x: f"Python {x.python(d)}"),
                 run("pixi list lightgbm", "Package   Version  Build                Size     Kind   Source\nlightgbm  4.5.0    cpu_py312h5e9a5a3_3  1.6 MiB  conda  lightgbm")]]),
        q("python", "output", "python version", (r"3\.12",), (r"3\.11",), key=True, marker=r"Python 3\.1[12]|python to 3\.12"),
        q("lightgbm", "output", "lightgbm version", (r"4\.5\.0",), marker=r"lightgbm\s+4\.5"),
    )  # fmt: skip
    add(
        Thread(["what's in production right now?"], workdays(0, 3),
               [[run("pixi run registry show", registry), agent("v7 is in Production; v8 was registered but never promoted.")]]),
    )  # fmt: skip
    add(
        Thread(["the v9 candidate from last week: compare it to v7 per route"], [w.v9_day],
               [[run("pixi run python -m ferrycast.evaluate --compare 7 9", "route                   v7      v9\nHirtshals-Larvik        0.231   0.244\nOslo-Kiel               0.118   0.104\nSandefjord-Stromstad    0.142   0.129\nBergen-Stavanger        0.133   0.121\nall                     0.136   0.131"),
                 say("ok v9 beats v7 everywhere except Hirtshals-Larvik and that route is noise in winter anyway. promote it"),
                 run("pixi run registry promote 9", "ferrycast-demand: v9 -> Production (v7 -> Archived)")]]),
    )  # fmt: skip
    add(
        Thread(["v12 is the one with the school-break features — if the backtest holds, promote it"], [w.v12_day],
               [[run("pixi run backtest --model-version 12", "fold  cutoff      wape_14d\n1     2026-06-01  0.118\n2     2026-07-01  0.121\n3     2026-08-01  0.125\nmean              0.121"),
                 run("pixi run registry promote 12", "ferrycast-demand: v12 -> Production (v9 -> Archived)")]]),
    )  # fmt: skip
    add(
        Thread(["which model does the dashboard serve now? someone asked in #forecasting"], workdays(w.v12_day + 2, 29),
               [[run("pixi run registry show", registry)]]),
        q("model", "output", "which model version is in production", (r"\bv12\b",), (r"\bv7\b", r"\bv9\b"), key=True, marker=r"ferrycast-demand|promote it"),
    )  # fmt: skip
    add(
        Thread(["two runs of the same config give different WAPE on my laptop vs Tom's, why"], workdays(4, 9),
               [[run("grep -rn 'seed\\|random_state' src/ferrycast", "src/ferrycast/train.py:88:    params = {**cfg.lgbm, \"seed\": None}\nsrc/ferrycast/backtest.py:21:    rng = np.random.default_rng()"),
                 seq(agent("Neither the booster nor the backtest sampler has a fixed seed, so every run differs."),
                     say("right. seed 4242 everywhere — random_state, lightgbm's seed, torch.manual_seed. we diff runs across laptops so it has to be the same number")),
                 edit("src/ferrycast/train.py", '"seed": None', '"seed": 4242')]]),
        q("seed", "prompt", "random seed", (r"4242",), marker=r"4242"),
    )  # fmt: skip
    add(
        Thread(["review my feature PR? branch feat/weather"], workdays(4, 12),
               [[run("git diff --stat main...feat/weather", " src/ferrycast/features.py | 64 ++++++++++++++++++++++\n src/ferrycast/io.py       | 12 +++++\n tests/test_features.py    | 30 ++++++++++\n 3 files changed, 106 insertions(+)"),
                 seq(agent("The weather join is fine; the new columns are `windSpeedAvg`, `waveHeightMax3d` and `rainSum`."),
                     say("yeah that's my one nit: feature names are <signal>_<agg>_<window>, like pax_mean_7d or bookings_sum_28d. so wind_speed_mean_1d etc. no camelCase in feature names")),
                 edit("src/ferrycast/features.py", '.alias("windSpeedAvg")', '.alias("wind_speed_mean_1d")')]]),
        q("naming", "prompt", "feature column naming convention", (r"pax_mean_7d|<signal>_<agg>_<window>",), marker=r"<signal>_<agg>"),
    )  # fmt: skip
    add(
        Thread(["the backtest WAPE looks too good, 0.09 on the holdout. suspicious"], workdays(10, 16),
               [[run("grep -n KFold src/ferrycast/backtest.py", "7:from sklearn.model_selection import KFold\n33:    folds = KFold(n_splits=5, shuffle=True, random_state=4242)"),
                 seq(agent("The holdout folds are drawn with a shuffled KFold, so the model sees days after the ones it predicts."),
                     say("yep that's the leak. validation is always a time split here: last 8 weeks as the holdout, rolling origin for the backtest. never shuffle, never KFold")),
                 edit("src/ferrycast/backtest.py", "KFold(n_splits=5, shuffle=True, random_state=4242)", "rolling_origin(frame, horizon=14, holdout_weeks=8)")]]),
        q("split", "prompt", "how to split validation data", (r"8 weeks",), marker=r"time split|never KFold"),
    )  # fmt: skip
    add(
        Thread(["the late Kiel sailing lands on the wrong day in the daily table, e.g.\n```\nroute       departure_utc          pax\nOslo-Kiel   2026-10-13 22:30:00    412\n```\nthat one is the 14th local"], workdays(12, 18),
               [[run("grep -n 'dt.date\\|truncate' src/ferrycast/io.py", '57:    .with_columns(pl.col("departure_utc").dt.truncate("1d").alias("date"))'),
                 say("right, the raw extract timestamps are UTC. always convert to Europe/Oslo before you aggregate to days"),
                 edit("src/ferrycast/io.py", 'pl.col("departure_utc").dt.truncate("1d")', 'pl.col("departure_utc").dt.convert_time_zone("Europe/Oslo").dt.truncate("1d")')]]),
        q("timezone", "prompt", "timezone for daily aggregation", (r"Europe/Oslo",), marker=r"Europe/Oslo"),
    )  # fmt: skip
    add(
        Thread(["replace the grid search notebook with something proper, the grid takes 6h"], workdays(9, 14),
               [[agent("Plan:\n1. Move the search out of notebooks/05_lgbm_grid.ipynb into `src/ferrycast/tune.py`.\n2. I'll use Optuna (TPE sampler, median pruner) instead of the grid, 100 trials by default.\n3. Log every trial to MLflow as a child run."),
                 edit("pixi.toml", "[dependencies]\n", '[dependencies]\noptuna = ">=4.0,<5"\n'),
                 recovery("pixi install --locked", "Error:   × lock-file not up-to-date with the workspace", [("pixi lock", "✔ Lock-file was updated\nPackage  Version  Build         Size     Kind   Source\noptuna   4.0.0    pyhd8ed1ab_0  295 KiB  conda  optuna\nalembic  1.13.3   pyhd8ed1ab_0  158 KiB  conda  alembic")],
                          "pixi install --locked", "✔ The default environment has been installed.",
                          {"fix": "pixi lock", "fix_kind": "prepare", "error_line": "Error:   × lock-file not up-to-date with the workspace",
                           "lesson": "After editing pixi.toml, run `pixi lock` before `pixi install --locked`."}),
                 say("for now just run 20 trials, I need numbers before the 2pm sync")]]),
        q("optuna", "decision", "hyperparameter search library", (r"Optuna",), marker=r"Optuna"),
        q("pixi_lock", "lesson", "pixi lock-file not up-to-date with the workspace", (r"pixi lock(?!-)",), marker=r"pixi lock(?!-)"),
    )  # fmt: skip
    add(
        Thread(["product wants a P90 band on the dashboard, not just the point forecast"], workdays(14, 20),
               [[agent("Going with LightGBM's quantile objective (alpha=0.9) for the P90 band rather than a separate conformal model: one extra booster per horizon, same features."),
                 edit("src/ferrycast/train.py", 'objective="l1"', 'objective="quantile", alpha=0.9')]]),
        q("quantile", "decision", "how are the p90 forecasts made", (r"quantile",), marker=r"quantile objective"),
    )  # fmt: skip
    add(
        Thread(["I want to sweep the window lengths with dvc exp", "run the window sweep now, 7/14/28 combos"], workdays(5, 12, 2),
               [[agent("I'll move the windows and the learning rate into params.yaml under `train:` so `dvc exp run -S train.windows=...` can sweep them, instead of the argparse defaults in train.py."),
                 edit("params.yaml", "train:\n", "train:\n  windows: [7, 28]\n  learning_rate: 0.05\n")],
                [recovery("dvc exp run -S 'train.windows=[7,14,28]'", "ERROR: Unable to acquire lock. Most likely another DVC process is running or was terminated abruptly. Check the page <https://dvc.org/doc/user-guide/troubleshooting#lock-issue> for other possible reasons and to learn how to resolve this.",
                          [("pgrep -af 'dvc ' || echo 'no dvc process'", "no dvc process"), ("rm .dvc/tmp/lock", "")],
                          "dvc exp run -S 'train.windows=[7,14,28]'", "Reproducing experiment 'sappy-gulf'\n'data/raw/sailings.parquet.dvc' didn't change, skipping\nRunning stage 'train':\n> pixi run python -m ferrycast.train --params params.yaml\nRan experiment(s): sappy-gulf\nExperiment results have been applied to your workspace.",
                          {"fix": "rm .dvc/tmp/lock", "fix_kind": "prepare", "error_line": "ERROR: Unable to acquire lock. Most likely another DVC process is running or was terminated abruptly.",
                           "lesson": "A DVC run killed mid-way leaves .dvc/tmp/lock: when no dvc process is running, remove it (`rm .dvc/tmp/lock`) and run again."})]]),
        q("params", "decision", "where do training parameters live", (r"params\.yaml",), marker=r"into params\.yaml"),
        q("dvc_lock", "lesson", "dvc unable to acquire lock", (r"\.dvc/tmp/lock",), marker=r"\.dvc/tmp/lock"),
    )  # fmt: skip
    add(
        Thread(["new laptop, set me up: what do I need for data access?"], workdays(0, 6),
               [[run("dvc remote list", "storage\ts3://ferrycast-dvc/cache\t(default)"),
                 run("cat .dvc/config", "[core]\n    remote = storage\n['remote \"storage\"']\n    url = s3://ferrycast-dvc/cache\n    region = eu-north-1\n    profile = ferrycast")]]),
        q("dvc_remote", "output", "dvc remote storage bucket", (r"s3://ferrycast-dvc",), marker=r"ferrycast-dvc"),
    )  # fmt: skip
    add(
        Thread(["train the TFT on the gpu box with the new covariates"], workdays(6, 14),
               [[run("ssh gpu2.ferry.internal nvidia-smi --query-gpu=index,name,memory.used,memory.total --format=csv", "index, name, memory.used [MiB], memory.total [MiB]\n0, NVIDIA RTX A5000, 14312 MiB, 24564 MiB\n1, NVIDIA RTX A5000, 3 MiB, 24564 MiB"),
                 recovery("ssh gpu2.ferry.internal 'cd ~/ferrycast && pixi run train-tft'", oom,
                          [("ssh gpu2.ferry.internal nvidia-smi --query-compute-apps=pid,process_name,used_memory --format=csv", "pid, process_name, used_memory [MiB]\n48211, /opt/conda/envs/pricing/bin/python, 14310 MiB")],
                          "ssh gpu2.ferry.internal 'cd ~/ferrycast && CUDA_VISIBLE_DEVICES=1 pixi run train-tft'",
                          "GPU available: True (cuda), used: True\nLOCAL_RANK: 0 - CUDA_VISIBLE_DEVICES: [1]\nEpoch 29: 100%|██████████| 412/412 [00:38<00:00, 10.71it/s, v_num=17, train_loss=0.0912, val_loss=0.104]\n`Trainer.fit` stopped: `max_epochs=30` reached.",
                          {"fix": "ssh gpu2.ferry.internal 'cd ~/ferrycast && CUDA_VISIBLE_DEVICES=1 pixi run train-tft'", "fix_kind": "replace", "error_line": "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 23.68 GiB of which 1.12 GiB is free.",
                           "lesson": "GPU 0 on gpu2 is held by the pricing team's job: train with `CUDA_VISIBLE_DEVICES=1`."})]]),
        q("gpu_host", "output", "gpu machine hostname", (r"gpu2\.ferry\.internal",), marker=r"gpu2\.ferry"),
        q("gpu_device", "lesson", "cuda out of memory on the gpu box", (r"CUDA_VISIBLE_DEVICES=1",), marker=r"CUDA_VISIBLE_DEVICES"),
    )  # fmt: skip
    add(
        Thread(["render the eval report for v9 vs v7 with papermill", "the eval report: add the per-route table and render it again"], workdays(max(8, w.v9_day), 16, 2),
               [[recovery("pixi run papermill notebooks/eval_report.ipynb reports/eval_v9.ipynb -p candidate 9 -p baseline 7", papermill_error,
                          [("pixi run python -m ipykernel install --user --name ferrycast --display-name 'ferrycast (pixi)'", "Installed kernelspec ferrycast in /root/.local/share/jupyter/kernels/ferrycast")],
                          "pixi run papermill notebooks/eval_report.ipynb reports/eval_v9.ipynb -p candidate 9 -p baseline 7",
                          "Input Notebook:  notebooks/eval_report.ipynb\nOutput Notebook: reports/eval_v9.ipynb\nExecuting:   0%|          | 0/14 [00:00<?, ?cell/s]Executing notebook with kernel: ferrycast\nExecuting: 100%|██████████| 14/14 [00:41<00:00,  2.96s/cell]",
                          {"fix": "pixi run python -m ipykernel install --user --name ferrycast --display-name 'ferrycast (pixi)'", "fix_kind": "prepare", "error_line": "jupyter_client.kernelspec.NoSuchKernel: No such kernel named ferrycast",
                           "lesson": "papermill needs the pixi env registered as the `ferrycast` kernel: `pixi run python -m ipykernel install --user --name ferrycast`."})],
                [inbox("Eval notebooks render to HTML with `pixi run report` (writes reports/, which is gitignored) — don't commit executed notebooks.")]]),
        q("kernel", "lesson", "papermill no such kernel", (r"ipykernel install",), marker=r"ipykernel install"),
        q("report", "inbox", "render eval notebooks to html", (r"pixi run report",), marker=r"pixi run report"),
    )  # fmt: skip
    add(
        Thread(["add a weekly aggregate stage to dvc.yaml, output data/features/weekly.parquet"], workdays(15, 22),
               [[edit("dvc.yaml", "  train:\n", "  featurize_weekly:\n    cmd: pixi run python -m ferrycast.features --weekly --params params.yaml\n    deps: [src/ferrycast/features.py, data/features/daily.parquet]\n    outs: [data/features/weekly.parquet]\n  train:\n"),
                 recovery("dvc repro featurize_weekly", "Running stage 'featurize_weekly':\n> pixi run python -m ferrycast.features --weekly --params params.yaml\nERROR: failed to reproduce 'featurize_weekly':  output 'data/features/weekly.parquet' is already tracked by SCM (e.g. Git).\n    You can remove it from Git, then add to DVC.\n        To stop tracking from Git:\n            git rm -r --cached 'data/features/weekly.parquet'\n            git commit -m \"stop tracking data/features/weekly.parquet\"",
                          [("git rm -r --cached 'data/features/weekly.parquet'", "rm 'data/features/weekly.parquet'")], "dvc repro featurize_weekly",
                          "Running stage 'featurize_weekly':\n> pixi run python -m ferrycast.features --weekly --params params.yaml\nGenerating lock file 'dvc.lock'\nUpdating lock file 'dvc.lock'\n\nTo track the changes with git, run:\n\n\tgit add dvc.lock data/features/.gitignore",
                          {"fix": "git rm -r --cached 'data/features/weekly.parquet'", "fix_kind": "prepare", "error_line": "output 'data/features/weekly.parquet' is already tracked by SCM (e.g. Git).",
                           "lesson": "A DVC output that git already tracks must leave git first: `git rm -r --cached <path>`, then `dvc repro`."})]]),
        q("scm", "lesson", "dvc output is already tracked by git", (r"git rm -r --cached",), marker=r"git rm -r --cached"),
    )  # fmt: skip
    add(
        Thread(["holiday features: add school breaks for Denmark too"], workdays(3, 12),
               [[inbox("Holiday features read data/external/holidays.csv (NO/DK/SE public holidays + school breaks); it's DVC-tracked, refresh it each December.")]]),
        q("holidays", "inbox", "holiday calendar file", (r"holidays\.csv",), marker=r"holidays\.csv"),
    )  # fmt: skip
    add(
        Thread(["the nightly backtest job didn't run, check the gpu queue"], [1],
               [[say("oh right — gpu2 is down today for the nvidia driver update, platform says back tomorrow morning. run the TFT on cpu with the small config or just skip it today")]]),
        q("gpu_down", "event", "is gpu2 available", (r"driver update",), expired=True, marker=r"driver update"),
    )  # fmt: skip
    add(
        Thread(["can you open the PR for the calendar refactor"], [2],
               [[say(f"Priya's out until {w.date(7):%A} the {w.date(7).day}th, so model reviews go to Tom this week. add him as reviewer")]]),
        q("priya_out", "event", "who reviews model changes", (r"Tom",), expired=True, marker=r"out until"),
    )  # fmt: skip
    add(
        Thread(["draft the release notes for v12"], [w.freeze_day],
               [[say(f"heads up from Ingrid: model freeze {when(25)} to {when(32)} for the Q4 board pack. nothing gets promoted to Production in that window, experiments are fine")]]),
        q("freeze", "event", "model freeze", (r"freeze",), marker=r"model freeze"),
    )  # fmt: skip
    return out, asked


# Planted statements asked about only through another question (the rest of a prompt that states a fact, the
# announcements of values that changed): their facts are planted facts for precision.
SUPPORT_MARKERS = [r"gc -c|data/exp", r"to_pandas|lightgbm boundary", r"imports it|calendar\.py", r"fit\(\)|backtest plots",
                   r"wape_14d|winter routes", r"camelCase", r"rolling origin|never shuffle", r"read-only|behind SSO", r"compose\.yaml|\.env\.example",
                   r"torch\.manual_seed|random_state", r"ruff \+ mypy|red builds", r"numba|pixi install", r"experiments are fine",
                   r"promote", r"reviewer|Tom", r"aggregate to days", r"20 trials"]  # fmt: skip

OPENERS = [
    "WAPE on Sandefjord-Stromstad jumped after the last retrain, dig in",
    "the backtest plot has the forecast shifted by one day, fix",
    "add a test for the holiday features, coverage on calendar.py is 40%",
    "why does dvc repro rerun featurize every time even when nothing changed?",
    "clean up evaluate.py, there are three copies of the same metric function",
    "Tom says the Q3 numbers look off for Bergen-Stavanger, can you check the raw counts",
    "plot actual vs forecast for the last 4 weeks per route. matplotlib is fine, it's for a slide",
    "make the training script print the top 20 feature importances",
    "the route_id mapping has two ids for Oslo-Kiel since the timetable change, merge them",
    "featurize takes 9 minutes now, speed it up",
    "CI failed on main, log below\n```\nFAILED tests/test_calendar.py::test_easter_2027 - AssertionError: assert datetime.date(2027, 3, 28) == datetime.date(2027, 3, 29)\n1 failed, 93 passed in 12.04s\n```",
    "docstrings for the public functions in features.py please, numpy style",
]
REPLIES = ["nice", "ok ship it", "👍", "hm, run the backtest once more", "thx", "can you also check the winter routes"]
ROUTINE = [
    "tests: `pixi run test`",
    "train: `pixi run train` (logs to $MLFLOW_TRACKING_URI)",
    "pipeline: `dvc repro`, then `git add dvc.lock`",
]


def build_session(b: SessionBuilder, rng: random.Random, day: int, w: World, opener: str, beats: list[Beat]) -> None:
    b.start(opener)
    steps = rng.randint(5, 28)
    marks = sorted(rng.randint(0, steps) for _ in beats)
    done = 0
    for mark, beat in zip(marks, beats, strict=True):
        chores(b, rng, day, w, mark - done)
        done = mark
        beat(b, rng, day, w)
    chores(b, rng, day, w, steps - done)
    if rng.random() < 0.3:
        b.prompt(rng.choice(REPLIES))
        chores(b, rng, day, w, rng.randint(1, 4))
    if b.tool_count >= 18 and rng.random() < 0.4:
        b.note_inbox([rng.choice(ROUTINE)])
    b.finish(
        rng.choice(
            [
                "Done; tests pass.",
                "Pushed to the branch, CI is running.",
                "Done — numbers are in MLflow.",
                "All done, nothing committed yet.",
            ]
        )
    )


def build_month(rng: random.Random, first_day: datetime, root: str) -> Month:
    w = World(rng, first_day)
    planned, asked = threads(rng, w)
    work: dict[int, list[tuple[str, list[Beat]]]] = {}
    for thread in planned:
        for opener, day, beats in zip(thread.openers, thread.days, thread.beats, strict=True):
            work.setdefault(day, []).append((opener, beats))
    questions = [Question(**{**question.__dict__, "day": day}) for question, day in asked]
    sessions: list[Session] = []
    for day in range(DAYS):
        todo = work.get(day, [])
        count = max(len(todo), rng.randint(1, 3) if w.weekend(day) else rng.randint(7, 9))
        slots = todo + [(rng.choice(OPENERS), []) for _ in range(count - len(todo))]
        rng.shuffle(slots)
        for minute, (opener, beats) in zip(sorted(rng.sample(range(8 * 60, 23 * 60, 7), count)), slots, strict=True):
            session = Session(session_id(rng), first_day + timedelta(days=day, minutes=minute), root)
            build_session(SessionBuilder(session, rng), rng, day, w, opener, beats)
            sessions.append(session)
    sessions.sort(key=lambda s: s.start)
    return Month(sessions, questions, first_day, DAYS, [q.marker for q in questions] + SUPPORT_MARKERS)
