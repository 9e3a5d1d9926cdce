//! A tour of every view as a new user sees it, for people to look at: screenshots at 1400×1000
//! and 390×844, in light and dark, into `target/tour/`, with the document's width against the
//! viewport's (nothing but a table may scroll sideways), and the list, an event and the security
//! overview as they print (a screenshot with print media, and the PDF Chromium prints). Needs
//! the release build in `dist/`.
//!   cargo run -p e2e --example tour              (`-- --print-only`: the printed views alone)

use e2e::*;

#[tokio::main]
async fn main() {
    let stack = Stack::start(StackOptions::default()).await;
    let app = stack.app_url.clone();
    let out = root().join("target/tour");
    std::fs::create_dir_all(&out).expect("dir");
    let print_only = std::env::args().any(|a| a == "--print-only");
    with_browser(move |c| async move {
        let views = [
            ("signin", "/"),
            ("list", "/?event_type=USER_LOGIN"),
            ("security", "/security"),
            ("settings", "/settings"),
            ("past-last", "/?page=9999"),
            ("bad-size", "/?size=500"),
            ("bad-id", "/events/not-a-uuid"),
        ];
        let sizes: &[(u32, u32)] = if print_only {
            &[]
        } else {
            &[(1400, 1000), (390, 844)]
        };
        for &(w, h) in sizes {
            c.set_window_size(w, h).await.expect("size");
            for theme in ["light", "dark"] {
                c.goto(&app).await.expect("open");
                js(&c, "sessionStorage.clear(); localStorage.clear()").await;
                c.goto(&app).await.expect("open");
                find(&c, testid::SIGNIN_FORM).await;
                shot(&c, &out, &format!("{w}-{theme}-signin")).await;
                sign_in_demo(&c).await;
                find(&c, testid::THEME)
                    .await
                    .select_by_value(theme)
                    .await
                    .expect("theme");
                for (name, path) in &views[1..] {
                    c.goto(&format!("{app}{path}")).await.expect("open");
                    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
                    shot(&c, &out, &format!("{w}-{theme}-{name}")).await;
                }
                c.goto(&app).await.expect("open");
                wait_rows(&c).await;
                // The rows themselves, scrolled to.
                js(&c, "document.querySelector('.toolbar').scrollIntoView()").await;
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                shot(&c, &out, &format!("{w}-{theme}-rows")).await;
                open_row(&c, 0).await;
                wait_text(&c, testid::DETAIL_ID, |t| !t.is_empty()).await;
                shot(&c, &out, &format!("{w}-{theme}-detail")).await;
                // A search, its marks in the rows; an update with its neighbours and history.
                c.goto(&format!(
                    "{app}/?where=country%3AUS+type%3AAPP_UPDATE&search_text=acme"
                ))
                .await
                .expect("open");
                wait_rows(&c).await;
                tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
                js(&c, "document.querySelector('.toolbar').scrollIntoView()").await;
                shot(&c, &out, &format!("{w}-{theme}-search")).await;
                open_row(&c, 0).await;
                wait_text(&c, testid::DETAIL_ID, |t| !t.is_empty()).await;
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                shot(&c, &out, &format!("{w}-{theme}-update")).await;
                js(
                    &c,
                    &format!(
                        "const h = document.querySelector('{}'); if (h) h.scrollIntoView()",
                        tid(testid::RESOURCE_HISTORY)
                    ),
                )
                .await;
                shot(&c, &out, &format!("{w}-{theme}-history")).await;
            }
        }
        // On paper (print media, a page's width, the dark theme chosen): what the list, an
        // event and the security overview print as.
        c.set_window_size(800, 1100).await.expect("size");
        c.goto(&app).await.expect("open");
        js(&c, "sessionStorage.clear(); localStorage.clear()").await;
        c.goto(&app).await.expect("open");
        sign_in_demo(&c).await;
        find(&c, testid::THEME)
            .await
            .select_by_value("dark")
            .await
            .expect("theme");
        cdp(
            &c,
            "Emulation.setEmulatedMedia",
            serde_json::json!({ "media": "print" }),
        )
        .await;
        for (name, path) in [
            ("list", "/?event_type=USER_LOGIN"),
            ("security", "/security"),
        ] {
            c.goto(&format!("{app}{path}")).await.expect("open");
            tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
            shot(&c, &out, &format!("print-{name}")).await;
            pdf(&c, &out, &format!("print-{name}")).await;
        }
        c.goto(&format!("{app}/?event_type=USER_LOGIN"))
            .await
            .expect("open");
        wait_rows(&c).await;
        open_row(&c, 0).await;
        wait_text(&c, testid::DETAIL_ID, |t| !t.is_empty()).await;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        shot(&c, &out, "print-detail").await;
        pdf(&c, &out, "print-detail").await;
    })
    .await;
    drop(stack);
}

/// The page as Chromium prints it (WebDriver's Print Page: A4, 1 cm margins, no backgrounds).
async fn pdf(c: &fantoccini::Client, out: &std::path::Path, name: &str) {
    let pdf = c.print(Default::default()).await.expect("print");
    println!("{name}.pdf: {} bytes", pdf.len());
    std::fs::write(out.join(format!("{name}.pdf")), pdf).expect("write");
}

async fn shot(c: &fantoccini::Client, out: &std::path::Path, name: &str) {
    let widths = js(
        c,
        "return [document.documentElement.scrollWidth, innerWidth, document.title]",
    )
    .await;
    println!(
        "{name}: document {} px wide in a {} px viewport; title {}",
        widths[0], widths[1], widths[2]
    );
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(out.join(format!("{name}.png")), png).expect("write");
}
