//! Evidence in and out: export every matching event (CSV and JSON Lines) compared event by event
//! with the API, cancel, re-open an export offline, a malformed line, and live tail.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use e2e::*;
use serde_json::Value;

fn download_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("e2e-dl-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

/// Waits for one finished download in `dir` and returns its path.
async fn downloaded(dir: &Path, ext: &str) -> PathBuf {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        // Chromium reserves the final name with an empty file at once and writes into a
        // .crdownload beside it, renamed over it at the end: a download is done when its file
        // has bytes and no .crdownload is left.
        let files: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        let writing = files
            .iter()
            .any(|p| p.extension().is_some_and(|e| e == "crdownload"));
        let done = files.into_iter().find(|p| {
            p.to_string_lossy().ends_with(&format!(".{ext}"))
                && std::fs::metadata(p).is_ok_and(|m| m.len() > 0)
        });
        if let (Some(p), false) = (done, writing) {
            return p;
        }
        assert!(
            Instant::now() < deadline,
            "no .{ext} download in {}",
            dir.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn export_both_formats_event_by_event_then_reopen_offline() {
    let dir = download_dir("export");
    let dl = dir.clone();
    signed_in_using(
        StackOptions::default(),
        BrowserOptions::downloading(&dir),
        move |c, stack| async move {
            let app = stack.app_url.clone();
            let proxy = stack.proxy_url.clone();
            // A filtered set of a few thousand events, with the end of the range fixed.
            let query =
                "event_type=USER_LOGIN%2CUSER_LOGOUT%2CUSER_PRODUCT_SEARCH&date_to=2100-01-01";
            c.goto(&format!("{app}/?{query}")).await.expect("filtered");
            wait_rows(&c).await;
            let expected = api_all(&c, &proxy, query).await;
            assert!(
                expected.len() > 2000,
                "several thousand: {}",
                expected.len()
            );
            let label = find(&c, testid::EXPORT).await.text().await.expect("text");
            assert_eq!(
                label,
                format!(
                    "Export all {}",
                    audit_model::page::thousands(expected.len() as u64)
                )
            );

            // JSON Lines: every line is the API's event, in order.
            find(&c, testid::EXPORT_FORMAT)
                .await
                .select_by_value("jsonl")
                .await
                .expect("format");
            click(&c, testid::EXPORT).await;
            let done = wait_text(&c, testid::EXPORT_DONE, |t| !t.is_empty()).await;
            assert!(
                done.contains(&audit_model::page::thousands(expected.len() as u64)),
                "{done}"
            );
            let file = downloaded(&dl, "jsonl").await;
            let name = file
                .file_name()
                .expect("name")
                .to_string_lossy()
                .to_string();
            assert!(
                name.starts_with("audit-events_user_login+user_logout+user_product_search_"),
                "{name}"
            );
            let text = std::fs::read_to_string(&file).expect("read");
            let lines: Vec<Value> = text
                .lines()
                .map(|l| serde_json::from_str(l).expect("json line"))
                .collect();
            assert_eq!(lines.len(), expected.len());
            for (got, want) in lines.iter().zip(&expected) {
                assert_eq!(got, want, "event {}", want["id"]);
            }

            // CSV: one row per event, same ids in the same order, quoted and neutralised by a CSV writer.
            find(&c, testid::EXPORT_FORMAT)
                .await
                .select_by_value("csv")
                .await
                .expect("format");
            click(&c, testid::EXPORT).await;
            let csv_file = downloaded(&dl, "csv").await;
            let mut reader = csv::Reader::from_path(&csv_file).expect("csv");
            let header: Vec<String> = reader
                .headers()
                .expect("header")
                .iter()
                .map(str::to_string)
                .collect();
            assert_eq!(header[0], "time_utc");
            assert_eq!(header[9], "id");
            let rows: Vec<csv::StringRecord> =
                reader.records().collect::<Result<_, _>>().expect("rows");
            assert_eq!(rows.len(), expected.len());
            for (row, want) in rows.iter().zip(&expected) {
                assert_eq!(&row[9], want["id"].as_str().expect("id"));
                assert_eq!(&row[1], want["event_type"].as_str().expect("type"));
                assert_eq!(&row[3], want["user_email"].as_str().expect("email"));
                let ctx: Value = serde_json::from_str(&row[10]).expect("context JSON");
                assert_eq!(ctx, want["context"]);
            }

            // The evidence manifest beside it: the query, the account, the count, and a SHA-256 that
            // is the downloaded file's.
            click(&c, testid::EXPORT_MANIFEST).await;
            let manifest_file = downloaded(&dl, "json").await;
            let manifest: Value =
                serde_json::from_str(&std::fs::read_to_string(&manifest_file).expect("read"))
                    .expect("JSON");
            let bytes = std::fs::read(&csv_file).expect("read csv");
            use sha2::Digest;
            let sha = format!("{:x}", sha2::Sha256::digest(&bytes));
            assert_eq!(
                manifest["file"]["sha256"], sha,
                "the manifest fingerprints the file"
            );
            assert_eq!(manifest["file"]["bytes"], bytes.len() as u64);
            assert_eq!(
                manifest["file"]["name"].as_str(),
                csv_file.file_name().and_then(|n| n.to_str())
            );
            assert_eq!(
                manifest_file
                    .file_name()
                    .and_then(|n| n.to_str())
                    .map(|n| n.ends_with(".csv.manifest.json")),
                Some(true)
            );
            assert_eq!(manifest["events"], rows.len() as u64);
            assert_eq!(
                manifest["query"]["event_types"],
                serde_json::json!(["USER_LOGIN", "USER_LOGOUT", "USER_PRODUCT_SEARCH"])
            );
            assert_eq!(manifest["query"]["date_to"], "2100-01-01");
            assert_eq!(manifest["source"]["account_api_key"], "demo");
            assert_eq!(manifest["source"]["api_base_url"], proxy);
            assert!(
                !std::fs::read_to_string(&manifest_file)
                    .expect("read")
                    .contains("\"demo:"),
                "no secret"
            );

            // OCSF: one object per event, in the same order, each of its class (a login is
            // Authentication, 3002) and carrying the event's id; the file's name says the shape.
            find(&c, testid::EXPORT_FORMAT)
                .await
                .select_by_value("ocsf")
                .await
                .expect("format");
            click(&c, testid::EXPORT).await;
            let ocsf_file = downloaded(&dl, "ocsf.jsonl").await;
            let ocsf: Vec<Value> = std::fs::read_to_string(&ocsf_file)
                .expect("read")
                .lines()
                .map(|l| serde_json::from_str(l).expect("OCSF line"))
                .collect();
            assert_eq!(ocsf.len(), expected.len());
            for (got, want) in ocsf.iter().zip(&expected) {
                assert_eq!(got["metadata"]["uid"], want["id"]);
                let class = if want["event_type"] == "USER_PRODUCT_SEARCH" {
                    6003
                } else {
                    3002
                };
                assert_eq!(got["class_uid"], class, "event {}", want["id"]);
            }

            // Re-open the JSON Lines export offline: no credentials, same counts and rows.
            let logins_api = api_total(
                &c,
                &proxy,
                "event_type=USER_LOGIN&date_to=2100-01-01&size=1",
            )
            .await;
            click(&c, testid::SIGN_OUT).await;
            open_offline(&c, &file).await;
            let banner = wait_text(&c, testid::OFFLINE_BANNER, |t| !t.is_empty()).await;
            assert!(
                banner.contains(&name)
                    && banner.contains(&audit_model::page::thousands(expected.len() as u64)),
                "{banner}"
            );
            wait_text(&c, testid::SHOWING, |t| {
                t.ends_with(&format!(
                    "of {}",
                    audit_model::page::thousands(expected.len() as u64)
                ))
            })
            .await;
            let first_ids: Vec<String> = serde_json::from_value(
                js(
                    &c,
                    &format!(
                        "return Array.from(document.querySelectorAll('{}')).map(r => r.dataset.id)",
                        tid(testid::EVENT_ROW)
                    ),
                )
                .await,
            )
            .expect("ids");
            let want_ids: Vec<String> = expected
                .iter()
                .take(30)
                .map(|e| e["id"].as_str().expect("id").to_string())
                .collect();
            assert_eq!(first_ids, want_ids, "same rows, same order");
            // The same filter gives the same count as the API.
            click(&c, testid::TYPE_SUMMARY).await;
            click(&c, &testid::type_option("USER_LOGIN")).await;
            click(&c, testid::TYPE_SUMMARY).await;
            click(&c, testid::APPLY).await;
            wait_text(&c, testid::SHOWING, |t| {
                t.ends_with(&format!("of {}", audit_model::page::thousands(logins_api)))
            })
            .await;
            // The detail view works offline too.
            open_row(&c, 0).await;
            assert_eq!(
                wait_text(&c, testid::DETAIL_TYPE, |t| !t.is_empty()).await,
                "USER_LOGIN"
            );
            click(&c, testid::CLOSE_FILE).await;
            find(&c, testid::SIGNIN_FORM).await;
        },
    )
    .await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn cancel_stops_an_export_and_saves_nothing() {
    let dir = download_dir("cancel");
    let dl = dir.clone();
    signed_in_using(
        StackOptions::proxy(&["--fault-latency-ms", "400", "--fault-match", "size=100"]),
        BrowserOptions::downloading(&dir),
        move |c, _stack| async move {
            click(&c, testid::EXPORT).await;
            let status = wait_text(&c, testid::EXPORT_STATUS, |t| {
                t.starts_with("Page ") && !t.starts_with("Page 0")
            })
            .await;
            assert!(status.contains("of 5,000 events"), "{status}");
            let progress = find(&c, testid::EXPORT_PROGRESS).await;
            assert!(progress.attr("value").await.expect("attr").is_some());
            click(&c, testid::EXPORT_CANCEL).await;
            let msg = wait_text(&c, testid::EXPORT_ERROR, |t| !t.is_empty()).await;
            assert!(msg.contains("cancelled"), "{msg}");
            tokio::time::sleep(Duration::from_millis(1500)).await;
            let files: Vec<_> = std::fs::read_dir(&dl).expect("dir").collect();
            assert!(files.is_empty(), "nothing downloaded");
            // The view is untouched and a new export can start.
            assert!(find(&c, testid::EXPORT)
                .await
                .is_enabled()
                .await
                .expect("enabled"));
        },
    )
    .await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_malformed_line_is_reported_by_number_and_the_rest_loads() {
    let stack = Stack::start(StackOptions::default()).await;
    let app = stack.app_url.clone();
    let path = std::env::temp_dir().join(format!("offline-{}.jsonl", std::process::id()));
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&format!(
            "{{\"id\":\"00000000-0000-4000-8000-{i:012}\",\"event_type\":\"APP_CREATE\",\"created_at\":\"2025-01-01T00:{:02}:00\",\"user_email\":\"u{i}@x.example\"}}\n",
            i % 60
        ));
        if i == 2 {
            text.push_str("{this is not json\n");
        }
    }
    std::fs::write(&path, text).expect("write");
    let file = path.clone();
    with_browser(move |c| async move {
        c.goto(&app).await.expect("open");
        open_offline(&c, &file).await;
        let errors = wait_text(&c, testid::OFFLINE_ERRORS, |t| !t.is_empty()).await;
        assert!(
            errors.contains("1 line(s)") && errors.contains("line 4"),
            "{errors}"
        );
        wait_text(&c, testid::SHOWING, |t| t == "Showing 1–30 of 40").await;
    })
    .await;
    let _ = std::fs::remove_file(path);
    drop(stack);
}

#[tokio::test]
async fn a_json_array_file_opens_offline_and_names_a_bad_item() {
    let stack = Stack::start(StackOptions::default()).await;
    let app = stack.app_url.clone();
    let path = std::env::temp_dir().join(format!("offline-array-{}.json", std::process::id()));
    let items: Vec<serde_json::Value> = (0..12)
        .map(|i| serde_json::json!({"id": format!("00000000-0000-4000-8000-{i:012}"), "event_type": "APP_UPDATE", "created_at": format!("2025-02-01T00:{i:02}:00")}))
        .chain([serde_json::json!("not an event")])
        .collect();
    std::fs::write(&path, serde_json::to_string_pretty(&items).expect("json")).expect("write");
    let file = path.clone();
    with_browser(move |c| async move {
        c.goto(&app).await.expect("open");
        open_offline(&c, &file).await;
        wait_text(&c, testid::SHOWING, |t| t == "Showing 1–12 of 12").await;
        let errors = wait_text(&c, testid::OFFLINE_ERRORS, |t| !t.is_empty()).await;
        assert!(
            errors.contains("1 item(s)") && errors.contains("item 13"),
            "{errors}"
        );
        // A reload cannot keep a file read in memory: the sign-in page names it, and says what
        // to do, rather than silently showing something else.
        c.refresh().await.expect("reload");
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_string();
        let notice = wait_text(&c, testid::SIGNIN_NOTICE, |t| !t.is_empty()).await;
        assert!(
            notice.contains(&name) && notice.contains("open it again"),
            "{notice}"
        );
    })
    .await;
    let _ = std::fs::remove_file(path);
    drop(stack);
}

/// The total in the timeline's caption ("…: 5,000 events in 91 bars.").
async fn timeline_total(c: &fantoccini::Client) -> u64 {
    let t = wait_text(c, testid::TIMELINE_SUMMARY, |t| t.contains(" in ")).await;
    let number = t
        .split(": ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_default()
        .replace(',', "");
    number
        .parse()
        .unwrap_or_else(|_| panic!("no total in {t:?}"))
}

/// Switches live tail on, polling every second.
#[tokio::test]
async fn live_tail_counts_only_events_that_arrive() {
    // An account where nothing happens: whatever the user does, nothing is new.
    signed_in(StackOptions::default(), move |c, _stack| async move {
        wait_rows(&c).await;
        live_every_second(&c).await;
        // Another page, then other filters: neither is an arrival.
        click(&c, testid::NEXT).await;
        wait_until(&c, "page 2", || async {
            location(&c).await.contains("page=2").then_some(())
        })
        .await;
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let count = find(&c, testid::LIVE_COUNT).await.text().await.expect("t");
        assert!(count.starts_with("0 "), "after Next: {count}");
        type_into(&c, testid::SEARCH_TEXT, "USER_LOGIN").await;
        click(&c, testid::APPLY).await;
        wait_text(&c, testid::SHOWING, |t| !t.ends_with("of 5,000")).await;
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let count = find(&c, testid::LIVE_COUNT).await.text().await.expect("t");
        assert!(count.starts_with("0 "), "after new filters: {count}");
        assert!(find_all(&c, testid::LIVE_SHOW_NEWEST).await.is_empty());
        // An end date in the past stops it, and a refused Live does not stay ticked.
        type_into(&c, testid::DATE_TO, "2020-01-01 00:00:00").await;
        click(&c, testid::APPLY).await;
        let note = wait_text(&c, testid::LIVE_NOTE, |t| !t.is_empty()).await;
        assert!(note.contains("past"), "{note}");
        assert!(!find(&c, testid::LIVE).await.is_selected().await.expect("s"));
        click(&c, testid::LIVE).await;
        let note = wait_text(&c, testid::LIVE_NOTE, |t| t.contains("reaches now")).await;
        assert!(note.contains("clear the To date"), "{note}");
        assert!(
            !find(&c, testid::LIVE).await.is_selected().await.expect("s"),
            "refused, so not ticked"
        );
    })
    .await;
}

#[tokio::test]
async fn live_tail_watches_the_newest_events_whatever_page_is_shown() {
    signed_in(
        StackOptions::proxy(&["--demo-live-every-ms", "600"]),
        move |c, _stack| async move {
            wait_rows(&c).await;
            let before = timeline_total(&c).await;
            click(&c, testid::NEXT).await;
            wait_until(&c, "page 2", || async {
                location(&c).await.contains("page=2").then_some(())
            })
            .await;
            live_every_second(&c).await;
            let count = wait_text(&c, testid::LIVE_COUNT, |t| !t.starts_with("0 ")).await;
            assert!(count.ends_with("new since live started"), "{count}");
            // Page 2 stays on screen; the way to the newest is offered.
            assert!(location(&c).await.contains("page=2"));
            find(&c, testid::LIVE_SHOW_NEWEST).await;
            // The timeline follows the live total.
            let after = wait_until(&c, "the timeline to count the arrivals", || async {
                let t = timeline_total(&c).await;
                (t > before).then_some(t)
            })
            .await;
            assert!(after > before, "{before} -> {after}");
            click(&c, testid::LIVE_SHOW_NEWEST).await;
            wait_until(&c, "page 1", || async {
                (!location(&c).await.contains("page=")).then_some(())
            })
            .await;
            let highlighted = wait_until(&c, "a highlighted row", || async {
                js(&c, "return document.querySelectorAll('tr.new').length")
                    .await
                    .as_u64()
                    .filter(|n| *n > 0)
            })
            .await;
            assert!(highlighted >= 1);
            assert!(find(&c, testid::LIVE).await.is_selected().await.expect("s"));
        },
    )
    .await;
}

#[tokio::test]
async fn security_sections_export_with_a_manifest_that_fingerprints_them() {
    let dir = download_dir("security");
    let dl = dir.clone();
    signed_in_using(
        StackOptions::default(),
        BrowserOptions::downloading(&dir),
        move |c, stack| async move {
            let app = stack.app_url.clone();
            c.goto(&format!("{app}/security?range=90d"))
                .await
                .expect("overview");
            wait_text(&c, testid::SECURITY_SUMMARY, |t| !t.is_empty()).await;
            click(&c, &testid::in_section(testid::COUNTRIES, "csv")).await;
            let csv_file = downloaded(&dl, "csv").await;
            let name = csv_file
                .file_name()
                .and_then(|n| n.to_str())
                .expect("name")
                .to_string();
            assert!(name.starts_with("security-countries_"), "{name}");
            let mut reader = csv::Reader::from_path(&csv_file).expect("csv");
            let rows: Vec<csv::StringRecord> =
                reader.records().collect::<Result<_, _>>().expect("rows");
            let br = rows.iter().find(|r| &r[0] == "BR").expect("a BR row");
            assert_eq!(&br[1], "14", "the planted burst");
            assert_eq!(&br[4], "true", "first seen");
            click(&c, &testid::in_section(testid::COUNTRIES, "manifest")).await;
            let manifest_file = downloaded(&dl, "json").await;
            let manifest: Value =
                serde_json::from_str(&std::fs::read_to_string(&manifest_file).expect("read"))
                    .expect("JSON");
            use sha2::Digest;
            let bytes = std::fs::read(&csv_file).expect("read");
            assert_eq!(
                manifest["file"]["sha256"],
                format!("{:x}", sha2::Sha256::digest(&bytes))
            );
            assert_eq!(manifest["file"]["name"], name);
            assert_eq!(manifest["events"], rows.len() as u64);
            assert_eq!(manifest["source"]["account_api_key"], "demo");
            assert!(manifest["query"]["event_types"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t == "USER_LOGIN")));
        },
    )
    .await;
    let _ = std::fs::remove_dir_all(dir);
}
