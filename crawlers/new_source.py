"""`veille sources new`: the scaffolding of a new source, ready to be tested at once.

It writes three things, from the templates in crawlers/templates/new_source/:

* the entry, appended as text to sources.yaml (VEILLE_SOURCES), so the file's comments and
  layout stay as the operator wrote them; the registry is then re-loaded and the file put back
  as it was if the result does not validate;
* a recorded copy of the site under tests/fixtures/sites/<key>/, in the offline mirror's layout
  (tests/fixtures/sites/README.md): template pages at the source's real URLs, a site.yaml
  route for the entry URL (query strings and content types work whatever the URL looks like),
  and the expected.yaml that test_sources_offline.py and the new test read;
* tests/crawlers/test_source_<key>.py, which crawls the source from the mirror and compares
  with expected.yaml. It passes as written; the operator then swaps the template pages for
  recorded ones and the expectations for what those pages hold (docs/adding-a-source.md).

Everything is checked before anything is written, so a refused source leaves no trace.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from string import Template
from urllib.parse import urlsplit

import yaml

from veille.settings import REPO_ROOT, ConfigError
from veille.sources import SPIDERS, load_registry

TEMPLATES = Path(__file__).resolve().parent / "templates" / "new_source"
KINDS = ("rss", "html", "api")
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# A key names a folder and a test module: 64 characters keep every path well under NAME_MAX.
KEY_MAX = 64
# A host name as a folder name: labels of letters, digits, '-' and '_' (no '..', no '/').
_HOST_PATTERN = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)+$")
_DOT_SEGMENT = re.compile(r"(?:^|/)(?:\.|%2e){1,2}(?:/|$)", re.I)
# Where each kind's entry URL points when the operator gives none: an RFC 2606 name that
# never resolves, so a forgotten placeholder fails loudly when crawled live.
DEFAULT_PATHS = {"rss": "/feed/", "html": "/news/", "api": "/api/items"}

# Example dates of the two template items, newest first as feeds and listings list them.
_DATES = ("2024-03-12T09:30:00+00:00", "2024-03-05T16:45:00+00:00")
_RFC822 = ("Tue, 12 Mar 2024 09:30:00 +0000", "Tue, 05 Mar 2024 16:45:00 +0000")

# Template text per language; other languages get the English text under their own tag.
_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Template article {n} of {name}",
        "marker": "written by veille sources new for the source {key}",
        "intro": "This is template article {n}, {marker}; replace this page with one recorded from the real site.",
        "body": (
            "Community leaders in Mopti and Ségou met on Tuesday to discuss the security situation "
            "in central Mali and the return of displaced families to their villages.|"
            "The meeting, held at the regional governorate, brought together representatives of civil "
            "society, the regional authorities and humanitarian organisations working in the area.|"
            "Participants agreed to meet again next month to review the measures adopted and to share "
            "the early warning reports collected by community monitors."
        ),
        "summary": "Template article {n}: community leaders in Mopti and Ségou met on Tuesday.",
    },
    "fr": {
        "title": "Article modèle {n} de {name}",
        "marker": "écrit par veille sources new pour la source {key}",
        "intro": "Ceci est l'article modèle {n}, {marker} ; remplacez cette page par une page enregistrée sur le vrai site.",
        "body": (
            "Les responsables communautaires de Mopti et de Ségou se sont réunis mardi pour évoquer la "
            "situation sécuritaire au centre du Mali et le retour des familles déplacées dans leurs villages.|"
            "La rencontre, tenue au gouvernorat de la région, a réuni des représentants de la société "
            "civile, les autorités régionales et les organisations humanitaires présentes dans la zone.|"
            "Les participants ont convenu de se retrouver le mois prochain pour faire le point sur les "
            "mesures adoptées et partager les rapports d'alerte précoce des moniteurs communautaires."
        ),
        "summary": "Article modèle {n} : les responsables communautaires de Mopti et de Ségou se sont réunis mardi.",
    },
    "ar": {
        "title": "مقال نموذجي {n} من {name}",
        "marker": "كتبه veille sources new للمصدر {key}",
        "intro": "هذا هو المقال النموذجي {n}، {marker}؛ استبدل هذه الصفحة بصفحة مسجلة من الموقع الحقيقي.",
        "body": (
            "اجتمع قادة المجتمع في موبتي وسيغو يوم الثلاثاء لمناقشة الوضع الأمني في وسط مالي وعودة "
            "الأسر النازحة إلى قراها.|"
            "وضم الاجتماع الذي عقد في مقر ولاية المنطقة ممثلين عن المجتمع المدني والسلطات الإقليمية "
            "والمنظمات الإنسانية العاملة في المنطقة.|"
            "واتفق المشاركون على الاجتماع مجددا الشهر المقبل لمراجعة التدابير المتخذة وتبادل تقارير "
            "الإنذار المبكر التي جمعها المراقبون المجتمعيون."
        ),
        "summary": "مقال نموذجي {n}: اجتمع قادة المجتمع في موبتي وسيغو يوم الثلاثاء.",
    },
}


@dataclass
class NewSource:
    """What the operator asked for, checked, with every path that will be written."""

    key: str
    kind: str
    url: str
    name: str
    languages: list[str]
    issuer: str
    sources_file: Path
    fixture_dir: Path
    test_file: Path
    placeholder_url: bool = False
    written: list[Path] = field(default_factory=list)

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()


def test_module_name(key: str) -> str:
    """tests/crawlers/test_source_<key>.py with `-` as `_`: an importable module name."""
    return f"test_source_{key.replace('-', '_')}.py"


class InvalidKey(ConfigError):
    """A text that cannot be a source key. A ConfigError for `veille sources new` (which refuses
    the request as a whole); `veille sources check KEY` shows it as a usage error."""


def check_key(key: str | None) -> str:
    """The one check of a source key's shape (length first: a 300-character key is not echoed
    whole); returns the key, or raises InvalidKey saying what a key may hold."""
    key = key or ""
    if len(key) > KEY_MAX:
        raise InvalidKey(f"invalid key {key[:20]!r}… ({len(key)} characters): at most {KEY_MAX} "
                         "lower-case letters, digits and '-' (like caj-news)")
    if not KEY_PATTERN.match(key):
        raise InvalidKey(f"invalid key {key!r}: use lower-case letters, digits and '-', "
                         "starting with a letter or digit (like caj-news)")
    return key


def plan(
    key: str,
    kind: str,
    *,
    url: str | None = None,
    name: str | None = None,
    languages: list[str] | None = None,
    issuer: str | None = None,
    sources_file: Path,
    root: Path = REPO_ROOT,
) -> NewSource:
    """Checks the request against the registry and the disk; raises ConfigError saying why."""
    check_key(key)
    if kind not in KINDS:
        raise ConfigError(f"unknown kind {kind!r}: choose rss (a feed), html (listing pages) or api "
                          "(a JSON API); `documents` sources need their own spider (docs/adding-a-source.md)")
    registry = load_registry(sources_file)
    if any(s.key == key for s in registry.sources):
        raise ConfigError(f"{sources_file}: a source with key {key!r} already exists; choose another key")
    placeholder = url is None
    url = url or f"https://{key}.example{DEFAULT_PATHS[kind]}"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a bad port raises here, not later while writing
    except ValueError:
        raise ConfigError(f"--url {url[:200]!r}: not a URL; expected one like https://example.org/feed/") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or "." not in parts.hostname:
        raise ConfigError(f"--url {url!r}: expected an http(s) URL with a host name, like https://example.org/feed/")
    if not _HOST_PATTERN.match(parts.hostname):
        raise ConfigError(f"--url {url!r}: host {parts.hostname!r} is not a plain host name "
                          "(letters, digits, '-' and dots, like example.org)")
    if _DOT_SEGMENT.search(parts.path) or "\\" in parts.path or "\x00" in url or "%00" in parts.path:
        raise ConfigError(f"--url {url!r}: the path holds '.' or '..' segments, a backslash or a NUL; "
                          "give the URL as the site serves it, like https://example.org/feed/")
    langs = [x.strip().lower() for x in (languages or ["fr"]) if x.strip()]
    if not langs or any(not re.match(r"^[a-z]{2,3}$", x) for x in langs):
        raise ConfigError(f"--languages {','.join(languages or [])!r}: expected codes like fr,en,ar")
    issuer = issuer or key
    if not KEY_PATTERN.match(issuer):
        raise ConfigError(f"--issuer {issuer!r}: an org id is lower-case letters, digits and '-' (like un, wanep)")
    fixture_dir = root / "tests" / "fixtures" / "sites" / key
    test_file = root / "tests" / "crawlers" / test_module_name(key)
    for path in (fixture_dir, test_file):
        if path.exists():
            raise ConfigError(f"{path} already exists; remove it or choose another key")
    return NewSource(key, kind, url, name or key, langs, issuer, sources_file, fixture_dir, test_file, placeholder)


# -- the sources.yaml entry ------------------------------------------------------------------
def _q(value: str) -> str:
    """A YAML scalar that reads back as exactly `value` (JSON strings are YAML)."""
    return json.dumps(value, ensure_ascii=False)


def entry_text(new: NewSource, indent: str) -> str:
    """The entry as the file's own style writes entries, with comments for what to adjust."""
    i, j = indent, indent + "  "
    rel_fixture = f"tests/fixtures/sites/{new.key}/"
    lines = [
        "",
        f"{i}- key: {new.key}",
        f"{j}name: {_q(new.name)}",
        f"{j}issuer: {new.issuer}",
        f"{j}languages: [{', '.join(new.languages)}]",
        f"{j}kind: {new.kind}",
    ]
    if new.kind == "api":
        lines.append(f"{j}spider: {SPIDERS[new.kind]}")
    lines += [
        f"{j}schedule: 1h",
        f"{j}# Added by `veille sources new` on {date.today().isoformat()}: recorded copy in {rel_fixture},",
        f"{j}# test tests/crawlers/{new.test_file.name}; see docs/adding-a-source.md.",
    ]
    if new.placeholder_url:
        lines.append(f"{j}# TODO: placeholder URL (no --url given): put the real one here and in {rel_fixture}")
    lines += [f"{j}urls:", f"{j}  - {_q(new.url)}"]
    if new.kind == "html":
        lines += [
            f"{j}selectors:",
            f"{j}  article_links: \"h2.entry-title a\"   # the links to articles on the listing page",
            f"{j}  # next_page: \"a.next\"                # the listing's next-page link, if any",
            f"{j}  # date: \".post-date\"                 # only when the pages have no machine-readable date",
        ]
    if new.kind == "api":
        lines += [
            f"{j}options:",
            f"{j}  items_path: data        # dotted path to the list of records in the answer",
            f"{j}  next_path: next         # dotted path to the next page's URL (null: last page)",
            f"{j}  fields: {{url: url, title: title, published_at: date, lang: language, summary: summary, body: body}}",
        ]
    return "\n".join(lines) + "\n"


