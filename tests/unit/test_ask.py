"""What an ask asks for (smart_router/ask.py): the rubric's examples, evidence before SIMPLE,
scope that only ever raises the tier, and the length and part counters."""

import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from smart_router.ask import count_parts, requested_words, split_request, without_addresses
from smart_router.types import RoutingText, Tier, Turn

RUBRIC = Path(__file__).resolve().parents[2] / "docs" / "rubric.md"
LANGUAGES = ("en", "de", "es", "pt", "ru", "zh", "ja", "ko", "ar")


def _rubric_rows() -> list[tuple[str, str, str]]:
    """(language, tier, prompt) for every cell of the rubric's example table."""
    rows = []
    for line in RUBRIC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] in LANGUAGES:
            rows += [(cells[0], tier.name, prompt) for tier, prompt in zip(Tier, cells[1:])]
    return rows


RUBRIC_ROWS = _rubric_rows()


def test_the_rubric_has_an_example_per_tier_in_nine_languages():
    assert {(lang, tier) for lang, tier, _ in RUBRIC_ROWS} == {(lang, t.name) for lang in LANGUAGES for t in Tier}


@pytest.mark.parametrize("language,tier,prompt", RUBRIC_ROWS, ids=[f"{r[0]}-{r[1]}" for r in RUBRIC_ROWS])
def test_rubric_examples_route_to_their_tier(scorer, language, tier, prompt):
    decision = scorer.score(RoutingText.of(prompt))
    assert decision.tier == Tier[tier], decision.to_dict()


# The issue's own everyday examples, written outside the labeled sets.
@pytest.mark.parametrize(
    "prompt,tier",
    [
        ("How does a heat pump work?", Tier.MEDIUM),
        ("What are the pros and cons of index funds?", Tier.MEDIUM),
        ("Write a short poem about a rainy commute", Tier.MEDIUM),
        ("How do I debounce input in React?", Tier.MEDIUM),
        ("Summarize the causes of the 1929 crash.", Tier.MEDIUM),
        ("Write a 700-word short story about a lighthouse keeper; explore loneliness and duty", Tier.COMPLEX),
        ("Give an in-depth explanation of how HTTPS works, covering certificates, key exchange and session resumption", Tier.COMPLEX),
        ("Design and implement a thread-safe bounded queue in Go with tests, and explain the trade-offs", Tier.COMPLEX),
        ("Draft a complete go-to-market memo for a budgeting app in Brazil: positioning, channels, pricing, risks.", Tier.COMPLEX),
        ("What's the capital of Peru?", Tier.SIMPLE),
        ("thanks!", Tier.SIMPLE),
    ],
)
def test_everyday_asks_need_evidence_before_going_cheap(scorer, prompt, tier):
    assert scorer.score(RoutingText.of(prompt)).tier == tier


# The lexicon's phrasings in nine languages, written outside the labeled sets: everyday
# lookups (time zones, which spelling is right, sorting, "how do you say") stay SIMPLE, and
# counting, chance, liars and intermittent bugs are REASONING.
@pytest.mark.parametrize(
    "prompt,tier",
    [
        ("If it's 9 am in Tokyo, what time is it in Paris?", Tier.SIMPLE),
        ("Wie spät ist es in New York, wenn es in Berlin 15 Uhr ist?", Tier.SIMPLE),
        ("¿Cuál es la correcta: «hechar» o «echar»?", Tier.SIMPLE),
        ("Qual é o certo: «mas» ou «mais» na frase «quero mais café»?", Tier.SIMPLE),
        ("Отсортируй по алфавиту: груша, яблоко, слива", Tier.SIMPLE),
        ("东京时间上午10点，伦敦是几点？", Tier.SIMPLE),
        ("「よろしくお願いします」は英語だと何て言う？", Tier.SIMPLE),
        ("'안되'와 '안돼' 중에 어느 게 맞아?", Tier.SIMPLE),
        ("كيف أقول «شكرا جزيلا» بالفرنسية؟", Tier.SIMPLE),
        ("In how many ways can 8 people sit at a round table if two of them refuse to sit together?", Tier.REASONING),
        ("Auf wie viele Arten kann man 10 Bücher auf 3 Regale verteilen, wenn jedes Regal mindestens eins bekommt?", Tier.REASONING),
        ("Exactamente uno de los tres miente: Ana dice que fue Luis, Luis dice que no fue él, Marta dice que fue Ana. ¿Quién es el culpable?", Tier.REASONING),
        ("Qual é a chance de que, num grupo de 23 pessoas, duas façam aniversário no mesmo dia?", Tier.REASONING),
        ("Сколько способов разложить 7 одинаковых шаров по 3 различным ящикам, чтобы ни один ящик не был пустым, а в первом было не больше трёх?", Tier.REASONING),
        ("我们的服务偶尔会返回重复订单，加了锁也没用，问题出在哪？", Tier.REASONING),
        ("1から6までのカードを3人に2枚ずつ配る場合の数は？", Tier.REASONING),
        ("1부터 9까지 숫자 카드로 만들 수 있는 세 자리 수 중 약수가 정확히 4개인 수는 몇 개인가?", Tier.REASONING),
        ("كم طريقة لترتيب 5 كتب على رف بحيث لا يكون كتابان محددان متجاورين؟", Tier.REASONING),
    ],
)
def test_lookup_and_reasoning_phrasings_in_nine_languages(scorer, prompt, tier):
    assert scorer.score(RoutingText.of(prompt)).tier == tier


