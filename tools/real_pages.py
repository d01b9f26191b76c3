"""Builds the real-page extraction corpus (`tests/fixtures/real_pages/`) from peers' test suites.

Why a tool: the pages and their ground truth come from other extractors' own test suites, as
shipped in their source distributions on PyPI, and anyone must be able to rebuild the corpus
from those archives and see that nothing was written by hand. Sources:

* trafilatura 1.0.0 (`tests/cache/*.html`): the body ground truth is the snippets its
  `tests/realworld_tests.py` asserts to be in (`with`) or out of (`without`) the text; titles
  and dates are what its `tests/metadata_tests.py` asserts for the same pages.
* newspaper4k 0.9.6 (`tests/data/html/*.html`): the body ground truth is the full text in
  `tests/data/txt/`, title, date and language from `tests/data/metadata/*.json`.

* htmldate 1.3.0 (`tests/cache/*.html`): its French article pages, with the publication
  date its `tests/unit_tests.py` asserts.

    pip download --no-deps --no-binary :all: trafilatura==1.0.0 newspaper4k==0.9.6 \
        htmldate==1.3.0 -d /tmp/sd
    (cd /tmp/sd && for f in *.tar.gz; do tar xzf "$f"; done)
    python tools/real_pages.py /tmp/sd/trafilatura-1.0.0 /tmp/sd/newspaper4k-0.9.6 \
        /tmp/sd/htmldate-1.3.0

Each page's split (dev or held-out) is a hash of its file name, so adding pages never moves
an old one across: extractor changes are tuned on dev, and held-out is only reported.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import hashlib
import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "real_pages"
TRAFILATURA = {"package": "trafilatura==1.0.0", "licence": "GPL-3.0-or-later"}
NEWSPAPER = {"package": "newspaper4k==0.9.6", "licence": "MIT"}
HTMLDATE = {"package": "htmldate==1.3.0", "licence": "GPL-3.0-or-later"}
# htmldate's French article pages (its other pages are German or English, many of them home
# pages): only their publication date is asserted there.
HTMLDATE_FRENCH = ("paris-luttes.info.html", "loldf.org.html", "mediapart.fr.violences.html",
                   "cric-grenoble.info.radio.html", "la-bas.org.porte.html",
                   "revolutionpermanente.fr.antonin.html", "wara-enforcement.org.guinee.html")
# trafilatura's suite does not record a page's language: it is detected on the ground-truth
# text (the snippets and title), never on what an extractor returns.
_LANGS = ("ENGLISH", "GERMAN", "FRENCH", "CHINESE")

def split_of(name: str) -> str:
    """One page in two is held out, by a hash of its file name."""
    return "heldout" if hashlib.sha256(name.encode()).digest()[0] % 2 else "dev"


def _lang_of_truth(*texts: str | None) -> str:
    from lingua import Language, LanguageDetectorBuilder

    detector = LanguageDetectorBuilder.from_languages(*(getattr(Language, n) for n in _LANGS)).build()
    found = detector.detect_language_of(" ".join(t for t in texts if t))
    return found.iso_code_639_1.name.lower() if found else "und"


def _str(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _loaded_url(call: ast.AST, names: dict[str, str]) -> str | None:
    """The URL in `load_mock_page('…', …)`, wherever it is nested."""
    for node in ast.walk(call):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "load_mock_page" and node.args:
            arg = node.args[0]
            return _str(arg) or (names.get(arg.id) if isinstance(arg, ast.Name) else None)
    return None


def _mock_pages(tree: ast.Module) -> dict[str, str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "MOCK_PAGES":
            return {_str(k): _str(v) for k, v in zip(node.value.keys, node.value.values, strict=True)}
    raise SystemExit("MOCK_PAGES not found")


def _function(tree: ast.Module, name: str) -> ast.FunctionDef:
    return next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)


def trafilatura_pages(src: Path) -> list[dict]:
    """Body snippets from realworld_tests.test_extract, titles and dates from metadata_tests.test_pages."""
    real = ast.parse((src / "tests" / "realworld_tests.py").read_text(encoding="utf-8"))
    pages = _mock_pages(real)
    truth: dict[str, dict] = {}
    current = None
    for stmt in ast.walk(_function(real, "test_extract")):
        if isinstance(stmt, ast.Assign) and getattr(stmt.targets[0], "id", "") == "result":
            current = _loaded_url(stmt.value, {})
        elif isinstance(stmt, ast.Assert) and current:
            entry = truth.setdefault(current, {"with": [], "without": []})
            for cmp in ast.walk(stmt.test):
                if (isinstance(cmp, ast.Compare) and len(cmp.ops) == 1 and _str(cmp.left)
                        and getattr(cmp.comparators[0], "id", "") == "result"):
                    key = "with" if isinstance(cmp.ops[0], ast.In) else "without"
                    if isinstance(cmp.ops[0], ast.In | ast.NotIn) and _str(cmp.left).strip():
                        entry[key].append(_str(cmp.left).strip())
    meta = ast.parse((src / "tests" / "metadata_tests.py").read_text(encoding="utf-8"))
    pages.update(_mock_pages(meta))
    names: dict[str, str] = {}
    current = None
    for stmt in _function(meta, "test_pages").body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
            if stmt.targets[0].id == "url" and _str(stmt.value):
                names["url"] = _str(stmt.value)
            elif stmt.targets[0].id == "metadata":
                current = _loaded_url(stmt.value, names)
        elif isinstance(stmt, ast.Assert) and current and isinstance(stmt.test, ast.Compare):
            test = stmt.test
            field = test.left.slice if isinstance(test.left, ast.Subscript) else None
            if (field is not None and _str(field) in ("title", "date")
                    and isinstance(test.ops[0], ast.Eq) and _str(test.comparators[0])):
                truth.setdefault(current, {"with": [], "without": []})[_str(field)] = _str(test.comparators[0])
    out = []
    for url, gt in sorted(truth.items()):
        name = pages[url]
        if not gt["with"] and not gt.get("title") and not gt.get("date"):
            continue
        out.append({
            "file": f"trafilatura/{name}.gz", "source_path": f"tests/cache/{name}", "url": url,
            "publisher": urlsplit(url).hostname, "lang": _lang_of_truth(gt.get("title"), *gt["with"]), **TRAFILATURA,
            "title": gt.get("title"), "date": gt.get("date"), "body": None,
            "body_with": gt["with"] or None, "body_without": gt["without"] or None,
            "_raw": src / "tests" / "cache" / name,
        })
    return out


def htmldate_pages(src: Path) -> list[dict]:
    """Dates of htmldate's French pages: the `original_date=True` assertion, else the plain one."""
    tree = ast.parse((src / "tests" / "unit_tests.py").read_text(encoding="utf-8"))
    pages = _mock_pages(tree)
    dates: dict[str, tuple[int, str]] = {}  # url -> (preference, date)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Compare) and isinstance(node.left, ast.Call)
                and getattr(node.left.func, "id", "") == "find_date" and _str(node.comparators[0])):
            continue
        url = _loaded_url(node.left, {})
        kwargs = {k.arg: getattr(k.value, "value", None) for k in node.left.keywords}
        rank = 2 if kwargs == {"original_date": True} else 1 if not kwargs else 0
        if url and rank and rank > dates.get(url, (0, ""))[0]:
            dates[url] = (rank, _str(node.comparators[0]))
    out = []
    for url, (_, date) in sorted(dates.items()):
        name = pages[url]
        if name not in HTMLDATE_FRENCH:
            continue
        out.append({
            "file": f"htmldate/{name}.gz", "source_path": f"tests/cache/{name}", "url": url,
            "publisher": urlsplit(url).hostname, "lang": "fr", **HTMLDATE,
            "title": None, "date": date, "body": None, "body_with": None, "body_without": None,
            "_raw": src / "tests" / "cache" / name,
        })
    return out


