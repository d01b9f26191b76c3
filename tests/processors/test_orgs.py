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
    ("Un civil a été tué au Mali, un autre au Niger.", "fr"),
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
    assert ids("The Security Council met.", "en") == ["un-security-council"]
    assert ids("The AU Peace and Security Council met.", "en") == ["au"]
    assert ids("Le Conseil national de sécurité s'est réuni.", "fr") == []


def test_a_name_within_a_longer_name_counts_for_both() -> None:
    assert ids("The UN Security Council met.", "en") == ["un-security-council", "un"]
    assert ids("مجلس الأمن التابع للأمم المتحدة", "ar") == ["un-security-council", "un"]
    assert ids("la Mission multidimensionnelle intégrée des Nations unies pour la stabilisation "
               "au Mali", "fr") == ["minusma", "un"]
    assert ids("Al-Qaïda au Maghreb islamique (AQMI)", "fr") == ["aqim", "al-qaeda"]
    # an abbreviation names only its own organisation
    assert ids("La MINUSMA et l'AQMI.", "fr") == ["minusma", "aqim"]


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


@pytest.mark.parametrize(("text", "lang", "org"), [
    ("Au Mali, trois soldats ont été tués dans une embuscade.", "fr", "fama"),
    ("Mali: the army said five soldiers were killed near Gao.", "en", "fama"),
    ("Les militaires ont repoussé l'attaque, selon une source locale au Mali.", "fr", "fama"),
    ("قتل جنديان في هجوم قرب تمبكتو شمال مالي", "ar", "fama"),
    ("Les Famas sont arrivés à Bankass (Mali).", "fr", "fama"),
    ("Des chasseurs traditionnels ont attaqué le village, au centre du Mali.", "fr", "dozo"),
    ("تواجه مالي عناصر مرتبطة بتنظيمي القاعدة وداعش", "ar", "al-qaeda"),
    ("In Mali, the Islamic State claimed the ambush near Ménaka.", "en", "isgs"),
    ("Au Mali, le gouvernement de transition a dissous les partis.", "fr", "mali-government"),
])
def test_generic_words_in_an_item_about_mali(text: str, lang: str, org: str) -> None:
    assert org in ids(text, lang)


@pytest.mark.parametrize(("text", "lang"), [
    ("Au Mali, des soldats burkinabè ont été tués.", "fr"),  # another country's demonym
    ("Au Mali, l'armée française s'est retirée de Gao.", "fr"),  # foreign at equal distance
    ("In Mali, Nigerien soldiers crossed the border.", "en"),
    ("قتل جنود نيجريون قرب الحدود مع مالي", "ar"),
    ("In Mali, UN peacekeepers and their soldiers were attacked.", "en"),
    ("Une bande armée a attaqué le village, au Mali.", "fr"),  # the adjective "armée"
    ("Au Mali, les militaires au pouvoir ont annoncé un référendum.", "fr"),
    ("Mali recruits child soldiers, says a report.", "en"),
    ("هاجم مسلحون القاعدة العسكرية في مالي", "ar"),  # the base, not al-Qaeda
    ("Three soldiers were killed.", "en"),  # the item does not name Mali
    ("Au Burkina Faso, l'armée a repoussé une attaque. Le Burkina accuse le Mali.", "fr"),
])
def test_generic_words_elsewhere_name_nothing(text: str, lang: str) -> None:
    found = ids(text, lang)
    assert "fama" not in found and "al-qaeda" not in found, found


def test_islamic_state_in_the_sahel_is_also_its_sahel_branch() -> None:
    assert ids("Mali: attack claimed by the Islamic State.", "en") == ["islamic-state", "isgs"]
    assert ids("The Islamic State lost Mosul in Iraq.", "en") == ["islamic-state"]
    # the insurgency's affiliations name the global organisations, not the Sahel province
    assert ids("Mali is battling jihadists linked to al-Qaeda and the Islamic State.", "en") == [
        "al-qaeda", "islamic-state"]
    assert ids("تواجه مالي عناصر مرتبطة بتنظيمي القاعدة وداعش", "ar") == ["al-qaeda", "islamic-state"]


def test_generic_word_evidence_is_the_text() -> None:
    orgs = find_orgs("Au Mali, l'armée a repris Léré.", "fr")
    assert [(o.id, o.evidence) for o in orgs] == [("fama", ["armée"])]


def test_bad_generic_rule_names_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "orgs.yaml"
    bad.write_text("fama:\n  name: Malian Armed Forces\ngeneric:\n  fama:\n    home: mali\n"
                   "    words: {fr: [armée]}\n")
    with pytest.raises(OrgDataError, match=r"generic: fama\[0\]: key 'home': 'mali' is not a cue set"):
        OrgFinder(bad)
    bad.write_text("fama:\n  name: Malian Armed Forces\ngeneric:\n  army:\n"
                   "    words: {fr: [armée]}\n")
    with pytest.raises(OrgDataError, match=r"generic: army: not an organisation"):
        OrgFinder(bad)
    bad.write_text("un:\n  name: United Nations\n  within: [unesco]\n")
    with pytest.raises(OrgDataError, match=r"un: key 'within': 'unesco'"):
        OrgFinder(bad)
