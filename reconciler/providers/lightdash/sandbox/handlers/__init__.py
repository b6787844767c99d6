"""The HTTP adapter over ``models.LightdashWorld``, one module per family of routes: ``org``
(organization, members, groups, access, attributes) and ``content`` (spaces, charts, dashboards,
content as code); ``common`` holds the success envelope and the body and query parsing."""