def _entry_indent(text: str) -> str:
    """The indentation of the file's `- key:` lines (entries must line up with them)."""
    match = re.search(r"^( *)- key:", text, re.M)
    if match:
        return match.group(1)
    if re.search(r"^sources:\s*(#.*)?$", text, re.M):
        return "  "
    raise ConfigError("cannot append to a sources file without a block list `sources:` "
                      "(write the first entry by hand, see docs/sources.md)")


def append_entry(new: NewSource) -> str:
    """Appends the entry as text, re-loads the registry, and puts the file back if it fails.

    Returns the file's previous text, so a later failure can put it back too."""
    original = new.sources_file.read_text(encoding="utf-8")
    text = original if original.endswith("\n") else original + "\n"
    new.sources_file.write_text(text + entry_text(new, _entry_indent(original)), encoding="utf-8")
    try:
        registry = load_registry(new.sources_file)
        registry.get(new.key)
    except ConfigError as exc:
        new.sources_file.write_text(original, encoding="utf-8")
        raise ConfigError(f"the new entry did not validate, {new.sources_file} left unchanged: {exc}") from None
    return original


# -- the recorded copy ---------------------------------------------------------------------
def _render(template: str, values: dict[str, str], escape: str, raw: dict[str, str] | None = None) -> str:
    """A template with `values` escaped for the file's language and `raw` markup as given."""
    quote = {"html": lambda v: html.escape(v, quote=True), "json": lambda v: json.dumps(v, ensure_ascii=False)[1:-1],
             "text": lambda v: v}[escape]
    return Template((TEMPLATES / template).read_text(encoding="utf-8")).substitute(
        {k: quote(v) for k, v in values.items()} | (raw or {})
    )


