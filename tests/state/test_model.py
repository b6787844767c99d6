

def test_a_state_document_without_outputs_reads_as_no_outputs_and_writes_none() -> None:
    from reconciler.state.model import State as _State
    old = {"format_version": 1, "serial": 3, "lineage": "l", "resources": []}
    state = _State.from_json(old)
    assert state.outputs == {} and "outputs" not in state.to_json()
    with_outputs = _State.from_json({**old, "outputs": {"b": {"value": 1}, "a": {"value": [2]}}})
    assert list(with_outputs.to_json()["outputs"]) == ["a", "b"]
    assert _State.from_json(with_outputs.to_json()) == with_outputs
