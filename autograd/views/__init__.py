"""What a learner looks at: a recorded backward pass and the ways to show it.

- `autograd.views.trace`: one backward pass recorded as data (`record`), read by all
  the views below, so they show one set of numbers;
- `autograd.views.stepper`: `backward_steps` and its text tables;
- `autograd.views.network`: the groups of a network (layers, neurons) for collapsed views;
- `autograd.views.drawing`: `draw_graph` and rendering with Graphviz;
- `autograd.views.player`: the self-contained HTML player of a backward pass;
- `autograd.views.static/`: the front-end files the pages use.

The trace and the stepper need only the standard library; drawing and the player
need the graphviz package, so `autograd` imports them on first use.
"""