def _file_for(url: str, default_name: str) -> str:
    """Where the mirror's folder keeps the answer for `url`: its path, or a file inside it."""
    parts = urlsplit(url)
    path = PurePosixPath(parts.path or "/")
    host = (parts.hostname or "").lower()
    if parts.path.endswith("/") or not path.suffix:
        return str(PurePosixPath(host, *path.parts[1:], default_name))
    return str(PurePosixPath(host, *path.parts[1:]))


def _articles(new: NewSource) -> list[dict[str, str]]:
    scheme_host = f"{urlsplit(new.url).scheme}://{urlsplit(new.url).netloc}"
    out = []
    for n in (1, 2):
        lang = new.languages[(n - 1) % len(new.languages)]
        text = _TEXT.get(lang, _TEXT["en"])
        fmt = {"n": str(n), "name": new.name, "key": new.key}
        marker = text["marker"].format(**fmt)
        paragraphs = [text["intro"].format(marker=marker, **fmt), *text["body"].split("|")]
        path = f"/veille-template/{new.key}/article-{n}/"
        out.append({
            "n": str(n), "lang": lang, "path": path, "url": scheme_host + path,
            "title": text["title"].format(**fmt), "summary": text["summary"].format(**fmt),
            "marker": marker, "paragraphs": paragraphs,
            "date_iso": _DATES[n - 1], "date_rfc822": _RFC822[n - 1],
        })
    return out


