"""Checking gradients: the engine's against finite differences, and yours against the engine's.

- `autograd.checks.checking`: `numerical_grad`, `gradcheck`, `gradgradcheck`;
- `autograd.checks.local_check`: `check_graph`, every node's rule against finite
  differences of its op, and the culprit of a failing check;
- `autograd.checks.hand_backward`: `check_hand_backward`, `check_hand_gradient`
  (a hand-written backward pass or gradient formula, checked stage by stage);
- `autograd.checks.check_report`: the reports every check returns;
- `autograd.checks.strategies`: hypothesis strategies (needs hypothesis; public as
  `autograd.strategies`);
- `autograd.checks.torch_check`: `check_against_torch` (needs the torch extra).
"""
