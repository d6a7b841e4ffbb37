// The page talks to the same API as any client: POST /predict and POST /predict/file.
"use strict";

const $ = (id) => document.getElementById(id);

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

async function errorOf(response) {
  try { return (await response.json()).error || response.statusText; }
  catch (_) { return `${response.status} ${response.statusText}`; }
}

function bars(classes, probabilities) {
  const best = probabilities.indexOf(Math.max(...probabilities));
  return classes.map((name, i) => {
    const row = document.createElement("div");
    row.className = "bar" + (i === best ? " top" : "");
    const label = document.createElement("span");
    label.textContent = name;
    const track = document.createElement("span");
    track.className = "track";
    const fill = document.createElement("span");
    fill.className = "fill";
    fill.style.display = "block";
    fill.style.width = (100 * probabilities[i]).toFixed(1) + "%";
    track.appendChild(fill);
    const value = document.createElement("span");
    value.className = "value";
    value.textContent = (100 * probabilities[i]).toFixed(1) + " %";
    row.append(label, track, value);
    return row;
  });
}

async function labelTexts(event) {
  event.preventDefault();
  const texts = $("texts").value.split("\n").filter((t) => t.trim());
  $("results").replaceChildren();
  if (!texts.length) { showError("Type at least one text."); return; }
  showError("");
  $("label").disabled = true;
  try {
    const response = await fetch("/predict", {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ texts }),
    });
    if (!response.ok) { showError(await errorOf(response)); return; }
    const answer = await response.json();
    answer.labels.forEach((label, i) => {
      const item = document.createElement("li");
      const text = document.createElement("p");
      text.className = "text";
      text.textContent = texts[i];
      const verdict = document.createElement("p");
      verdict.innerHTML = 'label: <span class="label"></span>';
      verdict.querySelector(".label").textContent = label;
      item.append(text, verdict, ...bars(answer.classes, answer.probabilities[i]));
      $("results").appendChild(item);
    });
  } catch (error) {
    showError("The server did not answer: " + error.message);
  } finally {
    $("label").disabled = false;
  }
}

async function labelFile(event) {
  event.preventDefault();
  const file = $("file").files[0];
  if (!file) { $("file-status").textContent = "Choose a file first."; return; }
  const format = file.name.toLowerCase().endsWith(".csv") ? "csv" : "txt";
  $("file-status").textContent = `Labelling ${file.name}…`;
  const encoding = encodeURIComponent($("encoding").value);
  const response = await fetch(`/predict/file?format=${format}&encoding=${encoding}`,
                               { method: "POST", body: file });
  if (!response.ok) { $("file-status").textContent = await errorOf(response); return; }
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = file.name.replace(/\.(txt|csv)$/i, "") + ".labelled.csv";
  link.textContent = "download " + link.download;
  $("file-status").replaceChildren("Done: ", link);
  link.click();
}

async function showModel() {
  try {
    const facts = await (await fetch("/model")).json();
    const score = facts.scores ? `, held-out accuracy ${facts.scores.accuracy.toFixed(3)}` : "";
    const encoder = facts.encoder && facts.encoder.model ? ` on ${facts.encoder.model}` : "";
    $("model").textContent = `${facts.strategy}${encoder}; classes: ${facts.classes.join(", ")}${score}`;
  } catch (_) {
    $("model").textContent = "model facts unavailable";
  }
}

$("texts-form").addEventListener("submit", labelTexts);
$("texts").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) labelTexts(event);
});
$("file-form").addEventListener("submit", labelFile);
showModel();
