"""crawlers.extract on what real pages do: XHTML, logo headings, entities, live blogs, languages.

Each case is one way real pages from public extraction test sets were dropped or misread
(issue 13): the page is built here in the shape those pages have.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawlers.extract import extract_article

URL = "https://news.example.org/2024/03/12/gao"
PARAS = "".join(
    f"<p>{text}</p>"
    for text in [
        "Le gouverneur de la région de Gao a annoncé mardi la réouverture de vingt écoles "
        "fermées depuis des mois en raison de l'insécurité dans les communes rurales.",
        "Selon les autorités locales, plus de trois mille élèves pourront reprendre les cours "
        "dès la semaine prochaine, avec l'appui des organisations humanitaires présentes.",
        "Les parents d'élèves ont salué cette décision tout en demandant des garanties sur la "
        "sécurité des enseignants qui doivent rejoindre leurs postes dans les villages.",
    ]
)


def page(head: str = "", body: str = "", *, html_attrs: str = 'lang="fr"', prolog: str = "") -> str:
    return (
        f"{prolog}<html {html_attrs}><head>{head}</head><body>{body}"
        f"<article>{PARAS}</article></body></html>"
    )


# (a) XHTML served with an XML declaration

XHTML_PROLOG = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
    '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
)


def test_xhtml_page_with_xml_declaration_is_read_as_html():
    html = page(
        '<title>Gao : vingt écoles rouvrent | Journal</title>'
        '<meta property="og:title" content="Gao : vingt écoles rouvrent"/>'
        '<meta property="article:published_time" content="2024-03-12T09:30:00Z"/>',
        "<h1>Gao : vingt écoles rouvrent</h1>",
        html_attrs='xmlns="http://www.w3.org/1999/xhtml" xml:lang="fr" lang="fr"',
        prolog=XHTML_PROLOG,
    )
    art = extract_article(html, URL)
    assert art.title == "Gao : vingt écoles rouvrent"
    assert "trois mille élèves" in art.body
    assert art.lang == "fr"
    assert art.published_at == datetime(2024, 3, 12, 9, 30, tzinfo=UTC)


def test_xhtml_page_with_only_xml_lang():
    html = page(
        "<title>Gao : vingt écoles rouvrent</title>",
        html_attrs='xmlns="http://www.w3.org/1999/xhtml" xml:lang="fr"',
        prolog=XHTML_PROLOG,
    )
    art = extract_article(html, URL)
    assert art.title == "Gao : vingt écoles rouvrent" and art.lang == "fr"


# (b) a heading that holds only a logo

def test_whitespace_only_logo_heading_is_not_the_title():
    html = page(
        "<title>Gao : vingt écoles rouvrent - Journal</title>",
        '<header><h1 class="logo">\n   <a href="/"><img src="/logo.png" alt=""/></a>\n  </h1></header>'
        "<h1>  Gao : vingt écoles\n rouvrent </h1>",
    )
    art = extract_article(html, URL)
    assert art.title == "Gao : vingt écoles rouvrent"


def test_only_a_logo_heading_falls_back_to_the_title_element():
    html = page("<title>Gao : vingt écoles rouvrent</title>", '<h1> <img src="/logo.png"/> </h1>')
    assert extract_article(html, URL).title == "Gao : vingt écoles rouvrent"


def test_whitespace_only_og_title_and_headline_are_skipped():
    html = page(
        '<meta property="og:title" content="   "/>'
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": " "}</script>',
        "<h1>Gao : vingt écoles rouvrent</h1>",
    )
    assert extract_article(html, URL).title == "Gao : vingt écoles rouvrent"


# (c) HTML entities in JSON-LD

@pytest.mark.parametrize(
    ("headline", "title"),
    [
        ("Mali : le &quot;dialogue inter-Maliens&quot; s&#8217;ouvre &agrave; Bamako",
         "Mali : le \"dialogue inter-Maliens\" s’ouvre à Bamako"),
        ("&#8216;We will return&#8217;: displaced families in Menaka",
         "‘We will return’: displaced families in Menaka"),
        ("Gao &amp;amp; Tombouctou : l&amp;#039;aide arrive", "Gao & Tombouctou : l'aide arrive"),
        ("AT&T and R&D stay as they are", "AT&T and R&D stay as they are"),
    ],
)
def test_jsonld_headline_entities_are_unescaped(headline, title):
    import json

    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": headline})
    html = page(f'<script type="application/ld+json">{ld}</script>', "<h1>autre</h1>")
    assert extract_article(html, URL).title == title


# (d) live blogs

def _live_blog(extra: str = "") -> str:
    import json

    ld = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": "Direct : la situation à Gao",
        "datePublished": "2024-03-12T06:00:00+00:00",
        "dateModified": "2024-03-13T18:45:00+00:00",
        "coverageStartTime": "2024-03-12T06:00:00+00:00",
        "inLanguage": "fr-FR",
        "liveBlogUpdate": [
            {"@type": "BlogPosting", "headline": "18h45 : nouvelle annonce",
             "datePublished": "2024-03-13T18:45:00+00:00"},
        ],
    }
    ld.update(json.loads(extra or "{}"))
    return page(
        f'<script type="application/ld+json">{json.dumps(ld)}</script>'
        '<meta property="article:modified_time" content="2024-03-13T18:45:00+00:00"/>',
        '<h1>Direct</h1><div class="update"><time datetime="2024-03-13T18:45:00+00:00">18h45</time></div>',
        html_attrs="",
    )


def test_live_blog_posting_is_read_as_an_article():
    art = extract_article(_live_blog(), URL)
    assert art.title == "Direct : la situation à Gao"
    assert art.lang == "fr"


def test_live_blog_publication_date_wins_over_its_latest_update():
    assert extract_article(_live_blog(), URL).published_at == datetime(2024, 3, 12, 6, 0, tzinfo=UTC)


def test_live_blog_without_date_published_uses_its_coverage_start():
    html = _live_blog('{"datePublished": null}')
    assert extract_article(html, URL).published_at == datetime(2024, 3, 12, 6, 0, tzinfo=UTC)


def test_article_type_list_with_objects_does_not_crash():
    html = page(
        '<script type="application/ld+json">{"@type": [{"x": 1}, "NewsArticle"], '
        '"headline": "Gao : vingt écoles rouvrent"}</script>'
    )
    assert extract_article(html, URL).title == "Gao : vingt écoles rouvrent"


# (e) languages: http-equiv Content-Language and three-letter codes

@pytest.mark.parametrize(
    ("head", "html_attrs", "lang"),
    [
        ('<meta http-equiv="Content-Language" content="fr"/>', "", "fr"),
        ('<meta http-equiv="content-language" content="ar-ML, fr"/>', "", "ar"),
        ('<meta HTTP-EQUIV="CONTENT-LANGUAGE" content="en-GB"/>', "", "en"),
        ("", 'lang="fra"', "fr"),
        ("", 'lang="ara"', "ar"),
        ("", 'lang="eng"', "en"),
        ("", 'lang="fre"', "fr"),
        ('<meta http-equiv="Content-Language" content="ara"/>', "", "ar"),
        ('<meta name="language" content="FRA"/>', "", "fr"),
    ],
)
def test_page_language_from_content_language_and_three_letter_codes(head, html_attrs, lang):
    html = page(f"<title>Gao : vingt écoles rouvrent</title>{head}", html_attrs=html_attrs)
    assert extract_article(html, URL).lang == lang


def test_jsonld_in_language_three_letter_code():
    html = page(
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Gao", '
        '"inLanguage": "fra"}</script>',
        html_attrs="",
    )
    assert extract_article(html, URL).lang == "fr"


def test_declared_language_is_the_last_resort():
    html = page("<title>Gao : vingt écoles rouvrent</title>", html_attrs="")
    assert extract_article(html, URL, declared_lang="fr").lang == "fr"
    assert extract_article(page("<title>t</title>", html_attrs='lang="ar"'), URL, declared_lang="fr").lang == "ar"
