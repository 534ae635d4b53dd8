"""``make bench``: every speed figure beside its baseline, measured in one run on this machine.

1. cold full build (checks, theme, plugins, search index; no caches) vs bare Pelican on the same
   articles, on the project's own content and on N generated articles;
2. warm rebuild (``make html``) after editing one article vs our cold build;
2b. save-to-reload in ``make serve``: from writing a changed post to headless Chromium showing it,
   on the project's own content and on N articles (``bench/serve_bench.py``);
3. search: index size, bytes for the first query, p95 latency in headless Chromium (N and N_LARGE);
4. newsletter: building one issue from the N-article site, and the email's size;
5. sending to a local aiosmtpd: messages per second and peak memory for SUBSCRIBERS subscribers;
6. the subscriber service: sign-ups per second sustained for ``--signup-seconds`` (SMTP up and down).

Times are medians of ``--repeat`` runs, with the spread (fastest–slowest) beside them. Results go to stdout and to ``bench/RESULTS.md``.
No figure here is asserted by the test suite; ``tests/test_bench_smoke.py`` only runs it small.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from generate import generate  # noqa: E402
from search_bench import measure_search, measure_table, search_rows, table_rows  # noqa: E402

PY = sys.executable


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise click.ClickException(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return elapsed


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{platform.node()} · {cpu} · {os.cpu_count()} cores · Python {platform.python_version()}"


def our_build(content: Path, output: Path, cold: bool) -> float:
    """``make html`` on ``content``; cold starts with no cache of ours, as a fresh clone does.

    That is this content's cache folder (Pelican's reader cache, Jinja bytecode, search counts and
    stems, the render record) and everything else in ``cache/`` beside the project or the content
    that is not another content's cache folder (the email PNGs that builds before #16 kept in
    ``cache/email-images`` beside the content: the old "cold" rows reused them).
    """
    from coachsite.site import cache_path

    if cold:
        shutil.rmtree(cache_path(ROOT / "pelicanconf.py", str(content)), ignore_errors=True)
        for entry in {*(ROOT / "cache").glob("*"), *(content.parent / "cache").glob("*")}:
            if not entry.name.startswith("pelican-"):
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    return timed([PY, str(ROOT / "scripts" / "build.py"), "--content", str(content), "--output", str(output)], ROOT)


def bare_build(work: Path, output: Path) -> float:
    return timed([PY, "-m", "pelican", "content", "-o", str(output), "-q", "-s", str(ROOT / "bench" / "bare_pelicanconf.py")], work)


def edit_one_article(content: Path, round_: int) -> None:
    article = sorted((content / "klantbeleving").glob("*.md"))[0]
    with article.open("a", encoding="utf-8") as fh:
        fh.write(f"\nEen extra zin voor de meting, ronde {round_}.\n")


def spread(times: list[float]) -> dict:
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}


def bench_builds(work: Path, content: Path, repeat: int, rebuild: bool = True) -> dict:
    """Bare Pelican and our cold build, taking turns; then warm rebuilds after one edit each."""
    bare, full = [], []
    for _ in range(repeat):
        bare.append(bare_build(work, work / "bare"))
        full.append(our_build(content, work / "ours", cold=True))
    result = {"bare": spread(bare), "full": spread(full)}
    if rebuild:
        times = []
        for round_ in range(repeat):
            edit_one_article(content, round_)
            times.append(our_build(content, work / "ours", cold=False))
        result["rebuild"] = spread(times)
    return result


def bench_reload(work: Path, content: Path, rounds: int) -> dict:
    from serve_bench import measure_reload  # noqa: PLC0415

    post = sorted((content / "klantbeleving").glob("*.md"))[0]
    return measure_reload(content, work / "served", post, rounds)


def bench_newsletter(content: Path, repeat: int) -> dict:
    from coachsite.newsletter.issue import build_issue
    from coachsite.site import load_settings

    settings = load_settings(ROOT / "pelicanconf.py", PATH=str(content))
    times, size = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(ROOT / "newsletters" / "templates", root / "templates")
        for _ in range(repeat):
            start = time.perf_counter()
            built = build_issue(dt.date(2026, 11, 25), settings, root, root / "templates")
            times.append(time.perf_counter() - start)
            size = len(built.files["email.html"].encode("utf-8"))
    return {"seconds": statistics.median(times), "html_bytes": size, "posts": len(built.selection.posts)}


def bench_send(subscribers: int) -> dict | None:
    try:
        from send_bench import measure_send  # noqa: PLC0415
    except ImportError:
        return None
    return measure_send(subscribers)


def bench_signup(seconds: float) -> dict:
    from signup_bench import measure_signup  # noqa: PLC0415

    return measure_signup(seconds)


def ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}×" if base else "n/a"


def report(n: int, n_large: int, builds: dict, search: dict, search_large: dict | None, letter: dict, send: dict | None,
           signup: dict | None = None) -> str:
    kb = lambda b: f"{b / 1024:.1f} KB"  # noqa: E731
    own, reload_own, reload_n = builds["own"], builds["reload_own"], builds["reload_n"]
    secs = lambda t: f"{t['median']:.2f} s ({t['min']:.2f}–{t['max']:.2f})"  # noqa: E731
    rows = [
        ("Full build vs bare Pelican, own content, no caches", f"{secs(own['full'])} vs {secs(own['bare'])}", ratio(own["full"]["median"], own["bare"]["median"]), "≤ 1.5×"),
        (f"Full build vs bare Pelican, {n} articles, no caches", f"{secs(builds['full'])} vs {secs(builds['bare'])}", ratio(builds["full"]["median"], builds["bare"]["median"]), "≤ 1.2×"),
        (f"Rebuild after editing one article vs full build, {n} articles (warm `make html`)", f"{secs(builds['rebuild'])} vs {builds['full']['median']:.2f} s", ratio(builds["rebuild"]["median"], builds["full"]["median"]), "≤ 0.3×"),
    ]
    for label, r, goal in (("own content", reload_own, 0.5), (f"{n} articles", reload_n, 1.0)):
        if r:
            rows.append(tuple(reload_row(label, r, goal).strip("| ").split(" | ")))
    for label, s, count in (("", search, n), (" (large)", search_large, n_large)):
        if s:
            rows += search_rows(s, count, label)
    rows += table_rows(search.get("table", {}))
    if search and search_large:
        rows.append((f"Search at {n_large} vs {n}: first-query bytes; p95", "", f"{ratio(search_large['first_query_gzip_bytes'], search['first_query_gzip_bytes'])}; {ratio(search_large['latency_p95_ms'], search['latency_p95_ms'])}", "≤ 2×"))
    rows += [
        (f"Newsletter issue from {n} articles ({letter['posts']} posts)", f"{letter['seconds']:.2f} s", ratio(letter["seconds"], 1.0) + " of goal", "≤ 1 s"),
        ("Newsletter email.html size", kb(letter["html_bytes"]), ratio(letter["html_bytes"], 102 * 1024) + " of Gmail's clip", "< 102 KB"),
    ]
    if send:
        rows += [
            (f"Send to local aiosmtpd, {send['subscribers']} subscribers", f"{send['per_second']:.0f} msg/s", ratio(send["per_second"], 500) + " of goal", "≥ 500 msg/s"),
            ("Send peak memory (RSS of the send process)", f"{send['peak_mb']:.1f} MB", ratio(send["peak_mb"], 100) + " of goal", "≤ 100 MB"),
        ]
    if signup:
        from signup_bench import rows as signup_rows  # noqa: PLC0415

        rows += signup_rows(signup)
    lines = [
        f"Measured {dt.datetime.now().astimezone().isoformat(timespec='minutes')} on {machine()}",
        "",
        "| figure | measured | ratio | goal |",
        "| --- | --- | --- | --- |",
    ] + [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)


@click.command()
@click.option("--n", "n", default=1000, show_default=True, help="Number of generated articles.")
@click.option("--n-large", default=10000, show_default=True, help="Articles for the large search run (0 skips it).")
@click.option("--repeat", default=3, show_default=True, help="Runs per timing; the median is reported.")
@click.option("--reload-rounds", default=7, show_default=True, help="Saves per save-to-reload measurement (0 skips it).")
@click.option("--subscribers", default=10000, show_default=True, help="Subscribers for the send benchmark (0 skips it).")
@click.option("--signup-seconds", default=30.0, show_default=True, help="Seconds of sustained sign-ups for the subscriber service (0 skips it).")
@click.option("--only", type=click.Choice(["reload"]), default=None, help="Run only these rows (reload: save-to-reload in make serve) and print them; RESULTS.md is left as it is.")
@click.option("--results", type=click.Path(dir_okay=False, path_type=Path), default=ROOT / "bench" / "RESULTS.md", show_default="bench/RESULTS.md", help="Markdown file the table is written into.")
def main(n: int, n_large: int, repeat: int, reload_rounds: int, subscribers: int, signup_seconds: float, only: str | None, results: Path) -> None:
    """Run every benchmark and print the table."""
    if only == "reload":
        click.echo(reload_only(n, reload_rounds or 7))
        return
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        work = Path(tmp)
        content = generate(work / "content", n)
        click.echo(f"Generated {n} articles; timing builds ({repeat} runs each)…", err=True)
        builds = bench_builds(work, content, repeat)
        own_work = work / "own"
        own = Path(shutil.copytree(ROOT / "content", own_work / "content"))
        click.echo("Own content: cold builds…", err=True)
        builds["own"] = bench_builds(own_work, own, repeat, rebuild=False)
        builds["reload_own"] = builds["reload_n"] = None
        if reload_rounds:
            click.echo("Save-to-reload in make serve (headless Chromium)…", err=True)
            builds["reload_own"] = bench_reload(own_work, own, reload_rounds)
            builds["reload_n"] = bench_reload(work, content, reload_rounds)
        click.echo("Search in headless Chromium…", err=True)
        search = measure_search(work / "ours")
        our_build(ROOT / "content", work / "own", cold=False)  # the query table is about our own posts
        search["table"] = measure_table(work / "own")
        click.echo("Newsletter…", err=True)
        letter = bench_newsletter(content, repeat)
        search_large = None
        if n_large:
            click.echo(f"Large search run: {n_large} articles…", err=True)
            large = generate(work / "large", n_large)
            our_build(large, work / "large-out", cold=False)
            search_large = measure_search(work / "large-out")
        send = bench_send(subscribers) if subscribers else None
        if signup_seconds:
            click.echo(f"Subscriber service: {signup_seconds:.0f} s of sign-ups, SMTP up and down…", err=True)
        signup = bench_signup(signup_seconds) if signup_seconds else None
    table = report(n, n_large, builds, search, search_large, letter, send, signup)
    click.echo(table)
    write_results(results, table)


def reload_only(n: int, rounds: int) -> str:
    """Save-to-reload alone, on the project's own content and on ``n`` generated articles."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        work = Path(tmp)
        own = Path(shutil.copytree(ROOT / "content", work / "own" / "content"))
        click.echo("Save-to-reload in make serve (headless Chromium), own content…", err=True)
        rows = [("own content", bench_reload(work / "own", own, rounds), 0.5)]
        if n:
            content = generate(work / "content", n)
            click.echo(f"… and {n} articles…", err=True)
            rows.append((f"{n} articles", bench_reload(work, content, rounds), 1.0))
    lines = ["| figure | measured | ratio | goal |", "| --- | --- | --- | --- |"]
    for label, r, goal in rows:
        lines.append(reload_row(label, r, goal))
    return "\n".join(lines)


def reload_row(label: str, r: dict, goal: float) -> str:
    return (f"| Save-to-reload in `make serve`, {label}, Chromium, {r['rounds']} saves (build or page alone) | "
            f"{r['p50']:.2f} s ({r['min']:.2f}–{r['max']:.2f}; {r['build_p50']:.2f} s) | {ratio(r['p50'], goal)} of goal | p50 ≤ {goal:g} s |")


def write_results(path: Path, table: str) -> None:
    """Replace the generated section of RESULTS.md, keep the hand-written notes around it."""
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    text = path.read_text(encoding="utf-8") if path.exists() else f"# Benchmark results\n\n{start}\n{end}\n"
    if start not in text:
        text += f"\n{start}\n{end}\n"
    before, rest = text.split(start, 1)
    after = rest.split(end, 1)[1]
    path.write_text(f"{before}{start}\n{table}\n{end}{after}", encoding="utf-8")


if __name__ == "__main__":
    main()
