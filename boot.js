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
