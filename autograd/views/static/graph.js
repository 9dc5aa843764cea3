// How a laid-out computation graph is shown in a page or a widget: its texts changed in
// place, its highlights, pan and zoom. Shared by the views' front-ends (the widget's module
// is this file followed by widget.js). Plain functions: no globals but these names.

// A number as the drawings print it: Python's format(x, ".4g") for digits = 4 ("0" for
// -0; "–" for a number that is missing).
function graphNumber(x, digits) {
  digits = digits || 4;
  if (x === null || x === undefined) { return "–"; }
  if (x === 0) { return "0"; }
  // JavaScript rounds a tie (1234.5 to 4 digits) away from zero, Python to even: 1234
  const scale = Math.pow(10, digits - 1 - Math.floor(Math.log10(Math.abs(x))));
  const scaled = Math.abs(x) * scale, below = Math.floor(scaled);
  if (scaled - below === 0.5 && below % 2 === 0) { x = Math.sign(x) * below / scale; }
  const parts = x.toExponential(digits - 1).split("e");
  const e = Number(parts[1]);
  if (e < -4 || e >= digits) {
    const mantissa = parts[0].replace(/\.?0+$/, "");
    return mantissa + "e" + (e < 0 ? "-" : "+") + String(Math.abs(e)).padStart(2, "0");
  }
  let text = x.toFixed(Math.max(0, digits - 1 - e));
  if (text.indexOf(".") >= 0) { text = text.replace(/\.?0+$/, ""); }
  return text === "-0" ? "0" : text;
}

// Every lookup is made inside `root` (the view's own element), never in the whole document,
// so two copies of one view on a page each work (their SVGs may hold the same ids).
function graphElement(root, id) {
  return root.querySelector("#" + CSS.escape(id));
}

// The <text> elements of one drawn node, in the order they are drawn, kept where their cell
// wants them when a shorter text replaces the one the layout was made with: "m" centred,
// "e" at the right edge, "s" at the left (where Graphviz puts it already).
function graphTexts(root, anchors) {
  const cache = {};
  function textsOf(id) {
    if (!(id in cache)) {
      const group = graphElement(root, id);
      cache[id] = group ? Array.from(group.querySelectorAll("text")) : [];
      const codes = anchors[id] || "";
      cache[id].forEach(function (text, k) {
        const code = codes[k];
        if (code !== "m" && code !== "e") { return; }
        const box = text.getBBox();
        text.setAttribute("text-anchor", code === "m" ? "middle" : "end");
        text.setAttribute("x", String(code === "m" ? box.x + box.width / 2 : box.x + box.width));
      });
    }
    return cache[id];
  }
  return textsOf;
}

// texts: node id -> its fields' texts (all of them, or only those that change).
function graphSetTexts(textsOf, texts) {
  Object.keys(texts).forEach(function (id) {
    const elements = textsOf(id);
    texts[id].forEach(function (text, k) {
      if (elements[k] && elements[k].textContent !== text) { elements[k].textContent = text; }
    });
  });
}

// The label of each edge (local × upstream = contribution), shown for the current step.
function graphSetEdgeLabels(root, labels) {
  Object.keys(labels).forEach(function (id) {
    const edge = graphElement(root, id);
    const text = edge && edge.querySelector("text");
    if (text) { text.textContent = labels[id]; }
  });
}

const GRAPH_MARKS = ["current", "receiving", "active", "silent"];

// marks: class name -> element ids ("current": the step's node, "receiving": its parents,
// "active": the edges its gradient goes along, "silent": those that carry 0).
function graphMark(root, marks) {
  root.querySelectorAll("." + GRAPH_MARKS.join(", .")).forEach(function (e) {
    GRAPH_MARKS.forEach(function (name) { e.classList.remove(name); });
  });
  GRAPH_MARKS.forEach(function (name) {
    (marks[name] || []).forEach(function (id) {
      const element = graphElement(root, id);
      if (element) { element.classList.add(name); }
    });
  });
}

