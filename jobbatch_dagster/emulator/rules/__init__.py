"""How the emulator answers a request: the responder and the rules behind its content.

``responder`` turns a request body into a complete chat completion; ``tasks`` picks the rule set for
one of our task schemas (``evidence``, ``lead``, ``posting``, ``pay``); ``schema_answer`` (with
``regex_sample``) answers any other JSON schema.
"""
