"""Where a warm ``make html`` spends its time besides the search index: wall clock per phase.

``.venv/bin/python bench/warm_phases.py --n 1000 --repeat 3``: generates N articles, builds once
(cold), then per round appends a sentence to one post and runs, in a fresh process, the same
checks and build as ``scripts/build.py`` but with the search index deferred (``make serve``'s
quick build: the previous index is carried over), printing the phases of the median round.
Why: the search index moves into a parallel process (#16), so the rest must fit the goal alone;
this measures that rest without a profiler (cProfile inflates Python-heavy code ~1.7×).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate  # noqa: E402
from run import edit_one_article  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

ONE_BUILD = r"""
import json, os, sys, time
started = time.perf_counter()
from pathlib import Path
from pelican import signals
from coachsite.build import build, check, discard_later, leave
from coachsite.site import ROOT
marks = [("imports", time.perf_counter())]
def mark(name):
    return lambda sender: marks.append((name, time.perf_counter()))
kept = [mark("Pelican: context read, plugins run"), mark("Pelican: pages written")]
signals.all_generators_finalized.connect(kept[0])
signals.finalized.connect(kept[1])
content, output, deferred = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
override = {"PATH": str(Path(content).resolve())}
assert not check(ROOT / "pelicanconf.py", [], **override)
marks.append(("checks", time.perf_counter()))
extra = {"SEARCH_INDEX_DEFERRED": True, "carry": "zoeken"} if deferred else {}
build(ROOT / "pelicanconf.py", Path(output), run_checks=False, discard=discard_later, **extra, **override)
marks.append(("keep unchanged, swap", time.perf_counter()))
previous, phases = started, []
for name, at in marks:
    phases.append([name, at - previous])
    previous = at
print(json.dumps({"phases": phases, "total": previous - started}))
leave(0)  # as scripts/build.py
"""


def one_build(content: Path, output: Path, deferred: bool) -> dict:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", ONE_BUILD, str(content), str(output), "1" if deferred else "0"],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall"] = time.perf_counter() - start
    return result


@click.command()
@click.option("--n", "n", default=1000, show_default=True, help="Number of generated articles.")
@click.option("--repeat", default=3, show_default=True, help="Warm builds; the median one is shown.")
def main(n: int, repeat: int) -> None:
    """Phases of a warm build without the search index (wall clock, whole process)."""
    with tempfile.TemporaryDirectory(prefix="bench-warm-") as tmp:
        content = generate(Path(tmp) / "content", n)
        output = Path(tmp) / "output"
        one_build(content, output, deferred=False)  # cold, with the index
        one_build(content, output, deferred=True)  # the first quick build renders what the index named
        rounds = []
        for round_ in range(repeat):
            edit_one_article(content, round_)
            rounds.append(one_build(content, output, deferred=True))
    rounds.sort(key=lambda r: r["wall"])
    median = rounds[len(rounds) // 2]
    walls = ", ".join(f"{r['wall']:.2f}" for r in rounds)
    click.echo(f"Warm build without the search index, {n} articles: median {median['wall']:.2f} s wall "
               f"(all: {walls}); phases of the median round:")
    for name, seconds in median["phases"]:
        click.echo(f"  {name:38s} {seconds:6.3f} s")
    click.echo(f"  {'interpreter start and exit':38s} {median['wall'] - median['total']:6.3f} s")


if __name__ == "__main__":
    main()
