// The reader's actions (favourite, rating, share) without a reload. Without this script the forms post and the
// document page comes back; with it they post in the background and the widget shows the new state.
(function () {
  document.documentElement.classList.add('js');
  function ready(fn) { if (document.readyState !== 'loading') fn(); else document.addEventListener('DOMContentLoaded', fn); }
  ready(function () {
    document.querySelectorAll('[data-reader-action]').forEach(function (form) {
      if (form.dataset.readerActionBound) return;
      form.dataset.readerActionBound = '1';
      var send = function () {
        var body = new FormData(form);
        return fetch(form.action, { method: 'POST', body: body, headers: { Accept: 'application/json' }, credentials: 'same-origin' })
          .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
          .then(function (state) { show(form.closest('.reader-actions'), state); })
          .catch(function () { form.submit(); }); // the server answers the plain form with the page and its message
      };
      form.addEventListener('submit', function (e) { e.preventDefault(); send(); });
      if (form.dataset.readerAction === 'rating')
        form.querySelectorAll('input[name=stars]').forEach(function (i) { i.addEventListener('change', send); });
    });
    document.querySelectorAll('[data-copy]').forEach(function (button) {
      var input = document.getElementById(button.dataset.copy);
      if (!input || !navigator.clipboard) return;
      button.hidden = false;
      var label = button.textContent;
      button.addEventListener('click', function () {
        navigator.clipboard.writeText(input.value).then(function () {
          button.textContent = button.dataset.copied;
          setTimeout(function () { button.textContent = label; }, 2000);
        });
      });
    });
  });

  function show(widget, state) {
    if (!widget) return;
    var fav = widget.querySelector('.favourite-button');
    if (fav) {
      fav.setAttribute('aria-pressed', state.favourite ? 'true' : 'false');
      fav.querySelector('.label').textContent = state.favourite ? fav.dataset.on : fav.dataset.off;
      var wanted = widget.querySelector('[data-reader-action=favourite] input[name=favourite]');
      if (wanted) wanted.value = state.favourite ? 'false' : 'true';
    }
    var summary = widget.querySelector('[data-rating-summary]');
    if (summary && state.averageRating != null) {
      var avg = summary.querySelector('[data-average]');
      var count = summary.querySelector('[data-count]');
      if (avg) avg.textContent = state.averageRating.toFixed(1);
      else summary.insertAdjacentHTML('afterbegin', '<span class="star" aria-hidden="true">★</span> <strong data-average></strong> ');
      if (!avg) summary.querySelector('[data-average]').textContent = state.averageRating.toFixed(1);
      if (count) count.textContent = state.ratingText;
    }
    var legend = widget.querySelector('.star-form legend');
    if (legend && state.starsText) legend.textContent = state.starsText;
    var status = widget.querySelector('[data-rating-status]');
    if (status && state.message) status.textContent = state.message;
  }
})();
