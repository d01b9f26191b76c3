"""UN document symbols and Security Council resolutions cited in a text, in one spelling."""

from __future__ import annotations

import pytest

from processors.symbols import extract_symbols
from veille.ids import normalise_symbol


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Letter dated 27 May 2020 from the Secretary-General (S/2020/476) addressed to the Council.",
            ["S/2020/476"],
        ),
        (
            "Par sa résolution 2690 (2023), le Conseil de sécurité a mis fin au mandat de la MINUSMA.",
            ["S/RES/2690(2023)"],
        ),
        (
            "يشرفني أن أُحيل إلى قرار مجلس الأمن 2480 (2019) بشأن بعثة الأمم المتحدة في مالي",
            ["S/RES/2480(2019)"],
        ),
        ("كما ورد في تقريرَي الأخيرين (S/2020/223 و S/2020/476)", ["S/2020/223", "S/2020/476"]),
        (
            "Recalling its resolutions 2640 (2022) and 2690 (2023), and resolution 2531",
            ["S/RES/2640(2022)", "S/RES/2690(2023)", "S/RES/2531"],
        ),
        (
            "See SC/15577 and SG/SM/21234-SC/15000-AFR/3000 (press releases).",
            ["SC/15577", "SG/SM/21234-SC/15000-AFR/3000"],
        ),
        ("Communiqué de presse CS/15577 du Conseil de sécurité", ["CS/15577"]),
        (
            "A/HRC/52/45, A/78/123, A/RES/77/1, S/PRST/2023/5 and S/2020/476/Add.1",
            ["A/HRC/52/45", "A/78/123", "A/RES/77/1", "S/PRST/2023/5", "S/2020/476/ADD.1"],
        ),
        ("وفقا للقرار ٢٠٨٥ (٢٠١٢) الصادر عن مجلس الأمن", ["S/RES/2085(2012)"]),
        ("résolution no 2100 (2013) du Conseil de sécurité", ["S/RES/2100(2013)"]),
    ],
)
def test_symbols_and_resolutions(text: str, expected: list[str]) -> None:
    assert extract_symbols(text) == expected


def test_a_resolution_with_and_without_its_year_is_one_symbol() -> None:
    text = "S/RES/2690 (2023) … la résolution 2690 … resolution 2690 (2023)"
    assert extract_symbols(text) == ["S/RES/2690(2023)"]


def test_spelling_is_the_item_id_spelling() -> None:
    for symbol in extract_symbols("S/2020/476 and S/RES/2690 (2023)"):
        assert symbol == normalise_symbol(symbol)


@pytest.mark.parametrize(
    "text",
    [
        "The 2023 resolution of the crisis is far away; 24/7 monitoring, AS/2.",
        "La résolution des conflits passe par le dialogue.",
        "OIC/ACM-2019/CG-ML/REP/FINAL",
        "",
    ],
)
def test_no_symbol(text: str) -> None:
    assert extract_symbols(text) == []
