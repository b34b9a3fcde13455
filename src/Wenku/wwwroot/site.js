// Live character counter for comment boxes (the server enforces the limit; this only helps).
document.querySelectorAll('textarea[data-counter]').forEach(function (box) {
  var out = document.getElementById(box.getAttribute('data-counter'));
  var update = function () { out.textContent = Array.from(box.value).length; };
  box.addEventListener('input', update);
  update();
});
