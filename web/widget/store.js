// 记在浏览器里的少量状态：会话凭证与界面偏好在 localStorage（同一网站的各个标签页共用），
// 尚未送达的消息在 sessionStorage（只属于本标签页，刷新不丢）。存储不可用时（隐私模式）退回内存。

const memory = new Map();

function area(kind) {
  try {
    const storage = kind === "session" ? window.sessionStorage : window.localStorage;
    const probe = "zwfw-webchat-probe";
    storage.setItem(probe, "1");
    storage.removeItem(probe);
    return storage;
  } catch {
    return null;
  }
}

export class Store {
  constructor(server) {
    this.prefix = `zwfw-webchat:${server}:`;
    this.local = area("local");
    this.tab = area("session");
  }

  key(name) {
    return this.prefix + name;
  }

  get(name, tab = false) {
    const storage = tab ? this.tab : this.local;
    const key = this.key(name);
    return storage ? storage.getItem(key) : (memory.get(key) ?? null);
  }

  set(name, value, tab = false) {
    const storage = tab ? this.tab : this.local;
    const key = this.key(name);
    if (value === null) {
      storage ? storage.removeItem(key) : memory.delete(key);
    } else {
      storage ? storage.setItem(key, value) : memory.set(key, value);
    }
  }

  getJSON(name, fallback, tab = false) {
    try {
      const raw = this.get(name, tab);
      return raw === null ? fallback : JSON.parse(raw);
    } catch {
      return fallback;
    }
  }

  setJSON(name, value, tab = false) {
    this.set(name, JSON.stringify(value), tab);
  }
}
