"""Checking gradients: the engine's against finite differences, and yours against the engine's.

- `autograd.checks.checking`: `numerical_grad`, `gradcheck`, `gradgradcheck`;
- `autograd.checks.local_check`: `check_graph`, every node's rule against finite
  differences of its op, and the culprit of a failing check;
- `autograd.checks.hand_backward`: `check_hand_backward`, `check_hand_gradient`
  (a hand-written backward pass or gradient formula, checked stage by stage);
- `autograd.checks.numpy_check`: `check_numpy_gradient`, a numpy homework function's
  own gradient checked entry by entry (the engine runs the function on arrays of
  Values: `numpy_engine`; its report and pattern sentence: `numpy_report`,
  `numpy_patterns`; needs numpy, imported on first use);
- `autograd.checks.grading`: scores, partial credit per input, Gradescope's results;
- `autograd.checks.shapes`: the inputs of the hand checks (lists, numpy arrays, dicts);
- `autograd.checks.check_report`: the reports every check returns;
- `autograd.checks.strategies`: hypothesis strategies (needs hypothesis; public as
  `autograd.strategies`);
- `autograd.checks.torch_check`: `check_against_torch` (needs the torch extra).
"""
