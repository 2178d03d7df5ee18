"""The package's public surface (``smart_router.__all__``): complete, importable, and light."""

import subprocess
import sys

import smart_router


def test_every_public_name_resolves():
    missing = [name for name in smart_router.__all__ if not hasattr(smart_router, name)]
    assert missing == []
    assert callable(smart_router.add_smart_routing) and callable(smart_router.decide)


def test_importing_the_package_does_not_import_litellm():
    code = "import sys, smart_router; print('litellm' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_routing_with_only_public_names():
    engine = smart_router.engine_for(None)
    body = {"model": "smart/auto", "messages": [{"role": "user", "content": "hi"}]}
    request = smart_router.read_request(engine.config, "acompletion", body, None)
    outcome = smart_router.decide(engine, request, None, 0.0)
    assert outcome.route.tier is smart_router.Tier.SIMPLE and isinstance(outcome.info(request), smart_router.RoutingInfo)
