"""plugins/parallel_read.py: a cold build reads its posts on two cores and writes the same bytes.

Each build here is a real cold build of generated posts with the threshold lowered, so the
forked child really reads; a spy on ``ParallelRead`` records each child's pid and how many
posts it sent back.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

import pytest

from coachsite import side_jobs
from coachsite.build import BuildError, build, render_record

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "pelicanconf.py"
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "plugins"))

import parallel_read  # noqa: E402  (the module Pelican loads: it reuses sys.modules)

READ_IN_CHILD = parallel_read.read_in_child
POSTS = 24
FEW = {"PARALLEL_READ_MIN": 8}  # 24 posts are enough for a child here


def files_of(site: Path) -> dict[str, bytes]:
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def site_build(tmp_path: Path, content: Path, name: str, **override):
    """A build into ``tmp_path/name`` with a cache folder of its own: cold the first time."""
    return build(
        CONFIG, tmp_path / name, run_checks=False, link_unchanged=False,
        PATH=str(content), CACHE_PATH=str(tmp_path / f"cache-{name}"), **override,
    )


@pytest.fixture(scope="module")
def content(tmp_path_factory) -> Path:
    from generate import generate

    return generate(tmp_path_factory.mktemp("parallel") / "content", POSTS)


@pytest.fixture(scope="module")
def serial_site(tmp_path_factory, content) -> dict[str, bytes]:
    tmp = tmp_path_factory.mktemp("serial")
    site_build(tmp, content, "serial", PARALLEL_READ=False)
    return files_of(tmp / "serial")


@pytest.fixture
def children(monkeypatch) -> list[dict]:
    """Every child the plugin forks during the test: its pid, and how many posts it sent back."""
    seen: list[dict] = []
    start, collect = parallel_read.ParallelRead.start, parallel_read.ParallelRead.collect
    # Servers of earlier tests in this session (browser, subscriptions) leave their threads
    # running, which would keep every build here serial; none of them touches what the child does.
    monkeypatch.setattr(side_jobs, "can_fork", lambda: True)

    def spy_start(self):
        start(self)
        if self.pid is not None:
            seen.append({"pid": self.pid, "read": None})

    def spy_collect(self):
        collect(self)
        seen[-1]["read"] = len(self.results)

    monkeypatch.setattr(parallel_read.ParallelRead, "start", spy_start)
    monkeypatch.setattr(parallel_read.ParallelRead, "collect", spy_collect)
    return seen


@pytest.fixture
def slow_parent(monkeypatch):
    """Pelican reaches the posts only after the child has read them all (as on a machine where
    the parent is held up): the child sees no claim, the parent always waits for it."""
    monkeypatch.setattr(parallel_read.Progress, "claimed", lambda self: -1)
    monkeypatch.setattr(parallel_read.Progress, "started", lambda self: -1)


def gone(pid: int) -> bool:
    """The child has exited and was reaped (no zombie left either)."""
    return not Path(f"/proc/{pid}").exists()


def test_a_parallel_cold_build_writes_the_same_bytes_as_a_serial_one(tmp_path, content, serial_site, children):
    site_build(tmp_path, content, "parallel", **FEW)
    assert len(children) == 1 and gone(children[0]["pid"])
    assert files_of(tmp_path / "parallel") == serial_site
    # Pelican's cache holds the child's posts as its own: the warm rebuild forks nothing, and the
    # render cache finds every page's signature unchanged (posts from the child are equal posts).
    site_build(tmp_path, content, "parallel", **FEW)
    assert len(children) == 1
    record = json.loads(render_record(CONFIG, tmp_path / "parallel", {"CACHE_PATH": str(tmp_path / "cache-parallel")}).with_suffix(".json").read_text())
    assert record["reused"] == len(record["pages"]) > POSTS
    assert files_of(tmp_path / "parallel") == serial_site


def test_every_post_read_by_the_child_gives_the_same_bytes(tmp_path, content, serial_site, children, slow_parent):
    site_build(tmp_path, content, "child", **FEW)
    assert [child["read"] for child in children] == [POSTS]
    assert files_of(tmp_path / "child") == serial_site


def test_the_two_meet_where_pelican_reaches_the_child(content):
    """The counters alone: the child stops at the first post Pelican has claimed."""
    progress = parallel_read.Progress(5)
    assert progress.started() == 5 and progress.claimed() == -1
    progress.claim(2)  # Pelican has read posts 0-2 itself
    read = []

    class Reader:
        def read(self, path):
            read.append(path)
            return "<p>tekst</p>", {}

    class Readers:
        readers = {"md": Reader()}

    results = READ_IN_CHILD(Readers(), [f"{n}.md" for n in range(5)], os.getppid(), progress)
    assert read == ["4.md", "3.md"] and set(results) == {"4.md", "3.md"}
    assert progress.started() == 2  # so Pelican, asking for post 3, waits for the child


def test_few_cache_misses_never_fork(tmp_path, content, children):
    site_build(tmp_path, content, "few", PARALLEL_READ_MIN=POSTS + 1)
    assert children == []


def test_other_threads_keep_the_reading_serial():
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert not side_jobs.can_fork()
    finally:
        release.set()
        thread.join()


def test_a_warning_of_the_reader_in_the_child_still_fails_the_build(tmp_path, content, children, slow_parent):
    """Pelican warns about a repeated ``Category:`` line while reading; read by the child, the
    warning must reach the build's collector all the same."""
    post = content / "klantbeleving" / "twee-keer-een-thema.md"
    post.write_text(
        "Title: Twee keer een thema\nDate: 2026-03-04 09:00\nCategory: Klantbeleving\n"
        "Category: Hybride werken\nTags: klantbeleving\n\nEen korte tekst over twee thema's.\n",
        encoding="utf-8",
    )
    try:
        with pytest.raises(BuildError) as failed:
            site_build(tmp_path, content, "warned", **FEW)
    finally:
        post.unlink()
    assert [child["read"] for child in children] == [POSTS + 1]
    assert any("Duplicate definition of `category`" in line and "twee-keer-een-thema.md" in line for line in failed.value.details)


