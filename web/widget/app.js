// 挂件界面：启动按钮、对话面板、消息记录（aria-live）、输入框（输入法安全的回车）、大字模式、新对话。
import { renderCard } from "./cards.js";
import { Connection } from "./connection.js";
import { h, richText } from "./dom.js";
import { ratingForm } from "./rating.js";
import { Store } from "./store.js";

const SUGGESTIONS = ["开奶茶店要办哪些证", "小微企业有什么补贴", "我要反映问题", "查一下我的诉求进度"];
const RATED_CARDS = { checklist: "checklist", ticket: "ticket" };
const DIGITS = /^\s*([0-9０-９]{1,2})\s*$/;

function toAscii(digits) {
  return digits.replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}

export function start(root, config) {
  const store = new Store(config.server);
  const connection = new Connection(config.server, store);
  let composing = false;
  let activeButtons = null;

  const log = h("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-label": "对话记录", tabindex: "0" });
  const typing = h("div", { class: "typing", hidden: true }, h("span", { class: "dots", "aria-hidden": "true" }, h("i"), h("i"), h("i")), "正在回复…");
  const state = h("div", { class: "state", role: "status" });
  const input = h("textarea", {
    id: "zwfw-input",
    rows: "1",
    maxlength: "2000",
    placeholder: "请输入您要办的事或遇到的问题",
    enterkeyhint: "send",
    autocomplete: "off",
  });
  const send = h("button", { type: "submit", class: "send primary" }, "发送");
  const form = h(
    "form",
    { class: "composer" },
    h("label", { for: "zwfw-input", class: "sr-only" }, "输入消息，按回车发送，Shift+回车换行"),
    input,
    send,
  );
  const large = h("button", { type: "button", class: "tool", "aria-pressed": "false" }, "大字模式");
  const restart = h("button", { type: "button", class: "tool" }, "新对话");
  const close = h("button", { type: "button", class: "tool close", "aria-label": "收起对话窗口" }, "×");
  const title = h("h2", { id: "zwfw-title" }, config.title);
  const panel = h(
    "section",
    { class: "panel", id: "zwfw-panel", role: "dialog", "aria-modal": "false", "aria-labelledby": "zwfw-title", hidden: true },
    h("header", {}, title, h("div", { class: "tools" }, large, restart, close)),
    state,
    log,
    typing,
    form,
  );
  const launcher = h(
    "button",
    { type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "zwfw-panel" },
    h("span", { "aria-hidden": "true", class: "launcher-icon" }),
    h("span", {}, "在线导办"),
  );
  const app = h("div", { class: "app" }, panel, launcher);
  root.append(app);

  // ---------------------------------------------------------------- panel
  function setOpen(open, focus = true) {
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute("aria-expanded", String(open));
    store.set("open", open ? "1" : "0");
    if (open) {
      connection.connect();
      scrollDown();
      if (focus) input.focus();
    } else if (focus) {
      launcher.focus();
    }
  }
  launcher.addEventListener("click", () => setOpen(true));
  close.addEventListener("click", () => setOpen(false));
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") setOpen(false);
  });

  function setLarge(on) {
    app.classList.toggle("large", on);
    large.setAttribute("aria-pressed", String(on));
    store.set("large", on ? "1" : "0");
  }
  large.addEventListener("click", () => setLarge(!app.classList.contains("large")));
  setLarge(store.get("large") === "1");

  restart.addEventListener("click", () => {
    activeButtons = null;
    log.replaceChildren();
    connection.restart();
    input.focus();
  });

  // ---------------------------------------------------------------- messages
  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function add(node) {
    log.append(node);
    scrollDown();
    return node;
  }

  const pending = new Map();

  function userBubble(text, id, isPending) {
    const bubble = h("div", { class: "msg user" + (isPending ? " pending" : "") }, h("p", { class: "bubble" }, text));
    if (isPending) bubble.append(h("span", { class: "msg-state" }, "待发送"));
    if (id) {
      bubble.dataset.id = id;
      if (isPending) pending.set(id, bubble);
    }
    return add(bubble);
  }

  function disableButtons(group, chosen) {
    for (const button of group.querySelectorAll("button")) {
      button.disabled = true;
      if (button === chosen) button.setAttribute("aria-pressed", "true");
    }
    if (activeButtons === group) activeButtons = null;
  }

  function buttonsOf(buttons) {
    const group = h("div", { class: "choices", role: "group", "aria-label": "可选项（也可以直接回复序号）" });
    buttons.forEach((button, index) => {
      const element = h(
        "button",
        { type: "button", class: "chip", "data-payload": button.payload },
        h("span", { class: "chip-n", "aria-hidden": "true" }, `${index + 1}`),
        button.title,
      );
      element.addEventListener("click", () => {
        disableButtons(group, element);
        say(button.payload, button.title);
        input.focus(); // 按钮变为不可用后，键盘焦点回到输入框
      });
      group.append(element);
    });
    return group;
  }

  function botMessage(frame, live) {
    const parts = [];
    if (frame.text) parts.push(h("p", { class: "bubble" }, richText(frame.text)));
    let group = null;
    if (frame.buttons && frame.buttons.length) {
      group = buttonsOf(frame.buttons);
      parts.push(group);
    }
    const card = frame.card ? renderCard(frame.card, { say }) : null;
    if (card) parts.push(card);
    if (!parts.length) return;
    if (group) {
      if (activeButtons) disableButtons(activeButtons);
      activeButtons = group;
    }
    add(h("div", { class: "msg bot" }, parts));
    const context = frame.card && RATED_CARDS[frame.card.type];
    if (live && context) {
      add(
        h(
          "div",
          { class: "msg bot" },
          ratingForm({
            api: config.api,
            session: () => store.get("session"),
            context,
            ticketNumber: frame.card.type === "ticket" ? frame.card.number : null,
            onAppeal: () => say("我要反映问题"),
          }),
        ),
      );
    }
  }

  function welcome() {
    add(
      h(
        "div",
        { class: "msg bot welcome" },
        h("p", { class: "bubble" }, "您好！我可以帮您查办事手续和材料、找惠企政策、反映企业诉求。请问您想办什么事？"),
        h(
          "div",
          { class: "choices", role: "group", "aria-label": "常见问题" },
          SUGGESTIONS.map((text) => h("button", { type: "button", class: "chip", onclick: () => say(text) }, text)),
        ),
      ),
    );
  }

  function answered() {
    // 用户说了话，之前的选项就都已回答过（与重放历史时的规则一致）。
    for (const group of log.querySelectorAll(".choices")) disableButtons(group);
  }

  function say(text, display) {
    answered();
    const item = connection.send(text, display);
    userBubble(display || text, item.id, true);
  }

  // ---------------------------------------------------------------- input (IME-safe)
  function updateSend() {
    send.disabled = composing || !input.value.trim();
  }
  input.addEventListener("compositionstart", () => {
    composing = true;
    updateSend();
  });
  input.addEventListener("compositionend", () => {
    composing = false;
    updateSend();
  });
  input.addEventListener("input", updateSend);
  input.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.shiftKey) return;
    if (event.isComposing || composing || event.keyCode === 229) return; // 输入法选字中：回车只是确认候选词
    event.preventDefault();
    submitInput();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!composing) submitInput();
  });

  function submitInput() {
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    updateSend();
    const digits = text.match(DIGITS);
    if (digits && activeButtons) {
      const buttons = [...activeButtons.querySelectorAll("button")];
      const chosen = buttons[Number(toAscii(digits[1])) - 1];
      if (chosen) {
        const title = chosen.lastChild.textContent;
        disableButtons(activeButtons, chosen);
        answered();
        const item = connection.send(chosen.dataset.payload, title);
        userBubble(text, item.id, true);
        return;
      }
    }
    say(text);
  }
  updateSend();

  // ---------------------------------------------------------------- connection events
  connection.addEventListener("state", (event) => {
    const online = event.detail === "online";
    state.textContent = online ? "" : "连接中…";
    state.classList.toggle("visible", !online);
  });
  connection.addEventListener("session", (event) => {
    const frame = event.detail;
    activeButtons = null;
    pending.clear();
    log.replaceChildren();
    if (!frame.history.length) welcome();
    frame.history.forEach((item) => (item.type === "user" ? userBubble(item.text, item.id, false) : botMessage(item, false)));
    // 只有最后一条机器人消息的选项仍可用；它之后用户已经说过话，也不再可用。
    for (const group of log.querySelectorAll(".choices")) if (group !== activeButtons) disableButtons(group);
    if (frame.history.length && frame.history[frame.history.length - 1].type === "user") answered();
    for (const item of connection.queue) userBubble(item.display || item.text, item.id, true);
    typing.hidden = true;
  });
  connection.addEventListener("ack", (event) => {
    const bubble = pending.get(event.detail.id);
    if (!bubble) return;
    pending.delete(event.detail.id);
    bubble.classList.remove("pending");
    const mark = bubble.querySelector(".msg-state");
    if (event.detail.rejected) mark.textContent = "未发送";
    else if (mark) mark.remove();
  });
  connection.addEventListener("user", (event) => {
    answered();
    userBubble(event.detail.text, event.detail.id, false);
  });
  connection.addEventListener("bot", (event) => botMessage(event.detail, true));
  connection.addEventListener("typing", (event) => {
    typing.hidden = !event.detail.on;
    scrollDown();
  });
  connection.addEventListener("error", (event) => {
    add(h("div", { class: "msg bot notice" }, h("p", { class: "bubble" }, event.detail.message)));
  });

  if (!config.server) {
    state.textContent = "挂件未配置服务器地址（data-server）";
    state.classList.add("visible");
  }
  const open = config.open || store.get("open") === "1";
  setOpen(open, false);
  if (!open) connection.connect();
}