def test_an_ask_without_evidence_of_a_simple_one_is_medium_and_says_why(scorer):
    decision = scorer.score(RoutingText.of("Paris in spring"))
    assert decision.tier == Tier.MEDIUM and decision.rule == "no evidence of a simple ask"


def test_lookup_beats_a_deliverable_noun_but_not_a_question_task(scorer):
    haiku = scorer.score(RoutingText.of("What is a haiku?"))
    assert haiku.tier == Tier.SIMPLE and haiku.shape.tasks == ()
    why = scorer.score(RoutingText.of("What is the reason why leaves turn red?"))
    assert why.tier >= Tier.MEDIUM and why.shape.tasks[0][0] == "explanation"


def test_a_task_phrase_inside_a_longer_lookup_phrase_does_not_count(scorer):
    decision = scorer.score(RoutingText.of("How do you say thank you in Japanese?"))
    assert decision.shape.tasks == () and decision.tier == Tier.SIMPLE


def test_tool_results_are_not_held_to_the_evidence_rule(scorer):
    ask = Turn("user", "Paris in spring")
    assert scorer.score(RoutingText(turns=(ask,))).rule == "no evidence of a simple ask"
    step = scorer.score(RoutingText(turns=(ask, Turn("tool", "42"))))
    assert step.continuation and step.rule != "no evidence of a simple ask"


HOW_DOES = {
    "en": "How does {} work?", "de": "Wie funktioniert {}?", "es": "¿Cómo funciona {}?",
    "pt": "Como funciona {}?", "ru": "Как работает {}?", "zh": "{}是怎么工作的？",
    "ja": "{}の仕組みは？", "ko": "{}는 어떻게 작동해?", "ar": "كيف يعمل {}؟",
}  # fmt: skip
TOPICS = ("a heat pump", "DNS", "the weather radar", "Bitcoin", "the immune system", "an index fund",
          "热泵", "ヒートポンプ", "히트펌프", "المضخة الحرارية", "тепловой насос", "die Wärmepumpe", "x")  # fmt: skip


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(sorted(HOW_DOES)), st.sampled_from(TOPICS))
def test_how_does_x_work_is_never_simple_in_any_language(scorer, language, topic):
    decision = scorer.score(RoutingText.of(HOW_DOES[language].format(topic)))
    assert decision.tier >= Tier.MEDIUM, decision.to_dict()


BASES = (
    "Write a story about a lighthouse keeper", "Explain how vaccines work", "Plan a trip to Lisbon",
    "Schreib eine Geschichte über einen Leuchtturmwärter", "Explica cómo funcionan las vacunas",
    "Напиши рассказ о смотрителе маяка", "写一个关于灯塔看守人的故事", "灯台守の物語を書いて",
    "등대지기에 대한 이야기를 써 줘", "اكتب قصة عن حارس منارة", "Capital of Peru", "thanks",
)  # fmt: skip
RAISERS = (
    " in detail", " in depth", ", comprehensive and complete", " in 800 words", " (1500 words)", ", 5 pages",
    ", covering history, causes, effects and legacy", "; include a timeline, a map and sources",
    "\n1. intro\n2. body\n3. end", " ausführlich", " en profundidad", " подробно", " 详细地", "、3000字で",
    " 자세히", " بالتفصيل", ", and test it and document it",
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(BASES), st.sampled_from(RAISERS), st.sampled_from(RAISERS))
def test_depth_length_and_parts_never_lower_the_tier(scorer, base, first, second):
    plain = scorer.score(RoutingText.of(base)).tier
    once = scorer.score(RoutingText.of(base + first)).tier
    twice = scorer.score(RoutingText.of(base + first + second)).tier
    assert plain <= once <= twice, (base, first, second)


@pytest.mark.parametrize(
    "text,words",
    [
        ("Write a 700-word story", 700), ("600+ words on it", 600), ("about 1,500 words", 1500),
        ("in 2.000 Wörtern", 2000), ("five short paragraphs", 500), ("3000字の短編小説", 1500),
        ("三千字的文章", 1500), ("800단어로 써 줘", 800), ("10 slides", 600), ("un texto de 3 páginas", 1200),
        ("I have 6 names for a café", 0), ("how long, 10 minutes?", 0), ("", 0),
    ],
)  # fmt: skip
def test_requested_length_in_words(engine, text, words):
    ask = engine.scorer.config.ask
    assert requested_words(text, ask.length_units, ask.number_words) == words


def test_units_are_read_inside_words_only_in_scripts_that_glue_particles(engine):
    ask = engine.scorer.config.ask
    assert requested_words("Hat mein ICE 577 heute Verspätung?", ask.length_units, ask.number_words) == 0  # no "Vers"
    assert requested_words("800단어로 써줘", ask.length_units, ask.number_words) == 800


