// The front-end of autograd.widget (an anywidget module; graph.js comes before it).
// The kernel computes every number (autograd.views.widget.GraphWidget); this only shows
// them: the picture laid out once, its texts changed in place, a step highlighted, the
// leaves' inputs sent back to the kernel, and a node's chain rule when it is clicked.

function widgetControls(el) {
  el.classList.add("backprop-widget");
  el.innerHTML = [
    '<div class="bw-inputs"></div>',
    '<div class="bw-controls">',
    '<button type="button" class="bw-previous" title="previous step (left arrow)">&#9664;</button>',
    '<input type="range" class="bw-slider" min="0" value="0" aria-label="step">',
    '<button type="button" class="bw-next" title="next step (right arrow)">&#9654;</button>',
    '<span class="bw-position"></span>',
    '<button type="button" class="bw-fit" title="show the whole graph">fit</button>',
    '<button type="button" class="bw-zoom-in" title="zoom in">+</button>',
    '<button type="button" class="bw-zoom-out" title="zoom out">&minus;</button>',
    "</div>",
    '<div class="bw-error" hidden></div>',
    '<div class="bw-viewport backprop-graph" tabindex="0"><div class="bw-loading">laying out the graph…</div></div>',
    '<pre class="bw-caption"></pre>',
    '<pre class="bw-explain" hidden></pre>',
  ].join("");
  const get = function (name) { return el.querySelector(".bw-" + name); };
  return {
    inputs: get("inputs"), previous: get("previous"), slider: get("slider"), next: get("next"),
    position: get("position"), fit: get("fit"), zoomIn: get("zoom-in"), zoomOut: get("zoom-out"),
    error: get("error"), viewport: get("viewport"), caption: get("caption"),
    explain: get("explain"),
  };
}

// One number box per labelled leaf: typing a number (Enter or leaving the box) or using the
// arrows sends it to the kernel, which recomputes the graph at the new point. Up to
// WIDGET_SHOWN_INPUTS boxes are shown as they are (a neuron with up to 3 inputs: its inputs,
// weights and bias, one or two lines); more (a network: every weight and bias) would be a
// wall of boxes above the graph, so they wait in a closed <details> that says how many there
// are. Whether it is open survives the boxes being built again (when the kernel sends the
// numbers it kept).
const WIDGET_SHOWN_INPUTS = 8;

function widgetInputs(model, box) {
  const before = box.querySelector("details.bw-inputs-more");
  const wasOpen = !!(before && before.open);
  box.innerHTML = "";
  const fields = {};
  const inputs = model.get("inputs") || [];
  let list = box;
  if (inputs.length > WIDGET_SHOWN_INPUTS) {
    const details = document.createElement("details");
    details.className = "bw-inputs-more";
    details.open = wasOpen;
    const summary = document.createElement("summary");
    summary.textContent = inputs.length +
      " numbers you can change (inputs and parameters): open to set one";
    list = document.createElement("div");
    list.className = "bw-inputs-list";
    details.append(summary, list);
    box.append(details);
  }
  inputs.forEach(function (input) {
    const label = document.createElement("label");
    label.className = "bw-input";
    const name = document.createElement("span");
    name.textContent = input.name;
    const field = document.createElement("input");
    field.type = "number";
    field.step = "any";
    field.value = String(input.value);
    field.dataset.name = input.name;
    function send() {
      const value = Number(field.value);
      if (field.value.trim() === "" || !Number.isFinite(value)) { return; }
      const asked = Object.assign({}, model.get("asked"));
      if (asked[input.name] === value) { return; }
      asked[input.name] = value;
      model.set("asked", asked);
      model.save_changes();
    }
    field.addEventListener("change", send);
    field.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { send(); }
    });
    label.append(name, field);
    list.append(label);
    fields[input.name] = field;
  });
  return fields;
}

