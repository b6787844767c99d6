"""The bodies on the Dataiku wire, one module per object family (as ``models``): the pydantic
models that validate requests, and the builders of the documents DSS answers with (their fields
and the defaults DSS fills in). ``common`` holds ``parse``, the base model, the name rules and what
every object document carries. No state and no decisions: those are the models'.
"""
