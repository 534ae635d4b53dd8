"""The quick path of ``make serve`` as the coach meets it: a real server process, a real browser.

A saved post is shown from the worker (the last full build's process) before any build, in
the browser; the full build that follows leaves every page as a build from nothing would. What the
worker cannot be sure of (a new file, a deleted file, a changed address) is built as before.
"""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request

import pytest
from serve_helpers import CONNECTED, POST, WAIT, Server
from test_build_incremental import OLD_TITLE, files_of, showing, unhashed

from coachsite.build import build

NEW_TITLE = OLD_TITLE.replace("Elk contactmoment telt", "Elk gesprek telt")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Server(tmp_path_factory.mktemp("serve-quick"))
    running.wait_for("Zoekindex bijgewerkt")  # the first full build: its process is the worker
    yield running
    running.stop()


def page_text(driver) -> str:
    return driver.execute_script("return document.body ? document.body.innerText : ''")


def status(url: str) -> int:
    try:
        return urllib.request.urlopen(url).status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.browser
def test_a_saved_body_and_title_show_at_once_and_every_page_is_right_after_the_full_build(server, browser, tmp_path, monkeypatch):
    from selenium.webdriver.support.ui import WebDriverWait

    post = server.content / POST
    before = showing(server.output, OLD_TITLE)
    browser.get(server.url + "/elk-contactmoment-telt/")
    WebDriverWait(browser, WAIT).until(lambda d: d.execute_script(CONNECTED))
    with post.open("a", encoding="utf-8") as handle:
        handle.write("\nEen zin die de coach net heeft toegevoegd.\n")
    WebDriverWait(browser, WAIT, poll_frequency=0.02).until(lambda d: "net heeft toegevoegd" in page_text(d))
    assert server.after_change().startswith("Getoond in")  # by the worker, before any build

    WebDriverWait(browser, WAIT).until(lambda d: d.execute_script(CONNECTED))
    post.write_text(post.read_text(encoding="utf-8").replace(OLD_TITLE, NEW_TITLE), encoding="utf-8")
    WebDriverWait(browser, WAIT, poll_frequency=0.02).until(lambda d: NEW_TITLE in page_text(d))
    assert server.after_change().startswith("Getoond in")

    assert showing(server.output, OLD_TITLE) == set()
    assert unhashed(showing(server.output, NEW_TITLE)) == unhashed(before)
    monkeypatch.setenv("LIVERELOAD_PORT", server.port)  # as the server's builds have it
    fresh = tmp_path / "fresh"
    build(server.config, fresh, PATH=str(server.content), CACHE_PATH=str(tmp_path / "cache"))
    served, built = files_of(server.output), files_of(fresh)
    assert sorted(served) == sorted(built)
    assert [name for name in served if served[name] != built[name]] == []
    assert "net heeft toegevoegd" in page_text(browser) and NEW_TITLE in page_text(browser)


def test_a_new_file_a_changed_slug_and_a_deleted_file_are_built(server):
    new = server.content / "klantbeleving" / "een-nieuw-bericht.md"
    shutil.copy(server.content / POST, new)
    assert server.after_change().startswith("Gebouwd in")
    assert status(server.url + "/een-nieuw-bericht/") == 200

    text = new.read_text(encoding="utf-8")
    new.write_text("Slug: een-ander-adres\n" + text, encoding="utf-8")
    assert server.after_change().startswith("Gebouwd in")
    assert status(server.url + "/een-ander-adres/") == 200
    assert status(server.url + "/een-nieuw-bericht/") == 404

    new.unlink()
    assert server.after_change().startswith("Gebouwd in")
    assert status(server.url + "/een-ander-adres/") == 404

    post = server.content / POST  # and the worker of the last build shows a saved post again
    with post.open("a", encoding="utf-8") as handle:
        handle.write("\nNog een zin.\n")
    assert server.after_change().startswith("Getoond in")
    assert "Nog een zin." in urllib.request.urlopen(server.url + "/elk-contactmoment-telt/").read().decode("utf-8")


def test_after_the_full_build_only_pages_whose_bytes_changed_reload(tmp_path):
    from livereload.handlers import LiveReloadHandler

    from coachsite.serve import State, digest_of, page_file, reload_browsers

    for name, text in (("a", "A"), ("b", "B")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "index.html").write_text(text, encoding="utf-8")

    class Tab:  # a connected page, as the server's handler records it
        def __init__(self, url):
            self.page = page_file(tmp_path, url)
            self.seen = digest_of(self.page)
            self.got = []

        def write_message(self, message):
            self.got.append(message["command"])

    unchanged, changed = Tab("http://127.0.0.1:8000/a/"), Tab("http://127.0.0.1:8000/b/?q=klant#tip")
    assert changed.page == str(tmp_path / "b" / "index.html")
    LiveReloadHandler.waiters.update({unchanged, changed})
    try:
        (tmp_path / "b" / "index.html").write_text("B, na de volledige bouw", encoding="utf-8")
        state = State(port=8000, output=tmp_path)
        reload_browsers(state, only_changed=True)
        assert (unchanged.got, changed.got) == ([], ["reload"])
        assert state.reloading == 1 and not state.settled.is_set()
        reload_browsers(state)  # after a page shown or a quick build: every page
        assert (unchanged.got, changed.got) == (["reload"], ["reload", "reload"])
    finally:
        LiveReloadHandler.waiters.difference_update({unchanged, changed})


def test_only_saves_of_existing_posts_may_skip_the_build(tmp_path):
    from coachsite.serve_watch import Watcher

    content = tmp_path / "content"
    (content / "klantbeleving").mkdir(parents=True)
    post = content / "klantbeleving" / "een.md"
    post.write_text("Title: Een\n\nTekst.\n", encoding="utf-8")
    config = tmp_path / "pelicanconf.py"
    config.write_text("PATH = 'content'\n", encoding="utf-8")
    calls = []
    watcher = Watcher(config, content, lambda **change: calls.append(change))

    def change(action) -> dict:
        action()
        watcher.check()
        return calls.pop()

    saved = change(lambda: post.write_text("Title: Een\n\nAndere tekst.\n", encoding="utf-8"))
    assert saved == {"code_changed": False, "changed": [str(post)], "only_posts": True}
    new = content / "klantbeleving" / "twee.md"
    assert change(lambda: new.write_text("Title: Twee\n\nTekst.\n", encoding="utf-8"))["only_posts"] is False
    assert change(new.unlink)["only_posts"] is False
    assert change(lambda: config.write_text("PATH = 'content'  # anders\n", encoding="utf-8"))["only_posts"] is False
    image = content / "images" / "plaatje.svg"
    image.parent.mkdir()
    assert change(lambda: image.write_text("<svg/>", encoding="utf-8"))["only_posts"] is False
    watcher.check()
    assert calls == []  # nothing changed: no build
