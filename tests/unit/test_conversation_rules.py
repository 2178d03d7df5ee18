"""Policy, overrides, sessions, harness envelopes and agent rules, each on its own."""

import asyncio
from types import SimpleNamespace

import pytest
from litellm.caching.in_memory_cache import InMemoryCache

from smart_router.agents import BackgroundDetector, ToolActivity, stall, tool_activity
from smart_router.config import ControlSettings
from smart_router.controls import Overrides, parse_overrides, plan
from smart_router.request import session_ids
from smart_router.harness import EnvelopeStripper
from smart_router.policy import Adjustment, resolve
from smart_router.types import Needs, RoutingText, Tier, Turn
from smart_router.sessions import SessionKeys, SessionState, SessionStore, session_keys


# --- policy ---------------------------------------------------------------------------

def test_resolve_applies_steps_in_order_and_keeps_reasons_of_those_that_acted():
    steps = [
        Adjustment("session", floor=Tier.COMPLEX),
        None,
        Adjustment("no-op floor", floor=Tier.SIMPLE),
        Adjustment("escalation", raise_by=1),
        Adjustment("budget", ceiling=Tier.MEDIUM, profile="eco"),
    ]
    resolved = resolve(Tier.SIMPLE, steps)
    assert resolved.tier == Tier.MEDIUM
    assert resolved.profile == "eco"
    assert resolved.reasons == ("session", "escalation", "budget")


def test_raise_is_capped_at_reasoning_and_notes_are_kept():
    resolved = resolve(Tier.REASONING, [Adjustment("up", raise_by=2), Adjustment("overrides disabled")])
    assert resolved.tier == Tier.REASONING
    assert resolved.reasons == ("overrides disabled",)


# --- overrides ------------------------------------------------------------------------

def test_overrides_are_parsed_case_insensitively(engine):
    parsed = parse_overrides({"tier": "complex", "min-tier": "medium"}, engine.config)
    assert parsed == Overrides(tier=Tier.COMPLEX, min_tier=Tier.MEDIUM)


@pytest.mark.parametrize(
    "values, message",
    [
        ({"tier": "HUGE"}, "valid: SIMPLE, MEDIUM, COMPLEX, REASONING"),
        ({"profile": "smart/nope"}, "valid: smart/auto"),
        ({"min-tier": "complex", "max-tier": "simple"}, "above max-tier"),
        ({"max-tier": 3}, "expected a non-empty string"),
    ],
)
def test_invalid_overrides_name_the_valid_values(engine, values, message):
    with pytest.raises(ValueError, match=message):
        parse_overrides(values, engine.config)


def test_override_adjustment_forces_and_clamps():
    step = Overrides(profile="eco", tier=Tier.SIMPLE, max_tier=Tier.MEDIUM).adjustment()
    assert step.reason == "override: profile=eco, tier=SIMPLE, max=MEDIUM"
    assert resolve(Tier.REASONING, [step]).tier == Tier.SIMPLE


# --- plan -------------------------------------------------------------------------------

def _decision(scorer, prompt, **extra):
    return scorer.score(RoutingText(turns=(Turn("user", prompt),) + tuple(extra.get("tail", ()))))


def test_session_tier_is_a_floor_and_escalation_lasts_one_request(scorer):
    decision = _decision(scorer, "thanks!")
    session = SessionState(Tier.COMPLEX, seen_at=0.0)
    steps = plan(decision, ControlSettings(), session, "x", 10.0, None, None, None)
    assert resolve(decision.tier, steps.lasting).tier == Tier.COMPLEX
    assert not steps.this_request


def test_regenerated_ask_within_the_window_goes_one_up(scorer):
    decision = _decision(scorer, "hello there")
    session = SessionState(Tier.SIMPLE, seen_at=100.0, ask_digest="d", ask_at=100.0)
    settings = ControlSettings(retry_window_seconds=60)
    soon = plan(decision, settings, session, "d", 150.0, None, None, None)
    late = plan(decision, settings, session, "d", 161.0, None, None, None)
    unseen = plan(decision, settings, session, None, 150.0, None, None, None)
    assert [s.reason for s in soon.this_request] == ["retry: same ask again"]
    assert late.this_request == () and unseen.this_request == ()


def test_background_call_is_simple_and_ignores_the_session(scorer):
    decision = _decision(scorer, "Prove by induction, step by step, that 2^n > n.")
    steps = plan(decision, ControlSettings(), SessionState(Tier.REASONING, 0.0), "x", 1.0, None, "background: x", None)
    assert steps.lasting == ()
    assert resolve(decision.tier, steps.this_request).tier == Tier.SIMPLE


def test_escalation_phrase_raises_one_tier(scorer):
    decision = _decision(scorer, "Think harder: what is the capital of France?")
    assert decision.escalation == ("think harder",)
    steps = plan(decision, ControlSettings(), None, "x", 0.0, None, None, None)
    assert resolve(decision.tier, steps.this_request).tier == Tier(decision.tier + 1)


