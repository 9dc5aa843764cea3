"""How the engine records graphs and runs passes over them.

Recording (`no_grad`, `recording`): an op records its node's parents only while the
switch is on. It belongs to the current thread (a ContextVar), like PyTorch's grad mode.

Passes run one at a time: `one_pass`, the lock every pass holds.

A pass (backward, `grad`, `jvp`, `recompute`) keeps its numbers in the nodes' ``_pass``
slot, so two passes over the same nodes must never run at once: a pass in another
thread waits for the one running, and a pass started inside another one in the same
thread (from a derivative rule, say) is an error.

One more case is guarded: a rule of your own (`define_op`) may do anything, even wait
for another thread that wants a pass, which would never end. The pass holding the lock
counts the rules of yours it runs (`running_your_rule`), so a waiting thread can tell a
pass that is busy from one stuck in such a rule, and says so.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

#: On unless the current thread (or asyncio task) is inside `no_grad`.
graph_recording: ContextVar[bool] = ContextVar("autograd_recording", default=True)


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block operations compute values but record no graph.

    Results are leaves (no parents), exactly like PyTorch's ``torch.no_grad()``.
    Use it for parameter updates and evaluation. Blocks may be nested, and the
    switch belongs to the current thread: other threads keep recording. Passes
    asked for differentiable results (``create_graph=True``, `jvp`) record all the
    same, as PyTorch's do.
    """
    token = graph_recording.set(False)
    try:
        yield
    finally:
        graph_recording.reset(token)


@contextmanager
def recording(on: bool) -> Iterator[None]:
    """Record the graph inside this block if `on`, even inside `no_grad`: a pass that
    makes differentiable gradients (``create_graph``) or tangents records, as PyTorch's."""
    if not on:
        yield
        return
    token = graph_recording.set(True)
    try:
        yield
    finally:
        graph_recording.reset(token)


def is_grad_enabled() -> bool:
    """True unless the current thread is inside `no_grad()`."""
    return graph_recording.get()


_pass_lock = threading.Lock()
_in_a_pass: ContextVar[bool] = ContextVar("autograd_in_a_pass", default=False)
_RULE_WAIT_SECONDS = 1.0  # how long a waiting pass gives a rule of yours before asking
_rules = {"calls": 0, "running": 0}  # written only by the thread holding the pass lock


@contextmanager
def one_pass(record: bool = False) -> Iterator[None]:
    """Hold the pass lock: passes in other threads wait; a nested pass is an error.

    With `record`, the pass records the graph of what it computes even inside `no_grad`
    (a ``create_graph`` pass, forward mode's differentiable tangents), as `recording`.
    """
    if _in_a_pass.get():
        raise RuntimeError("a backward or forward pass cannot start while another one is "
                           "running in this thread (e.g. from inside a derivative rule)")
    while True:  # wait for the pass of another thread, unless it is stuck in a rule of yours
        calls, running = _rules["calls"], _rules["running"]
        if _pass_lock.acquire(timeout=_RULE_WAIT_SECONDS):
            break
        if running and _rules["running"] and _rules["calls"] == calls:
            raise RuntimeError(
                "a pass cannot start in this thread: another thread's pass has been running "
                "one derivative rule of your own for over a second. Does that rule wait for "
                "this thread? Passes run one at a time, so a rule must not wait for a pass "
                "in another thread; compute what it needs before the pass or without one")
    token = _in_a_pass.set(True)
    recording_token = graph_recording.set(True) if record else None
    try:
        yield
    finally:
        if recording_token is not None:
            graph_recording.reset(recording_token)
        _in_a_pass.reset(token)
        _pass_lock.release()


@contextmanager
def running_your_rule() -> Iterator[None]:
    """Around a call of a rule of `define_op`, inside a pass: counted for `one_pass`."""
    if not _in_a_pass.get():
        yield
        return
    _rules["calls"] += 1
    _rules["running"] += 1
    try:
        yield
    finally:
        _rules["running"] -= 1
