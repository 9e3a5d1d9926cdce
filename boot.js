// Before the app's code has arrived: index.html's sign-in form can be filled in and sent, and
// the app takes over what was typed (src/browser.rs, boot_sign_in). Someone already signed in
// sees the intro instead. A file rather than inline script, for the Content-Security-Policy.
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
