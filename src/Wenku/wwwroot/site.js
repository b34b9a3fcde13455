// Live character counter for comment boxes, counting characters as a person sees them (the server enforces the limit).
(function () {
  var segmenter = typeof Intl !== 'undefined' && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;
  var count = function (text) { return segmenter ? Array.from(segmenter.segment(text)).length : Array.from(text).length; };
  document.querySelectorAll('textarea[data-counter]').forEach(function (box) {
    var out = document.getElementById(box.getAttribute('data-counter'));
    var update = function () { out.textContent = count(box.value); };
    box.addEventListener('input', update);
    update();
  });
})();
