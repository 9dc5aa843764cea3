"""Neural-network pieces built only from autograd's public API.

    >>> import nn
    >>> model = nn.MLP(2, [16, 16, 1], seed=0)
    >>> len(model.parameters())
    337

Modules: `nn.module` (Module, Neuron, Layer, MLP, save/load), `nn.losses`,
`nn.optim` (SGD, Adam, LinearDecay), `nn.data` (toy data sets, digits),
`nn.train` (fit, accuracy, plots), `nn.replay` (save_training_player,
training_player_html: a page that replays a run), `nn.live` (TrainingWidget: the run
as it goes, ``fit(..., live=True)`` in a notebook), `nn.functional` (conv2d),
`nn.torch_bridge` (to_torch, from_torch: the same MLP in PyTorch; torch is
imported only when they run).
"""

from typing import Any

from nn import data, functional, losses, optim, train
from nn.data import load_digits, make_blobs, make_moons, make_spirals, make_xor, train_test_split
from nn.module import MLP, Layer, ModelFileError, Module, Neuron, load
from nn.optim import SGD, Adam, LinearDecay
from nn.torch_bridge import from_torch, to_torch
from nn.train import History, accuracy, fit, plot_decision_boundary, plot_history, predict

__all__ = [
    "MLP", "SGD", "Adam", "History", "Layer", "LinearDecay", "ModelFileError", "Module",
    "Neuron", "accuracy", "data", "fit", "functional", "load", "load_digits", "losses",
    "make_blobs", "make_moons", "make_spirals", "make_xor", "optim", "plot_decision_boundary",
    "plot_history", "predict", "train_test_split", "from_torch", "to_torch",
    "save_training_player", "training_player_html", "TrainingWidget",
]

# The replay draws the network with graphviz, the live view is a widget: imported on first
# use (PEP 562), so that `import nn` needs neither graphviz, matplotlib nor anywidget.
_LAZY = {"save_training_player": "nn.replay", "training_player_html": "nn.replay",
         "TrainingWidget": "nn.live"}


def _make_live_view(live: Any) -> Any:
    """The view of ``fit(..., live=...)``, made by nn.live (imported here, on first use:
    nn.live imports nn.train, so nn.train cannot import it)."""
    from nn.live import live_view

    return live_view(live)


train.make_live_view = _make_live_view


def __getattr__(name: str) -> Any:
    import importlib

    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nn' has no attribute {name!r}")
