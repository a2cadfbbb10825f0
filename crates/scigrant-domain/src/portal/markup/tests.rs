use super::*;

/// Real payloads from XSS cheat sheets, in Markdown and raw HTML.
const PAYLOADS: [&str; 12] = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "[点我](javascript:alert(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<p style=\"background:url(javascript:alert(1))\" onclick=\"alert(1)\">x</p>",
    "<body onload=alert(1)><details open ontoggle=alert(1)>",
];

#[test]
fn payloads_leave_nothing_active() {
    for p in PAYLOADS {
        let out = render_body(p).to_ascii_lowercase();
        for bad in [
            "<script",
            "onerror",
            "onload",
            "onclick",
            "ontoggle",
            "javascript:",
            "data:",
            "<svg",
            "<iframe",
            "<img",
            "style=",
            "<body",
            "<details",
        ] {
            assert!(!out.contains(bad), "{p:?} gave {out:?}");
        }
    }
}

#[test]
fn markdown_is_kept() {
    let out = render_body(
        "## 申报要求\n\n**截止** [详情](https://example.gov.cn/a)\n\n| 甲 | 乙 |\n|---|---|\n| 1 | 2 |",
    );
    assert!(out.contains("<h2>申报要求</h2>"), "{out}");
    assert!(out.contains("<strong>截止</strong>"), "{out}");
    assert!(out.contains("href=\"https://example.gov.cn/a\""), "{out}");
    assert!(out.contains("rel=\"noopener noreferrer\""), "{out}");
    assert!(out.contains("<td>1</td>"), "{out}");
}

#[test]
fn titles_are_one_line_of_text() {
    assert_eq!(plain_title("  关于\n发布\t指南 "), "关于 发布 指南");
    assert_eq!(plain_title("<script>x</script>"), "<script>x</script>");
}

#[test]
fn text_drops_tags() {
    assert_eq!(text_of("<p>甲 &amp; 乙</p><p>丙</p>"), "甲 & 乙 丙");
}
