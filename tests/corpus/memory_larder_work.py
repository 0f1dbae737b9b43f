"""Ordinary work for the "larder" month (tests/corpus/memory_larder.py): a Rails team's everyday tool calls, with
outputs shaped like RSpec's, RuboCop's, foreman's and Puma's, and what changes during the month."""

# ruff: noqa: E501  (tool output is data: its lines are as long as the tools print them)

from __future__ import annotations

import random

from tests.corpus.memory_month import SessionBuilder

MODELS = ["recipe", "ingredient", "household", "meal_plan", "pantry_item", "shopping_list", "invite", "tag"]
RAILS_FILES = (
    [f"app/models/{m}.rb" for m in MODELS]
    + [f"app/controllers/{m}s_controller.rb" for m in MODELS[:6]]
    + [f"app/services/{m}/build.rb" for m in ("shopping_list", "meal_plan")]
    + [f"spec/models/{m}_spec.rb" for m in MODELS]
    + [f"spec/requests/{m}s_spec.rb" for m in MODELS[:5]]
)
VIEWS = [
    "app/views/meal_plans/week.html.erb",
    "app/views/recipes/_card.html.erb",
    "app/javascript/controllers/pantry_controller.js",
]


class World:
    """What changes during the month, and when (drawn per seed)."""

    def __init__(self, rng: random.Random) -> None:
        self.ruby_day = rng.randint(10, 12)
        self.queue_day = rng.randint(16, 19)
        self.port_day = rng.randint(19, 22)
        self.freeze_day = rng.randint(22, 26)

    def port(self, day: int) -> int:
        return 3100 if day >= self.port_day else 3000

    def ruby(self, day: int) -> str:
        return "3.3.1-p55" if day >= self.ruby_day else "3.2.2-p53"

    def specs(self, day: int) -> str:
        return "bundle exec rspec"


def ruby_source(rng: random.Random, path: str) -> str:
    name = path.rsplit("/", 1)[-1].removesuffix(".rb")
    klass = "".join(part.title() for part in name.split("_"))
    lines = [f"class {klass} < ApplicationRecord" if path.startswith("app/models") else f"class {klass}"]
    for _ in range(rng.randint(3, 9)):
        method = rng.choice(["scaled_quantity", "visible_to", "expired?", "for_week", "to_csv", "merge_items"])
        lines += [
            f"  def {method}(household)",
            f"    {rng.choice(MODELS)}s.where(household:).order(:created_at)",
            "  end",
            "",
        ]
    return "\n".join([*lines, "end"])


def rspec(rng: random.Random, spec: str, failing: bool = False) -> str:
    count = rng.randint(8, 240)
    dots = "." * min(count, 70)
    if not failing:
        return f"{dots}\n\nFinished in {rng.uniform(0.5, 30):.2f} seconds (files took {rng.uniform(1.5, 3):.2f} seconds to load)\n{count} examples, 0 failures"
    line = rng.randint(12, 90)
    return (
        f"F{dots[1:]}\n\nFailures:\n\n  1) Recipe#scaled_quantity scales fractions\n     Failure/Error: expect(recipe.scaled_quantity(ingredient, 4)).to eq(Rational(3, 1))\n\n"
        f"       expected: (3/1)\n            got: (3/2)\n\n       (compared using ==)\n     # ./{spec}:{line}:in `block (3 levels) in <top (required)>'\n\n"
        f"Finished in {rng.uniform(0.5, 5):.2f} seconds (files took 2.05 seconds to load)\n{count} examples, 1 failure\n\n"
        f"Failed examples:\n\nrspec ./{spec}:{line} # Recipe#scaled_quantity scales fractions"
    )


def foreman(rng: random.Random, day: int, w: World) -> str:
    pid = rng.randint(40000, 60000)
    return (
        f"10:14:03 web.1  | started with pid {pid}\n10:14:03 js.1   | started with pid {pid + 1}\n10:14:03 css.1  | started with pid {pid + 2}\n"
        f"10:14:04 web.1  | => Booting Puma\n10:14:04 web.1  | => Rails 7.1.3.2 application starting in development\n"
        f'10:14:04 web.1  | Puma starting in single mode...\n10:14:04 web.1  | * Puma version: 6.4.2 (ruby {w.ruby(day)}) ("The Eagle of Durango")\n'
        f"10:14:04 web.1  | * Listening on http://127.0.0.1:{w.port(day)}\n10:14:04 js.1   | [watch] build finished, watching for changes..."
    )


def chores(b: SessionBuilder, rng: random.Random, day: int, w: World, steps: int) -> None:
    """``steps`` tool calls of everyday Rails work: read, grep, edit, specs (a failing one fixed by an edit: work,
    not a lesson), RuboCop, the dev server, git."""
    for _ in range(steps):
        roll = rng.random()
        if roll < 0.27:
            path = rng.choice(RAILS_FILES)
            b.read(path, ruby_source(rng, path))
        elif roll < 0.33:
            b.read(
                rng.choice(VIEWS),
                '<%= turbo_frame_tag dom_id(@meal_plan) do %>\n  <%= render partial: "recipes/card", collection: @recipes %>\n<% end %>',
            )
        elif roll < 0.4:
            b.grep(rng.choice(["def scaled_quantity", "household_id", "turbo_stream"]), rng.sample(RAILS_FILES, 3))
        elif roll < 0.55:
            b.edit(rng.choice(RAILS_FILES), ".order(:created_at)", ".order(created_at: :desc)")
        elif roll < 0.72:
            spec = rng.choice([f for f in RAILS_FILES if f.startswith("spec/")])
            if rng.random() < 0.25:
                b.bash(f"{w.specs(day)} {spec}", rspec(rng, spec, failing=True), exit_code=1)
                b.say(
                    rng.choice(
                        [
                            "The fraction is parsed before scaling; fixing the parser.",
                            "Off by one in the rational math.",
                        ]
                    )
                )
                b.edit("app/models/ingredient.rb", "Rational(whole + frac)", "Rational(whole) + Rational(frac)")
            b.bash(f"{w.specs(day)} {spec}", rspec(rng, spec))
        elif roll < 0.79:
            b.bash(
                "bundle exec rubocop",
                f"Inspecting {rng.randint(205, 230)} files\n{'.' * 60}\n\n214 files inspected, no offenses detected",
            )
        elif roll < 0.83:
            b.bash("bin/dev", foreman(rng, day, w))
        elif roll < 0.88:
            b.bash("git status --short", "\n".join(f" M {f}" for f in rng.sample(RAILS_FILES, 3)))
        elif roll < 0.92:
            b.bash(
                "yarn build",
                "yarn run v1.22.22\n$ esbuild app/javascript/*.* --bundle --sourcemap --format=esm --outdir=app/assets/builds --public-path=/assets\n\n  app/assets/builds/application.js      412.3kb\n\nDone in 0.41s.",
            )
        elif roll < 0.96:
            b.think(f"The {rng.choice(MODELS)} query runs once per row; an includes() fixes the N+1.")
        else:
            b.say(
                rng.choice(
                    [
                        "Next I'll check the request spec.",
                        "The view only needs the frame id.",
                        "Running the suite again.",
                    ]
                )
            )
