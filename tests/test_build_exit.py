"""``make html`` leaves its process at once when done (``coachsite.build.leave``): its messages
must still all be written, and its exit status must still say whether it worked."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_build(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "build.py"), *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_a_finished_build_prints_everything_and_exits_zero(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    done = run_build("--content", str(content), "--output", str(tmp_path / "site"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith(" s.") and "Site gebouwd in" in done.stdout
    assert (tmp_path / "site" / "index.html").is_file()


def test_a_refused_build_still_fails(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    post = content / "klantbeleving" / "elk-contactmoment-telt.md"
    post.write_text(post.read_text(encoding="utf-8").replace("Tags: ", "Tags: bestaatniet, ", 1), encoding="utf-8")
    done = run_build("--content", str(content), "--output", str(tmp_path / "site"))
    assert done.returncode == 1
    assert "tag 'bestaatniet'" in done.stderr and not (tmp_path / "site").exists()
    assert run_build("--nonsense").returncode == 2