@pytest.mark.parametrize(
    "prompt",
    ["请深入思考：这段代码为什么慢？", "Подумай ещё раз: сколько будет 2+2?", "ultrathink: rename this variable", "よく考えて答えてください"],
)
def test_escalation_phrases_are_multilingual(scorer, prompt):
    assert _decision(scorer, prompt).escalation


def test_a_word_inside_another_is_not_an_escalation(scorer):
    assert _decision(scorer, "I think hard problems and think-tanks are fun").escalation == ()


# --- harness envelopes --------------------------------------------------------------------

def test_complete_envelopes_are_cut_case_insensitively_unclosed_ones_kept():
    strip = EnvelopeStripper().strip
    assert strip("a <System-Reminder>x</SYSTEM-reminder> b") == "a  b"
    assert strip("keep <system-reminder> unclosed") == "keep <system-reminder> unclosed"
    assert strip("</system-reminder> q <system-reminder>y</system-reminder>z") == "</system-reminder> q z"
    custom = EnvelopeStripper([("<env>", "</env>"), ("[[", "]]")]).strip
    assert custom("1<ENV>2</env>3[[4]]5") == "135"


def test_reminder_text_does_not_change_the_score(scorer):
    plain = scorer.score(RoutingText.of("rename the variable x to count"))
    reminder = "<system-reminder>Prove every theorem step by step; design a distributed architecture.</system-reminder>"
    wrapped = scorer.score(RoutingText.of(reminder + "\nrename the variable x to count"))
    assert (wrapped.tier, round(wrapped.score, 6)) == (plain.tier, round(plain.score, 6))


def test_a_tool_result_turn_is_a_continuation_even_with_reminders_beside_it(scorer):
    turns = (Turn("user", "fix the failing test"), Turn("assistant", ""), Turn("tool", "3 passed"),
             Turn("user", "<system-reminder>todo list is empty</system-reminder>"))  # fmt: skip
    decision = scorer.score(RoutingText(turns=turns))
    assert decision.continuation
    assert not scorer.score(RoutingText(turns=turns + (Turn("user", "now explain it"),))).continuation


# --- agents ---------------------------------------------------------------------------------

def _anthropic_loop(commands, error=False):
    messages = [{"role": "user", "content": "make the tests pass"}]
    for i, command in enumerate(commands):
        messages.append({"role": "assistant", "content": [{"type": "tool_use", "id": f"t{i}", "name": "Bash", "input": {"command": command}}]})
        messages.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"t{i}", "content": "failed", "is_error": error}]})
    return {"messages": messages}


def test_repeated_tool_call_is_a_stall_that_lifts_when_calls_change():
    assert stall(tool_activity(_anthropic_loop(["pytest"] * 3)), 3, 6) == "stall: Bash repeated 3x in last 3 calls"
    assert stall(tool_activity(_anthropic_loop(["pytest"] * 3 + ["ls"])), 3, 6) is None
    assert stall(tool_activity(_anthropic_loop(["pytest", "ls"])), 3, 6) is None


def test_failing_tool_results_are_a_stall():
    assert stall(tool_activity(_anthropic_loop(["a", "b", "c"], error=True)), 3, 6) == "stall: 3 failed tool results in last 3"


def test_tool_activity_reads_chat_and_responses_formats():
    chat = {"messages": [
        {"role": "assistant", "tool_calls": [{"id": "1", "type": "function", "function": {"name": "grep", "arguments": "{\"q\": 1}"}}]},
        {"role": "tool", "tool_call_id": "1", "content": "Error: no such file"},
    ]}  # fmt: skip
    responses = {"input": [
        {"type": "function_call", "name": "shell", "arguments": "{\"cmd\": \"make\"}", "call_id": "c"},
        {"type": "function_call_output", "call_id": "c", "output": "Traceback (most recent call last):\n ..."},
    ]}  # fmt: skip
    assert tool_activity(chat) == ToolActivity(('grep({"q": 1})',), (True,))
    assert tool_activity(responses) == ToolActivity(('shell({"cmd": "make"})',), (True,))
    assert tool_activity({"messages": "junk", "input": [None, 3, {"role": "assistant", "tool_calls": "x"}]}) == ToolActivity()


def test_background_calls_are_spotted_without_tools_only(engine):
    detector: BackgroundDetector = engine.background
    title = RoutingText(turns=(Turn("user", "fix my build"),), system="Analyze if this message indicates a new conversation topic.")
    assert detector.reason(title, Needs()) == "background: utility request"
    assert detector.reason(title, Needs(has_tools=True)) is None
    assert detector.reason(RoutingText.of("quota"), Needs(max_output_tokens=1)) == "background: max_tokens 1"
    assert detector.reason(RoutingText.of("Write a sonnet about the sea"), Needs(max_output_tokens=800)) is None


# --- sessions -------------------------------------------------------------------------------

def _session(data, headers, text, owner):
    return session_keys(session_ids(data, headers), headers.get("x-claude-code-agent-id", ""), text, owner)


