"""coachsite/side_jobs.py: the search index is computed in a child beside Pelican, and never
outlives its build."""

from __future__ import annotations

import os
import shutil
import signal
import sys
from pathlib import Path

import pytest

from coachsite import side_jobs
from coachsite.build import BuildError, build

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "pelicanconf.py"
LINUX = sys.platform.startswith("linux")


@pytest.fixture
def forking(monkeypatch):
    """Fork although servers of earlier tests in this session left threads running (they would
    make every job run in this process); none of them touches what the children do."""
    if not LINUX:
        pytest.skip("side jobs fork on Linux only")
    monkeypatch.setattr(side_jobs, "can_fork", lambda: True)


def test_a_job_runs_in_another_process_and_returns_its_result(forking):
    job = side_jobs.SideJob("out", os.getpid)
    assert job.result() != os.getpid()
    assert side_jobs._running == {}


def test_an_error_in_the_child_is_one_line_for_the_build(forking):
    def broken():
        raise OSError("disk full")

    with pytest.raises(side_jobs.SideJobError, match="^OSError: disk full$"):
        side_jobs.SideJob("out", broken).result()


def test_a_child_that_dies_is_an_error_not_a_hang(forking):
    job = side_jobs.SideJob("out", lambda: os.kill(os.getpid(), signal.SIGKILL))
    with pytest.raises(side_jobs.SideJobError, match="afsluitcode -9"):
        job.result()


def test_without_fork_the_job_runs_here_with_the_same_result(monkeypatch):
    monkeypatch.setattr(side_jobs, "can_fork", lambda: False)
    assert side_jobs.SideJob("out", os.getpid).result() == os.getpid()


def _plugin(monkeypatch):
    import importlib

    monkeypatch.syspath_prepend(str(ROOT / "plugins"))
    return sys.modules.get("search_index") or importlib.import_module("search_index")


def test_the_search_index_is_written_by_a_child_and_the_page_names_it(tmp_path, content, monkeypatch, forking):
    plugin, parent = _plugin(monkeypatch), os.getpid()
    index = plugin.index_articles

    def in_a_child(*args):
        assert os.getpid() != parent
        return index(*args)

    monkeypatch.setattr(plugin, "index_articles", in_a_child)
    site = tmp_path / "site"
    build(CONFIG, site, PATH=str(content), CACHE_PATH=str(tmp_path / "cache"))
    folder = next(p for p in (site / "zoeken").iterdir() if p.is_dir())  # not zoeken/index.html
    assert f'data-index="/zoeken/{folder.name}/"' in (site / "zoeken" / "index.html").read_text(encoding="utf-8")
    assert (folder / "t.json").is_file()


def test_a_build_that_fails_while_the_child_runs_stops_the_child(tmp_path, content, monkeypatch, forking):
    """Pelican raising after the fork (here: a broken template) must not leave the child writing."""
    plugin = _plugin(monkeypatch)
    never, writer = os.pipe()
    monkeypatch.setattr(plugin, "index_articles", lambda *args: os.read(never, 1))  # blocks until killed
    killed = []
    kill = side_jobs.SideJob.kill
    monkeypatch.setattr(side_jobs.SideJob, "kill", lambda self: (killed.append(self._process.pid), kill(self))[1])
    theme = Path(shutil.copytree(ROOT / "theme", tmp_path / "theme"))
    template = theme / "templates" / "article.html"
    source = template.read_text(encoding="utf-8")
    template.write_text(source.replace("{% block content %}", "{% block content %}{{ no_such_function() }}", 1), encoding="utf-8")
    site = tmp_path / "site"
    with pytest.raises(BuildError):
        build(CONFIG, site, PATH=str(content), CACHE_PATH=str(tmp_path / "cache"), THEME=str(theme))
    os.close(never), os.close(writer)
    assert killed and side_jobs._running == {}  # the index (and a head start still compiling)
    for pid in killed:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # killed and reaped
    assert not site.exists()
    assert list(tmp_path.glob(".output-*")) == []


