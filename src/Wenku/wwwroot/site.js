// Every page loads this file (the layout); a page that loads it a second time must not bind everything twice.
(function () {
if (window.wenkuSite) return;
window.wenkuSite = true;

// Live character counter for comment boxes, counting characters as a person sees them (the server enforces the limit).
// The limit is the box's data-limit (else its maxlength): past it the counter turns red and the form's button is off.
(function () {
  var segmenter = typeof Intl !== 'undefined' && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;
  var count = function (text) { return segmenter ? Array.from(segmenter.segment(text)).length : Array.from(text).length; };
  document.querySelectorAll('textarea[data-counter]').forEach(function (box) {
    var out = document.getElementById(box.getAttribute('data-counter'));
    var shown = box.form ? box.form.querySelector('[data-comment-limit]') : null;
    var limit = parseInt(box.getAttribute('data-limit') || (shown && shown.textContent) || box.getAttribute('maxlength') || '0', 10);
    var button = box.form ? box.form.querySelector('button[type=submit],button:not([type])') : null;
    var update = function () {
      var n = count(box.value);
      if (out) {
        out.textContent = String(n);
        out.classList.toggle('over', limit > 0 && n > limit);
      }
      if (button && limit > 0) button.disabled = n > limit;
    };
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
})();
