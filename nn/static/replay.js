// The training replay's drawing (nn.replay) and its page. The live training widget (nn.live:
// this file, then training.js) draws with the same functions. graph.js comes before this
// file: graphNumber prints the numbers, graphElement and graphTexts find the network's parts.
// Every number shown was computed in Python by the engine; this only draws them (the one
// product it shows, a weight's gradient x_j · dL/da, is written out as that product).

// ---- charts: the loss and the accuracy, drawn from the numbers ---------------------------

const TRAINING_CHART = {width: 330, height: 150, left: 46, right: 10, top: 12, bottom: 30};

// About `count` round numbers (1, 2 or 5 times a power of ten apart) from low to high.
function trainingTicks(low, high, count) {
  count = count || 5;
  const span = high - low;
  if (!(span > 0)) { return [low]; }
  let step = Math.pow(10, Math.floor(Math.log10(span / count)));
  step *= [1, 2, 5, 10].find(function (m) { return span / (step * m) <= count; });
  const ticks = [];
  const last = Math.floor(high / step + 1e-9);
  for (let k = Math.ceil(low / step - 1e-9); k <= last; k++) {
    ticks.push(Number((k * step).toPrecision(12)));
  }
  return ticks;
}

// Ticks of a log axis from 10^low to 10^high: 1, 2 and 5 times powers of ten; only the
// powers of ten when that makes more than 6.
function trainingLogTicks(low, high) {
  let ticks = [];
  for (let k = Math.floor(low); k <= Math.ceil(high); k++) {
    [1, 2, 5].forEach(function (m) {
      const tick = Number((m * Math.pow(10, k)).toPrecision(12));
      const at = Math.log10(tick);
      if (low - 1e-9 <= at && at <= high + 1e-9) { ticks.push(tick); }
    });
  }
  if (ticks.length > 6) {
    const powers = ticks.filter(function (t) { return t.toExponential(0).charAt(0) === "1"; });
    ticks = powers.length ? powers : ticks;
  }
  return ticks;
}

