// POST JSON to the console API with the session's CSRF token; errors become Error(message in Chinese).
export async function post(path, body, csrf) {
  let response;
  try {
    response = await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
  } catch {
    throw new Error("网络连接失败，请稍后重试");
  }
  let data = {};
  try {
    data = await response.json();
  } catch {
    data = {};
  }
  if (!response.ok) {
    const problems = Array.isArray(data.problems) ? "：" + data.problems.join("；") : "";
    const detail = typeof data.detail === "string" ? data.detail : `请求失败（HTTP ${response.status}）`;
    const error = new Error(detail + problems);
    error.status = response.status;
    throw error;
  }
  return { status: response.status, data };
}
