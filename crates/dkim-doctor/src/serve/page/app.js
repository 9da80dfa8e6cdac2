// The page of `dkim-doctor serve`. It holds no DNS or DKIM logic: what is pasted is sent as
// is to the check endpoints, whose parsers (dkim-rules') read tokens, record rows, the SES
// CSV and the identity JSON; the report they return is rendered, never interpreted. Every
// value is inserted as text (textContent), never as HTML.
"use strict";

const MODES = {
  tokens: {
    label: "The three tokens SES gave you",
    hint: "One per line, or the record rows copied from the SES console (name, type, value).",
    domain: true,
  },
  csv: {
    label: "The record set CSV downloaded from the SES console",
    hint: "Paste the whole file; the domain is read from it when left empty.",
    domain: false,
  },
  identity: {
    label: "The output of aws sesv2 get-email-identity",
    hint: "Paste the whole JSON; give the domain too (that output does not name it).",
    domain: true,
  },
  selector: {
    label: "The DKIM selectors (the s= of your signatures)",
    hint: "One per line: google, selector1, s1._domainkey...",
    domain: true,
  },
};

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function currentMode() {
  return document.querySelector("input[name=mode]:checked").value;
}

function showMode() {
  const mode = MODES[currentMode()];
  document.getElementById("pasted-label").textContent = mode.label;
  document.getElementById("pasted-hint").textContent = mode.hint;
  document.getElementById("domain-label").textContent = mode.domain
    ? "Domain"
    : "Domain (optional)";
  const ses = currentMode() !== "selector";
  document.getElementById("region").disabled = !ses;
}

function requestFor(mode, domain, pasted, region) {
  const body = {};
  if (domain) body.domain = domain;
  if (region && mode !== "selector") body.region = region;
  switch (mode) {
    case "tokens":
      body.tokens = [pasted];
      return ["/v1/check/ses", body];
    case "csv":
      body.records_csv = pasted;
      return ["/v1/check/ses", body];
    case "identity":
      body.identity_json = pasted;
      return ["/v1/check/ses", body];
    default:
      body.selectors = [pasted];
      return ["/v1/check/selector", body];
  }
}

function setStatus(text, isError) {
  const status = document.getElementById("status");
  status.textContent = text;
  status.className = isError ? "error" : "";
}

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

function recordLines(record) {
  // A record to end up with, as the report gives it: form fields and the zone-file line.
  const box = el("div", null, "record");
  const table = el("table", null, "form-fields");
  const rows = [
    ["Name", record.form_name],
    ["Type", record.type],
    ["Value", record.value === null ? "(your provider gives it)" : record.value],
  ];
  for (const [key, value] of rows) {
    const tr = el("tr");
    tr.appendChild(el("th", key));
    const td = el("td");
    td.appendChild(el("code", value));
    tr.appendChild(td);
    table.appendChild(tr);
  }
  box.appendChild(table);
  box.appendChild(el("pre", record.zone_line, "zone-line"));
  return box;
}

function renderActions(report) {
  const list = document.getElementById("actions");
  clear(list);
  if (report.actions.length === 0) {
    list.appendChild(el("li", "Nothing: every record resolves correctly on every server."));
    return;
  }
  for (const action of report.actions) {
    const item = el("li", null, "action action-" + action.kind);
    item.appendChild(el("p", action.text));
    if (action.where) item.appendChild(el("p", "Where: " + action.where, "where"));
    for (const old of action.delete) {
      item.appendChild(el("p", "Delete first:", "delete"));
      item.appendChild(recordLines(old));
    }
    if (action.record) item.appendChild(recordLines(action.record));
    for (const quirk of action.quirks) item.appendChild(el("p", quirk, "quirk"));
    list.appendChild(item);
  }
}

function renderRecords(report) {
  const body = document.querySelector("#records tbody");
  clear(body);
  for (const record of report.records) {
    const servers = record.servers.length ? record.servers : [null];
    servers.forEach((answer, index) => {
      const tr = el("tr", null, "status-" + record.status);
      tr.appendChild(el("td", index === 0 ? record.name : ""));
      tr.appendChild(el("td", index === 0 ? record.status : ""));
      tr.appendChild(
        el("td", answer ? answer.server.name + " (" + answer.server.address + ")" : "")
      );
      tr.appendChild(el("td", answer ? answer.value : "no server asked"));
      body.appendChild(tr);
    });
  }
}

function renderFindings(report) {
  const list = document.getElementById("findings");
  clear(list);
  for (const finding of report.findings) {
    const item = el("li", null, "finding severity-" + finding.severity);
    const head = el("p");
    head.appendChild(el("span", finding.severity, "severity"));
    head.appendChild(el("code", finding.code));
    item.appendChild(head);
    item.appendChild(el("p", finding.summary));
    item.appendChild(el("p", "Fix: " + finding.fix, "fix"));
    list.appendChild(item);
  }
  if (report.findings.length === 0) list.appendChild(el("li", "None."));
}

function renderDelegation(report) {
  const box = document.getElementById("delegation");
  clear(box);
  const d = report.delegation;
  box.appendChild(el("p", "Zone: " + (d.zone || "(not found)")));
  box.appendChild(el("p", "At the registrar (parent): " + (d.parent_ns.join(", ") || "-")));
  box.appendChild(el("p", "In the zone itself: " + (d.child_ns.join(", ") || "-")));
  const list = el("ul");
  for (const server of d.servers) {
    let text = server.name + " (" + server.address + ")";
    if (server.soa_serial !== null) text += ", SOA serial " + server.soa_serial;
    if (server.not_checked) text += ": " + server.not_checked;
    list.appendChild(el("li", text));
  }
  box.appendChild(list);
  for (const hint of report.negative_caching ? [report.negative_caching.hint] : []) {
    box.appendChild(el("p", hint, "hint"));
  }
}

function render(report) {
  const verdict = document.getElementById("verdict");
  verdict.textContent = report.verdict.toUpperCase();
  verdict.className = "verdict verdict-" + report.verdict;
  document.getElementById("summary").textContent = report.summary;
  const notes = document.getElementById("notes");
  clear(notes);
  for (const note of report.notes) notes.appendChild(el("li", note, "note"));
  renderActions(report);
  renderRecords(report);
  renderFindings(report);
  renderDelegation(report);
  document.getElementById("raw").textContent = JSON.stringify(report, null, 2);
  document.getElementById("result").hidden = false;
}

async function submit(event) {
  event.preventDefault();
  const mode = currentMode();
  const domain = document.getElementById("domain").value.trim();
  const pasted = document.getElementById("pasted").value;
  const region = document.getElementById("region").value.trim();
  const [path, body] = requestFor(mode, domain, pasted, region);
  const button = document.getElementById("check-button");
  button.disabled = true;
  document.getElementById("result").hidden = true;
  setStatus("Asking every name server of " + (domain || "the domain") + "…", false);
  try {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const answer = await response.json();
    if (!response.ok) {
      setStatus(answer.error || "The check failed (HTTP " + response.status + ").", true);
      return;
    }
    setStatus("", false);
    render(answer);
  } catch (error) {
    setStatus("The server could not be reached. Try again in a moment.", true);
  } finally {
    button.disabled = false;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  for (const radio of document.querySelectorAll("input[name=mode]")) {
    radio.addEventListener("change", showMode);
  }
  document.getElementById("check-form").addEventListener("submit", submit);
  showMode();
});