def _crash(readers, paths, parent, progress):
    os._exit(3)


def _garbage(readers, paths, parent, progress):
    return {paths[-1]: "not a post but a string"}


def _half(readers, paths, parent, progress):
    """Only some posts come back (the others failed in the child): the parent reads the rest."""
    results = READ_IN_CHILD(readers, paths, parent, progress)
    return dict(list(results.items())[::2])


@pytest.mark.parametrize("child", [_crash, _garbage, _half], ids=["crash", "garbage", "some-missing"])
def test_a_child_that_fails_leaves_its_posts_to_the_parent(tmp_path, content, serial_site, children, slow_parent, monkeypatch, child):
    monkeypatch.setattr(parallel_read, "read_in_child", child)
    site_build(tmp_path, content, "failed", **FEW)
    assert len(children) == 1 and gone(children[0]["pid"])
    assert files_of(tmp_path / "failed") == serial_site


class Interrupted(BaseException):
    """Like Ctrl-C: passes every ``except Exception`` in Pelican."""


def _hang(readers, paths, parent, progress):
    threading.Event().wait()  # never returns: only a kill ends this child


def test_a_failing_build_never_leaves_the_child_running(tmp_path, content, children, monkeypatch):
    from pelican.readers import Readers

    monkeypatch.setattr(parallel_read, "read_in_child", _hang)

    def read_file(self, *args, **kwargs):
        raise Interrupted

    monkeypatch.setattr(Readers, "read_file", read_file)
    with pytest.raises(Interrupted):
        site_build(tmp_path, content, "interrupted", **FEW)
    assert len(children) == 1 and gone(children[0]["pid"])


def test_the_reader_cache_is_pelicans_own_again_after_the_reading(tmp_path, content, children):
    """``make serve``'s worker re-reads a saved post with the build's readers afterwards."""
    from pelican import signals

    seen = []

    def keep(generator):
        seen.append(generator)

    signals.article_generator_finalized.connect(keep)
    try:
        site_build(tmp_path, content, "after", **FEW)
    finally:
        signals.article_generator_finalized.disconnect(keep)
    assert len(children) == 1
    assert "get_cached_data" not in vars(seen[0].readers)


def test_the_reading_benchmark_runs():
    """``bench/read_bench.py`` run tiny so it cannot rot (no timing asserted)."""
    from click.testing import CliRunner
    from read_bench import main

    result = CliRunner().invoke(main, ["--n", "45", "--repeat", "1"])
    assert result.exit_code == 0, result.output
    assert "| reading loop, CPU (with the child) |" in result.output
