// The network laid out in the page, for where no `dot` program could lay it out beforehand
// (browser Python: Pyodide). Such a replay page (nn/replay_page.py) or live widget layout
// (nn/live.py) carries the network's DOT source (script.dot) and viz.js, Graphviz compiled
// to WebAssembly, packed (script.renderer); graph.js's graphUnpack and graphLayOut turn
// them into the <svg> that `dot` would have made. Only those pages and widgets inline this
// file (after graph.js and replay.js): with `dot`, the SVG is in the page already.

// Lay out the network of `root` (the element holding its .picture, script.dot and
// script.renderer), give every id of the SVG `prefix` (as Python does to an SVG of `dot`),
// and put it into the .picture in place of what was there; returns the <svg>.
async function trainingLayOut(root, prefix) {
  const renderer = await graphUnpack(root.querySelector("script.renderer").textContent.trim());
  const svg = await graphLayOut(JSON.parse(root.querySelector("script.dot").textContent),
                                renderer);
  [svg].concat(Array.from(svg.querySelectorAll("[id]"))).forEach(function (element) {
    if (element.hasAttribute("id")) {
      element.setAttribute("id", prefix + element.getAttribute("id"));
    }
  });
  const picture = root.querySelector(".network-view .picture");
  picture.innerHTML = "";
  picture.append(svg);
  return svg;
}

// The replay page `replay` whose network is still to be laid out: lay it out, then start
// the page (replayPage) exactly as with an SVG that `dot` made.
function replayLaidOut(replay, prefix) {
  // a notebook's copy keeps the picture in script.page-source (see replayPage): back first
  const source = replay.querySelector("script.page-source");
  if (source) {
    source.insertAdjacentHTML("beforebegin", source.textContent);
    source.remove();
  }
  const waiting = replay.querySelector(".needs-js");
  if (waiting) { waiting.textContent = "Laying out the network…"; }
  trainingLayOut(replay, prefix).then(function () {
    replayPage(replay, prefix);
  }, function (error) {
    if (waiting) { waiting.textContent = "could not lay out the network: " + error; }
  });
}

// The live widget (training.js's render) with its network laid out here: `render` is given
// a model whose "layout" is the kernel's layout with the SVG in place of the DOT source,
// laid out once per layout, before training.js builds the view from it.
async function liveLaidOut({model, el}) {
  let from = null, laidOut = "";
  async function layOut() {
    const layout = model.get("layout");
    if (layout === from) { return; }
    const holder = document.createElement("div");
    holder.innerHTML = layout;
    if (holder.querySelector("script.dot")) {
      try {
        await trainingLayOut(holder, "");
      } catch (error) {
        holder.querySelector(".network-view .picture").textContent =
          "could not lay out the network: " + error;
      }
      holder.querySelectorAll("script.dot, script.renderer").forEach(function (script) {
        script.remove();
      });
    }
    from = layout;
    laidOut = holder.innerHTML;
  }
  const shown = {
    get: function (name) { return name === "layout" ? laidOut : model.get(name); },
    send: function (message) { model.send(message); },
    on: function (event, callback) {
      model.on(event, event === "change:layout" ?
        function () { layOut().then(callback); } : callback);
    },
  };
  await layOut();
  return render({model: shown, el: el});
}
