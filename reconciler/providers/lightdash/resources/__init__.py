"""The Lightdash resource types and data sources, one module per family; each imported when first named."""

from reconciler.lazy import lazy_attributes

__all__ = [
    "AllowedEmailDomains",
    "Chart",
    "Dashboard",
    "Group",
    "Organization",
    "OrganizationMember",
    "OrganizationSettings",
    "Project",
    "ProjectAccess",
    "Space",
    "User",
    "UserAttribute",
]

__getattr__, __dir__ = lazy_attributes(__name__, {
    "AllowedEmailDomains": ".organization",
    "Chart": ".chart",
    "Dashboard": ".dashboard",
    "Group": ".group",
    "Organization": ".data_sources",
    "OrganizationMember": ".member",
    "OrganizationSettings": ".organization",
    "Project": ".data_sources",
    "ProjectAccess": ".project_access",
    "Space": ".space",
    "User": ".data_sources",
    "UserAttribute": ".user_attribute",
})
