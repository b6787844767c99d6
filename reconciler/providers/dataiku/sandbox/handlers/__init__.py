"""Thin HTTP adapter over ``models.DataikuWorld``, one module per object family (as ``models``):
read path params, query and body, call one model method, shape the response. ``common`` holds
what every handler needs to read a request and shape a response.

Every handler is ``(world, request, params) -> SandboxResponse``; ``params`` are the route's
placeholders, already URL-decoded. Status codes follow the seed, except that a JSON body is
returned wherever the official client parses one (reference/dataiku.md §A.7), even where the
seed documents 204.
"""