// Draw a chart into an (empty or already drawn) <svg>. spec: series, each {x: [epochs],
// y: [values], kind: "s0" (training), "s1" (held-out, dashed) or "thin" (each step's
// loss)}; last: the x-axis ends at this epoch; low, high: the y range (a log10 scale if
// spec.log); xLabel, yLabel; at: the epoch of the red marker, with a dot on each series
// that has a value there; key: the words for the series' styles (or none).
function trainingChart(svg, spec) {
  const c = TRAINING_CHART;
  const width = c.width - c.left - c.right, height = c.height - c.top - c.bottom;
  let low = spec.log ? Math.log10(spec.low) : spec.low;
  let high = spec.log ? Math.log10(spec.high) : spec.high;
  if (spec.log && high - low < 0.5) {  // at least half a decade: a tick or two to read
    const middle = (low + high) / 2;
    low = middle - 0.25; high = middle + 0.25;
  }
  if (!(high - low >= 1e-12)) { low -= 0.5; high += 0.5; }
  const last = Math.max(1, spec.last);
  function xOf(epoch) { return c.left + width * epoch / last; }
  function yOf(value) {
    const v = spec.log ? Math.log10(value) : value;
    return c.top + height * (high - v) / (high - low);
  }
  function text(x, y, kind, anchor, words, extra) {
    return '<text x="' + x.toFixed(1) + '" y="' + y.toFixed(1) + '" class="' + kind +
      '" text-anchor="' + anchor + '"' + (extra || "") + ">" + words + "</text>";
  }
  const bottom = c.top + height;
  const parts = ['<rect x="' + c.left + '" y="' + c.top + '" width="' + width + '" height="' +
                 height + '" fill="#ffffff" stroke="#cbd5e1"/>'];
  trainingTicks(0, spec.last).forEach(function (tick) {
    const x = xOf(tick);
    parts.push('<line x1="' + x.toFixed(1) + '" x2="' + x.toFixed(1) + '" y1="' + bottom +
               '" y2="' + (bottom + 4) + '" stroke="#64748b"/>',
               text(x, bottom + 14, "tick", "middle", String(tick)));
  });
  const ticks = spec.log ? trainingLogTicks(low, high) : trainingTicks(low, high);
  ticks.forEach(function (tick) {
    const y = yOf(tick);
    parts.push('<line x1="' + (c.left - 4) + '" x2="' + (c.left + width) + '" y1="' +
               y.toFixed(1) + '" y2="' + y.toFixed(1) + '" stroke="#e2e8f0"/>',
               text(c.left - 6, y + 3, "tick", "end", graphNumber(tick, 3)));
  });
  const middle = c.top + height / 2;
  parts.push(text(c.left + width / 2, c.height - 3, "axis", "middle", spec.xLabel),
             text(11, middle, "axis", "middle", spec.yLabel,
                  ' transform="rotate(-90 11 ' + middle + ')"'));
  const dots = [];
  spec.series.forEach(function (series) {
    const points = series.x.map(function (x, k) {
      return xOf(x).toFixed(1) + "," + yOf(series.y[k]).toFixed(1);
    });
    const dash = series.kind === "s1" ? ' stroke-dasharray="4 3"' : "";
    parts.push('<polyline points="' + points.join(" ") + '" fill="none" class="series ' +
               series.kind + '"' + dash + "/>");
    const k = series.x.findIndex(function (x) { return Math.abs(x - spec.at) < 1e-9; });
    if (k >= 0 && series.kind !== "thin") {
      dots.push('<circle class="dot ' + series.kind + '" r="3.5" cx="' + xOf(spec.at).toFixed(1) +
                '" cy="' + yOf(series.y[k]).toFixed(1) + '"/>');
    }
  });
  if (spec.key) { parts.push(text(c.left + width - 4, c.top + 12, "key", "end", spec.key)); }
  if (spec.at !== null && spec.at !== undefined) {
    const x = xOf(spec.at).toFixed(1);
    parts.push('<line class="marker" x1="' + x + '" x2="' + x + '" y1="' + c.top + '" y2="' +
               bottom + '"/>');
  }
  svg.setAttribute("width", String(c.width));
  svg.setAttribute("height", String(c.height));
  svg.setAttribute("viewBox", "0 0 " + c.width + " " + c.height);
  svg.innerHTML = parts.concat(dots).join("");
}

// The x-axis of a curve: what one unit is (an epoch) and how many steps it holds.
function trainingEpochLabel(stepsPerEpoch) {
  return "epoch" + (stepsPerEpoch === 1 ? " (one full-batch step each)" :
                    stepsPerEpoch ? " (" + stepsPerEpoch + " steps each)" : "");
}

function trainingPercent(x) {
  return x === null || x === undefined ? "–" : (100 * x).toFixed(1) + "%";
}

// ---- one moment of training: the network, the chosen neuron, the data ---------------------