def test_a_cold_build_compiles_the_templates_beside_the_reading(tmp_path, content, monkeypatch, forking):
    """plugins/head_start.py: on a cold build a child fills Jinja's bytecode cache; the site is
    the one a build without any child makes; a warm build starts no head start."""
    import importlib

    monkeypatch.syspath_prepend(str(ROOT / "plugins"))
    head_start = sys.modules.get("head_start") or importlib.import_module("head_start")
    started = []
    init = side_jobs.SideJob.__init__

    def spy(self, output, function, **options):
        started.append(getattr(function, "func", None))
        init(self, output, function, **options)

    monkeypatch.setattr(side_jobs.SideJob, "__init__", spy)
    cache = tmp_path / "cache"
    build(CONFIG, tmp_path / "site", PATH=str(content), CACHE_PATH=str(cache))
    assert started.count(head_start._compile_all) == 1
    templates = [p for p in (ROOT / "theme" / "templates").rglob("*.html")]
    assert len(list((cache / "jinja").glob("*.cache"))) >= len(templates)
    build(CONFIG, tmp_path / "site", PATH=str(content), CACHE_PATH=str(cache))
    assert started.count(head_start._compile_all) == 1  # warm: compiled already
    monkeypatch.setattr(side_jobs, "can_fork", lambda: False)
    build(CONFIG, tmp_path / "alone", PATH=str(content), CACHE_PATH=str(tmp_path / "cache-alone"))
    site, alone = tmp_path / "site", tmp_path / "alone"
    files = {str(p.relative_to(site)): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert files == {str(p.relative_to(alone)): p.read_bytes() for p in alone.rglob("*") if p.is_file()}


def test_an_inbox_job_starts_first_and_gets_its_input_later(forking):
    job = side_jobs.SideJob("out", lambda receive: (os.getpid(), receive() * 2), inbox=True)
    job.send(21)
    pid, value = job.result()
    assert (pid != os.getpid(), value) == (True, 42)


def test_without_fork_an_inbox_job_runs_when_its_input_comes(monkeypatch):
    monkeypatch.setattr(side_jobs, "can_fork", lambda: False)
    ran = []
    job = side_jobs.SideJob("out", lambda receive: ran.append(receive()) or "klaar", inbox=True)
    assert ran == []
    job.send("posts")
    assert (ran, job.result()) == (["posts"], "klaar")


def test_an_inbox_job_whose_build_ends_before_sending_is_stopped(forking):
    job = side_jobs.SideJob("stopped-output", lambda receive: receive(), inbox=True)
    side_jobs.settle("stopped-output")
    with pytest.raises(side_jobs.SideJobError, match="gestopt"):
        job.result()
    assert side_jobs._running == {}


def test_preloaded_cache_files_are_used_only_while_unchanged(tmp_path, monkeypatch):
    """search_cache.preload reads the count and entry files ahead (in the index's child, while
    Pelican reads the posts); a file changed since is read again."""
    import marshal

    from coachsite import search_cache

    path = tmp_path / search_cache.CACHE_NAME
    path.write_bytes(marshal.dumps({"version": "v", "docs": {}, "token": "a"}))
    search_cache.preload(tmp_path)
    loads = marshal.loads
    monkeypatch.setattr(search_cache.marshal, "loads", lambda data: pytest.fail("read again"))
    assert search_cache._read(path)["token"] == "a"
    monkeypatch.setattr(search_cache.marshal, "loads", loads)
    search_cache.preload(tmp_path)
    path.write_bytes(marshal.dumps({"version": "v", "docs": {}, "token": "changed"}))
    os.utime(path, ns=(1, 1))
    assert search_cache._read(path)["token"] == "changed"


class _SlowJob:
    """A side job whose child has not answered yet, until ``done`` is set."""

    output, done = "out", False

    def ready(self) -> bool:
        return self.done

    def result(self) -> dict:
        return {"url": "zoeken/abc123/", "shards": {"p": 33, "w": 14, "c": 56, "q": 1}, "articles": 22, "max_word": 40,
                "stems": 1, "words": 1, "files": 1}


def test_a_page_rendered_before_the_index_is_done_gets_its_values_filled_in(tmp_path, monkeypatch):
    """plugins/search_index.py: the search page need not wait for the child (``PendingIndex``)."""
    from coachsite.page_signatures import Unknown

    plugin, job = _plugin(monkeypatch), _SlowJob()
    pending = plugin.PendingIndex(job, None)
    with pytest.raises(Unknown):
        repr(pending)  # the render cache renders such a page and does not record it
    page = tmp_path / "index.html"
    page.write_text(f'<main data-index="/{pending.url}" data-shards="{pending.shards.p},{pending.shards.q}">', encoding="utf-8")
    pending.written(str(page))
    job.done = True
    assert pending.url == "zoeken/abc123/"  # known now: a later page gets the value itself
    pending.fill()
    assert page.read_text(encoding="utf-8") == '<main data-index="/zoeken/abc123/" data-shards="33,1">'
