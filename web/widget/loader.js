// 企业服务智能导办 · 网页挂件入口（由后端以 /widget.js 提供）。
// 嵌入：<script src="https://后端/widget.js" data-server="wss://…/webhooks/webchat/websocket" data-title="…" defer></script>
// 只创建一个宿主元素与 Shadow DOM，样式与门户页面互不影响；其余代码按需以 ES 模块载入。
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script || document.querySelector("zwfw-webchat")) return;
  const assets = new URL("web/widget/", new URL(script.src, document.baseURI));
  const config = {
    server: script.dataset.server || "",
    title: script.dataset.title || "企业服务智能导办",
    api: script.dataset.api || new URL(script.src, document.baseURI).origin,
    open: script.dataset.open === "true",
  };
  const host = document.createElement("zwfw-webchat");
  const root = host.attachShadow({ mode: "open" });
  for (const name of ["widget.css", "cards.css"]) {
    const style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = new URL(name, assets).href;
    root.append(style);
  }
  document.body.append(host);
  import(new URL("app.js", assets).href).then(
    (module) => module.start(root, config),
    () => host.remove(),
  );
})();
