"""Organisations: names and abbreviations in three languages, case rules, order, data errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from processors.orgs import OrgDataError, OrgFinder, find_orgs


def ids(text: str, lang: str, title: str = "") -> list[str]:
    return [o.id for o in find_orgs(text, lang, title)]


@pytest.mark.parametrize(("text", "lang", "org"), [
    # MINUSMA
    ("La MINUSMA a achevé son retrait.", "fr", "minusma"),
    ("The Minusma base was handed over.", "en", "minusma"),
    ("أنهت البعثة المتكاملة المتعددة الأبعاد لتحقيق الاستقرار في مالي انسحابها", "ar", "minusma"),
    ("the United Nations Multidimensional Integrated Stabilization Mission in Mali", "en",
     "minusma"),
    # ECOWAS
    ("La CEDEAO a levé ses sanctions.", "fr", "ecowas"),
    ("ECOWAS lifted its sanctions.", "en", "ecowas"),
    ("رفعت الجماعة الاقتصادية لدول غرب أفريقيا العقوبات", "ar", "ecowas"),
    ("رفعت إيكواس العقوبات", "ar", "ecowas"),
    # AU
    ("L'UA a suspendu le Mali.", "fr", "au"),
    ("The AU suspended Mali.", "en", "au"),
    ("علق الاتحاد الأفريقي عضوية مالي", "ar", "au"),
    ("Le Conseil de paix et de sécurité s'est réuni.", "fr", "au"),
    # EU
    ("L'UE a suspendu sa mission.", "fr", "eu"),
    ("The EU suspended its mission.", "en", "eu"),
    ("أعلن الاتحاد الأوروبي", "ar", "eu"),
    # JNIM
    ("Le JNIM a revendiqué l'attaque.", "fr", "jnim"),
    ("Le GSIM a revendiqué l'attaque.", "fr", "jnim"),
    ("JNIM claimed the attack.", "en", "jnim"),
    ("تبنت جماعة نصرة الإسلام والمسلمين الهجوم", "ar", "jnim"),
    # ISGS
    ("L'EIGS a revendiqué l'attaque.", "fr", "isgs"),
    ("ISGS fighters attacked.", "en", "isgs"),
    ("تبنى تنظيم الدولة الإسلامية في الصحراء الكبرى الهجوم", "ar", "isgs"),
    ("أعلنت ولاية الساحل مسؤوليتها", "ar", "isgs"),
    # Wagner / Africa Corps
    ("Des mercenaires de Wagner ont été vus.", "fr", "wagner"),
    ("Africa Corps replaced Wagner.", "en", "wagner"),
    ("وصل عناصر فاغنر إلى كيدال", "ar", "wagner"),
    # FAMa
    ("Les FAMa ont repris Kidal.", "fr", "fama"),
    ("The Malian army retook Kidal.", "en", "fama"),
    ("استعادت القوات المسلحة المالية السيطرة", "ar", "fama"),
    ("استعاد الجيش المالي السيطرة", "ar", "fama"),
    # Barkhane
    ("La force Barkhane a quitté le Mali.", "fr", "barkhane"),
    ("Operation Barkhane ended.", "en", "barkhane"),
    ("انتهت عملية برخان", "ar", "barkhane"),
    # OIC
    ("L'OCI a condamné l'attaque.", "fr", "oic"),
    ("The OIC condemned the attack.", "en", "oic"),
    ("أدانت منظمة التعاون الإسلامي الهجوم", "ar", "oic"),
    # UN, WANEP, AIGE, G5 Sahel, CMA/CSP
    ("Selon l'ONU, la situation se dégrade.", "fr", "un"),
    ("The UN warned.", "en", "un"),
    ("حذرت الأمم المتحدة", "ar", "un"),
    ("WANEP-Mali a participé à la réunion.", "fr", "wanep"),
    ("شبكة غرب أفريقيا لبناء السلام", "ar", "wanep"),
    ("L'AIGE a publié le fichier électoral.", "fr", "aige"),
    ("Autorité indépendante de gestion des élections", "fr", "aige"),
    ("السلطة المستقلة لإدارة الانتخابات", "ar", "aige"),
    ("La force conjointe du G5 Sahel", "fr", "g5-sahel"),
    ("The G5 Sahel joint force", "en", "g5-sahel"),
    ("القوة المشتركة لمجموعة دول الساحل الخمس", "ar", "g5-sahel"),
    ("La CMA a quitté Kidal.", "fr", "cma"),
    ("Le Cadre stratégique permanent (CSP) a réagi.", "fr", "cma"),
    ("The Coordination of Azawad Movements said", "en", "cma"),
    ("تنسيقية الحركات الأزوادية", "ar", "cma"),
    ("Les pays de l'AES", "fr", "aes"),
    ("تحالف دول الساحل", "ar", "aes"),
])
def test_names_in_three_languages(text: str, lang: str, org: str) -> None:
    assert org in ids(text, lang)


@pytest.mark.parametrize(("text", "lang"), [
    ("Un soldat a été tué au Mali, un autre au Niger.", "fr"),
    ("Au Mali, un accord a été signé.", "fr"),
    ("AU MALI, UN ACCORD.", "fr"),
    ("Eu égard à la situation, ue.", "fr"),
    ("Le Conseil national de sécurité s'est réuni.", "fr"),
    ("A barkhane is a crescent-shaped dune.", "en"),
    ("The Tuareg takuba is a sword.", "en"),
])
def test_abbreviations_that_are_words_do_not_match(text: str, lang: str) -> None:
    assert ids(text, lang) == []


def test_elision_and_clitics() -> None:
    assert ids("La position de l'UA et de l'ONU", "fr") == ["au", "un"]
    assert ids("بالاتحاد الأفريقي والأمم المتحدة", "ar") == ["au", "un"]


def test_longest_name_wins() -> None:
    assert ids("The UN Security Council met.", "en") == ["un-security-council"]
    assert ids("The AU Peace and Security Council met.", "en") == ["au"]
    assert ids("مجلس الأمن التابع للأمم المتحدة", "ar") == ["un-security-council"]


def test_most_mentioned_first_with_evidence() -> None:
    orgs = find_orgs("L'UA et la CEDEAO. La CEDEAO encore. CEDEAO, Cedeao.", "fr")
    assert [o.id for o in orgs] == ["ecowas", "au"]
    assert orgs[0].name == "Economic Community of West African States"
    assert orgs[0].evidence == ["CEDEAO", "Cedeao"]
    assert ids("La CEDEAO encore.", "fr", title="L'UA réagit") == ["au", "ecowas"]


def test_bad_data_names_file_entry_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "orgs.yaml"
    bad.write_text("un:\n  name: United Nations\n  en: [United Nations]\n  ful: [x]\n")
    with pytest.raises(OrgDataError, match=r"orgs\.yaml: un: key 'ful' unknown"):
        OrgFinder(bad)
    bad.write_text("un:\n  name: United Nations\n  abbreviations: {de: [UNO]}\n")
    with pytest.raises(OrgDataError, match=r"orgs\.yaml: un: key 'abbreviations'"):
        OrgFinder(bad)
    bad.write_text("un:\n  name: United Nations\n  en: United Nations\n")
    with pytest.raises(OrgDataError, match=r"orgs\.yaml: un: key 'en'"):
        OrgFinder(bad)