def newspaper_pages(src: Path) -> list[dict]:
    """Pages with both an expected text and an expected metadata record (and a URL)."""
    data = src / "tests" / "data"
    out = []
    seen: set[bytes] = set()
    for meta_path in sorted((data / "metadata").glob("*.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        stem = meta_path.stem
        html, txt = data / "html" / f"{stem}.html", data / "txt" / f"{stem}.txt"
        if not (html.exists() and txt.exists() and meta.get("url")):
            continue
        digest = hashlib.sha256(html.read_bytes()).digest()
        if digest in seen:
            continue
        seen.add(digest)
        date = meta.get("publish_date")
        out.append({
            "file": f"newspaper4k/{stem}.html.gz", "source_path": f"tests/data/html/{stem}.html",
            "url": meta["url"], "publisher": urlsplit(meta["url"]).hostname,
            "lang": meta.get("language") or meta.get("meta_lang"), **NEWSPAPER,
            "title": meta.get("title") or None, "date": date[:10] if date and date != "None" else None,
            "body": txt.read_text(encoding="utf-8").strip(), "body_with": None, "body_without": None,
            "truth_path": f"tests/data/txt/{stem}.txt + tests/data/metadata/{stem}.json",
            "_raw": html,
        })
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("trafilatura_src", type=Path, help="unpacked trafilatura-1.0.0 sdist")
    parser.add_argument("newspaper_src", type=Path, help="unpacked newspaper4k-0.9.6 sdist")
    parser.add_argument("htmldate_src", type=Path, help="unpacked htmldate-1.3.0 sdist")
    args = parser.parse_args(argv)
    rows = (trafilatura_pages(args.trafilatura_src) + newspaper_pages(args.newspaper_src)
            + htmldate_pages(args.htmldate_src))
    lines = []
    for row in rows:
        raw: Path = row.pop("_raw")
        target = CORPUS / "pages" / row["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(gzip.compress(raw.read_bytes(), compresslevel=9, mtime=0))
        row["split"] = split_of(row["file"])
        lines.append(json.dumps(row, ensure_ascii=False, sort_keys=True))
    (CORPUS / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(rows)} pages written to {CORPUS.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
