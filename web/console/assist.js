// The assist view: caller lines → backend (Rasa + knowledge) → panels; the 工单草稿 stays editable.
import { post } from "./api.js";
import { el, replace } from "./dom.js";
import * as panels from "./panels.js";

const root = document.getElementById("assist");
const callId = root.dataset.callId;
const csrf = root.dataset.csrf;
const transcript = document.getElementById("transcript");
const input = document.getElementById("line");
const form = document.getElementById("draft");
const status = document.getElementById("status");
const fileButton = document.getElementById("file");
const lines = [];
let busy = false;
let filed = null;

const FIELDS = ["when", "where", "event", "demand", "enterprise_name", "credit_code", "contact_name", "mobile"];

function say(text, isError = false) {
  status.textContent = text;
  status.className = isError ? "error" : "muted";
}

function addTranscriptLine(text, kind) {
  const number = lines.length;
  transcript.append(el("li", { className: kind, "data-index": kind === "caller" ? String(number) : null }, text));
}

function source(index) {
  if (index === null || index === undefined || index >= lines.length) return "";
  return `来自第 ${index + 1} 句：“${lines[index]}”`;
}

function setField(name, field) {
  const box = form.querySelector(`[data-field="${name}"]`);
  const control = form.elements[name];
  if (!box || !control || control.dataset.edited === "1") return;
  control.value = field.value || "";
  box.querySelector(".source").textContent = field.value ? source(field.line) : "";
  const problem = box.querySelector(".problem");
  if (problem) problem.textContent = field.problem || "";
}

function applyDraft(draft) {
  for (const name of FIELDS) setField(name, draft[name]);
  const category = form.elements.category;
  if (category.dataset.edited !== "1" && draft.category_status !== "empty") {
    category.value = draft.category_id;
    const box = form.querySelector('[data-field="category"] .source');
    box.textContent = draft.deciding.length
      ? `依据“${draft.deciding.join("、")}”${draft.category_line !== null ? "，" + source(draft.category_line) : ""}`
      : "未找到分类依据，已归入“其他”，请人工确认";
  }
  document.getElementById("department").textContent =
    `建议承办部门：${draft.department_name}` + (draft.deciding.length ? `（依据：${draft.deciding.join("、")}）` : "");
  const description = form.elements.description;
  if (description.dataset.edited !== "1") description.value = draft.summary;
}

function values() {
  const data = {};
  for (const name of ["enterprise_name", "credit_code", "contact_name", "mobile", "category", "description"]) {
    data[name] = form.elements[name].value.trim();
  }
  return data;
}

async function send(text, payload = null) {
  if (busy) return;
  busy = true;
  say("正在理解……");
  if (payload === null) {
    lines.push(text);
    addTranscriptLine(text, "caller");
  } else {
    addTranscriptLine(`（坐席代答：${text}）`, "agent");
  }
  try {
    const { data } = await post("/console/api/assist/line", { call_id: callId, lines, payload }, csrf);
    panels.understanding(document.getElementById("understanding"), data);
    panels.nextStep(document.getElementById("next"), data.messages, (button) => send(button.title, button.payload));
    panels.checklist(document.getElementById("checklist"), data.checklist, copyLink);
    panels.policies(document.getElementById("policies"), data.policies);
    applyDraft(data.draft);
    panels.similar(document.getElementById("similar"), data.similar, linkTo);
    say(data.rasa_error ? data.rasa_error : "已更新", Boolean(data.rasa_error));
  } catch (error) {
    say(error.message, true);
  } finally {
    busy = false;
  }
}

async function copyLink(url) {
  try {
    await navigator.clipboard.writeText(url);
    say("告知单链接已复制，可通过短信或微信发给来电人");
  } catch {
    say(`无法访问剪贴板，请手工复制：${url}`, true);
  }
}

let checkTimer = null;
function scheduleCheck() {
  clearTimeout(checkTimer);
  checkTimer = setTimeout(async () => {
    try {
      const { contact_name: _contact, ...draft } = values();
      const { data } = await post("/console/api/assist/check", draft, csrf);
      for (const name of ["mobile", "credit_code"]) {
        const box = form.querySelector(`[data-field="${name}"] .problem`);
        box.textContent = form.elements[name].value.trim() || name === "mobile" ? data.problems[name] || "" : "";
      }
      panels.similar(document.getElementById("similar"), data.similar, linkTo);
    } catch (error) {
      say(error.message, true);
    }
  }, 300);
}

async function linkTo(number) {
  const v = values();
  try {
    const { data } = await post("/console/api/assist/link",
      { number, contact_name: v.contact_name, mobile: v.mobile, description: v.description }, csrf);
    replace(document.getElementById("filed"), el("p", { className: "ok" },
      `已关联到工单 ${data.number}（${data.state}，${data.department}，办结期限 ${data.deadline}），本次来电已记入该工单的办理记录。`));
    fileButton.disabled = true;
  } catch (error) {
    replace(document.getElementById("filed"), el("p", { className: "error", role: "alert" }, error.message));
  }
}

async function file(event) {
  event.preventDefault();
  if (fileButton.disabled && filed === null) return;
  fileButton.disabled = true;
  try {
    const { data } = await post("/console/api/assist/file", { call_id: callId, ...values() }, csrf);
    filed = data;
    replace(document.getElementById("filed"), el("p", { className: "ok" },
      "已建单，请告知来电人：工单号 ", el("strong", { "data-testid": "ticket-number" }, data.number),
      `，分类 ${data.category}，承办部门 ${data.department}，办结期限 ${data.deadline}。`));
  } catch (error) {
    replace(document.getElementById("filed"), el("p", { className: "error", role: "alert" }, error.message));
  } finally {
    fileButton.disabled = filed !== null;
  }
}

document.getElementById("line-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return say("请先输入来电人说的话", true);
  input.value = "";
  send(text);
});
input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
    event.preventDefault();
    document.getElementById("line-form").requestSubmit();
  }
});
form.addEventListener("input", (event) => {
  event.target.dataset.edited = "1";
  scheduleCheck();
});
form.addEventListener("submit", file);
