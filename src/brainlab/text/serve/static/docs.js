"use strict";
fetch("/openapi.json").then((r) => r.json()).then((spec) => {
  const root = document.getElementById("paths");
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const h = document.createElement("h2");
      h.textContent = `${method.toUpperCase()} ${path}`;
      const p = document.createElement("p");
      p.textContent = op.summary || "";
      root.append(h, p);
      const body = op.requestBody && op.requestBody.content["application/json"];
      if (body) {
        const pre = document.createElement("pre");
        const ref = body.schema.$ref ? body.schema.$ref.split("/").pop() : null;
        pre.textContent = "request: " + JSON.stringify(ref ? spec.components.schemas[ref] : body.schema, null, 2);
        root.append(pre);
      }
    }
  }
});
