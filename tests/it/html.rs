//! The HTML report (`check --html`) in a real headless Chromium: the page
//! loads and draws without a script error, the violating operations are
//! the highlighted ones, and the screenshot shows the highlight colour in
//! the box of the first violating operation. On a linearizability failure
//! of the corpus and on a weak-guarantee failure of the simulator.
//!
//! Chromium is Debian's `chromium` (`.ci/run` installs it); without it the
//! test says so and passes locally, and fails when `CONCORD_REQUIRE_TOOLS`
//! is set (as `.ci/run` does).

use crate::cli::{json_lines, run};
use crate::corpus_verdicts::corpus_dir;
use std::path::{Path, PathBuf};
use std::process::Command;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("concord-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn chromium() -> Option<&'static str> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    if found.is_none() {
        assert!(
            std::env::var_os("CONCORD_REQUIRE_TOOLS").is_none(),
            "Chromium is required here (apt-get install chromium)"
        );
        eprintln!("note: no Chromium found: the HTML report is not exercised in a browser");
    }
    found
}

/// Runs headless Chromium on `page` with `extra` (`--dump-dom` or
/// `--screenshot=…`) and returns its standard output.
fn headless(browser: &str, page: &Path, extra: &str, profile: &str) -> String {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            "--window-size=1200,800",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", temp(profile).display()))
        .arg(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The value of `attr` on the dumped `<body>`.
fn body_attr(dom: &str, attr: &str) -> String {
    let body = &dom[dom.find("<body").expect("a body")..];
    let body = &body[..body.find('>').unwrap()];
    let key = format!("{attr}=\"");
    let at = body
        .find(&key)
        .unwrap_or_else(|| panic!("no {attr} on {body}"));
    let rest = &body[at + key.len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// Checks `history` with `flags` and `--html`, opens the page, and returns
/// the highlighted operation ids.
fn exercise(browser: &str, name: &str, history: &Path, flags: &[&str]) -> Vec<u64> {
    let page = temp(&format!("{name}.html"));
    let mut args = vec![
        "check",
        history.to_str().unwrap(),
        "--html",
        page.to_str().unwrap(),
    ];
    args.extend_from_slice(flags);
    let (code, _, err) = run(&args, "");
    assert_eq!(code, 1, "{name}: {err}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{name}: the page refers to the network"
    );
    let dom = headless(browser, &page, "--dump-dom", &format!("{name}-dom"));
    assert_eq!(
        body_attr(&dom, "data-status"),
        "ok",
        "{name}: the page did not draw"
    );
    let highlighted: Vec<u64> = body_attr(&dom, "data-highlighted")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    assert!(!highlighted.is_empty(), "{name}: nothing highlighted");
    // The screenshot has the highlight colour in the first highlighted
    // operation's box.
    let shot = temp(&format!("{name}.png"));
    headless(
        browser,
        &page,
        &format!("--screenshot={}", shot.display()),
        &format!("{name}-shot"),
    );
    let coords: Vec<i64> = body_attr(&dom, "data-highlight-box")
        .split(',')
        .map(|s| s.parse().unwrap())
        .collect();
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.line_size / info.width as usize;
    let (x0, y0, w, h) = (coords[0], coords[1], coords[2].max(3), coords[3].max(3));
    let mut red = 0;
    for y in y0.max(0)..(y0 + h).min(info.height as i64) {
        for x in x0.max(0)..(x0 + w).min(info.width as i64) {
            let i = y as usize * info.line_size + x as usize * channels;
            // The highlight colour, #e53935, give or take antialiasing.
            let (r, g, b) = (buf[i], buf[i + 1], buf[i + 2]);
            if r > 200 && g < 90 && b < 90 {
                red += 1;
            }
        }
    }
    assert!(
        red >= 20,
        "{name}: only {red} highlight pixels in the box {coords:?} of {}",
        shot.display()
    );
    highlighted
}

#[test]
fn the_html_report_highlights_the_violation_in_a_real_browser() {
    let Some(browser) = chromium() else {
        return;
    };
    // A linearizability failure from the corpus.
    let etcd = corpus_dir().join("porcupine-etcd/etcd_000.log");
    let flags = ["-c", "lin", "--model", "cas-register", "--initial", "nil"];
    let highlighted = exercise(browser, "etcd", &etcd, &flags);
    let mut args = vec!["check", etcd.to_str().unwrap(), "--report", "json"];
    args.extend_from_slice(&flags);
    let (_, out, _) = run(&args, "");
    let result = json_lines(&out)
        .into_iter()
        .find(|m| m["type"] == "result")
        .unwrap();
    let mut expected: Vec<u64> = result["violations"][0]["ops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_u64().unwrap())
        .collect();
    let mut got = highlighted.clone();
    expected.sort_unstable();
    got.sort_unstable();
    assert_eq!(
        got, expected,
        "the highlighted operations are the violation's"
    );
    // A weak-guarantee failure from the simulator.
    let sim = temp("pb.hist");
    let (code, _, err) = run(
        &[
            "sim",
            "--protocol",
            "primary-backup",
            "--fault",
            "backup-reads",
            "--roaming",
            "--seed",
            "3",
            "-o",
            sim.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    exercise(browser, "sim", &sim, &["-c", "monotonic-reads"]);
}
