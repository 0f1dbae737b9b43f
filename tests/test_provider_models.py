"""Model ids: a tier names the installed SDK's current alias of its family, never one the SDK deprecates."""

from __future__ import annotations

import contextlib
import warnings

from nevo.providers import AgentSpec, load_agent
from nevo.providers.anthropic import current_alias, model_for, sdk_deprecated, sdk_models, tier_models

KNOWN = (
    "claude-opus-5-5",
    "claude-opus-5",
    "claude-opus-4-8",
    "claude-opus-4-5",
    "claude-opus-4-5-20251101",
    "claude-sonnet-4-5",
    "claude-haiku-4-5",
    "claude-haiku-4-5-20251001",
)


def test_the_newest_alias_that_is_not_deprecated_is_chosen() -> None:
    assert current_alias("opus", KNOWN, frozenset()) == "claude-opus-5-5"
    assert current_alias("opus", KNOWN, frozenset({"claude-opus-5-5"})) == "claude-opus-5"
    assert current_alias("sonnet", KNOWN, frozenset({"claude-sonnet-4-5"})) is None  # none left: nevo's default
    assert current_alias("haiku", KNOWN, frozenset()) == "claude-haiku-4-5"  # an alias, not a dated id


def test_every_tier_is_an_id_the_installed_sdk_knows_and_does_not_deprecate() -> None:
    known, deprecated = set(sdk_models()), sdk_deprecated()
    for tier, model in tier_models().items():
        assert model in known and model not in deprecated, (tier, model)
        assert f"-{tier}-" in model


def test_the_agents_nevo_ships_resolve_to_current_models() -> None:
    deprecated = sdk_deprecated()
    for name in ("incident-analyst", "skill-writer", "critic", "arbiter", "incident-monitor"):
        model = model_for(load_agent(name, None))
        assert model not in deprecated, (name, model)


def test_a_full_id_is_the_persons_choice_and_inherit_is_sonnet() -> None:
    mine = AgentSpec("x", "x", "claude-opus-4-5-20251101", "")
    assert model_for(mine) == "claude-opus-4-5-20251101"
    assert model_for(AgentSpec("x", "x", "inherit", "")) == tier_models()["sonnet"]


def test_a_request_with_a_tier_makes_the_sdk_raise_no_deprecation_warning() -> None:
    """What the issue saw: the SDK warned at every call of the opus tier. Its check runs before the request."""
    import anthropic

    client = anthropic.Anthropic(api_key="sk-test", base_url="http://127.0.0.1:9", max_retries=0, timeout=0.5)
    for tier in ("haiku", "sonnet", "opus"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            # nothing listens on port 9: the call fails after the SDK's check, which is what is tested
            with contextlib.suppress(anthropic.APIConnectionError):
                client.messages.create(
                    model=model_for(AgentSpec("x", "x", tier, "")),
                    max_tokens=1,
                    messages=[{"role": "user", "content": "x"}],
                )
        assert not [w for w in caught if issubclass(w.category, DeprecationWarning)], tier
