"""Addresses: equal and hashed by (type, name), ordered by it, immutable, picklable."""

from __future__ import annotations

import pickle

import pytest

from reconciler.addresses import Address


def test_a_parsed_address_equals_a_constructed_one():
    a = Address.parse("dataiku_project.sales")
    built = Address("dataiku_project", "sales")
    assert built == a and hash(built) == hash(a) and {built: 1}[a] == 1
    assert (a.type, a.name, a.provider, a.kind, str(a)) == ("dataiku_project", "sales", "dataiku", "project",
                                                            "dataiku_project.sales")
    assert Address("lightdash_space", "x") != a and a < Address("dataiku_project", "zz")


def test_addresses_are_immutable_and_survive_pickling():
    a = Address.parse("astro_deployment.etl")
    with pytest.raises(AttributeError):
        a.name = "other"  # type: ignore[misc]
    back = pickle.loads(pickle.dumps(a))
    assert back == a and back.provider == "astro" and hash(back) == hash(a)


@pytest.mark.parametrize("text", ["dataiku_project", "Dataiku_project.x", "dataiku_project.1x", 42])
def test_malformed_text_is_refused_with_the_allowed_form(text):
    with pytest.raises(ValueError, match="expected <provider>_<kind>.<name>"):
        Address.parse(text)  # type: ignore[arg-type]
