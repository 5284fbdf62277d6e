// 构造 DOM 的小工具：只用 textContent 与属性，从不把服务器内容当作 HTML。

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") element.className = value;
    else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const LINK = /https?:\/\/[^\s<>"'，。；、！？（）()【】「」]+/g;
const TRAILING = /[.,;:!?]+$/;

const MAX_LABEL = 48;

// 长链接（带很多参数的告知单地址）只显示开头，完整地址在链接里。
function shorten(url) {
  return url.length <= MAX_LABEL ? url : `${url.slice(0, MAX_LABEL - 1)}…`;
}

export function safeUrl(value) {
  try {
    const url = new URL(String(value), document.baseURI);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

export function link(url, label) {
  const href = safeUrl(url);
  if (!href) return document.createTextNode(label);
  return h("a", { href, target: "_blank", rel: "noopener noreferrer" }, label, h("span", { class: "sr-only" }, "（在新标签页打开）"));
}

// 机器人文字的安全子集：换行（CSS 保留）与 http(s) 链接，其余一律是纯文本。
export function richText(text) {
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of String(text).matchAll(LINK)) {
    let url = match[0];
    const trailing = url.match(TRAILING);
    if (trailing) url = url.slice(0, -trailing[0].length);
    fragment.append(document.createTextNode(text.slice(last, match.index)));
    fragment.append(link(url, shorten(url)));
    last = match.index + url.length;
  }
  fragment.append(document.createTextNode(text.slice(last)));
  return fragment;
}
