// Shows the server's Chinese error message when an htmx request fails (htmx does not swap 4xx/5xx).
document.addEventListener("htmx:responseError", function (event) {
  var box = document.getElementById("flash");
  if (!box) { return; }
  var xhr = event.detail.xhr;
  var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
  var text = doc.querySelector("#error p");
  var p = document.createElement("p");
  p.className = "flash error";
  p.textContent = text ? text.textContent : "请求失败（" + xhr.status + "），请稍后重试。";
  box.replaceChildren(p);
});
document.addEventListener("htmx:sendError", function () {
  var box = document.getElementById("flash");
  if (!box) { return; }
  var p = document.createElement("p");
  p.className = "flash error";
  p.textContent = "网络连接中断，已填写的内容仍在页面上，请恢复网络后重新提交。";
  box.replaceChildren(p);
});
// The login page (after logout or a timeout) empties htmx's history cache, so Back shows no earlier page's data.
function clearHistoryOnLogin() {
  if (document.querySelector("[data-clear-history]")) {
    try { sessionStorage.removeItem("htmx-history-cache"); } catch (e) { /* storage disabled: nothing kept */ }
  }
}
document.addEventListener("DOMContentLoaded", clearHistoryOnLogin);
document.addEventListener("htmx:afterSettle", clearHistoryOnLogin);
