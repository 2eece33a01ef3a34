// Kiosk: back to the start after 2 minutes without a touch (or sooner on the print page), so no one sees the last person's data.
(function () {
  var body = document.body;
  var url = body.getAttribute("data-reset-url");
  var idle = parseInt(body.getAttribute("data-idle-seconds") || "120", 10) * 1000;
  var after = parseInt(body.getAttribute("data-reset-after") || "0", 10) * 1000;
  var timer;
  function reset() { window.location.replace(url); }
  function arm() { clearTimeout(timer); timer = setTimeout(reset, idle); }
  ["pointerdown", "keydown", "touchstart", "input"].forEach(function (name) {
    document.addEventListener(name, arm, { passive: true });
  });
  if (after > 0) { setTimeout(reset, after); }
  arm();
})();
