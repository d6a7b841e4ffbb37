// The page talks to the same API as any client: POST /predict and POST /predict/file.
"use strict";

const $ = (id) => document.getElementById(id);

// The page in Chinese where the browser asks for it (or ?lang=zh); English otherwise.
// The server's own error messages stay English.
const ZH = {
  "title": "brainlab 文本分类", "loading": "正在读取模型信息…", "type": "输入或粘贴文本",
  "per-line": "每行一条。按 Ctrl+Enter 分类。", "label": "分类", "file-title": "给文件分类",
  "file-hint": "TXT 文件（每行一条）或带 text 列的 CSV 文件。返回同样编码的 CSV，加上标签和每个类别的概率列。",
  "encoding": "编码", "gbk": "GB18030 / GBK（Excel，中文 Windows）", "label-file": "给文件分类",
  "facts": "模型信息（JSON）", "health": "运行状态",
  "empty": "请至少输入一条文本。", "no-answer": "服务器没有响应：", "choose": "请先选择文件。",
  "labelling": "正在分类 ", "done": "完成：", "download": "下载 ", "label-is": "标签：",
  "classes": "类别：", "held-out": "，留出集准确率 ", "on": "，编码器 ",
  "no-facts": "无法读取模型信息",
};
const EN = {
  "empty": "Type at least one text.", "no-answer": "The server did not answer: ",
  "choose": "Choose a file first.", "labelling": "Labelling ", "done": "Done: ",
  "download": "download ", "label-is": "label: ", "classes": "; classes: ",
  "held-out": ", held-out accuracy ", "on": " on ", "no-facts": "model facts unavailable",
};
const asked = new URLSearchParams(location.search).get("lang") || navigator.language || "en";
const words = asked.toLowerCase().startsWith("zh") ? ZH : EN;
const t = (key) => words[key];
if (words === ZH) {
  document.documentElement.lang = "zh";
  document.querySelectorAll("[data-i18n]").forEach((element) => {
    element.textContent = ZH[element.dataset.i18n];
  });
  $("language").textContent = "English";
  $("language").href = "?lang=en";
}

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
  if (!texts.length) { showError(t("empty")); return; }
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
      verdict.innerHTML = '<span class="label"></span>';
      verdict.prepend(t("label-is"));
      verdict.querySelector(".label").textContent = label;
      item.append(text, verdict, ...bars(answer.classes, answer.probabilities[i]));
      $("results").appendChild(item);
    });
  } catch (error) {
    showError(t("no-answer") + error.message);
  } finally {
    $("label").disabled = false;
  }
}

async function labelFile(event) {
  event.preventDefault();
  const file = $("file").files[0];
  if (!file) { $("file-status").textContent = t("choose"); return; }
  const format = file.name.toLowerCase().endsWith(".csv") ? "csv" : "txt";
  $("file-status").textContent = `${t("labelling")}${file.name}…`;
  const encoding = encodeURIComponent($("encoding").value);
  const response = await fetch(`/predict/file?format=${format}&encoding=${encoding}`,
                               { method: "POST", body: file });
  if (!response.ok) { $("file-status").textContent = await errorOf(response); return; }
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = file.name.replace(/\.(txt|csv)$/i, "") + ".labelled.csv";
  link.textContent = t("download") + link.download;
  $("file-status").replaceChildren(t("done"), link);
  link.click();
}

async function showModel() {
  try {
    const facts = await (await fetch("/model")).json();
    const score = facts.scores ? `${t("held-out")}${facts.scores.accuracy.toFixed(3)}` : "";
    const encoder = facts.encoder && facts.encoder.model ? `${t("on")}${facts.encoder.model}` : "";
    const classes = `${t("classes")}${facts.classes.join(", ")}`;
    $("model").textContent = words === ZH ? `${facts.strategy}${encoder}；${classes}${score}`
                                          : `${facts.strategy}${encoder}${classes}${score}`;
  } catch (_) {
    $("model").textContent = t("no-facts");
  }
}

$("texts-form").addEventListener("submit", labelTexts);
$("texts").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) labelTexts(event);
});
$("file-form").addEventListener("submit", labelFile);
showModel();
