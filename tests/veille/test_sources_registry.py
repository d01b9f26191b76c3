"""sources.yaml is validated at start; every error names the file, the source and the key."""

from __future__ import annotations

import pytest
import yaml

from veille.settings import REPO_ROOT, ConfigError
from veille.sources import load_registry


def _write(tmp_path, sources):
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    return path


GOOD = {"key": "caj", "name": "CAJ", "issuer": "caj-news", "languages": ["en"], "kind": "rss",
        "urls": ["https://cajnewsafrica.com/feed/"]}


def test_the_shipped_registry_is_valid():
    registry = load_registry(REPO_ROOT / "sources.yaml")
    assert len(registry.enabled()) >= 15


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"kind": "ftp"}, "source 'caj', key 'kind'"),
        ({"urls": ["ftp://x"]}, "source 'caj', key 'urls.0.url'"),
        ({"schedule": "often"}, "source 'caj', key 'schedule'"),
        ({"robots": "ignore"}, "robots: ignore needs robots_reason"),
        ({"colour": "red"}, "source 'caj', key 'colour'"),
        ({"kind": "api"}, "kind api needs a spider"),
    ],
)
def test_errors_name_the_source_and_key(tmp_path, change, expected):
    path = _write(tmp_path, [{**GOOD, **change}])
    with pytest.raises(ConfigError) as err:
        load_registry(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_duplicate_keys_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="appears twice"):
        load_registry(_write(tmp_path, [GOOD, GOOD]))


def test_robots_can_be_ignored_with_a_reason(tmp_path):
    registry = load_registry(_write(tmp_path, [{**GOOD, "robots": "ignore", "robots_reason": "feed only"}]))
    assert registry.get("caj").robots == "ignore"


def test_missing_file_says_which_variable_to_set(tmp_path):
    with pytest.raises(ConfigError, match="VEILLE_SOURCES"):
        load_registry(tmp_path / "nope.yaml")
