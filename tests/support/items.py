"""News-length items in Arabic, French and English for benchmarks and fault tests.

Built from sentence pools shaped like the real sources' reporting (see tests/fixtures/sites),
shuffled per item so bodies differ; ids are stable for a given (prefix, index), and
publication dates spread over three months so the time-based indices all take writes.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

SENTENCES = {
    "en": [
        "Armed men attacked a village near Ménaka on Tuesday, local officials said.",
        "The UN Security Council met to discuss the situation in Mali and the wider Sahel.",
        "Humanitarian agencies warned that access to the central regions remains limited.",
        "Several people were reported killed and others wounded in the attack near Gao.",
        "ECOWAS leaders called for a timetable for the return to constitutional order.",
        "Thousands of displaced families have arrived in Mopti over the past weeks.",
        "The transitional authorities announced new measures on security in Bamako.",
        "WANEP's early warning report notes a rise in incidents along the border with Niger.",
        "A convoy carrying food aid was stopped on the road between Sévaré and Timbuktu.",
        "Observers say the peace agreement signed in Algiers is under strain.",
    ],
    "fr": [
        "Des hommes armés ont attaqué un village près de Ménaka mardi, selon des élus locaux.",
        "Le Conseil de sécurité de l'ONU s'est réuni sur la situation au Mali et au Sahel.",
        "Les agences humanitaires préviennent que l'accès aux régions du centre reste limité.",
        "Plusieurs personnes ont été tuées et d'autres blessées dans l'attaque près de Gao.",
        "Les dirigeants de la CEDEAO ont demandé un calendrier de retour à l'ordre constitutionnel.",
        "Des milliers de familles déplacées sont arrivées à Mopti ces dernières semaines.",
        "Les autorités de la transition ont annoncé de nouvelles mesures de sécurité à Bamako.",
        "Le rapport d'alerte précoce du WANEP relève une hausse des incidents près du Niger.",
        "Un convoi d'aide alimentaire a été arrêté sur la route entre Sévaré et Tombouctou.",
        "Selon des observateurs, l'accord de paix signé à Alger est fragilisé.",
    ],
    "ar": [
        "هاجم مسلحون قرية قرب ميناكا يوم الثلاثاء، بحسب مسؤولين محليين.",
        "اجتمع مجلس الأمن التابع للأمم المتحدة لبحث الوضع في مالي ومنطقة الساحل.",
        "حذرت الوكالات الإنسانية من أن الوصول إلى المناطق الوسطى لا يزال محدودا.",
        "أفادت التقارير بمقتل عدة أشخاص وإصابة آخرين في الهجوم قرب غاو.",
        "دعا قادة الجماعة الاقتصادية لدول غرب أفريقيا إلى جدول زمني للعودة إلى النظام الدستوري.",
        "وصلت آلاف الأسر النازحة إلى موبتي خلال الأسابيع الماضية.",
        "أعلنت السلطات الانتقالية عن إجراءات أمنية جديدة في باماكو.",
        "يشير تقرير الإنذار المبكر إلى ارتفاع الحوادث على الحدود مع النيجر.",
        "أوقفت قافلة تحمل مساعدات غذائية على الطريق بين سيفاري وتمبكتو.",
        "يقول مراقبون إن اتفاق السلام الموقع في الجزائر يواجه صعوبات.",
    ],
}
SOURCES = {"en": "un-news", "fr": "studio-tamani", "ar": "aljazeera"}
LANGS = ("en", "fr", "ar")


def synthetic_items(n: int, prefix: str = "bench", seed: int = 7, paragraphs: int = 6) -> list[dict]:
    """n raw items as JSON-ready dicts (veille.schema.Item fields), ~2–3 kB of body each."""
    rng = random.Random(seed)
    start = datetime(2026, 9, 1, tzinfo=UTC)
    items = []
    for i in range(n):
        lang = LANGS[i % 3]
        pool = SENTENCES[lang]
        body = "\n\n".join(
            " ".join(rng.sample(pool, 4)) + f" ({prefix} {i}.{p})" for p in range(paragraphs)
        )
        published = start + timedelta(minutes=(i * 37) % (90 * 24 * 60))
        items.append(
            {
                "id": f"{prefix}:{i}",
                "source": SOURCES[lang],
                "url": f"https://example.org/{prefix}/{i}",
                "title": f"{rng.choice(pool)[:90]} #{i}",
                "body": body,
                "lang": lang,
                "published_at": published.isoformat(),
                "collected_at": datetime.now(UTC).isoformat(),
            }
        )
    return items
