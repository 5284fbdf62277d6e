// 好差评（国办发〔2019〕51号）：五级评价，选填意见，提交到后端 POST /api/ratings。
import { h } from "./dom.js";

export const LEVELS = [
  [5, "非常满意"],
  [4, "满意"],
  [3, "基本满意"],
  [2, "不满意"],
  [1, "非常不满意"],
];

let counter = 0;

export function ratingForm({ api, session, context, ticketNumber, onAppeal }) {
  counter += 1;
  const name = `zwfw-rating-${counter}`;
  const status = h("p", { class: "rating-status", role: "status" });
  const comment = h("textarea", { id: `${name}-comment`, maxlength: "500", rows: "2" });
  const submit = h("button", { type: "submit", class: "primary" }, "提交评价");
  const choices = LEVELS.map(([score, label]) =>
    h(
      "label",
      { class: "rating-choice" },
      h("input", { type: "radio", name, value: String(score), required: true }),
      h("span", {}, label),
    ),
  );
  const form = h(
    "form",
    { class: "rating", novalidate: true },
    h(
      "fieldset",
      {},
      h("legend", {}, context === "ticket" ? "请对本次诉求受理服务做出评价" : "请对本次导办服务做出评价"),
      h("div", { class: "rating-choices" }, choices),
    ),
    h("label", { for: `${name}-comment`, class: "rating-comment-label" }, "意见建议（选填）"),
    comment,
    h("div", { class: "rating-row" }, submit),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const picked = form.querySelector(`input[name="${name}"]:checked`);
    if (!picked) {
      status.textContent = "请先选择一个评价等级。";
      return;
    }
    submit.disabled = true;
    status.textContent = "正在提交…";
    const score = Number(picked.value);
    const body = { session: session(), score, context, comment: comment.value.trim() || null };
    if (ticketNumber) body.ticket_number = ticketNumber;
    let answer;
    try {
      const response = await fetch(new URL("/api/ratings", api), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      answer = { ok: response.ok, body: await response.json().catch(() => ({})) };
    } catch {
      answer = { ok: false, body: { detail: "网络连接失败，请稍后再试。" } };
    }
    if (!answer.ok) {
      submit.disabled = false;
      status.textContent = answer.body.detail || "提交失败，请稍后再试。";
      return;
    }
    for (const input of form.querySelectorAll("input, textarea, button")) input.disabled = true;
    status.textContent = "感谢您的评价！";
    if (score <= 2) {
      const appeal = h(
        "div",
        { class: "rating-appeal" },
        h("p", {}, "很抱歉没有让您满意。如果事情没有办成，可以向我们反映，我们会转交承办部门处理并答复您。"),
        h("button", { type: "button", class: "chip", onclick: () => onAppeal() }, "我要反映问题"),
      );
      form.append(appeal);
      appeal.scrollIntoView({ block: "nearest" });
    }
  });
  return form;
}
