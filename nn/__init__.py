"""Neural-network pieces built only from autograd's public API."""
