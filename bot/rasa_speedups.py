"""Measured hot spots in Rasa 3.6's server, fixed without changing behaviour.

Each was found by profiling the Rasa server under load (py-spy,
benchmarks/conversation_load.py) and each keeps Rasa's results identical:

1. `RemoteAction._validate_action_result` (37% of CPU at 10 concurrent
   conversations): `jsonschema.validate` re-checks the response *schema*
   against the JSON Schema meta-schema on every custom action call. The schema
   never changes, so it is checked once and the validator reused; responses are
   validated exactly as before (same schema, same errors, same message).
2. `Event.resolve_by_type` (5% at 50 conversations): every event read from the
   tracker store walks all Event subclasses with `inspect.isabstract` to find
   its class. The answer for a type name never changes once found, so it is
   remembered; unknown names still go through Rasa's own lookup.
3. `RasaModel._rasa_predict` (TED and DIET inference, 25% at 50 conversations,
   two thirds of it TensorFlow's per-call argument handling rather than the
   model's arithmetic): Rasa wraps `predict_step` in a `tf.function` with a
   fixed input signature, so every call resolves to the same concrete graph.
   That graph is called directly with the flattened inputs; inputs that do not
   match the signature exactly (dtype, shape) take Rasa's original path.
4. `DialogueStateTracker.applied_events` (7%): every policy, for every
   prediction, rebuilds the list of events that still apply (reverted events and
   interrupted form turns removed) from the whole conversation. The result
   depends only on the events, so it is remembered per tracker until an event
   is added; callers get their own copy of the list.
5. Copying slots (5%): every tracker Rasa creates (one per policy per
   prediction, to replay the conversation) shallow-copies every slot with
   `copy.copy`, which goes through the generic pickle protocol. Slots are plain
   objects, so the copy is made directly: the same attributes, shared the same
   way.
6. `DaskGraphRunner.run` (6%): Rasa runs its NLU and policy graphs (about ten
   nodes, in a chain or side by side) through dask's synchronous scheduler,
   which plans the run every time, and recomputes which nodes the targets need.
   Here the needed nodes are worked out once per set of targets and run
   depth-first in the same process, each after the nodes it needs, with dask's
   rules for inputs (an input node is passed on as the `(name, value)` pair)
   and its errors (a node's exception is raised as is; RuntimeError becomes
   Rasa's GraphRunError).

`apply()` is idempotent; bot/stores.py calls it, because Rasa imports that
module (endpoints.yml names its tracker store) in every server it starts.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

_response_validator: Optional[Any] = None

# Rasa's own functions, kept by apply() for the fallbacks below and for tests.
_original_resolve_by_type = None
_original_rasa_predict = None
_original_applied_events = None
_original_graph_run = None


def _action_response_validator():
    global _response_validator
    if _response_validator is None:
        from jsonschema.validators import validator_for
        from rasa.core.actions.action import RemoteAction

        schema = RemoteAction.action_response_format_spec()
        cls = validator_for(schema)
        cls.check_schema(schema)  # once, instead of once per action call
        _response_validator = cls(schema)
    return _response_validator


def validate_action_result(self, result: Dict[str, Any]) -> bool:
    """Rasa's `_validate_action_result` with the schema check done once."""
    from jsonschema.exceptions import best_match
    from rasa.core.actions.action import DOCS_BASE_URL

    error = best_match(_action_response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        "For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


# --- 2. event classes by type name -------------------------------------------

_event_classes: Dict[str, Any] = {}


def resolve_by_type(type_name, default=None):
    """Rasa's `Event.resolve_by_type`, remembering each class it finds.

    Only answers to a lookup without a default are remembered: with one, an
    unknown name answers the default, which is not that name's class.
    """
    found = _event_classes.get(type_name)
    if found is None:
        found = _original_resolve_by_type(type_name, default)  # Rasa's lookup, fallbacks and errors
        if found is not None and default is None:
            _event_classes[type_name] = found
    return found


# --- 3. TensorFlow inference without per-call signature matching -------------------

def _concrete_predict(model):
    """The one concrete graph behind `model._tf_predict_step`, and its inputs' specs.

    Each spec as (numpy dtype, shape with None for any size), so checking a
    batch against it needs no TensorFlow shape objects.
    """
    cached = getattr(model, "_knee_concrete_predict", None)
    if cached is None or cached[0] is not model._tf_predict_step:
        import tensorflow as tf

        concrete = model._tf_predict_step.get_concrete_function()
        specs = [
            (spec.dtype.as_numpy_dtype, tuple(spec.shape.as_list()))
            for spec in tf.nest.flatten(concrete.structured_input_signature[0])
        ]
        cached = (model._tf_predict_step, concrete, specs)
        model._knee_concrete_predict = cached
    return cached[1], cached[2]


def _fits(shape, spec_shape) -> bool:
    if len(shape) != len(spec_shape):
        return False
    return all(want is None or want == got for got, want in zip(shape, spec_shape))


def _flat_inputs(batch_in, specs):
    """The batch as tensors for the concrete graph, or None when it doesn't fit exactly."""
    import numpy as np
    import tensorflow as tf

    flat = tf.nest.flatten(batch_in)
    if len(flat) != len(specs):
        return None
    tensors = []
    for value, (dtype, spec_shape) in zip(flat, specs):
        if not isinstance(value, np.ndarray) or value.dtype != dtype or not _fits(value.shape, spec_shape):
            return None
        tensors.append(tf.constant(value))
    return tensors


def rasa_predict(self, batch_in):
    """Rasa's `RasaModel._rasa_predict`, calling the concrete graph directly."""
    if self._run_eagerly or self._tf_predict_step is None or not self.prepared_for_prediction:
        return _original_rasa_predict(self, batch_in)  # first call traces; eager mode is Rasa's
    concrete, specs = _concrete_predict(self)
    tensors = _flat_inputs(batch_in, specs)
    if tensors is None:
        return _original_rasa_predict(self, batch_in)
    from keras.utils import tf_utils
    from rasa.shared.constants import DIAGNOSTIC_DATA

    self._training = False
    outputs = tf_utils.sync_to_numpy_or_python_type(concrete._call_flat(tensors, concrete.captured_inputs))
    if DIAGNOSTIC_DATA in outputs:
        outputs[DIAGNOSTIC_DATA] = self._empty_lists_to_none_in_dict(outputs[DIAGNOSTIC_DATA])
    return outputs


# --- 4. applied events, once per tracker state -------------------------------------

def applied_events(self):
    """Rasa's `applied_events`, computed once per state of this tracker.

    The key is the events container and its length and last event: events are
    only ever appended (a full deque drops its oldest, which changes the last
    one), and a replaced container has another identity.
    """
    events = self.events
    key = (id(events), len(events), id(events[-1]) if events else None)
    cached = self.__dict__.get("_knee_applied_events")
    if cached is None or cached[0] != key:
        cached = (key, _original_applied_events(self))
        self.__dict__["_knee_applied_events"] = cached
    return list(cached[1])


# --- 5. slot copies ---------------------------------------------------------------

def copy_slot(self):
    """`copy.copy(slot)` without the pickle protocol: a new slot sharing the same attributes."""
    new = self.__class__.__new__(self.__class__)
    new.__dict__.update(self.__dict__)
    return new


# --- 6. graph runs without the dask scheduler --------------------------------------

def _graph_for_targets(runner, targets):
    """Rasa's run graph {node: (GraphNode, *needed node names)} for these targets, once."""
    graphs = runner.__dict__.setdefault("_knee_graphs", {})
    graph = graphs.get(targets)
    if graph is None:
        minimal_schema = runner._graph_schema.minimal_graph_schema(list(targets))
        graph = runner._build_dask_graph(minimal_schema)
        graphs[targets] = graph
    return graph


def run_graph(self, inputs=None, targets=None):
    """`DaskGraphRunner.run`: the same nodes, inputs, results and errors, run in order."""
    from rasa.engine.exceptions import GraphRunError

    run_targets = targets if targets else self._graph_schema.target_names
    graph = dict(_graph_for_targets(self, tuple(run_targets)))
    if inputs:
        self._add_inputs_to_graph(inputs, graph)
    results = {}

    def compute(key):
        if key in results:
            return results[key]
        task = graph[key]
        if type(task) is tuple and task and callable(task[0]):
            value = task[0](*(compute(arg) if isinstance(arg, str) and arg in graph else arg for arg in task[1:]))
        else:  # an input placeholder: dask returns it as it is
            value = task
        results[key] = value
        return value

    try:
        return dict(compute(target) for target in run_targets)
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e


def apply() -> None:
    global _original_resolve_by_type, _original_rasa_predict, _original_applied_events, _original_graph_run
    from rasa.core.actions.action import RemoteAction
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.events import Event
    from rasa.shared.core.slots import Slot
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.tensorflow.models import RasaModel

    RemoteAction._validate_action_result = validate_action_result
    if _original_resolve_by_type is None:
        _original_resolve_by_type = Event.resolve_by_type
        Event.resolve_by_type = staticmethod(resolve_by_type)
    if _original_rasa_predict is None:
        _original_rasa_predict = RasaModel._rasa_predict
        RasaModel._rasa_predict = rasa_predict
    if _original_applied_events is None:
        _original_applied_events = DialogueStateTracker.applied_events
        DialogueStateTracker.applied_events = applied_events
    if "__copy__" not in Slot.__dict__:
        Slot.__copy__ = copy_slot
    if _original_graph_run is None:
        _original_graph_run = DaskGraphRunner.run
        DaskGraphRunner.run = run_graph
