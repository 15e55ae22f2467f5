"""Faster replacements for hot spots in Rasa 3.6.21's server, giving Rasa's own results.

Nothing is replaced on import. `apply()` puts the replacements in place, and
only when the installed Rasa is exactly the version they were written against
(they reach into Rasa's internals) and the RASA_SPEEDUPS switch (settings.py)
is on; otherwise Rasa's own code stays. bot/serve.py calls it when a Rasa
server starts. Rasa's originals are kept (`original(name)`) so that tests
compare each replacement with the function it replaces. (Longer than our
usual module: the six replacements and the switch that puts them in place and
back are kept in one file so that they change together.)

Each was found by profiling the Rasa server under load (py-spy,
benchmarks/conversation_load.py), and each keeps Rasa's behaviour:

1. `action_response_validation`: the action-server response *schema* is
   checked against the JSON Schema meta-schema once, not on every call;
   responses are validated as before (same errors, same message).
2. `event_class_lookup`: an event's class is found once per type name instead
   of walking every Event subclass for each event read from the store.
3. `tensorflow_predict` (TED and DIET inference): Rasa's `tf.function` has a
   fixed input signature, so its one concrete graph is called directly;
   inputs that do not match it exactly take Rasa's own path.
4. `applied_events`: remembered per tracker until an event is added, instead
   of rebuilt by every policy for every prediction; callers get a copy.
5. `slot_copy`: slots are copied directly (same attributes, shared the same
   way) instead of through `copy.copy`'s generic pickle protocol.
6. `graph_run`: the NLU and policy graphs run depth-first in process, with the
   needed nodes worked out once per set of targets, instead of being planned
   by dask's synchronous scheduler on every message; dask's rules for inputs
   (an input node is passed on as the `(name, value)` pair) and errors
   (RuntimeError becomes Rasa's GraphRunError) are kept.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Tuple

logger = logging.getLogger(__name__)

# The only Rasa these replacements were checked against (tests/test_rasa_speedups.py).
WRITTEN_FOR_RASA = "3.6.21"


# --- 1. action response validation -------------------------------------------

_response_validator: Optional[Any] = None


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
        found = original("event_class_lookup")(type_name, default)  # Rasa's lookup, fallbacks and errors
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
        return original("tensorflow_predict")(self, batch_in)  # first call traces; eager mode is Rasa's
    concrete, specs = _concrete_predict(self)
    tensors = _flat_inputs(batch_in, specs)
    if tensors is None:
        return original("tensorflow_predict")(self, batch_in)
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
        cached = (key, original("applied_events")(self))
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


# --- putting them in place, and back ------------------------------------------------

_MISSING = object()  # the class had no such attribute of its own (Slot has no __copy__)

# name -> the class attribute as Rasa defined it (raw, e.g. the staticmethod), kept from
# before the first replacement; empty until then.
_originals: Dict[str, Any] = {}


@functools.lru_cache(maxsize=None)
def _targets() -> Dict[str, Tuple[type, str, Any]]:
    """name -> (Rasa's class, attribute, what replaces it); imports Rasa's modules."""
    from rasa.core.actions.action import RemoteAction
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.events import Event
    from rasa.shared.core.slots import Slot
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.tensorflow.models import RasaModel

    return {
        "action_response_validation": (RemoteAction, "_validate_action_result", validate_action_result),
        "event_class_lookup": (Event, "resolve_by_type", staticmethod(resolve_by_type)),
        "tensorflow_predict": (RasaModel, "_rasa_predict", rasa_predict),
        "applied_events": (DialogueStateTracker, "applied_events", applied_events),
        "slot_copy": (Slot, "__copy__", copy_slot),
        "graph_run": (DaskGraphRunner, "run", run_graph),
    }


def _keep_originals() -> None:
    for name, (owner, attribute, _) in _targets().items():
        _originals.setdefault(name, owner.__dict__.get(attribute, _MISSING))


def original(name: str) -> Optional[Callable]:
    """Rasa's own function that `name` replaces, as a plain function (None: Rasa has none)."""
    if name not in _originals:
        _keep_originals()
    raw = _originals[name]
    if raw is _MISSING:
        return None
    return raw.__func__ if isinstance(raw, staticmethod) else raw


def replaced() -> Tuple[str, ...]:
    """Names of the replacements in place right now."""
    return tuple(name for name, (owner, attribute, ours) in _targets().items() if owner.__dict__.get(attribute) is ours)


def restore() -> None:
    """Put Rasa's own functions back wherever a replacement is in place."""
    if not _originals:
        return  # never replaced anything (and Rasa's modules need not be imported)
    for name, (owner, attribute, ours) in _targets().items():
        if owner.__dict__.get(attribute) is not ours:
            continue
        if _originals[name] is _MISSING:
            delattr(owner, attribute)
        else:
            setattr(owner, attribute, _originals[name])


@dataclass(frozen=True)
class AppliedReport:
    """What `apply()` did: which replacements are in place, and why."""

    enabled: bool  # the switch (RASA_SPEEDUPS, or apply's argument)
    rasa_version: str
    applied: Tuple[str, ...]  # names of the replacements in place; empty: Rasa's own code

    @property
    def active(self) -> bool:
        return bool(self.applied)

    def describe(self) -> str:
        if self.active:
            return f"Rasa speed-ups on (Rasa {self.rasa_version}): {', '.join(self.applied)}"
        if not self.enabled:
            return "Rasa speed-ups off (RASA_SPEEDUPS): Rasa's own code"
        return (
            f"Rasa speed-ups off: written for Rasa {WRITTEN_FOR_RASA}, this is Rasa {self.rasa_version}; "
            "Rasa's own code"
        )


def apply(enabled: Optional[bool] = None) -> AppliedReport:
    """Put the replacements in place, or Rasa's originals back; idempotent.

    enabled: None reads settings.RASA_SPEEDUPS. Replaced only when enabled and
    the installed Rasa is WRITTEN_FOR_RASA; otherwise Rasa's own code is left
    (or put back) in place.
    """
    import rasa.version

    if enabled is None:
        import settings

        enabled = settings.RASA_SPEEDUPS
    version = rasa.version.__version__
    if not enabled or version != WRITTEN_FOR_RASA:
        if enabled:
            logger.warning(
                "Rasa speed-ups NOT applied: bot/rasa_speedups.py was written for Rasa %s and this is "
                "Rasa %s; running Rasa's own code. Check each replacement against this version "
                "(tests/test_rasa_speedups.py) before changing WRITTEN_FOR_RASA.",
                WRITTEN_FOR_RASA,
                version,
            )
        restore()
        return AppliedReport(bool(enabled), version, ())
    _keep_originals()
    for owner, attribute, ours in _targets().values():
        setattr(owner, attribute, ours)
    return AppliedReport(True, version, replaced())
