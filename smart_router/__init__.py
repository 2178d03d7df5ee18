"""smart-llm-router: route LiteLLM Proxy's ``smart/*`` model names to the cheapest capable model."""

__version__ = "0.1.0"
