// 卡片：一次性告知单、政策、诉求工单。数据来自动作服务器（actions/common/cards.py），措辞在这里。
import { h, link } from "./dom.js";

function row(term, ...value) {
  return [h("dt", {}, term), h("dd", {}, ...value)];
}

function checklist(card) {
  return h(
    "article",
    { class: "card card-checklist", "aria-label": `一次性告知单：${card.bundle_name}` },
    h("p", { class: "card-kind" }, "一次性告知单"),
    h("h3", {}, card.bundle_name),
    h(
      "p",
      { class: "card-figures" },
      h("strong", {}, String(card.matter_count)),
      " 个事项 · ",
      h("strong", {}, String(card.material_count)),
      " 种材料",
    ),
    card.situation && card.situation.length ? h("p", { class: "card-note" }, `您的情形：${card.situation.join("；")}`) : null,
    card.matters && card.matters.length ? h("ol", { class: "card-list" }, card.matters.map((name) => h("li", {}, name))) : null,
    h("p", { class: "card-actions" }, link(card.url, "打开 / 打印告知单")),
  );
}

function period(card) {
  if (card.effective_from && card.effective_to) return `${card.effective_from} 至 ${card.effective_to}`;
  if (card.effective_from) return `${card.effective_from} 起长期有效`;
  if (card.effective_to) return `至 ${card.effective_to}`;
  return "以文件为准";
}

function policy(card) {
  const badges = [h("span", { class: `badge badge-${card.validity === "有效" ? "ok" : "warn"}` }, card.validity)];
  if (card.no_application) badges.push(h("span", { class: "badge badge-free" }, "免申即享"));
  const status = card.no_application
    ? "无需申报，符合条件的直接兑现"
    : [card.application_status, card.application_period].filter(Boolean).join("：");
  return h(
    "article",
    { class: "card card-policy", "aria-label": `政策：${card.name}` },
    h("p", { class: "card-kind" }, "惠企政策", ...badges),
    h("h3", {}, card.name),
    h(
      "dl",
      {},
      row("文号", card.document_number || "—"),
      card.issuer ? row("发文单位", card.issuer) : [],
      row("有效期", period(card)),
      row("申报状态", status || "以通知为准"),
    ),
    h("p", { class: "card-actions" }, link(card.url, "查看申报指南")),
  );
}

function ticket(card, actions) {
  return h(
    "article",
    { class: "card card-ticket", "aria-label": `诉求工单：${card.number}` },
    h("p", { class: "card-kind" }, "诉求工单", card.state_label ? h("span", { class: "badge badge-ok" }, card.state_label) : null),
    h("h3", {}, h("span", { class: "ticket-number" }, card.number)),
    h(
      "dl",
      {},
      row("诉求类别", card.category),
      row("承办部门", card.department),
      row("答复期限", `${card.deadline} 前${card.working_days ? `（${card.working_days} 个工作日内）` : ""}`),
      row("查询方式", "在这里说“查一下我的诉求进度”，并提供工单号和手机号后四位；也可拨打 12345。"),
    ),
    h(
      "p",
      { class: "card-actions" },
      h("button", { type: "button", class: "chip", onclick: () => actions.say("查一下我的诉求进度") }, "查询进度"),
    ),
  );
}

const RENDERERS = { checklist, policy, ticket };

export function renderCard(card, actions) {
  const render = RENDERERS[card && card.type];
  return render ? render(card, actions) : null;
}
