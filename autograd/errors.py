"""The engine's own error types, in a module of their own.

(Each subclasses a built-in exception, which a module compiled with mypyc cannot do:
`autograd.core` stays compilable, see docs/development.md.)
"""


class StaleGraphError(RuntimeError):
    """A pass found a node that no longer equals its op applied to its parents.

    Some ``.data`` changed after the graph was built. A pass refuses to mix two
    points (local derivatives at the new data, node values from the old).
    """


class NanError(ValueError):
    """An op's result is not a number (nan), which a Value never holds.

    A ValueError like any refused number; apart so that training can tell it from a
    wrong argument: with finite inputs, nan comes from inf - inf or 0 · inf, that is
    from numbers that grew out of range (``nn.fit`` reports divergence).
    """