// The view of one model and its data inside `root` (the replay's element or the widget's):
// `data` is what every moment shares (nn.replay.View.static), `prefix` what the network's
// SVG ids start with. `on.point(i)` and `on.neuron(k)` are called when the learner picks a
// point (on the plane, among the sample images or in the list) or a neuron. `show(moment)`
// draws one moment: {frame (the numbers, see nn/replay_page.py), point, neuron (indices
// chosen), when ("epoch 25"), widest (the |w| drawn widest)}.
function trainingView(root, data, prefix, on) {
  const fmt = graphNumber;
  const anchors = {};
  Object.keys(data.anchors).forEach(function (id) { anchors[prefix + id] = data.anchors[id]; });
  const textsOf = graphTexts(root, anchors);  // keeps each text where its cell wants it
  function element(id) { return graphElement(root, prefix + id); }
  function setText(id, k, value) {
    const text = textsOf(prefix + id)[k];
    if (text && text.textContent !== value) { text.textContent = value; }
  }
  const rootTitle = textsOf(prefix + data.root)[0];
  if (rootTitle) { rootTitle.textContent = "loss"; }
  const pointList = root.querySelector(".point-list");

  function trackOf(frame, i, k) {  // [data, grad] of tracked value k on point i (or "–")
    const numbers = frame.points[i];
    return numbers ? [numbers[1 + 2 * k], numbers[2 + 2 * k]] : [undefined, undefined];
  }
  function lossOf(frame, i) { return frame.points[i] ? frame.points[i][0] : undefined; }
  function inputValue(frame, i, source) {
    return source[0] === "t" ? trackOf(frame, i, source[1])[0] : data.points[i].x[source[1]];
  }
  function sourceName(source) {
    if (source[0] === "x") { return "x" + source[1]; }
    const unit = data.tracked[source[1]];
    const neuron = data.neurons.find(function (n) { return n.id === unit; });
    if (neuron) { return neuron.name + " h"; }
    const input = data.inputs.find(function (n) { return n.track === source[1]; });
    return input ? input.name : unit;
  }
  // the gradients of a neuron's weights and bias on point i: dL/dw_j = x_j · dL/da
  function weightGradients(frame, i, neuron) {
    const dLda = trackOf(frame, i, neuron.rows[0][1])[1];
    return {
      dLda: dLda,
      weights: neuron.weights.map(function (k, j) {
        const x = inputValue(frame, i, neuron.sources[j]);
        return {w: frame.w[k], x: x,
                grad: x === undefined || dLda === undefined ? undefined : x * dLda};
      }),
      bias: frame.w[neuron.bias],
    };
  }
  // what an edge's width shows: its weight, or the root mean square of the many it carries
  function edgeWeight(edge, w) {
    if (edge.weights.length === 1) { return w[edge.weights[0]]; }
    let total = 0;
    edge.weights.forEach(function (k) { total += w[k] * w[k]; });
    return Math.sqrt(total / edge.weights.length);
  }
  function widestWeight(frames) {
    let widest = 0;
    frames.forEach(function (frame) {
      data.edges.forEach(function (edge) {
        if (edge.weights.length) { widest = Math.max(widest, Math.abs(edgeWeight(edge, frame.w))); }
      });
    });
    return widest;
  }

  // ---- the network ------------------------------------------------------------------------
  function showNetwork(moment) {
    const frame = moment.frame, i = moment.point;
    data.inputs.forEach(function (input) {
      const value = trackOf(frame, i, input.track);
      setText(input.id, 1, "data " + fmt(value[0]));
      setText(input.id, 2, "grad " + fmt(value[1]));
    });
    setText(data.root, 1, "data " + fmt(lossOf(frame, i)));
    setText(data.root, 2, "grad 1");
    if (data.summary) {
      const x = data.points[i].x;
      setText(data.summary, 1, "data " + fmt(Math.min.apply(null, x)) + " .. " +
              fmt(Math.max.apply(null, x)));
      const numbers = frame.points[i];
      setText(data.summary, 2, "largest |grad| " +
              fmt(numbers ? numbers[numbers.length - 1] : undefined));
    }
    data.neurons.forEach(function (neuron) {
      neuron.rows.forEach(function (row, r) {
        const value = trackOf(frame, i, row[1]);
        setText(neuron.id, 4 + 3 * r, fmt(value[0]));
        setText(neuron.id, 5 + 3 * r, fmt(value[1]));
      });
      if (neuron.weights) {
        const g = weightGradients(frame, i, neuron);
        let largest = g.dLda === undefined ? undefined : Math.abs(g.dLda);
        g.weights.forEach(function (w) {
          if (largest !== undefined) { largest = Math.max(largest, Math.abs(w.grad)); }
        });
        const head = textsOf(prefix + neuron.id);
        const summary = head[head.length - 1];
        if (summary) {
          summary.textContent = summary.textContent.split(",")[0] + ", max |grad| " +
                                fmt(largest);
        }
      }
    });
    const widest = moment.widest || 1;
    data.edges.forEach(function (edge) {
      const group = element(edge.id);
      if (!group || !edge.weights.length) { return; }
      const w = edgeWeight(edge, frame.w);
      const colour = edge.weights.length > 1 ? data.colours.mixed :
        w > 0 ? data.colours.positive : w < 0 ? data.colours.negative : data.colours.mixed;
      const width = (0.3 + 3.7 * Math.min(1, Math.abs(w) / widest)).toFixed(2);
      group.querySelectorAll("path").forEach(function (p) {
        p.setAttribute("stroke", colour);
        p.setAttribute("stroke-width", width);
      });
      group.querySelectorAll("polygon").forEach(function (p) {
        p.setAttribute("stroke", colour);
        p.setAttribute("fill", colour);
      });
      group.dataset.weight = String(w);
      const title = group.querySelector("title");
      if (title) {
        title.textContent = edge.weights.length === 1 ?
          data.parameters[edge.weights[0]] + " = " + fmt(w) :
          edge.weights.length + " weights, root mean square " + fmt(w);
      }
    });
    root.querySelectorAll(".node.chosen").forEach(function (e) { e.classList.remove("chosen"); });
    const chosen = element(data.neurons[moment.neuron].id);
    if (chosen) { chosen.classList.add("chosen"); }
  }

  // ---- the chosen neuron's weights --------------------------------------------------------
  function showNeuron(moment) {
    const frame = moment.frame, i = moment.point;
    const neuron = data.neurons[moment.neuron];
    const point = data.points[i];
    root.querySelector(".neuron-title").textContent = neuron.name + " at " + moment.when +
      ", on " + point.split + " point #" + point.index;
    const rows = neuron.rows.map(function (row) {
      const value = trackOf(frame, i, row[1]);
      return row[0] + " = " + fmt(value[0]) + ", dL/d" + row[0] + " = " + fmt(value[1]);
    });
    const holder = root.querySelector(".weights");
    if (!neuron.weights) {
      root.querySelector(".neuron-text").textContent = rows.join("; ");
      holder.innerHTML = "";
      return;
    }
    const g = weightGradients(frame, i, neuron);
    root.querySelector(".neuron-text").textContent = rows.join("; ") +
      ". a = b + Σ w_j·x_j, so ∂a/∂w_j = x_j and dL/dw_j = x_j · dL/da (and dL/db = dL/da).";
    const table = document.createElement("table");
    table.innerHTML = "<thead><tr><th></th><th>w</th><th>its input x_j</th>" +
      "<th>x_j</th><th>dL/dw = x_j · dL/da</th></tr></thead>";
    const body = document.createElement("tbody");
    function row(cells) {
      const tr = document.createElement("tr");
      cells.forEach(function (cell, k) {
        const td = document.createElement("td");
        td.textContent = cell;
        if (k === 4) { td.className = "product"; }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    }
    function last(name) { return name.split(".").pop(); }
    function factor(x) { return x < 0 ? "(" + fmt(x) + ")" : fmt(x); }
    g.weights.forEach(function (w, j) {
      row([last(data.parameters[neuron.weights[j]]), fmt(w.w), sourceName(neuron.sources[j]),
           fmt(w.x), fmt(w.x) + " × " + factor(g.dLda) + " = " + fmt(w.grad)]);
    });
    row([last(data.parameters[neuron.bias]), fmt(g.bias), "", "", "dL/db = dL/da = " +
         fmt(g.dLda)]);
    table.appendChild(body);
    holder.innerHTML = "";
    holder.appendChild(table);
  }

  // ---- the data: boundary and points, or sample images ------------------------------------
  const canvas = root.querySelector("canvas.boundary");
  const grid = document.createElement("canvas");
  function rgb(hex) {
    return [1, 3, 5].map(function (k) { return parseInt(hex.substr(k, 2), 16); });
  }
  function toCanvas(x) {
    const b = data.bounds;
    return [(x[0] - b[0][0]) / (b[0][1] - b[0][0]) * canvas.width,
            (b[1][1] - x[1]) / (b[1][1] - b[1][0]) * canvas.height];
  }
  function classColour(k) {  // null: a label that is no class index
    const classes = data.colours.classes;
    return k === null ? data.colours.no_class : classes[k % classes.length];
  }
  function drawBoundary(moment) {
    const frame = moment.frame;
    const n = data.resolution;
    grid.width = n; grid.height = n;
    const context = grid.getContext("2d");
    const image = context.createImageData(n, n);
    const cells = atob(frame.boundary);
    for (let k = 0; k < n * n; k++) {
      const code = cells.charCodeAt(k);
      const colour = rgb(classColour(code >> 4));
      const sure = (code & 15) / 15;
      const strength = 0.12 + 0.33 * sure;  // blended with white: pale where unsure
      for (let c = 0; c < 3; c++) {
        image.data[4 * k + c] = Math.round(255 - strength * (255 - colour[c]));
      }
      image.data[4 * k + 3] = 255;
    }
    context.putImageData(image, 0, 0);
    const draw = canvas.getContext("2d");
    draw.imageSmoothingEnabled = true;
    const cellW = canvas.width / (n - 1), cellH = canvas.height / (n - 1);
    // cell k's centre is grid point k: the image spans half a cell beyond each edge
    draw.drawImage(grid, -cellW / 2, -cellH / 2, canvas.width + cellW, canvas.height + cellH);
    function drawPoint(point, predicted) {
      const at = toCanvas(point.x);
      draw.beginPath();
      if (point.split === "test") {
        draw.moveTo(at[0], at[1] - 6); draw.lineTo(at[0] + 5.5, at[1] + 4);
        draw.lineTo(at[0] - 5.5, at[1] + 4); draw.closePath();
      } else {
        draw.arc(at[0], at[1], 4.5, 0, 2 * Math.PI);
      }
      draw.fillStyle = classColour(point.y);
      draw.fill();
      draw.lineWidth = predicted === point.y ? 0.8 : 2;
      draw.strokeStyle = predicted === point.y ? "#0f172a" : "#d62728";
      draw.stroke();
    }
    data.others.forEach(function (point, i) { drawPoint(point, frame.others_predicted[i]); });
    data.points.forEach(function (point, i) { drawPoint(point, frame.predicted[i]); });
    const at = toCanvas(data.points[moment.point].x);
    draw.beginPath();
    draw.arc(at[0], at[1], 10, 0, 2 * Math.PI);
    draw.lineWidth = 2.5;
    draw.strokeStyle = "#0f172a";
    draw.stroke();
  }
  if (canvas) {
    canvas.addEventListener("click", function (event) {
      const box = canvas.getBoundingClientRect();
      const x = (event.clientX - box.left) * canvas.width / box.width;
      const y = (event.clientY - box.top) * canvas.height / box.height;
      let best = -1, distance = 15 * 15;
      data.points.forEach(function (point, i) {
        const at = toCanvas(point.x);
        const d = (at[0] - x) * (at[0] - x) + (at[1] - y) * (at[1] - y);
        if (d < distance) { best = i; distance = d; }
      });
      if (best >= 0) { on.point(best); }
    });
  }
  const samples = root.querySelector(".samples");
  if (samples) {
    const side = Math.round(Math.sqrt(data.points[0].x.length));
    const square = side * side === data.points[0].x.length;
    const low = data.pixels[0], high = data.pixels[1] > data.pixels[0] ? data.pixels[1] : low + 1;
    data.points.forEach(function (point, i) {
      const holder = document.createElement("div");
      holder.className = "sample";
      const image = document.createElement("canvas");
      image.width = square ? side : point.x.length;
      image.height = square ? side : 1;
      const context = image.getContext("2d");
      const pixels = context.createImageData(image.width, image.height);
      point.x.forEach(function (v, k) {
        const grey = Math.round(255 * (1 - (v - low) / (high - low)));
        pixels.data.set([grey, grey, grey, 255], 4 * k);
      });
      context.putImageData(pixels, 0, 0);
      const labels = document.createElement("div");
      labels.className = "labels";
      holder.appendChild(image);
      holder.appendChild(labels);
      holder.addEventListener("click", function () { on.point(i); });
      samples.appendChild(holder);
    });
  }
  function showSamples(moment) {
    const frame = moment.frame;
    root.querySelectorAll(".sample").forEach(function (holder, i) {
      const point = data.points[i];
      holder.querySelector(".labels").textContent = point.label + " → " + frame.predicted[i];
      holder.classList.toggle("wrong", frame.predicted[i] !== point.y);
      holder.classList.toggle("chosen", i === moment.point);
    });
    const table = root.querySelector(".per-class");
    if (!frame.class_accuracy) { return; }  // the live view measures it after each epoch
    const rows = ["<tr><th>class</th><th colspan=2>accuracy on the " + data.class_set +
                  " set</th></tr>"];
    frame.class_accuracy.forEach(function (a, k) {
      rows.push("<tr><td>" + k + "</td><td>" + trainingPercent(a) + "</td><td><span " +
                "class=bar style='width:" + (a === null ? 0 : 8 * a) + "em'></span></td></tr>");
    });
    table.innerHTML = rows.join("");
  }

  // ---- the chosen point, in words ------------------------------------------------------------
  function showPoint(moment) {
    const frame = moment.frame, i = moment.point;
    const point = data.points[i];
    const outputs = data.neurons.filter(function (n) { return n.output; });
    const scores = outputs.map(function (n) { return fmt(trackOf(frame, i, n.rows[0][1])[0]); });
    const right = frame.predicted[i] === point.y;
    root.querySelector(".point-text").textContent = "At " + moment.when + " the " +
      "model outputs " + scores.join(", ") + ": it predicts class " + frame.predicted[i] +
      (right ? " (right)" : " (wrong: the label is " + point.label + ")") + ". This point's " +
      "loss L = " + fmt(lossOf(frame, i)) + " (" + data.loss.split(" +")[0] +
      ", without the L2 term). Its backward pass is in the network below.";
    pointList.value = String(i);
    root.dataset.point = String(i);
  }

  function show(moment) {
    if (canvas) { drawBoundary(moment); } else { showSamples(moment); }
    showPoint(moment);
    showNetwork(moment);
    showNeuron(moment);
  }

  data.neurons.forEach(function (neuron, k) {
    const node = element(neuron.id);
    if (node) { node.addEventListener("click", function () { on.neuron(k); }); }
  });
  pointList.addEventListener("change", function () { on.point(Number(pointList.value)); });
  return {show: show, widestWeight: widestWeight, element: element};
}

// ---- the replay page: a slider over the snapshots ------------------------------------------

// The replay in `replay` (its element): reads its data, shows the first snapshot (or the one
// the address asks for, #epoch=N), and moves with the slider, the buttons and the keys.
function replayPage(replay, prefix) {
  // a notebook's copy keeps the parts shown here (controls, charts, the network's SVG) in a
  // script, which an untrusted notebook drops whole (it left the SVG's texts as words), and
  // shows a still picture instead: put them back, and the picture away
  const source = replay.querySelector("script.page-source");
  if (source) {
    source.insertAdjacentHTML("beforebegin", source.textContent);
    source.remove();
  }
  replay.querySelectorAll("[hidden]").forEach(function (e) { e.removeAttribute("hidden"); });
  replay.querySelectorAll(".needs-js, .still").forEach(function (e) { e.remove(); });
  const data = JSON.parse(replay.querySelector("script.replay-static").textContent);
  const frames = JSON.parse(replay.querySelector("script.frames").textContent);
  const slider = replay.querySelector(".slider");
  const position = replay.querySelector(".position");
  const playButton = replay.querySelector(".play");
  const pointList = replay.querySelector(".point-list");
  let current = 0;
  let chosenPoint = data.start_point;
  let chosenNeuron = data.neurons.length - 1;
  let timer = null;
  const view = trainingView(replay, data, prefix, {
    point: function (i) { chosenPoint = i; show(current); },
    neuron: function (k) {
      chosenNeuron = k;
      replay.dataset.neuron = data.neurons[k].name;
      show(current);
    },
  });
  const widest = view.widestWeight(frames);  // the largest |w| of the run: the widest edge

  function showCurves() {
    const frame = frames[current];
    const c = data.curves;
    const first = c.first[0];
    const epochs = c.loss.map(function (_, k) { return first + k; });
    const losses = c.loss.concat(c.test_loss);
    const xLabel = trainingEpochLabel(data.steps_per_epoch);
    const key = c.test_loss.length ? "— train  - - test" : "";
    function series(train, test, scale) {
      const all = [{x: epochs, y: train.map(function (v) { return scale * v; }), kind: "s0"}];
      if (test.length) {
        all.push({x: epochs, y: test.map(function (v) { return scale * v; }), kind: "s1"});
      }
      return all;
    }
    trainingChart(replay.querySelector(".chart.loss"), {
      series: series(c.loss, c.test_loss, 1), last: data.epochs, at: frame.epoch,
      low: Math.min.apply(null, losses), high: Math.max.apply(null, losses),
      log: Math.min.apply(null, losses) > 0, xLabel: xLabel, yLabel: "loss", key: key});
    trainingChart(replay.querySelector(".chart.accuracy"), {
      series: series(c.accuracy, c.test_accuracy, 100), last: data.epochs, at: frame.epoch,
      low: 0, high: 100, log: false, xLabel: xLabel, yLabel: "accuracy (%)", key: key});
    const k = frame.epoch - first;
    const fmt = graphNumber;
    let text = (frame.epoch === 0 ? "Before training" : "After epoch " + frame.epoch) +
      ": loss " + fmt(c.loss[k]) + ", accuracy " + trainingPercent(c.accuracy[k]);
    if (c.test_loss.length) {
      text += "; on the test set: loss " + fmt(c.test_loss[k]) + ", accuracy " +
        trainingPercent(c.test_accuracy[k]);
    }
    replay.querySelector(".numbers").textContent = text + ".";
  }

  function show(index) {
    current = Math.max(0, Math.min(frames.length - 1, index));
    const frame = frames[current];
    slider.value = String(current);
    position.textContent = "epoch " + frame.epoch + " of " + data.epochs;
    replay.dataset.current = String(current);
    replay.dataset.epoch = String(frame.epoch);
    showCurves();
    view.show({frame: frame, point: chosenPoint, neuron: chosenNeuron,
               when: "epoch " + frame.epoch, widest: widest});
  }

  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    playButton.innerHTML = "&#9654; Play";
  }
  function play() {
    if (current === frames.length - 1) { show(0); }
    playButton.innerHTML = "&#10074;&#10074; Pause";
    timer = setInterval(function () {
      if (current >= frames.length - 1) { stop(); } else { show(current + 1); }
    }, 600);
  }
  function toggle() { if (timer === null) { play(); } else { stop(); } }
  playButton.addEventListener("click", toggle);
  replay.querySelector(".previous").addEventListener("click", function () {
    stop(); show(current - 1);
  });
  replay.querySelector(".next").addEventListener("click", function () {
    stop(); show(current + 1);
  });
  slider.addEventListener("input", function () { stop(); show(Number(slider.value)); });
  function onKey(event) {
    if (event.target === slider || event.target === pointList) { return; }
    if (event.target.tagName === "BUTTON" && (event.key === " " || event.key === "Enter")) {
      return;  // the button clicks itself
    }
    const moves = {ArrowLeft: -1, ArrowUp: -1, ArrowRight: 1, ArrowDown: 1};
    if (event.key in moves) { stop(); show(current + moves[event.key]); }
    else if (event.key === "Home") { stop(); show(0); }
    else if (event.key === "End") { stop(); show(frames.length - 1); }
    else if (event.key === " ") { toggle(); }
    else { return; }
    event.preventDefault();
  }
  replay.addEventListener("keydown", onKey);
  if (document.body.children.length === 1) {  // alone in its page: keys work at once
    document.addEventListener("keydown", function (event) {
      if (!replay.contains(event.target)) { onKey(event); }
    });
  }
  function fromHash() {  // #epoch=N: the last snapshot at or before epoch N
    const wanted = /epoch=(\d+)/.exec(window.location.hash);
    let start = 0;
    if (wanted) {
      frames.forEach(function (frame, k) { if (frame.epoch <= Number(wanted[1])) { start = k; } });
    }
    stop();
    show(start);
  }
  window.addEventListener("hashchange", fromHash);
  replay.dataset.neuron = data.neurons[chosenNeuron].name;
  fromHash();
}
