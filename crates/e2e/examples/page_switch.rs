//! Page switch: from the list response's arrival to the rows on screen painted and all 100 rows
//! in the DOM, in headless Chromium, read from the app's `audit:page-switch` Performance measure.
//! Prints the median over pages, its phases, and when the following frame (the rows the browser
//! renders ahead, below the fold) was done.
//!
//! `bash scripts/build.sh && cargo run --release -p e2e --example page_switch [-- PAGES]`

use e2e::*;

#[tokio::main]
async fn main() {
    let pages: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    // Enough events for as many pages of 100 as asked for.
    let stack = Stack::start(StackOptions {
        proxy_args: vec![
            "--demo-events".into(),
            ((pages + 2) * 100).max(5000).to_string(),
        ],
        ..Default::default()
    })
    .await;
    let browser = bench_browser(&stack).await;
    let c = browser.client.clone();
    open_view(&c, &stack.app_url, "/?size=100").await;
    let count = "return performance.getEntriesByName('audit:page-switch').length";
    for _ in 0..pages {
        let before = js(&c, count).await.as_u64().unwrap_or(0);
        click(&c, testid::NEXT).await;
        wait_until(&c, "page switch measured", || async {
            js(&c, count).await.as_u64().filter(|n| *n > before)
        })
        .await;
    }
    // The last switch's following frame.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // Each switch's phases, from the marks the app sets when switched on (src/instrument.rs).
    let v = js(
        &c,
        r#"const at = n => performance.getEntriesByName(n).map(e => e.startTime);
           const [r, d, b, f, y, l, o] = ['audit:list-response', 'audit:list-decoded',
             'audit:list-built', 'audit:frame', 'audit:laid-out', 'audit:list-rendered',
             'audit:offscreen-painted'].map(at);
           return l.map((end, i) => [d[i] - r[i], b[i] - d[i], f[i] - b[i], y[i] - f[i],
             end - y[i], end - r[i], o[i] - r[i]]);"#,
    )
    .await;
    let mut rows: Vec<[f64; 7]> = serde_json::from_value(v).expect("phases");
    // The first entry is the initial load; the rest are page switches.
    rows.remove(0);
    let median = |i: usize| {
        let mut col: Vec<f64> = rows.iter().map(|r| r[i]).collect();
        col.sort_by(f64::total_cmp);
        (col[col.len() / 2], col[0], col[col.len() - 1])
    };
    let [d, b, f, l, p] = [0, 1, 2, 3, 4].map(|i| median(i).0);
    println!(
        "phases (medians): decode {d:.2} ms, rows on screen written and laid out {b:.2} ms, wait for the frame {f:.2} ms, style + layout left for the frame {l:.2} ms, paint and the rows off screen written {p:.2} ms"
    );
    let (med, min, max) = median(5);
    println!(
        "page switch (response → rows on screen painted, all 100 in the DOM): median {med:.2} ms (min {min:.2}, max {max:.2}, {} switches)",
        rows.len()
    );
    println!(
        "then the next frame, with the rows the browser keeps rendered below the fold: median {:.2} ms after the response",
        median(6).0
    );
    browser.close().await;
}
