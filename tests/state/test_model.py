

def test_a_state_document_without_outputs_reads_as_no_outputs_and_writes_none() -> None:
    from reconciler.state.model import State as _State
    old = {"format_version": 1, "serial": 3, "lineage": "l", "resources": []}
    state = _State.from_json(old)
    assert state.outputs == {} and "outputs" not in state.to_json()
    with_outputs = _State.from_json({**old, "outputs": {"b": {"value": 1}, "a": {"value": [2]}}})
    assert list(with_outputs.to_json()["outputs"]) == ["a", "b"]
    assert _State.from_json(with_outputs.to_json()) == with_outputs


def test_a_record_names_its_provider_instance_only_when_it_is_a_named_one() -> None:
    from reconciler.addresses import Address
    from reconciler.state.model import ResourceState, State

    a, b = Address("dataiku_project", "design"), Address("dataiku_project", "auto")
    state = State("l", 1, {a: ResourceState(a, "SALES"), b: ResourceState(b, "SALES", provider="dataiku.automation")})
    records = {r["address"]: r for r in state.to_json()["resources"]}
    assert "provider" not in records["dataiku_project.design"]  # an older reader sees what it always saw
    assert records["dataiku_project.auto"]["provider"] == "dataiku.automation"
    again = State.from_json(state.to_json())
    assert again == state and again.resources[b].instance == "dataiku.automation"
    assert again.resources[a].instance == "dataiku" and again.resources[a].provider is None
    assert state.shared_ids() == []  # one id on two instances: two objects
    twice = state.with_resource(ResourceState(Address("dataiku_project", "copy"), "SALES", provider="dataiku.automation"))
    assert [ids for _, _, ids in twice.shared_ids()] == [(b, Address("dataiku_project", "copy"))]
