"""The reading phase of a cold build, with and without ``plugins/parallel_read.py``.

``.venv/bin/python bench/read_bench.py --n 1000 --repeat 3``: N generated articles, cold builds
(reader cache removed first) taking turns with ``PARALLEL_READ`` True and False, each in a fresh
process. Per build it times Pelican's reading loop of the articles (from the start of
``ArticlesGenerator.generate_context`` to its ``article_generator_pretaxonomy`` signal: reading
every post and making its Article) in wall time and in CPU time of the process and of the
children it waited for (the reading child included), and the whole build. The two cores are
only both ours on a quiet machine: compare CPU time when neighbours share it.
"""

from __future__ import annotations

import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(content: Path, output: Path, parallel: bool) -> dict:
    """One cold build in this process; the reading loop's wall and CPU seconds and the build's."""
    sys.path.insert(0, str(ROOT))
    from pelican import generators, signals

    from coachsite.build import build
    from coachsite.site import cache_path

    shutil.rmtree(cache_path(ROOT / "pelicanconf.py", str(content)), ignore_errors=True)
    times: dict = {}
    original = generators.ArticlesGenerator.generate_context

    def generate_context(self):
        times["start"] = (time.perf_counter(), _cpu())
        return original(self)

    def read(_generator):
        wall, cpu = times["start"]
        times["loop"], times["loop_cpu"] = time.perf_counter() - wall, _cpu() - cpu

    generators.ArticlesGenerator.generate_context = generate_context
    signals.article_generator_pretaxonomy.connect(read)
    started = time.perf_counter()
    build(ROOT / "pelicanconf.py", output, run_checks=False, PATH=str(content), PARALLEL_READ=parallel)
    return {"loop": times["loop"], "loop_cpu": times["loop_cpu"], "build": time.perf_counter() - started}


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})"


@click.command()
@click.option("--n", "n", default=1000, show_default=True, help="Number of generated articles.")
@click.option("--repeat", default=3, show_default=True, help="Builds per mode; medians and spread are printed.")
@click.option("--one", type=click.Choice(["on", "off"]), hidden=True, help="Internal: one build in this process.")
@click.option("--content", type=click.Path(path_type=Path), hidden=True, help="Internal: the content folder.")
def main(n: int, repeat: int, one: str | None, content: Path | None) -> None:
    """Time the reading of a cold build with and without the reading child."""
    if one:
        with tempfile.TemporaryDirectory(prefix="read-bench-out-") as out:
            click.echo(json.dumps(measure(content, Path(out) / "site", one == "on")))
        return
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    runs: dict[str, list[dict]] = {"on": [], "off": []}
    with tempfile.TemporaryDirectory(prefix="read-bench-") as tmp:
        content = generate(Path(tmp) / "content", n)
        for _ in range(repeat):
            for mode in ("on", "off"):
                command = [sys.executable, __file__, "--one", mode, "--content", str(content)]
                result = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
                runs[mode].append(json.loads(result.stdout.strip().splitlines()[-1]))
    click.echo(f"| {n} articles, cold, {repeat} builds each | PARALLEL_READ True | False |")
    click.echo("| --- | --- | --- |")
    for key, label in (("loop", "reading loop, wall"), ("loop_cpu", "reading loop, CPU (with the child)"), ("build", "whole build, wall")):
        click.echo(f"| {label} | {spread([r[key] for r in runs['on']])} | {spread([r[key] for r in runs['off']])} |")


if __name__ == "__main__":
    main()