// Pan and zoom of an <svg> inside a viewport element: the wheel zooms about the pointer,
// dragging pans, follow(element) brings an element into view. fit(true) shows the whole
// graph however small; fit() (the first view) fits the width but keeps the smallest text
// of a node at least `minText` pixels high, so a wide graph opens readable, to be panned.
// The viewport's height follows the graph's (between 160 and `maxHeight` pixels).
function graphPanZoom(viewport, svg, options) {
  const minText = (options && options.minText) || 10;
  const maxHeight = (options && options.maxHeight) || 560;
  const box = svg.viewBox.baseVal;
  const width = box && box.width ? box.width : svg.getBBox().width;
  const height = box && box.height ? box.height : svg.getBBox().height;
  const sizes = Array.from(svg.querySelectorAll(".node text")).map(function (text) {
    return parseFloat(text.getAttribute("font-size")) || 14;
  });
  const readable = minText / Math.min.apply(null, sizes.length ? sizes : [14]);
  svg.style.transformOrigin = "0 0";
  svg.style.position = "absolute";
  svg.style.left = "0";
  svg.style.top = "0";
  svg.setAttribute("width", String(width));  // one unit of the drawing: one pixel
  svg.setAttribute("height", String(height));
  const view = {scale: 1, x: 0, y: 0};
  function apply() {
    svg.style.transform = "translate(" + view.x + "px," + view.y + "px) scale(" + view.scale + ")";
    viewport.dataset.scale = view.scale.toFixed(3);
  }
  function clamp() {  // keep some of the graph in sight
    const w = viewport.clientWidth, h = viewport.clientHeight;
    view.x = Math.min(w * 0.8, Math.max(view.x, -width * view.scale + w * 0.2));
    view.y = Math.min(h * 0.8, Math.max(view.y, -height * view.scale + h * 0.2));
  }
  function fit(whole) {
    const w = viewport.clientWidth || width;
    const scale = Math.min(1.5, w / width, whole ? maxHeight / height : Infinity);
    view.scale = whole ? scale : Math.max(readable, scale);
    const h = Math.min(maxHeight, Math.max(160, height * view.scale + 16));
    viewport.style.height = h + "px";
    view.x = (w - width * view.scale) / 2;  // centred; a wider graph starts at its left
    view.y = Math.max(0, (h - height * view.scale) / 2);
    if (width * view.scale > w) { view.x = 8; }
    apply();
  }
  function zoomBy(factor, cx, cy) {
    const scale = Math.min(4, Math.max(0.05, view.scale * factor));
    view.x = cx - (cx - view.x) * (scale / view.scale);
    view.y = cy - (cy - view.y) * (scale / view.scale);
    view.scale = scale;
    clamp();
    apply();
  }
  function follow(element) {  // centre it, but show no empty space beyond the graph
    if (!element) { return; }
    const r = element.getBoundingClientRect(), v = viewport.getBoundingClientRect();
    const margin = 20;
    if (r.left >= v.left + margin && r.right <= v.right - margin &&
        r.top >= v.top + margin && r.bottom <= v.bottom - margin) { return; }
    view.x += (v.left + v.width / 2) - (r.left + r.width / 2);
    view.y += (v.top + v.height / 2) - (r.top + r.height / 2);
    const w = viewport.clientWidth, h = viewport.clientHeight, pad = 8;
    if (width * view.scale + 2 * pad > w) {
      view.x = Math.min(pad, Math.max(view.x, w - width * view.scale - pad));
    }
    if (height * view.scale + 2 * pad > h) {
      view.y = Math.min(pad, Math.max(view.y, h - height * view.scale - pad));
    }
    apply();
  }
  viewport.addEventListener("wheel", function (event) {
    event.preventDefault();
    const v = viewport.getBoundingClientRect();
    zoomBy(event.deltaY < 0 ? 1.15 : 1 / 1.15, event.clientX - v.left, event.clientY - v.top);
  }, {passive: false});
  let drag = null;
  viewport.addEventListener("pointerdown", function (event) {
    drag = {x: event.clientX, y: event.clientY, viewX: view.x, viewY: view.y, moved: false};
  });
  viewport.addEventListener("pointermove", function (event) {
    if (!drag) { return; }
    const dx = event.clientX - drag.x, dy = event.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) { drag.moved = true; }
    view.x = drag.viewX + dx;
    view.y = drag.viewY + dy;
    clamp();
    apply();
  });
  function endDrag() {
    if (drag && drag.moved) { viewport.dataset.dragged = "1"; }
    drag = null;
  }
  viewport.addEventListener("pointerup", endDrag);
  viewport.addEventListener("pointerleave", endDrag);
  fit(false);
  return {fit: fit, zoomBy: zoomBy, follow: follow, view: view};
}

// Resolves once `element` is in the page and has a size: a notebook may build a view before
// it shows it, and text positions and fitting need a laid-out picture.
function graphWhenShown(element) {
  return new Promise(function (resolve) {
    if (element.isConnected && element.clientWidth > 0) { resolve(); return; }
    const watch = new ResizeObserver(function () {
      if (element.isConnected && element.clientWidth > 0) { watch.disconnect(); resolve(); }
    });
    watch.observe(element);
  });
}

// A DOT source laid out in the page by Graphviz compiled to WebAssembly (viz.js), for where
// no `dot` program could draw it beforehand (browser Python). `source` is viz.js's ES module.
async function graphLayOut(dot, source) {
  const url = URL.createObjectURL(new Blob([source], {type: "text/javascript"}));
  try {
    const viz = await (await import(url)).instance();
    return viz.renderSVGElement(dot);
  } finally {
    URL.revokeObjectURL(url);
  }
}

// What follow() of graphPanZoom can bring into view as one: the box around the elements
// `ids` that are drawn (a step's node and its op node), or null when none is.
function graphSpan(root, ids) {
  const elements = ids.map(function (id) { return graphElement(root, id); })
    .filter(function (element) { return element !== null; });
  if (!elements.length) { return null; }
  return {getBoundingClientRect: function () {
    const boxes = elements.map(function (element) { return element.getBoundingClientRect(); });
    const left = Math.min.apply(null, boxes.map(function (b) { return b.left; }));
    const top = Math.min.apply(null, boxes.map(function (b) { return b.top; }));
    const right = Math.max.apply(null, boxes.map(function (b) { return b.right; }));
    const bottom = Math.max.apply(null, boxes.map(function (b) { return b.bottom; }));
    return {left: left, top: top, right: right, bottom: bottom, width: right - left,
            height: bottom - top};
  }};
}

// Text that Python packed as base64 of its gzip-compressed UTF-8, unpacked (a page carries
// viz.js so: about 0.6 MB, where JSON would spend 3.7 MB on its WebAssembly's bytes).
async function graphUnpack(packed) {
  const bytes = Uint8Array.from(atob(packed), function (c) { return c.charCodeAt(0); });
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return await new Response(stream).text();
}
