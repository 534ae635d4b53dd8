"""The benchmark code, run tiny so it cannot rot. No timing is asserted: figures live in bench/RESULTS.md."""

from __future__ import annotations

import sys
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))


def test_generator_is_deterministic_and_realistic(tmp_path):
    from generate import generate

    first = generate(tmp_path / "a", 20)
    second = generate(tmp_path / "b", 20)
    files = sorted(p.relative_to(first) for p in first.rglob("*.md") if "pages" not in p.parts)
    assert len(files) == 20
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes()
    text = (first / files[0]).read_text(encoding="utf-8")
    assert text.startswith("Title: ") and "\n## 1. " in text
    body = text.split("\n\n", 1)[1]
    assert 400 <= len(body.split()) <= 900


def test_generated_content_passes_the_checks(tmp_path, settings):
    from generate import generate

    from coachsite.checks import check_content

    content = generate(tmp_path / "content", 20)
    assert check_content(content, {**settings, "PATH": str(content)}) == []


def test_bench_runs_small_and_writes_results(tmp_path):
    from run import main

    results = tmp_path / "RESULTS.md"
    results.write_text("# Notes kept\n\n<!-- bench:start -->\nold\n<!-- bench:end -->\n\nMore notes.\n", encoding="utf-8")
    outcome = CliRunner().invoke(
        main, ["--n", "20", "--n-large", "0", "--repeat", "1", "--subscribers", "50", "--signup-seconds", "1", "--results", str(results)]
    )
    assert outcome.exit_code == 0, outcome.output
    text = results.read_text(encoding="utf-8")
    assert text.startswith("# Notes kept") and text.rstrip().endswith("More notes.")
    assert "old" not in text
    for figure in ("Full build vs bare Pelican", "Rebuild after editing one article", "First query bytes", "Query latency p95", "Newsletter issue from 20 articles", "Sign-ups sustained"):
        assert figure in text
