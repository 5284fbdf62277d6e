// 与 Rasa webchat 渠道的 WebSocket 连接：握手取得服务器签发的会话、断线自动重连、
// 离线时消息进入队列（显示“连接中…”），连上后按顺序补发；服务器按消息 id 去重，所以只会处理一次。

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
const PING_MS = 25000;

export function newId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Connection extends EventTarget {
  constructor(url, store) {
    super();
    this.url = url;
    this.store = store;
    this.ws = null;
    this.ready = false;
    this.attempt = 0;
    this.timer = 0;
    this.ping = 0;
    this.queue = store.getJSON("queue", [], true).map((item) => ({ ...item, inflight: false }));
    window.addEventListener("online", () => this.reconnectNow());
    window.addEventListener("offline", () => this.drop());
    window.addEventListener("storage", (event) => {
      // 另一个标签页开始了新对话：跟着切换。
      if (event.key === store.key("session") && event.newValue !== this.session) this.restart(false);
    });
  }

  get session() {
    return this.store.get("session");
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  setState(state) {
    this.state = state;
    this.emit("state", state);
  }

  start() {
    this.connect();
  }

  connect() {
    if (this.ws || !this.url) return;
    clearTimeout(this.timer);
    this.setState("connecting");
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.addEventListener("open", () => {
      ws.send(JSON.stringify({ type: "hello", session: this.session }));
    });
    ws.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (ws === this.ws) this.onFrame(frame);
    });
    ws.addEventListener("close", () => {
      if (ws !== this.ws) return;
      this.ws = null;
      this.lost();
      this.scheduleRetry();
    });
  }

  lost() {
    this.ready = false;
    clearInterval(this.ping);
    for (const item of this.queue) item.inflight = false;
    this.setState("connecting");
  }

  drop() {
    const ws = this.ws;
    if (!ws) return;
    this.ws = null;
    ws.close();
    this.lost();
    this.scheduleRetry();
  }

  scheduleRetry() {
    clearTimeout(this.timer);
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    this.timer = setTimeout(() => this.connect(), delay * (0.75 + Math.random() * 0.5));
  }

  reconnectNow() {
    this.attempt = 0;
    if (!this.ws) this.connect();
  }

  restart(clearSession = true) {
    // 新对话：放弃旧会话凭证（其他标签页经 storage 事件跟随）。
    if (clearSession) this.store.set("session", null);
    this.queue = [];
    this.saveQueue();
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close();
    this.lost();
    this.attempt = 0;
    this.connect();
  }

  onFrame(frame) {
    if (frame.type === "session") {
      this.store.set("session", frame.session);
      this.ready = true;
      this.attempt = 0;
      clearInterval(this.ping);
      this.ping = setInterval(() => this.raw({ type: "ping" }), PING_MS);
      this.setState("online");
      const seen = new Set(frame.history.filter((f) => f.type === "user" && f.id).map((f) => f.id));
      this.queue = this.queue.filter((item) => !seen.has(item.id));
      this.saveQueue();
      this.emit("session", frame);
      this.flush();
      return;
    }
    if (frame.type === "ack") {
      this.queue = this.queue.filter((item) => item.id !== frame.id);
      this.saveQueue();
    }
    this.emit(frame.type, frame);
  }

  raw(frame) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  send(text, display) {
    const item = { id: newId(), text, display: display || null, tries: 0, inflight: false };
    this.queue.push(item);
    this.saveQueue();
    this.emit("queued", item);
    this.flush();
    return item;
  }

  flush() {
    if (!this.ready) return;
    for (const item of this.queue) {
      if (item.inflight) continue;
      item.inflight = true;
      this.raw({ type: "message", id: item.id, text: item.text, display: item.display, retry: item.tries > 0 });
      item.tries += 1;
    }
    this.saveQueue();
  }

  saveQueue() {
    this.store.setJSON(
      "queue",
      this.queue.map(({ id, text, display, tries }) => ({ id, text, display, tries })),
      true,
    );
  }
}
