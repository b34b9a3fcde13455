// The reader on the document page. Without this script the page already works: every page image has its size, the
// counter shows the first page, the jump form asks the server for #page-n, and "continue at page n" is a link. This
// adds: the counter follows the page in view, jumping without a round trip, zoom, fullscreen, ←/→ and j/k, and — for
// a signed-in reader — remembering where they stopped (POST /d/{id}/progress, at most every few seconds).
(function () {
  'use strict';
  var reader = document.getElementById('reader');
  if (!reader) return;
  var pagesBox = reader.querySelector('[data-reader-pages]');

  // Pages past the first two come inside <noscript> (shown as they are without a script) behind a blank placeholder of
  // the same size. Each is put in its placeholder's place with its sources set aside, so it fetches nothing, and is
  // fetched when it comes within half a window of the screen — Chromium's own lazy loading would start ~2½ phone pages
  // ahead. Placeholder and image share one box: nothing moves.
  var later = Array.prototype.slice.call(reader.querySelectorAll('img.page-later[data-later]'));
  var waiting = [];
  later.forEach(function (placeholder) {
    var source = reader.querySelector('noscript[data-later="' + placeholder.getAttribute('data-later') + '"]');
    if (!source) return;
    var box = document.createElement('template');
    box.innerHTML = source.textContent; // our own markup, encoded by the server; inert inside a template
    var fragment = box.content;
    Array.prototype.forEach.call(fragment.querySelectorAll('[srcset]'), function (el) { el.setAttribute('data-srcset', el.getAttribute('srcset')); el.removeAttribute('srcset'); });
    var img = fragment.querySelector('img[data-page]');
    if (!img) return;
    img.setAttribute('data-src', img.getAttribute('src'));
    img.setAttribute('src', placeholder.getAttribute('src'));
    img.removeAttribute('loading');
    placeholder.parentNode.replaceChild(fragment, placeholder);
    source.parentNode.removeChild(source);
    waiting.push(img);
  });
  function fetchPage(img) {
    var picture = img.parentNode && img.parentNode.tagName === 'PICTURE' ? img.parentNode : null;
    var els = picture ? Array.prototype.slice.call(picture.querySelectorAll('[data-srcset]')) : [];
    if (img.hasAttribute('data-srcset') && els.indexOf(img) < 0) els.push(img);
    els.forEach(function (el) { el.setAttribute('srcset', el.getAttribute('data-srcset')); el.removeAttribute('data-srcset'); });
    if (img.hasAttribute('data-src')) { img.setAttribute('src', img.getAttribute('data-src')); img.removeAttribute('data-src'); }
  }
  // Below the reader (related documents, more from this uploader) the covers' own lazy loading would also start
  // 1,250 px ahead; those that have not started yet (farther than that) wait for the same half window.
  Array.prototype.forEach.call(document.querySelectorAll('img[loading="lazy"]'), function (img) {
    if (reader.contains(img) || img.complete || img.getBoundingClientRect().top < window.innerHeight + 1400) return;
    var picture = img.parentNode && img.parentNode.tagName === 'PICTURE' ? img.parentNode : null;
    if (picture) Array.prototype.forEach.call(picture.querySelectorAll('source[srcset]'), function (el) { el.setAttribute('data-srcset', el.getAttribute('srcset')); el.removeAttribute('srcset'); });
    img.setAttribute('data-src', img.getAttribute('src'));
    // A blank of the same proportions holds the cover's box.
    img.setAttribute('src', 'data:image/svg+xml,%3Csvg xmlns=%27http://www.w3.org/2000/svg%27 viewBox=%270 0 ' +
      (img.getAttribute('width') || 1) + ' ' + (img.getAttribute('height') || 1) + '%27/%3E');
    img.removeAttribute('loading');
    waiting.push(img);
  });
  if (waiting.length) {
    if ('IntersectionObserver' in window) {
      var near = new IntersectionObserver(function (entries) {
        entries.forEach(function (e) { if (e.isIntersecting) { near.unobserve(e.target); fetchPage(e.target); } });
      }, { rootMargin: '50% 0px 50% 0px' });
      waiting.forEach(function (img) { near.observe(img); });
    } else {
      waiting.forEach(fetchPage);
    }
  }
  // Printing shows every page.
  window.addEventListener('beforeprint', function () { waiting.forEach(fetchPage); });

  var images = Array.prototype.slice.call(reader.querySelectorAll('img[data-page]'));
  var counter = reader.querySelector('[data-reader-counter]');
  var template = counter ? counter.getAttribute('data-template') : null;
  var jump = reader.querySelector('[data-reader-jump]');
  var tools = reader.querySelector('[data-reader-tools]');
  var progressForm = reader.querySelector('[data-reader-progress]');
  var current = images.length ? Number(images[0].getAttribute('data-page')) : 0;
  var opened = current, moved = false;

  function show(n) {
    current = n;
    if (counter && template) counter.textContent = template.replace('{0}', String(n));
    if (jump && jump.elements.page && document.activeElement !== jump.elements.page) jump.elements.page.value = String(n);
    remember(n);
  }

  function go(n) {
    var last = images.length ? Number(images[images.length - 1].getAttribute('data-page')) : 0;
    var target = document.getElementById('page-' + n);
    if (!target && n > last) target = document.getElementById('preview-end') || document.getElementById('download');
    if (!target) return;
    target.scrollIntoView({ block: 'start' });
    if (history.replaceState) history.replaceState(null, '', '#' + target.id);
    if (target.id === 'page-' + n) show(n);
  }

  // The page in view: the one whose image covers the most of the window's upper half.
  if ('IntersectionObserver' in window && images.length) {
    var visible = {};
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) { visible[e.target.getAttribute('data-page')] = e.isIntersecting ? e.intersectionRect.height : 0; });
      var best = 0, bestHeight = 0;
      Object.keys(visible).forEach(function (k) { if (visible[k] > bestHeight) { bestHeight = visible[k]; best = Number(k); } });
      if (best && best !== current) show(best);
    }, { rootMargin: '0px 0px -40% 0px', threshold: [0, 0.25, 0.5, 0.75, 1] });
    images.forEach(function (img) { observer.observe(img); });
  }

  if (jump) {
    jump.addEventListener('submit', function (e) {
      var n = parseInt(jump.elements.page.value, 10);
      if (!(n >= 1)) return;
      e.preventDefault();
      go(n);
    });
  }

  // Zoom: fit the width of the window, the page's own size (the reading column), or half as large again.
  var sizes = { fit: '100vw', '100': '(max-width: 40rem) calc(100vw - 1rem), (max-width: 52rem) calc(100vw - 2rem), 50rem', '150': '(max-width: 50rem) 150vw, 75rem' };
  function zoom(level) {
    if (!pagesBox) return;
    pagesBox.classList.remove('zoom-fit', 'zoom-150');
    if (level !== '100') pagesBox.classList.add('zoom-' + level);
    Array.prototype.forEach.call(pagesBox.querySelectorAll('img[sizes], source[sizes]'), function (el) { el.setAttribute('sizes', sizes[level]); });
    // A phone shows the phone-size image at fit and 100 %; zoomed to 150 % it picks from the srcset like any screen.
    Array.prototype.forEach.call(pagesBox.querySelectorAll('source[data-phone]'), function (el) { el.setAttribute('media', level === '150' ? 'not all' : el.getAttribute('data-phone')); });
    press(level);
    var keep = document.getElementById('page-' + current);
    if (keep) keep.scrollIntoView({ block: 'start' });
  }

  function press(level) {
    Array.prototype.forEach.call(tools.querySelectorAll('[data-zoom]'), function (b) { b.setAttribute('aria-pressed', String(b.getAttribute('data-zoom') === level)); });
  }

  reader.classList.add('scripted');
  if (tools) {
    // Narrower than the 50rem reading column (a phone), the page at 100 % already fills the width: "fit" is what is shown.
    var rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    if (pagesBox && pagesBox.clientWidth < 50 * rem) press('fit');
    Array.prototype.forEach.call(tools.querySelectorAll('[data-zoom]'), function (b) {
      b.addEventListener('click', function () { zoom(b.getAttribute('data-zoom')); });
    });
    var full = tools.querySelector('[data-fullscreen]');
    if (full) {
      if (!document.fullscreenEnabled) full.hidden = true;
      full.addEventListener('click', function () {
        if (document.fullscreenElement) document.exitFullscreen();
        else reader.requestFullscreen().catch(function () { /* refused by the browser: nothing to do */ });
      });
      document.addEventListener('fullscreenchange', function () {
        full.setAttribute('aria-pressed', String(document.fullscreenElement === reader));
      });
    }
  }

  // ←/→ and j/k move a page, except while typing (a comment, the jump box) or with a modifier (browser shortcuts).
  document.addEventListener('keydown', function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || e.defaultPrevented) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName))) return;
    var step = e.key === 'ArrowRight' || e.key === 'j' ? 1 : e.key === 'ArrowLeft' || e.key === 'k' ? -1 : 0;
    if (!step || !images.length) return;
    var first = Number(images[0].getAttribute('data-page'));
    var n = Math.max(first, current + step);
    e.preventDefault();
    go(n);
  });

  // Where a signed-in reader stopped: sent at most every 5 seconds while reading, and once more when they leave.
  var sent = 0, pending = 0, timer = 0;
  function post(useBeacon) {
    if (!progressForm || !pending || pending === sent) return;
    progressForm.elements.page.value = String(pending);
    var body = new FormData(progressForm);
    sent = pending;
    if (useBeacon && navigator.sendBeacon) { navigator.sendBeacon(progressForm.action, body); return; }
    fetch(progressForm.action, { method: 'POST', body: body, credentials: 'same-origin', keepalive: true }).catch(function () { sent = 0; });
  }
  function remember(n) {
    if (!progressForm) return;
    // Opening the page is not reading it: page 1 in view on arrival must not overwrite where they stopped last time.
    if (!moved) { if (n === opened) return; moved = true; }
    pending = n;
    if (!timer) timer = setTimeout(function () { timer = 0; post(false); }, 5000);
  }
  if (progressForm) {
    document.addEventListener('visibilitychange', function () { if (document.visibilityState === 'hidden') post(true); });
    window.addEventListener('pagehide', function () { post(true); });
  }

  // Opened at #page-n (the jump form without a script, a shared link): the counter starts there.
  var m = /^#page-(\d+)$/.exec(location.hash);
  if (m && document.getElementById('page-' + m[1])) {
    current = opened = Number(m[1]);
    if (counter && template) counter.textContent = template.replace('{0}', m[1]);
    // A page that came from <noscript> did not exist while the browser looked for the fragment.
    if (later.length) document.getElementById('page-' + m[1]).scrollIntoView({ block: 'start' });
  }
})();
