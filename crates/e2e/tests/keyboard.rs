//! The keyboard alone, as a person without a mouse meets each view: Tab, pressed as real key
//! events, reaches every control in turn; every stop is on screen, not covered by anything, and
//! visibly marked on all four sides (the pixels along each edge differ from the same view without
//! focus), with no error in the console. At a desktop size in the light theme and a phone size in
//! the dark one.

use e2e::*;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;

/// Installs `__kbdStops()`, every control a person can Tab to now (shown, not in a closed
/// `<details>`, enabled, not taken
/// out of the tab order, and for a radio group only its checked button: arrow keys move within
/// a group), and `__kbdId(e)`, a number that stays with an element while the view changes.
const HELPERS: &str = r#"
const ids = new WeakMap();
let next = 0;
window.__kbdId = e => { if (!ids.has(e)) ids.set(e, next++); return ids.get(e); };
window.__kbdStops = () => Array.from(document.querySelectorAll(
    'a[href], button, input, select, textarea, summary, [tabindex]'))
  .filter(e => !e.disabled && e.tabIndex >= 0 && !e.closest('[inert]')
    && e.checkVisibility({ visibilityProperty: true })
    && !(e.type === 'radio' && !e.checked && e.name
         && document.querySelector(`input[type=radio][name="${e.name}"]:checked`)));
window.__kbdName = e => `${e.tagName.toLowerCase()}${e.dataset.testid ? '[' + e.dataset.testid + ']' : ''} "${
  (e.getAttribute('aria-label') || e.textContent || e.value || '').trim().replace(/\s+/g, ' ').slice(0, 40)}"`;
"#;

/// Where focus is now: its id among the tab stops (-1 for no control, -2 for the page
/// itself), a name for messages, its box in device pixels, and whether the point at its
/// centre belongs to it (nothing covers it) and its box is in the viewport.
const FOCUS: &str = r#"
const e = document.activeElement;
if (!e || e === document.body) return { id: -2 };
// A file input hidden inside its label: the label is what a person sees, and shows the focus.
const seen = e.getBoundingClientRect().width <= 2 && e.labels && e.labels.length ? e.labels[0] : e;
const r = seen.getBoundingClientRect();
const d = devicePixelRatio;
// A link that wraps has a box per line: the first one's centre is on it.
const q = seen.getClientRects()[0] || r;
const hit = document.elementFromPoint(q.left + q.width / 2, q.top + q.height / 2);
const p = e.parentElement;
return { id: __kbdStops().includes(e) ? __kbdId(e) : -1, name: __kbdName(e),
  look: [e.tagName, e.getAttribute('class'), e.dataset.testid, p && p.tagName, p && p.getAttribute('class')].join('|'),
  x: Math.floor(r.left * d), y: Math.floor(r.top * d),
  w: Math.ceil(r.width * d), h: Math.ceil(r.height * d), pad: Math.ceil(6 * d),
  uncovered: !!hit && (seen === hit || seen.contains(hit)), hit: hit ? __kbdName(hit) : 'nothing',
  in_view: r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth };
"#;

async fn tab(c: &fantoccini::Client) {
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down {
            value: Key::Tab.into(),
        })
        .then(KeyAction::Up {
            value: Key::Tab.into(),
        });
    c.perform_actions(keys).await.expect("press Tab");
}

/// A screenshot's pixels (RGBA or RGB rows), with its width and bytes per pixel.
struct Shot {
    width: usize,
    height: usize,
    channels: usize,
    data: Vec<u8>,
}

/// The viewport as a PNG, and its pixels.
async fn shot(c: &fantoccini::Client) -> (Vec<u8>, Shot) {
    let png = c.screenshot().await.expect("screenshot");
    let mut reader = png::Decoder::new(std::io::Cursor::new(png.clone()))
        .read_info()
        .expect("a PNG");
    let mut data = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut data).expect("pixels");
    data.truncate(info.buffer_size());
    let shot = Shot {
        width: info.width as usize,
        height: info.height as usize,
        channels: info.color_type.samples(),
        data,
    };
    (png, shot)
}

/// Whether the two shots differ on every side of the box (x, y, w, h): in each band from `pad`
/// outside an edge to `pad` inside it, corners left out. A focus ring clipped on a side fails.
fn differs_on_every_side(a: &Shot, b: &Shot, (x, y, w, h, pad): (i64, i64, i64, i64, i64)) -> bool {
    let differs = |x0: i64, x1: i64, y0: i64, y1: i64| {
        let clamp = |v: i64, max: usize| v.clamp(0, max as i64) as usize;
        let (x0, x1) = (clamp(x0, a.width), clamp(x1, a.width));
        let (y0, y1) = (clamp(y0, a.height), clamp(y1, a.height));
        (y0..y1).any(|row| {
            let at = (row * a.width + x0) * a.channels..(row * a.width + x1) * a.channels;
            a.data[at.clone()] != b.data[at]
        })
    };
    let (left, right, top, bottom) = (x, x + w, y, y + h);
    // The sides' bands leave out the corners, where the top and bottom edges would count.
    let (inner_top, inner_bottom) = if h > 2 * pad {
        (top + pad, bottom - pad)
    } else {
        (top, bottom)
    };
    let (inner_left, inner_right) = if w > 2 * pad {
        (left + pad, right - pad)
    } else {
        (left, right)
    };
    differs(left - pad, left + pad, inner_top, inner_bottom)
        && differs(right - pad, right + pad, inner_top, inner_bottom)
        && differs(inner_left, inner_right, top - pad, top + pad)
        && differs(inner_left, inner_right, bottom - pad, bottom + pad)
}

