//! Hostile data: script-injection payloads placed in every string field of events, for the demo
//! proxy's `--demo-data`. Every payload that could run tries to set `window.__xss`.

use serde_json::{json, Value};

/// The marker a successful payload sets.
pub const MARKER: &str = "__xss";

/// At least fifty payloads: tags, event handlers, `javascript:` and `data:` URLs, SVG and MathML,
/// broken markup, template and prototype tricks, Unicode look-alikes and very long strings.
pub fn payloads() -> Vec<String> {
    let m = MARKER;
    let mut p: Vec<String> = [
        format!("<script>window.{m}=1</script>"),
        format!("<SCRIPT>window.{m}=1</SCRIPT>"),
        format!("<script src=\"data:text/javascript,window.{m}=1\"></script>"),
        format!("\"><script>window.{m}=1</script>"),
        format!("'><script>window.{m}=1</script>"),
        format!("</title><script>window.{m}=1</script>"),
        format!("</textarea><script>window.{m}=1</script>"),
        format!("<img src=x onerror=\"window.{m}=1\">"),
        format!("<img src=x onerror=window.{m}=1 />"),
        format!("<IMG SRC=# onmouseover=\"window.{m}=1\">"),
        format!("<svg onload=\"window.{m}=1\"></svg>"),
        format!("<svg><script>window.{m}=1</script></svg>"),
        format!("<svg><animate onbegin=\"window.{m}=1\" attributeName=x dur=1s>"),
        format!("<math><mtext><table><mglyph><style><img src=x onerror=\"window.{m}=1\">"),
        format!("<body onload=\"window.{m}=1\">"),
        format!("<iframe src=\"javascript:parent.{m}=1\"></iframe>"),
        format!("<iframe srcdoc=\"<script>parent.{m}=1</script>\"></iframe>"),
        format!("<a href=\"javascript:window.{m}=1\">click</a>"),
        format!("javascript:window.{m}=1"),
        format!("JaVaScRiPt:window.{m}=1"),
        format!("java\tscript:window.{m}=1"),
        format!("data:text/html,<script>window.{m}=1</script>"),
        "data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==".to_string(),
        format!("<input autofocus onfocus=\"window.{m}=1\">"),
        format!("<details open ontoggle=\"window.{m}=1\">"),
        format!("<video><source onerror=\"window.{m}=1\"></video>"),
        format!("<audio src=x onerror=\"window.{m}=1\">"),
        format!("<marquee onstart=\"window.{m}=1\">x</marquee>"),
        format!("<object data=\"javascript:window.{m}=1\"></object>"),
        format!("<embed src=\"javascript:window.{m}=1\">"),
        format!("<meta http-equiv=\"refresh\" content=\"0;url=javascript:window.{m}=1\">"),
        format!("<link rel=import href=\"data:text/html,<script>window.{m}=1</script>\">"),
        format!("<style>@import 'javascript:window.{m}=1';</style>"),
        format!("<div style=\"background:url(javascript:window.{m}=1)\">"),
        format!("<form><button formaction=\"javascript:window.{m}=1\">x</button></form>"),
        format!("<template><script>window.{m}=1</script></template>"),
        format!("<noscript><p title=\"</noscript><img src=x onerror=window.{m}=1>\">"),
        format!("<<script>window.{m}=1//<</script>"),
        format!("<scr<script>ipt>window.{m}=1</scr</script>ipt>"),
        format!("<img src=\"x\" onerror=\"&#119;indow.{m}=1\">"),
        format!("&lt;script&gt;window.{m}=1&lt;/script&gt;"),
        format!("%3Cscript%3Ewindow.{m}%3D1%3C%2Fscript%3E"),
        format!("\\u003cscript\\u003ewindow.{m}=1\\u003c/script\\u003e"),
        format!("＜script＞window.{m}=1＜/script＞"),
        format!("<script>window.{m}=1</script>\u{202e}gnp.exe"),
        format!("\u{200b}<\u{200b}script>window.{m}=1</script>"),
        format!("{{{{constructor.constructor('window.{m}=1')()}}}}"),
        format!("${{window.{m}=1}}"),
        format!("`${{window.{m}=1}}`"),
        "__proto__".to_string(),
        "{\"__proto__\": {\"polluted\": true}}".to_string(),
        "constructor".to_string(),
        "\u{0000}null\u{0000}byte".to_string(),
        "line\r\nbreak\r\nX-Injected: 1".to_string(),
        "' OR '1'='1".to_string(),
        "../../../../etc/passwd".to_string(),
        "ﷺ𒐫𒈙⸻꧅ — long grapheme ᄀᄀᄀ각ᆨᆨ".to_string(),
        "Z̷̧̛͓̗̩͔̠̈́̀͌̈́a̸̢̛̤̯̘̓l̴̛̠̲͙̐̈́g̷̢̛̼͓̿o̴̧͇̓".to_string(),
        format!("<img src=x onerror=\"window.{m}=1\">{}", "A".repeat(10_000)),
    ]
    .into_iter()
    .collect();
    p.push(format!(
        "{}<script>window.{m}=1</script>",
        "<b>".repeat(2_000)
    ));
    p
}

/// One event per payload, the payload in every string field — event type, description, email,
/// source, IP, country, account, a context key and value, and a field the API does not define.
pub fn events() -> Vec<Value> {
    payloads()
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            json!({
                "id": format!("00000000-0000-4000-8000-{i:012}"),
                "event_type": p,
                "event_type_description": p,
                "created_at": format!("2026-01-01T{:02}:{:02}:00", i / 60, i % 60),
                "user_email": p,
                "user_id": p,
                "account_id": p,
                "source": p,
                "source_ip": p,
                "source_description": p,
                "source_country": p,
                "context": { p.clone(): p, "nested": { "list": [p, {"k": p}] } },
                "unexpected_field": p,
            })
        })
        .collect()
}

/// The events as JSON Lines.
pub fn jsonl() -> String {
    events().iter().map(|e| format!("{e}\n")).collect()
}
