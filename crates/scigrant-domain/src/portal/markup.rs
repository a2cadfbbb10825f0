//! The body of an article: written in Markdown, rendered to HTML and
//! cleaned by ammonia's allow-list before it is stored, so what a visitor
//! receives never carries a script, an event handler, a `javascript:` or
//! `data:` address, or an embedded SVG, whatever the editor typed.

use std::collections::HashSet;

use pulldown_cmark::{Options, Parser, html};

/// Markdown → clean HTML (tables, strikethrough; raw HTML in the source is
/// cleaned like the rest).
pub fn render_body(markdown: &str) -> String {
    let parser = Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    );
    let mut raw = String::new();
    html::push_html(&mut raw, parser);
    clean(&raw)
}

/// Cleans HTML with an allow-list: ordinary text markup, tables and links
/// to http(s) or mailto only; links get `rel="noopener noreferrer"`.
pub fn clean(html: &str) -> String {
    let tags: HashSet<&str> = [
        "a",
        "b",
        "blockquote",
        "br",
        "code",
        "del",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    ]
    .into_iter()
    .collect();
    let schemes: HashSet<&str> = ["http", "https", "mailto"].into_iter().collect();
    ammonia::Builder::default()
        .tags(tags)
        .url_schemes(schemes)
        .link_rel(Some("noopener noreferrer"))
        .clean(html)
        .to_string()
}

/// A title is plain text: control characters and line breaks become
/// spaces, runs of spaces collapse; markup stays text (escaped on display).
pub fn plain_title(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The body as plain text (for search and list excerpts): tags dropped,
/// the common entities read back.
pub fn text_of(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