def _write(path: Path, text: str, new: NewSource) -> None:
    # Every file lands inside the fixture folder or is the test module: nothing a URL spells
    # (.., symlinks already on disk) may lead a write elsewhere.
    target = path.resolve()
    allowed = target == new.test_file.resolve() or target.is_relative_to(new.fixture_dir.resolve())
    if not allowed:
        raise ConfigError(f"refusing to write {path}: outside {new.fixture_dir}; check --url "
                          "(its path decides the file names)")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    new.written.append(path)


def write_fixtures(new: NewSource) -> None:
    """The template recorded copy: entry URL answer, article pages, site.yaml, expected.yaml."""
    arts = _articles(new)
    parts = urlsplit(new.url)
    values = {
        "key": new.key, "name": new.name, "entry_url": new.url,
        "site_url": f"{parts.scheme}://{parts.netloc}/",
    }
    for a in arts:
        n = a["n"]
        values |= {f"title{n}": a["title"], f"url{n}": a["url"], f"path{n}": a["path"],
                   f"lang{n}": a["lang"], f"summary{n}": a["summary"], f"date{n}_iso": a["date_iso"],
                   f"date{n}_rfc822": a["date_rfc822"],
                   f"body{n}_html": "".join(f"<p>{html.escape(p)}</p>" for p in a["paragraphs"])}
    entry_file = {"rss": "feed.xml", "html": "index.html", "api": "items.json"}[new.kind]
    entry_rel = _file_for(new.url, entry_file)
    content_type = {"rss": "application/rss+xml; charset=utf-8", "html": "text/html; charset=utf-8",
                    "api": "application/json; charset=utf-8"}[new.kind]
    template, escape = {"rss": ("feed.xml", "html"), "html": ("listing.html", "html"),
                        "api": ("api.json", "json")}[new.kind]
    _write(new.fixture_dir / entry_rel, _render(template, values, escape), new)
    if new.kind in ("rss", "html"):  # the API template carries the bodies itself
        for a in arts:
            page = {**values, "lang": a["lang"], "title": a["title"], "url": a["url"], "summary": a["summary"],
                    "date_iso": a["date_iso"]}
            paras = "\n".join(f"<p>{html.escape(p)}</p>" for p in a["paragraphs"])
            rendered = _render("article.html", page, "html", raw={"paragraphs": paras})
            _write(new.fixture_dir / _file_for(a["url"], "index.html"), rendered, new)
    # A host another source's copy already serves keeps its recorded robots.txt (the mirror
    # answers from the first folder holding the file).
    shared = any((d / new.host).is_dir() for d in new.fixture_dir.parent.iterdir() if d != new.fixture_dir)
    if not shared:
        _write(new.fixture_dir / new.host / "robots.txt", _render("robots.txt", values, "text"), new)
    site = {"routes": [{"url": new.url, "file": entry_rel, "content_type": content_type}]}
    _write(new.fixture_dir / "site.yaml",
           f"# Written by `veille sources new {new.key}`: the entry URL served with its content type\n"
           "# (any URL shape, query strings included). Format: tests/fixtures/sites/README.md.\n"
           + yaml.safe_dump(site, sort_keys=False, allow_unicode=True), new)
    expected = {
        "entry_urls": [new.url],
        "items": [
            {"url": a["url"], "title": a["title"], "lang": a["lang"], "published": a["date_iso"],
             "doc_type": "news", "issuer": new.issuer, "body_contains": a["marker"]}
            for a in arts
        ],
    }
    _write(new.fixture_dir / "expected.yaml",
           f"# What a correct collector gets from the recorded copy of {new.key} (written by\n"
           "# `veille sources new` for its template pages: rewrite it for the pages you record).\n"
           "# Per item: url (or id), title, lang (lang_declared: what the page claims, if it lies),\n"
           "# published (ISO; a date alone compares the day), doc_type, issuer, body_contains,\n"
           "# attachments (optional). Read by test_sources_offline.py and the source's own test.\n"
           + yaml.safe_dump(expected, sort_keys=False, allow_unicode=True, width=100), new)


def write_test(new: NewSource) -> None:
    values = {"key": new.key, "kind": new.kind, "spider": SPIDERS[new.kind], "issuer": new.issuer}
    _write(new.test_file, _render("test_source.py.tmpl", values, "text"), new)


def create(new: NewSource) -> NewSource:
    """Writes the entry, the recorded copy and the test; undoes everything if one step fails."""
    original = append_entry(new)
    try:
        write_fixtures(new)
        write_test(new)
    except Exception as exc:
        new.sources_file.write_text(original, encoding="utf-8")
        shutil.rmtree(new.fixture_dir, ignore_errors=True)  # plan() saw it did not exist
        new.test_file.unlink(missing_ok=True)
        if isinstance(exc, OSError):  # a name too long for the disk, a read-only folder…
            raise ConfigError(f"cannot write {exc.filename or new.fixture_dir}: {exc.strerror or exc}; "
                              f"nothing was added (check --url and the key)") from None
        raise
    return new
