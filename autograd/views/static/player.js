// The front-end of autograd.player_html. The page inlines graph.js and then this file in one
// <script> inside the player's element, wrapped in a function (so nothing is global and two
// players on one page do not clash), and ends with playerStart(playerRoot(id)).
//
// The page holds everything: the picture (an SVG laid out by `dot`; or, where there was no
// `dot`, its DOT source and viz.js to lay it out here) and each frame as data: the texts that
// change, the highlights, the caption. Nothing is redrawn between frames: texts and classes
// of the one SVG change in place.

// The player this script belongs to: the element around the running <script>, so that two
// copies of the very same page on one page each find their own; where the browser does not
// say which script runs (a notebook that runs scripts through eval), the element `id`.
function playerRoot(id) {
  const script = document.currentScript;
  const around = script && script.closest(".backprop-player");
  return around || document.getElementById(id);
}

// The JSON of the player's <script type="application/json" class="name">, or null.
function playerData(root, name) {
  const element = root.querySelector("script." + name);
  return element ? JSON.parse(element.textContent) : null;
}

// The controls of the player's markup, by name.
function playerParts(root) {
  const get = function (name) { return root.querySelector("." + name); };
  return {
    previous: get("previous"), slider: get("slider"), next: get("next"),
    position: get("position"), fit: get("fit"), zoomIn: get("zoom-in"),
    zoomOut: get("zoom-out"), caption: get("caption"), picture: get("picture"),
  };
}

// The picture's <svg> laid out here, from its DOT source, with viz.js (no `dot` made it;
// the page carries viz.js packed: graphUnpack).
async function playerLayOut(root, picture) {
  const renderer = await graphUnpack(root.querySelector("script.renderer").textContent.trim());
  const svg = await graphLayOut(playerData(root, "dot"), renderer);
  picture.innerHTML = "";
  picture.append(svg);
  return svg;
}

// Every node's texts at frame `index` (node id -> its fields' texts): frame 0 sets them
// all, each later frame changes some ([node id, field, text]).
function playerTexts(frames, index) {
  const texts = {};
  for (let k = 0; k <= index; k++) {
    frames[k].t.forEach(function (change) {
      (texts[change[0]] = texts[change[0]] || [])[change[1]] = change[2];
    });
  }
  return texts;
}

// The edges between groups whose gradient has started to flow by frame `index`: the others
// are drawn faint ("waiting"). `flowing`: all edges that get a gradient at some frame.
function playerWaiting(svg, frames, index, flowing) {
  const started = new Set();
  for (let k = 0; k <= index; k++) {
    frames[k].on.forEach(function (id) { started.add(id); });
  }
  flowing.forEach(function (id) {
    const edge = graphElement(svg, id);
    if (edge) { edge.classList.toggle("waiting", !started.has(id)); }
  });
}

// Show the player: lay the picture out if needed, then the frame of the URL's #frame=K (or
// the first); Previous/Next, the slider, the arrow keys and Home/End move between frames,
// dragging pans, the wheel and +/− zoom, "fit" shows the whole graph.
async function playerStart(root) {
  const parts = playerParts(root);
  root.querySelectorAll("[hidden]").forEach(function (e) { e.removeAttribute("hidden"); });
  root.querySelectorAll(".needs-js, .still").forEach(function (e) { e.remove(); });
  const source = root.querySelector("script.picture-source");  // a notebook's copy
  if (source && !parts.picture.querySelector("svg")) {
    parts.picture.innerHTML = source.textContent;
  }
  const frames = playerData(root, "frames");
  // the SVG of the page (then the frame shows before the page has loaded), or one laid out
  let svg = parts.picture.querySelector("svg");
  try {
    svg = svg || await playerLayOut(root, parts.picture);
  } catch (error) {
    parts.picture.textContent = "could not lay out the graph: " + error;
    return;
  }
  const textsOf = graphTexts(svg, playerData(root, "anchors"));
  const panZoom = graphPanZoom(parts.picture, svg, {minText: 10});
  const flowing = new Set();
  frames.forEach(function (frame) { frame.on.forEach(function (id) { flowing.add(id); }); });
  let current = 0;

  function show(index) {
    current = Math.max(0, Math.min(frames.length - 1, index));
    const frame = frames[current];
    graphSetTexts(textsOf, playerTexts(frames, current));
    playerWaiting(svg, frames, current, flowing);
    graphMark(svg, {current: frame.cur, receiving: frame.rec, active: frame.act,
                    silent: frame.zero});
    parts.caption.textContent = frame.c;
    parts.slider.value = String(current);
    parts.position.textContent = "frame " + current + " of " + (frames.length - 1);
    root.dataset.current = String(current);
    // the step's node (and its op); before the first step, the output (the pass starts there)
    const focus = frame.cur.length ? frame.cur : (frames[1] ? frames[1].cur : []);
    panZoom.follow(graphSpan(svg, focus));
  }

  function zoomBy(factor) {
    panZoom.zoomBy(factor, parts.picture.clientWidth / 2, parts.picture.clientHeight / 2);
  }
  parts.previous.addEventListener("click", function () { show(current - 1); });
  parts.next.addEventListener("click", function () { show(current + 1); });
  parts.slider.addEventListener("input", function () { show(Number(parts.slider.value)); });
  parts.fit.addEventListener("click", function () { panZoom.fit(true); });
  parts.zoomIn.addEventListener("click", function () { zoomBy(1.25); });
  parts.zoomOut.addEventListener("click", function () { zoomBy(0.8); });
  function onKey(event) {
    if (event.target === parts.slider) { return; }  // the slider moves itself
    const moves = {ArrowLeft: -1, ArrowUp: -1, ArrowRight: 1, ArrowDown: 1};
    if (event.key in moves) { show(current + moves[event.key]); }
    else if (event.key === "Home") { show(0); }
    else if (event.key === "End") { show(frames.length - 1); }
    else { return; }
    event.preventDefault();
  }
  root.addEventListener("keydown", onKey);
  // Alone in its own page, the arrow keys work without clicking the player first.
  if (document.body.children.length === 1 && document.body.firstElementChild === root) {
    document.addEventListener("keydown", function (event) {
      if (!root.contains(event.target)) { onKey(event); }
    });
  }
  const wanted = /frame=(\d+)/.exec(window.location.hash);
  show(wanted ? Number(wanted[1]) : 0);
}
