"""Neural-network pieces built only from autograd's public API.

    >>> import nn
    >>> model = nn.MLP(2, [16, 16, 1], seed=0)
    >>> len(model.parameters())
    337
"""

from nn.module import MLP, Layer, ModelFileError, Module, Neuron, load

__all__ = ["MLP", "Layer", "ModelFileError", "Module", "Neuron", "load"]
