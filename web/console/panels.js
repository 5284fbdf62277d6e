// Render the assist panels from the backend's answer (text only).
import { el, muted, replace } from "./dom.js";

const INTENT_NAMES = {
  greet: "问候", goodbye: "道别", thank: "致谢", affirm: "肯定", deny: "否定", bot_challenge: "问是不是机器人",
  out_of_scope: "超出范围", inform: "提供信息", stop: "停止", ask_guide: "问办事", ask_policy: "问政策",
  file_appeal: "反映问题", check_ticket: "查工单进度", request_human: "转人工", ask_contact: "问窗口与电话",
  nlu_fallback: "未能理解",
};

function intentName(name) {
  return name ? `${INTENT_NAMES[name] || name}（${name}）` : "未识别";
}

function percent(value) {
  return `${Math.round((value || 0) * 100)}%`;
}

export function understanding(container, data) {
  if (data.rasa_error) {
    replace(container, el("p", { className: "error", role: "alert" }, data.rasa_error));
    return;
  }
  const u = data.understanding;
  if (!u) return replace(container, muted("—"));
  const items = [
    el("p", {}, "意图：", el("strong", { "data-testid": "intent" }, intentName(u.intent)), ` 置信度 ${percent(u.confidence)}`,
      u.low ? el("span", { className: "badge bad" }, "置信度低，请核实") : null),
    el("p", { className: "muted" }, "候选：" + u.ranking.map((r) => `${intentName(r.intent)} ${percent(r.confidence)}`).join("；")),
  ];
  if (u.entities.length) {
    items.push(el("p", {}, "实体：" + u.entities.map((e) => `${e.entity}＝${e.value}`).join("；")));
  }
  const d = data.draft;
  if (d && d.category_status !== "empty" && d.category_status !== "unknown") {
    items.push(el("p", {}, "诉求分类：", el("strong", {}, d.category_name), `（依据：${d.deciding.join("、")}）`));
  }
  if (data.checklist) items.push(el("p", {}, `办理事项：${data.checklist.bundle}`));
  replace(container, items);
}

export function nextStep(container, messages, onChoose) {
  if (!messages.length) return replace(container, muted("对话引擎没有新的提问"));
  const nodes = [];
  for (const message of messages) {
    if (message.text) nodes.push(el("p", { className: "script prewrap" }, message.text));
    if (message.buttons.length) {
      nodes.push(el("div", { className: "options" }, message.buttons.map((b) =>
        el("button", { type: "button", className: "option", onclick: () => onChoose(b) }, b.title))));
    }
  }
  replace(container, nodes);
}

export function checklist(container, data, onCopy) {
  if (!data) return replace(container, muted("尚未确定办理事项"));
  replace(container,
    el("p", {}, el("strong", {}, data.bundle), `：${data.matters.length} 个事项，${data.material_count} 份材料`),
    data.situation.length ? el("p", { className: "muted" }, data.situation.join("；")) : null,
    el("ul", {}, data.matters.map((m) => el("li", {}, `${m.name}（${m.department}）`))),
    data.missing.length ? el("p", { className: "muted" }, "还需确认：" + data.missing.join("；")) : null,
    el("p", {}, el("a", { href: data.url, target: "_blank", rel: "noopener" }, "打开告知单"), " ",
      el("button", { type: "button", onclick: () => onCopy(data.url) }, "复制告知单链接")));
}

function policyItem(p) {
  return el("li", { className: p.expired ? "expired" : "" },
    el("strong", {}, p.name), p.document_number ? `（${p.document_number}）` : "",
    el("span", { className: p.expired ? "badge bad" : "badge" }, p.expired ? "已失效，不得作为现行政策告知" : p.validity),
    p.no_application ? el("span", { className: "badge good" }, "免申即享") : null);
}

export function policies(container, data) {
  if (!data.current.length && !data.expired.length) return replace(container, muted("暂无相关政策"));
  replace(container,
    data.current.length ? el("ul", {}, data.current.map(policyItem)) : muted("没有现行有效的相关政策"),
    data.expired.length ? el("details", {}, el("summary", {}, `已失效政策 ${data.expired.length} 项（仅供核对）`),
      el("ul", {}, data.expired.map(policyItem))) : null);
}

export function similar(container, items, onLink) {
  if (!items.length) return replace(container);
  replace(container, el("div", { className: "warning", role: "alert" },
    el("p", {}, el("strong", {}, "发现 30 天内可能重复的诉求："), "请先核实，是同一件事就关联到已有工单，不要重复建单。"),
    el("ul", {}, items.map((t) => el("li", {},
      `${t.number}（${t.state}，${t.department}，${t.received_on}，${t.reasons.join("、")}，相似度 ${Math.round(t.similarity)}%）：${t.description} `,
      el("button", { type: "button", className: "link-ticket", "data-number": t.number, onclick: () => onLink(t.number) },
        "关联到已有工单"))))));
}