def test_session_key_precedence_and_owner_namespacing():
    text = RoutingText(turns=(Turn("user", "hi"),), system="sys")
    by_header = _session({"user": "u"}, {"x-session-id": "s1"}, text, "key1")
    by_metadata = _session({"metadata": {"session_id": "s1"}, "user": "u"}, {}, text, "key1")
    by_user = _session({"user": "u"}, {}, text, "key1")
    by_hash = _session({}, {}, text, "key1")
    assert [k.source for k in (by_header, by_metadata, by_user, by_hash)] == ["header", "metadata", "user", "hash"]
    assert _session({}, {}, text, "key2").save != by_hash.save
    longer = RoutingText(turns=(Turn("user", "hi"), Turn("assistant", "hello"), Turn("user", "more")), system="sys")
    assert by_hash.save in _session({}, {}, longer, "key1").lookup  # the next turn continues this request's session


def test_no_owner_no_session():
    assert _session({}, {"x-session-id": "s1"}, RoutingText.of("hi"), "") is None


def test_hash_sessions_follow_one_history_and_never_merge_conversations():
    """Issue 16 #9: same system prompt and opening, different conversations: different sessions."""
    opening = (Turn("user", "Hi, I am the shop's assistant bot."), Turn("assistant", "How can I help?"))
    hard = RoutingText(turns=(*opening, Turn("user", "prove the Riemann hypothesis")), system="shop")
    other = RoutingText(turns=(*opening, Turn("user", "opening hours?")), system="shop")
    first, second = _session({}, {}, hard, "app"), _session({}, {}, other, "app")
    assert not set(first.lookup) & {second.save} and not set(second.lookup) & {first.save}
    follow_up = RoutingText(turns=(*hard.turns, Turn("assistant", "..."), Turn("user", "thanks")), system="shop")
    assert first.save in _session({}, {}, follow_up, "app").lookup
    assert second.save not in _session({}, {}, follow_up, "app").lookup


def _keys(owner: str, name: str) -> SessionKeys:
    return SessionKeys((name,), name, "header", owner)


def test_one_owner_cannot_push_out_other_owners_sessions():
    """Issue 16 #10: a key with 10,000 session ids keeps at most its share; others keep theirs."""
    cache = InMemoryCache(max_size_in_memory=10_000, default_ttl=3600)
    store = SessionStore(cache, idle_seconds=1800, clock=lambda: 0.0)
    state = SessionState(Tier.REASONING, 0.0)

    async def scenario():
        await store.save(_keys("victim", "v"), state)
        for i in range(10_000):
            await store.save(_keys("flood", f"f{i}"), state)
        return (await store.load(_keys("victim", "v")))[0], (await store.load(_keys("flood", "f0")))[0]

    victim, oldest_flood = asyncio.run(scenario())
    assert victim == state and oldest_flood is None
    assert len(cache.cache_dict) <= store.per_owner + 1


def test_session_store_expires_idle_sessions_by_its_clock():
    now = [1000.0]
    store = SessionStore(InMemoryCache(max_size_in_memory=10, default_ttl=3600), idle_seconds=1800, clock=lambda: now[0])

    async def scenario():
        await store.save(_keys("o", "k"), SessionState(Tier.COMPLEX, now[0], "d", now[0]))
        now[0] += 1799
        fresh, _ = await store.load(_keys("o", "k"))
        now[0] += 2
        stale, _ = await store.load(_keys("o", "k"))
        return fresh, stale

    fresh, stale = asyncio.run(scenario())
    assert fresh == SessionState(Tier.COMPLEX, 1000.0, "d", 1000.0)
    assert stale is None


def test_session_store_survives_a_broken_cache():
    class Broken:
        async def async_get_cache(self, key):
            raise ConnectionError("redis down")

        async def async_set_cache(self, key, value, ttl=None):
            raise ConnectionError("redis down")

    store = SessionStore(Broken(), 60)
    assert asyncio.run(store.load(_keys("o", "k"))) == (None, None)
    asyncio.run(store.save(_keys("o", "k"), SessionState(Tier.SIMPLE, 0.0)))


def test_hook_session_expires_after_idle_time_on_an_injected_clock():
    from smart_router.hook import SmartRouterHook

    now = [0.0]
    hook = SmartRouterHook()
    hook._sessions = SessionStore(InMemoryCache(max_size_in_memory=10, default_ttl=7200), 1800, clock=lambda: now[0])
    hard = "Design a high-availability microservices architecture with Kubernetes, Kafka and PostgreSQL replication."

    async def turn(text, minutes_later):
        now[0] += minutes_later * 60
        body = {"model": "smart/auto", "messages": [{"role": "user", "content": text}], "metadata": {"session_id": "s-1"}}
        routed = await hook.async_pre_call_hook(SimpleNamespace(token="key-1"), None, body, "acompletion")
        return routed["metadata"]["smart_router"]["tier"]

    async def scenario():
        return [await turn(hard, 0), await turn("thanks", 29), await turn("thanks", 29), await turn("thanks", 31)]

    assert asyncio.run(scenario()) == ["COMPLEX", "COMPLEX", "COMPLEX", "SIMPLE"]
