"""Local fakes of the systems we call (Genesys, an OpenAI-compatible LLM), for tests, benchmarks
and ``qmloop demo``. They listen on loopback only."""