/// Tabs from where the view put focus until focus comes round again, checking every stop; returns the names of the stops in order. Fails if a control is never reached.
async fn walk(c: &fantoccini::Client, view: &str) -> Vec<String> {
    js(c, HELPERS).await;
    watch_errors(c).await;
    js(
        c,
        "document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)",
    )
    .await;
    let total = js(c, "return __kbdStops().length")
        .await
        .as_u64()
        .expect("count") as usize;
    assert!(total > 0, "{view}: no controls");
    let mut reached = std::collections::HashSet::new();
    let mut order = Vec::new();
    let mut left_page = 0;
    let mut looks = std::collections::HashSet::new();
    for _ in 0..total + 20 {
        tab(c).await;
        let f = js(c, FOCUS).await;
        let id = f["id"].as_i64().expect("id");
        if id == -2 {
            // Past the last control focus goes to the browser's own controls; the next Tab
            // comes back to the first. (A view may start mid-way, where it put focus.)
            left_page += 1;
            assert!(left_page < 3, "{view}: Tab does not come back to the page");
            continue;
        }
        let name = f["name"].as_str().unwrap_or("?").to_string();
        assert!(
            id >= 0,
            "{view}: Tab reached {name}, which is not a control"
        );
        if !reached.insert(id) {
            break;
        }
        assert_eq!(
            f["in_view"], true,
            "{view}: {name} has focus but is off screen"
        );
        assert_eq!(
            f["uncovered"], true,
            "{view}: {name} has focus but {} covers it",
            f["hit"]
        );
        // The pixels, once per kind of control (its tag, class and test id, and its parent's):
        // a hundred rows or facet buttons are marked alike, and screenshots are slow.
        if looks.insert(f["look"].to_string()) {
            let n = |k: &str| f[k].as_i64().expect(k);
            let rect = (n("x"), n("y"), n("w"), n("h"), n("pad"));
            let (png, focused) = shot(c).await;
            js(c, "document.activeElement.blur()").await;
            let (_, blurred) = shot(c).await;
            if !differs_on_every_side(&focused, &blurred, rect) {
                let dir = root().join("e2e-artifacts");
                let _ = std::fs::create_dir_all(&dir);
                let _ = std::fs::write(dir.join("keyboard-focused.png"), png);
                panic!("{view}: {name} has focus but its ring is not seen on every side (e2e-artifacts/keyboard-focused.png)");
            }
        }
        order.push(name);
    }
    let stops = js(
        c,
        "return __kbdStops().map(e => [__kbdId(e), __kbdName(e)])",
    )
    .await;
    let missed: Vec<&str> = stops
        .as_array()
        .expect("stops")
        .iter()
        .filter(|s| !reached.contains(&s[0].as_i64().expect("id")))
        .map(|s| s[1].as_str().unwrap_or("?"))
        .collect();
    assert!(
        missed.is_empty(),
        "{view}: Tab never reached {missed:?} (reached, in order: {order:?})"
    );
    let errs = errors(c).await;
    assert!(errs.is_empty(), "{view}: errors while tabbing: {errs:?}");
    order
}

#[tokio::test]
async fn tab_reaches_every_control_of_every_view_and_shows_where_it_is() {
    let stack = Stack::start(StackOptions::default()).await;
    let app = stack.app_url.clone();
    with_browser(move |c| async move {
        for ((w, h), theme) in [((1400, 1000), "light"), ((390, 844), "dark")] {
            c.set_window_size(w, h).await.expect("size");
            c.goto(&app).await.expect("open");
            js(&c, "sessionStorage.clear(); localStorage.clear()").await;
            js(
                &c,
                &format!(
                    "localStorage.setItem('{}', '{theme}')",
                    ui_names::storage::THEME
                ),
            )
            .await;
            c.goto(&app).await.expect("open");
            find(&c, testid::SIGNIN_FORM).await;
            let at = format!("{w} px, {theme}");
            let stops = walk(&c, &format!("sign-in, {at}")).await;
            assert!(
                stops.iter().any(|s| s.contains(testid::TRY_DEMO)),
                "{stops:?}"
            );
            sign_in_demo(&c).await;

            // The list at ten rows a page, so one round covers it to the pager below the table.
            c.goto(&format!("{app}/?size=10")).await.expect("open");
            wait_rows(&c).await;
            find(&c, testid::LOCAL_CHECK).await;
            let stops = walk(&c, &format!("events, {at}")).await;
            for id in [
                testid::APPLY,
                testid::NEXT,
                testid::EXPORT,
                testid::EVENT_ROW,
            ] {
                assert!(
                    stops.iter().any(|s| s.contains(&format!("[{id}]"))),
                    "events, {at}: {id} not among {stops:?}"
                );
            }

            open_row(&c, 0).await;
            wait_text(&c, testid::DETAIL_ID, |t| !t.is_empty()).await;
            walk(&c, &format!("detail, {at}")).await;

            for (name, path, ready) in [
                ("security overview", "/security", "countries-csv"),
                ("settings", "/settings", testid::API_BASE),
            ] {
                c.goto(&format!("{app}{path}")).await.expect("open");
                find(&c, ready).await;
                walk(&c, &format!("{name}, {at}")).await;
            }
        }
    })
    .await;
}
