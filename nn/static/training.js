// The front-end of nn.TrainingWidget (nn.live): an anywidget module made of graph.js,
// replay.js and this file. The kernel computes every number and sends the run's layout
// once, then each moment (`frame`), the curves so far and the status; this draws them with
// the replay's functions, and sends the learner's requests back as custom messages:
// {command: "pause" | "resume" | "step"} and {command: "point", index}.

// "step 12 (epoch 2.4)"; "epoch 3" when a step is an epoch; "the start" before training.
function liveWhen(frame, stepsPerEpoch) {
  if (frame.step === 0) { return "the start"; }
  if (stepsPerEpoch === 1) { return "epoch " + frame.step; }
  return "step " + frame.step + " (epoch " + Number(frame.epoch.toFixed(2)) + ")";
}

// The loss chart (the epochs' losses; with mini-batches, each step's batch loss thin
// behind them) and the accuracy chart, up to now, the marker at the moment shown.
function liveCurves(el, data, curves, frame) {
  const xLabel = trainingEpochLabel(data.steps_per_epoch);
  const tested = curves.test_loss.length > 0;
  const steps = data.steps_per_epoch > 1 ?
    [{x: curves.step_epoch, y: curves.step_loss, kind: "thin"}] : [];
  const losses = curves.loss.concat(curves.test_loss, steps.length ? curves.step_loss : []);
  function series(train, test, scale) {
    const all = [{x: curves.epoch, y: train.map(function (v) { return scale * v; }),
                  kind: "s0"}];
    if (tested) {
      all.push({x: curves.epoch, y: test.map(function (v) { return scale * v; }), kind: "s1"});
    }
    return all;
  }
  const key = tested ? "— train  - - test" : "";
  const low = Math.min.apply(null, losses), high = Math.max.apply(null, losses);
  trainingChart(el.querySelector(".chart.loss"), {
    series: steps.concat(series(curves.loss, curves.test_loss, 1)), last: data.epochs,
    at: frame.epoch, low: low, high: high, log: low > 0, xLabel: xLabel, yLabel: "loss",
    key: key});
  trainingChart(el.querySelector(".chart.accuracy"), {
    series: series(curves.accuracy, curves.test_accuracy, 100), last: data.epochs,
    at: frame.epoch, low: 0, high: 100, log: false, xLabel: xLabel, yLabel: "accuracy (%)",
    key: key});
  const k = curves.epoch.length - 1, fmt = graphNumber;
  let text = (k === 0 ? "Before training" : "After epoch " + curves.epoch[k]) + ": loss " +
    fmt(curves.loss[k]) + ", accuracy " + trainingPercent(curves.accuracy[k]);
  if (tested) {
    text += "; on the test set: loss " + fmt(curves.test_loss[k]) + ", accuracy " +
      trainingPercent(curves.test_accuracy[k]);
  }
  if (frame.batch_loss !== undefined) {
    text += ". The batch of step " + frame.step + ": loss " + fmt(frame.batch_loss) +
      " (the thin line: every step's)";
  }
  el.querySelector(".numbers").textContent = text + ".";
}

// The buttons that can act now, and what the run is doing.
function liveStatus(el, model, data, frame) {
  const status = model.get("status"), controls = model.get("controls");
  const running = status === "running", paused = status === "paused";
  el.querySelector(".pause").disabled = !(running && controls);
  el.querySelector(".resume").disabled = !(paused && controls);
  el.querySelector(".step").disabled = !(paused && controls);
  el.querySelector(".no-controls").hidden = controls || !(running || paused);
  const words = {running: "training", paused: "paused: Step runs one more step, Resume " +
                 "goes on", done: "done", stopped: "stopped (interrupted, or an error)",
                 waiting: "waiting for fit to start"};
  el.querySelector(".status").textContent = words[status] || status;
  const steps = data.epochs * data.steps_per_epoch;
  el.querySelector(".position").textContent = frame.step === undefined ? "" :
    "epoch " + Number(frame.epoch.toFixed(2)) + " of " + data.epochs + " · step " +
    frame.step + " of " + steps;
  el.dataset.status = status;
}

// The network as wide as the view (fit) or larger, to read its numbers: scroll to pan.
function liveZoom(el) {
  const picture = el.querySelector(".picture"), svg = picture.querySelector("svg");
  let zoom = 1;
  function apply() {
    svg.style.width = (100 * zoom) + "%";
    picture.dataset.zoom = String(zoom);
  }
  el.querySelector(".zoom-in").addEventListener("click", function () {
    zoom = Math.min(4, zoom * 1.5); apply();
  });
  el.querySelector(".zoom-out").addEventListener("click", function () {
    zoom = Math.max(1, zoom / 1.5); apply();
  });
  el.querySelector(".zoom-fit").addEventListener("click", function () { zoom = 1; apply(); });
}

// Wait until the element is in the page: the network's texts are placed by their sizes.
async function liveAttached(el) {
  while (!el.isConnected) { await new Promise(function (go) { setTimeout(go, 50); }); }
}

async function render({model, el}) {
  el.classList.add("training-live");
  await liveAttached(el);
  let data = null, view = null, chosenNeuron = 0, widest = 0, asked = null;

  function send(request) { model.send(request); }
  function askPoint(i) {  // the kernel computes the point's numbers at the weights of now
    asked = i;
    el.querySelector(".point-list").value = String(i);
    el.querySelector(".point-text").textContent = "Asking the kernel for this point's " +
      "forward and backward pass" + (model.get("status") === "running" ?
                                     " (after the step it is running)…" : "…");
    send({command: "point", index: i});
  }

  function build() {
    data = model.get("static");
    view = null;
    if (!model.get("layout")) {
      el.textContent = "The live view of fit(..., live=...): waiting for training to start.";
      return;
    }
    el.innerHTML = model.get("layout");
    widest = 0;
    chosenNeuron = data.neurons.length - 1;
    view = trainingView(el, data, "", {
      point: askPoint,
      neuron: function (k) { chosenNeuron = k; el.dataset.neuron = data.neurons[k].name; show(); },
    });
    el.dataset.neuron = data.neurons[chosenNeuron].name;
    liveZoom(el);
    ["pause", "resume", "step"].forEach(function (name) {
      const button = el.querySelector("." + name);
      button.addEventListener("click", function () {
        button.disabled = true;  // until the kernel says what the run does now
        send({command: name});
      });
    });
  }

  function show() {
    const frame = model.get("frame");
    if (!view || frame.w === undefined) { return; }
    widest = Math.max(widest, view.widestWeight([frame]));
    if (asked === frame.point) { asked = null; }
    view.show({frame: frame, point: frame.point, neuron: chosenNeuron,
               when: liveWhen(frame, data.steps_per_epoch), widest: widest});
    if (asked !== null) { el.querySelector(".point-list").value = String(asked); }
    liveCurves(el, data, model.get("curves"), frame);
    liveStatus(el, model, data, frame);
    el.dataset.step = String(frame.step);
  }

  function rebuild() { build(); show(); }
  model.on("change:layout", rebuild);
  model.on("change:frame", show);
  model.on("change:status", function () {
    if (view) { liveStatus(el, model, data, model.get("frame")); }
  });
  model.on("change:controls", function () {
    if (view) { liveStatus(el, model, data, model.get("frame")); }
  });
  rebuild();
}

export default { render };
