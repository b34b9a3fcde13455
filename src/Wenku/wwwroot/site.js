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

// Title suggestions as you type, into the search box's <datalist> (the search works the same without them).
(function () {
  document.querySelectorAll('input[data-suggest]').forEach(function (box) {
    var list = document.getElementById(box.getAttribute('list'));
    var timer = null, last = '';
    box.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = box.value.trim();
        if (q === last || q.length === 0) return;
        last = q;
        fetch(box.getAttribute('data-suggest') + '?q=' + encodeURIComponent(q), { headers: { Accept: 'application/json' } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (items) {
            list.replaceChildren.apply(list, items.map(function (s) { var o = document.createElement('option'); o.value = s.title; return o; }));
          })
          .catch(function () { });
      }, 150);
    });
  });
})();