def test_durations_count_only_for_a_text_to_make(scorer):
    assert "~1300 words requested" in scorer.score(RoutingText.of("Write a 10-minute speech for my team")).shape.scope
    assert scorer.score(RoutingText.of("Boil the egg 10 minutes or 12 minutes?")).shape.scope_points == 0
    question = "Wie rechne ich einen Stundenlohn von 19,80 € in ein Monatsgehalt um, wenn ich 38,5 Stunden pro Woche arbeite?"
    assert scorer.score(RoutingText.of(question)).shape.scope_points == 0  # hours worked are no text to write
    assert "~1200 words requested" in scorer.score(RoutingText.of("Write a lesson plan for 8 sessions on fractions")).shape.scope


@pytest.mark.parametrize("prompt", [
    "explain photosynthesis in one sentence", "Erkläre Inflation in einem Satz", "explica la inflación en una frase",
    "explique a inflação em uma frase", "объясни инфляцию одним предложением", "用一句话解释通货膨胀",
    "インフレを一言で説明して", "인플레이션을 한 문장으로 설명해 줘", "اشرح التضخم في جملة واحدة",
])  # fmt: skip
def test_a_short_answer_asked_for_beats_the_explanation_floor(scorer, prompt):
    decision = scorer.score(RoutingText.of(prompt))
    assert decision.shape.brief and not decision.shape.tasks and decision.tier is Tier.SIMPLE


@pytest.mark.parametrize(
    "text,parts",
    [
        ("Cover A, B, C and D.", 3), ("A, B. C, D.", 0), ("tables users(id, name, email) and orders", 0),
        ("定義、禁止行為、相談窓口、調査手順まで", 4), ("我买的衣服到了，但是袖子短，吊牌还在，能退吗", 0),
        ("positioning; channels; pricing", 3),
    ],
)
def test_required_parts_are_counted_per_sentence(text, parts):
    assert count_parts(text) == parts


def test_addresses_do_not_fire_keywords(scorer):
    assert without_addresses("get https://x.example/api/summary and read requirements.txt") == "get   and read  "
    decision = scorer.score(RoutingText.of("fetch https://status.example.com/api/v1/summary"))
    assert all("summary" not in words for _, words in decision.shape.tasks)


def test_ask_signals_are_linear_on_hostile_input(scorer):
    for hostile in ("a." * 50_000, "1 " * 50_000, "(" * 50_000, "、" * 50_000, "https://" + "a" * 100_000):
        decision = scorer.score(RoutingText.of(hostile))
        assert decision.tier in Tier
    assert re.fullmatch(r"\d+", str(requested_words("9" * 100_000 + " words", {"words": 1.0}, {}))) is not None


NOTICE = ("Dear residents, the annual meeting of owners takes place on Thursday 14 March at 19:00 in the community hall. "
          "Agenda: first the accounts, then the roof repair, next the garden, finally the election of the board. "
          "Please bring your documents, your questions and your proxy forms; minutes will follow by email. ") * 2  # fmt: skip


def test_a_long_ask_is_split_into_its_request_and_pasted_material():
    request, material = split_request(f"Hi!\n\n{NOTICE}\n\nwhat day is the meeting?")
    assert request == "Hi!\n\nwhat day is the meeting?" and material.strip() == NOTICE.strip()
    one_paragraph = "Good morning. " + "We argued about it all evening at dinner with the family. " * 6 + "I said I would ask. Who was first in space?"
    request, material = split_request(one_paragraph)
    assert request.startswith("Good morning.") and request.endswith("Who was first in space?") and "argued" in material
    assert split_request("short ask, nothing pasted") == ("short ask, nothing pasted", "")
    code = "```sql\nCREATE TABLE orders (\n  id int\n);\n\nCREATE INDEX o ON orders (id);\n```"
    request, material = split_request(f"What does this schema do?\n\n{NOTICE}\n\n{code}")
    assert request == "What does this schema do?" and "CREATE INDEX" in material  # fenced code is material
    for hostile in ("\n\n" * 100_000, "a. " * 100_000, "x" * 1_000_000):
        request, material = split_request(hostile)
        assert len(request) + len(material) <= len(hostile) + 200_000


def test_pasted_material_does_not_make_the_ask(scorer):
    decision = scorer.score(RoutingText.of(f"{NOTICE}\n\nSorry, skimmed it on my phone: what day is the meeting?"))
    assert decision.shape.scope_points == 0 and not decision.shape.tasks  # the agenda's parts are not asked for
    assert decision.tier < Tier.COMPLEX


def test_reasoning_needs_a_marker_in_the_ask_not_only_in_history(scorer):
    proof = "Prove by induction, step by step, that 2^n > n for all n."
    later = scorer.score(RoutingText(turns=(Turn("user", proof), Turn("assistant", "..."), Turn("user", "thanks!"))))
    assert later.ceiling is Tier.COMPLEX and scorer.score(RoutingText.of(proof)).ceiling is Tier.REASONING
