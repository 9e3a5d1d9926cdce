// Before the app's code has arrived: index.html's sign-in form can be filled in and sent, and
// the app takes over what was typed (src/browser.rs, boot_sign_in). Someone already signed in
// sees the intro instead. A file rather than inline script, for the Content-Security-Policy.
(function () {
  // A revisit with a copy kept on this device: its record is read now, while the app's code is
  // still arriving, rather than after it has started (about 50 ms sooner on a desktop). The app
  // takes the read over once (src/kept.rs, load) when it is of the account it signs in to, and
  // reads for itself otherwise. Read-only: a database not yet made is left for the app to make.
  try {
    var stored = 'audit-viewer.credentials';
    if (localStorage.getItem('audit-viewer.keep-copy') === 'on' &&
        (sessionStorage.getItem(stored) || localStorage.getItem(stored)) && window.indexedDB) {
      window.__auditKeptEarly = new Promise(function (resolve) {
        var open = indexedDB.open('audit-viewer', 1);
        open.onupgradeneeded = function () { open.transaction.abort(); };
        open.onerror = function () { resolve(null); };
        open.onblocked = function () { resolve(null); };
        open.onsuccess = function () {
          var db = open.result;
          try {
            var cursor = db.transaction('copies', 'readonly').objectStore('copies').openCursor();
            cursor.onsuccess = function () {
              var c = cursor.result;
              resolve(c && typeof c.value === 'string' ? [String(c.key), c.value] : null);
              db.close();
            };
            cursor.onerror = function () { resolve(null); db.close(); };
          } catch (e) { resolve(null); db.close(); }
        };
      });
    }
  } catch (e) { /* storage refused: the app reads for itself */ }
})();
(function () {
  // The first view's requests (src/early.rs). The app hands each request it sends to take():
  // until its first answer they are noted, and settle() keeps them beside the credentials. At
  // the next load of the same page they are sent here at once, while the app's code is still
  // arriving, and take() gives the app the answer instead of asking again. Not with a copy kept
  // on this device, which answers the first view by itself.
  try {
    if (!window.fetch || !window.AbortController || !window.TextEncoder) return;
    var RECORD = 'audit-viewer.first-requests';
    var CREDENTIALS = 'audit-viewer.credentials';
    var KEEP = 'audit-viewer.keep-copy';
    var here = function () { return location.pathname + location.search; };
    var sent = [];
    var noting = true, noted = [], route = null;
    // The API base as the app finds it (src/session.rs): the Settings override, else
    // config.json's api_base_url, a path being on this page's origin.
    var trimmed = function (url) { return String(url).trim().replace(/\/+$/, ''); };
    var base = function () {
      var override = localStorage.getItem('audit-viewer.api-base');
      if (override) return Promise.resolve(trimmed(override));
      return fetch('config.json').then(function (r) { return r.ok ? r.json() : null; })
        .then(function (config) {
          var b = config && typeof config.api_base_url === 'string' ? config.api_base_url.trim() : '';
          if (!b) return null;
          return trimmed(b.charAt(0) === '/' && b.charAt(1) !== '/' ? location.origin + b : b);
        });
    };
    var keeping = localStorage.getItem(KEEP) === 'on';
    [sessionStorage, localStorage].some(function (store) {
      var stored = store.getItem(CREDENTIALS);
      if (!stored) return false;
      // The record is beside the credentials the app signs in with.
      var record = JSON.parse(store.getItem(RECORD) || 'null');
      var signed = JSON.parse(stored);
      if (keeping || !record || record.route !== here() || record.key !== signed.key ||
          typeof record.base !== 'string' || !Array.isArray(record.requests)) return true;
      var bytes = new TextEncoder().encode(signed.key + ':' + signed.secret);
      var raw = '';
      for (var b = 0; b < bytes.length; b++) raw += String.fromCharCode(bytes[b]);
      var authorization = 'Basic ' + btoa(raw);
      // Only to the proxy the app is configured with now (Settings or config.json may have
      // changed since), and only what the app has not asked already meanwhile.
      base().then(function (now) {
        if (now !== record.base) return;
        record.requests.slice(0, 8).forEach(function (r) {
          if (String(r[1]).indexOf(now + '/') !== 0 || !noting ||
              noted.some(function (n) { return n[0] === r[0] && n[1] === r[1]; })) return;
          var controller = new AbortController();
          var response = fetch(r[1], {
            method: r[0],
            headers: { Authorization: authorization, Accept: 'application/json' },
            signal: controller.signal,
            // Behind the app's own files: its answers are of no use before the code has come.
            priority: 'low'
          });
          // Aborted when not taken, or failed: the app sees it only if it takes it.
          response.catch(function () {});
          sent.push({ method: r[0], url: r[1], key: signed.key, response: response, controller: controller });
        });
      }).catch(function () { /* no config.json: the app asks for itself */ });
      return true;
    });
    window.__auditEarly = {
      take: function (method, url, key, signal) {
        if (noting && noted.length < 8) {
          if (route === null) route = here();
          noted.push([method, url, key]);
        }
        for (var i = 0; i < sent.length; i++) {
          var s = sent[i];
          if (s && s.method === method && s.url === url && s.key === key) {
            sent[i] = null;
            // The app's own signal (its timeout, a newer question) aborts it from now on.
            if (signal.aborted) s.controller.abort();
            signal.addEventListener('abort', function () { s.controller.abort(); });
            return s.response;
          }
        }
        return null;
      },
      settle: function (api, key) {
        sent.forEach(function (s) { if (s) s.controller.abort(); });
        sent = [];
        if (!noting) return;
        noting = false;
        // Only what the next load asks again: a request dated otherwise than the page's
        // address (the last 90 days until now, say) was dated by the clock.
        var page = new URLSearchParams((route || '').split('?')[1] || '');
        var undated = function (url) {
          var asked = new URL(url).searchParams;
          return ['date_from', 'date_to'].every(function (d) {
            return !asked.has(d) || asked.get(d) === page.get(d);
          });
        };
        var seen = {};
        var requests = noted.filter(function (n) {
          var id = n[0] + ' ' + n[1];
          var fresh = n[2] === key && !seen[id] && undated(n[1]);
          seen[id] = true;
          return fresh;
        }).map(function (n) { return [n[0], n[1]]; });
        sessionStorage.removeItem(RECORD);
        localStorage.removeItem(RECORD);
        // Beside the credentials (the app keeps them in one store), unless a copy kept on this
        // device answers the first view by itself.
        var beside = [sessionStorage, localStorage].filter(function (store) {
          return store.getItem(CREDENTIALS);
        })[0];
        if (beside && localStorage.getItem(KEEP) !== 'on' && route !== null && requests.length) {
          beside.setItem(RECORD, JSON.stringify({ route: route, base: api, key: key, requests: requests }));
        }
      },
      restart: function () { noting = true; noted = []; route = null; }
    };
  } catch (e) { /* storage refused, or a record not understood: the app asks for itself */ }
})();
(function () {
  var section = document.getElementById('boot-signin');
  var form = document.getElementById('boot-form');
  if (!section || !form) return;
  var key = 'audit-viewer.credentials';
  var signedIn = false;
  try {
    signedIn = !!(sessionStorage.getItem(key) || localStorage.getItem(key));
    document.getElementById('boot-keep').checked = localStorage.getItem('audit-viewer.keep-copy') === 'on';
  } catch (e) { /* storage refused: show the form */ }
  // The page's own link is marked as the app marks it.
  var here = location.origin + location.pathname;
  Array.prototype.forEach.call(document.querySelectorAll('#boot .topbar a'), function (a) {
    if (a.href === here) a.setAttribute('aria-current', 'page');
  });
  // Settings asks for no sign-in.
  if (signedIn || /\/settings\/?$/.test(location.pathname)) return;
  document.getElementById('boot-intro').hidden = true;
  section.hidden = false;
  // Sent before the app started: the app signs in with it as soon as it does.
  var send = function (how) {
    form.dataset.submitted = how;
    var button = document.getElementById('boot-submit');
    button.textContent = 'Signing in…';
    button.disabled = true;
  };
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    send('form');
  });
  // For the benchmarks only (scripts/bench.sh switches the marks on): the form works now.
  try {
    if (localStorage.getItem('audit-viewer.instrument') === 'on') {
      requestAnimationFrame(function () { setTimeout(function () { performance.mark('audit:sign-in-usable'); }, 0); });
    }
  } catch (e) { /* no storage: no marks */ }
  document.getElementById('boot-demo').addEventListener('click', function () {
    document.getElementById('boot-key').value = 'demo';
    document.getElementById('boot-secret').value = 'demo';
    send('demo');
  });
})();