async function render({model, el}) {
  const parts = widgetControls(el);
  let fields = widgetInputs(model, parts.inputs);
  let svg = null, textsOf = null, panZoom = null;

  async function drawPicture() {
    const source = model.get("svg");
    if (source) {
      const holder = document.createElement("div");
      holder.innerHTML = source;
      svg = holder.querySelector("svg");
    } else {
      svg = await graphLayOut(model.get("dot"), await graphUnpack(model.get("renderer")));
    }
    parts.viewport.innerHTML = "";
    parts.viewport.append(svg);
    await graphWhenShown(parts.viewport);  // texts are placed by their laid-out size
    textsOf = graphTexts(svg, model.get("anchors"));
    panZoom = graphPanZoom(parts.viewport, svg, {minText: 10});
    el.dataset.laidOut = String(Number(el.dataset.laidOut || 0) + 1);
  }

  function frames() { return model.get("frames"); }

  function show() {
    const all = frames();
    if (!svg || !all.length) { return; }
    const index = Math.max(0, Math.min(all.length - 1, model.get("frame")));
    const frame = all[index];
    graphSetTexts(textsOf, frame.texts);
    graphSetEdgeLabels(svg, model.get("labels"));
    graphMark(svg, {current: frame.current, receiving: frame.receiving, active: frame.active,
                    silent: frame.silent});
    parts.caption.textContent = frame.caption;
    parts.slider.max = String(all.length - 1);
    parts.slider.value = String(index);
    parts.position.textContent = "step " + index + " of " + (all.length - 1);
    el.dataset.frame = String(index);
    // the step's node; before the first step, the output (where the pass starts)
    const focus = frame.current.length ? frame.current : (all[1] ? all[1].current : []);
    if (focus.length) { panZoom.follow(graphElement(svg, focus[0])); }
  }

  function go(index) {
    const last = frames().length - 1;
    model.set("frame", Math.max(0, Math.min(last, index)));
    model.save_changes();
    show();
  }

  function showError() {
    const message = model.get("error");
    parts.error.textContent = message;
    parts.error.hidden = !message;
  }

  function explain(event) {
    if (parts.viewport.dataset.dragged) { delete parts.viewport.dataset.dragged; return; }
    const node = event.target.closest("g.node");
    if (!node) {  // the box of an opened group: close it again
      const cluster = event.target.closest("g.cluster");
      const title = cluster && cluster.querySelector("title");
      const name = title && (model.get("closable") || {})[title.textContent];
      if (name) {
        model.set("toggle", "close:" + name);
        model.save_changes();
      }
      return;
    }
    const id = node.id.replace(/_op$/, "");
    const texts = model.get("explain");
    if (id in texts) {
      parts.explain.textContent = texts[id];
      parts.explain.hidden = false;
      el.dataset.explained = id;
    }
    if ((model.get("groups") || []).indexOf(id) >= 0) {  // a collapsed group: open it
      model.set("toggle", id);
      model.save_changes();
    }
  }

  parts.previous.addEventListener("click", function () { go(model.get("frame") - 1); });
  parts.next.addEventListener("click", function () { go(model.get("frame") + 1); });
  parts.slider.addEventListener("input", function () { go(Number(parts.slider.value)); });
  parts.fit.addEventListener("click", function () { panZoom && panZoom.fit(true); });
  parts.zoomIn.addEventListener("click", function () {
    panZoom && panZoom.zoomBy(1.25, parts.viewport.clientWidth / 2,
                              parts.viewport.clientHeight / 2);
  });
  parts.zoomOut.addEventListener("click", function () {
    panZoom && panZoom.zoomBy(0.8, parts.viewport.clientWidth / 2,
                              parts.viewport.clientHeight / 2);
  });
  parts.viewport.addEventListener("click", explain);
  parts.viewport.addEventListener("keydown", function (event) {
    const moves = {ArrowLeft: -1, ArrowUp: -1, ArrowRight: 1, ArrowDown: 1};
    if (event.key in moves) { go(model.get("frame") + moves[event.key]); }
    else if (event.key === "Home") { go(0); }
    else if (event.key === "End") { go(frames().length - 1); }
    else { return; }
    event.preventDefault();
  });

  model.on("change:frames", show);
  model.on("change:labels", show);
  model.on("change:frame", show);
  model.on("change:error", showError);
  model.on("change:inputs", function () { fields = widgetInputs(model, parts.inputs); });
  model.on("change:svg", async function () { await drawPicture(); show(); });
  model.on("change:dot", async function () { if (!model.get("svg")) { await drawPicture(); show(); } });
  try {
    await drawPicture();
  } catch (error) {
    parts.viewport.textContent = "could not lay out the graph: " + error;
    return;
  }
  show();
  showError();
}

export default { render };
