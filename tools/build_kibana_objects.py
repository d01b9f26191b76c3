"""Writes deploy/kibana/*.ndjson from `veille.kibana.saved_objects()`, their one source of
truth; `--check` only says whether the committed files are up to date (exit 1 if not).

    python tools/build_kibana_objects.py [--check]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sinks.kibana import OBJECTS_DIR, ndjson_files, write_ndjson  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    if args.check:
        stale = [name for name, content in ndjson_files().items()
                 if not (OBJECTS_DIR / name).exists()
                 or (OBJECTS_DIR / name).read_text(encoding="utf-8") != content]
        for name in stale:
            print(f"{OBJECTS_DIR / name} is out of date: run tools/build_kibana_objects.py")
        return 1 if stale else 0
    for path in write_ndjson():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
