"""The web process's access log never records query strings or referers (phone numbers travel in them)."""
import shlex
from pathlib import Path

PROCFILE = Path(__file__).resolve().parents[2] / "Procfile"


def test_the_access_log_format_has_the_path_but_no_query_string_or_referer():
    web = next(line for line in PROCFILE.read_text().splitlines() if line.startswith("web:"))
    argv = shlex.split(web.split(":", 1)[1])
    fmt = argv[argv.index("--access-logformat") + 1]
    assert "%(U)s" in fmt
    for leaky in ("%(r)s", "%(q)s", "%(f)s"):  # request line, query string, referer
        assert leaky not in fmt
