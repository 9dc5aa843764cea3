"""The engine's own error type, in a module of its own.

(It subclasses a built-in exception, which a module compiled with mypyc cannot do:
`autograd.core` stays compilable, see docs/development.md.)
"""


class StaleGraphError(RuntimeError):
    """A pass found a node that no longer equals its op applied to its parents.

    Some ``.data`` changed after the graph was built. A pass refuses to mix two
    points (local derivatives at the new data, node values from the old).
    """
