"""The three build rows of ``make bench`` alone, with CPU time beside wall time.

``.venv/bin/python bench/build_bench.py --n 1000 --repeat 3``: bare Pelican vs our cold build (no
caches) on the project's own content and on N generated articles, and the warm rebuild after
editing one article, exactly as ``bench/run.py`` measures them (its functions), printed as the
same table rows; RESULTS.md is left as it is. CPU time (user + system of the build process) is
printed too: on a shared machine wall time mostly measures the neighbours, CPU time much less.
"""

from __future__ import annotations

import resource
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402
from generate import generate  # noqa: E402

ROOT = run.ROOT
_cpu: list[float] = []  # CPU seconds of each timed command, in order


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed_with_cpu(command: list[str], cwd: Path, _timed=run.timed) -> float:
    before = _children_cpu()
    elapsed = _timed(command, cwd)
    _cpu.append(_children_cpu() - before)
    return elapsed


def _cpu_of(builds: dict, repeat: int, rebuild: bool) -> dict:
    """Split the CPU list the way ``run.bench_builds`` ran: bare and full in turns, then rebuilds."""
    taken = _cpu[-(2 * repeat + (repeat if rebuild else 0)) :]
    cpu = {"bare": taken[0 : 2 * repeat : 2], "full": taken[1 : 2 * repeat : 2]}
    if rebuild:
        cpu["rebuild"] = taken[2 * repeat :]
    return {name: statistics.median(values) for name, values in cpu.items()}


def rows(n: int, builds: dict, cpu: dict) -> list[str]:
    secs = lambda t: f"{t['median']:.2f} s ({t['min']:.2f}–{t['max']:.2f})"  # noqa: E731
    own, own_cpu = builds["own"], cpu["own"]
    return [
        "| figure | measured (wall, median and spread) | ratio | CPU (median) | ratio | goal |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| Full build vs bare Pelican, own content, no caches | {secs(own['full'])} vs {secs(own['bare'])} | "
        f"{run.ratio(own['full']['median'], own['bare']['median'])} | {own_cpu['full']:.2f} vs {own_cpu['bare']:.2f} s | "
        f"{run.ratio(own_cpu['full'], own_cpu['bare'])} | ≤ 1.5× |",
        f"| Full build vs bare Pelican, {n} articles, no caches | {secs(builds['full'])} vs {secs(builds['bare'])} | "
        f"{run.ratio(builds['full']['median'], builds['bare']['median'])} | {cpu['n']['full']:.2f} vs {cpu['n']['bare']:.2f} s | "
        f"{run.ratio(cpu['n']['full'], cpu['n']['bare'])} | ≤ 1.2× |",
        f"| Rebuild after editing one article vs full build, {n} articles (warm `make html`) | {secs(builds['rebuild'])} vs "
        f"{builds['full']['median']:.2f} s | {run.ratio(builds['rebuild']['median'], builds['full']['median'])} | "
        f"{cpu['n']['rebuild']:.2f} vs {cpu['n']['full']:.2f} s | {run.ratio(cpu['n']['rebuild'], cpu['n']['full'])} | ≤ 0.3× |",
    ]


@click.command()
@click.option("--n", "n", default=1000, show_default=True, help="Number of generated articles.")
@click.option("--repeat", default=3, show_default=True, help="Runs per timing; the median is reported.")
def main(n: int, repeat: int) -> None:
    """Time the build rows of make bench (own content and N articles) and print them."""
    run.timed = _timed_with_cpu
    with tempfile.TemporaryDirectory(prefix="bench-builds-") as tmp:
        work = Path(tmp)
        content = generate(work / "content", n)
        click.echo(f"Generated {n} articles; timing builds ({repeat} runs each)…", err=True)
        builds = run.bench_builds(work, content, repeat)
        cpu = {"n": _cpu_of(builds, repeat, rebuild=True)}
        own = Path(shutil.copytree(ROOT / "content", work / "own" / "content"))
        click.echo("Own content: cold builds…", err=True)
        builds["own"] = run.bench_builds(work / "own", own, repeat, rebuild=False)
        cpu["own"] = _cpu_of(builds["own"], repeat, rebuild=False)
    click.echo("\n".join(rows(n, builds, cpu)))


if __name__ == "__main__":
    main()
