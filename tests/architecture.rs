//! The import graph of `src/`, drawn from the sources: one node per file (a `mod.rs` is its
//! folder's module), an edge for every path a file names into another (`crate::…`,
//! `super::…`, `ergoaudit::…`, or a child module by name). Data flows one way, so the graph
//! has no circle, and no module the commands build on imports from them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Module = Vec<String>;

/// Every `.rs` file under `dir`, by module path.
fn modules(root: &Path, dir: &Path, out: &mut BTreeMap<Module, String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            modules(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).unwrap().with_extension("");
            let mut parts: Module = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            if parts.last().is_some_and(|p| p == "mod") {
                parts.pop();
            }
            if parts == ["lib"] || parts == ["main"] {
                continue; // the crate roots only declare modules and dispatch
            }
            out.insert(parts, std::fs::read_to_string(&path).unwrap());
        }
    }
}

/// The code of a file without its comments and its test-only items (each item marked
/// `#[cfg(test)]`: a `mod tests { … }` block, a `mod testing;`, a helper), whatever follows
/// them.
fn code(text: &str) -> String {
    let text = text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        rest = &rest[at + "#[cfg(test)]".len()..];
        rest = &rest[item_end(rest)..];
    }
    out + rest
}

/// Where the item at the start of `code` ends: after its `;`, or after the `}` that closes
/// its first `{` (string and character literals skipped).
fn item_end(code: &str) -> usize {
    let bytes = code.as_bytes();
    let (mut depth, mut i) = (0usize, 0);
    while i < bytes.len() {
        match bytes[i] {
            b';' if depth == 0 => return i + 1,
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'\'' if bytes.get(i + 2) == Some(&b'\'') => i += 2,
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every path in `code`: `a::b::{c, d::e}` gives `[a, b, c]` and `[a, b, d]`.
fn paths(code: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts = is_ident(chars[i]) && (i == 0 || !(is_ident(chars[i - 1]) || chars[i - 1] == ':'));
        if !starts {
            i += 1;
            continue;
        }
        let (path, end) = read_path(&chars, i);
        i = end.max(i + 1);
        out.extend(path.into_iter().filter(|p| p.len() > 1));
    }
    out
}

/// The path(s) starting at `i`, and where they end.
fn read_path(chars: &[char], mut i: usize) -> (Vec<Vec<String>>, usize) {
    let mut segments = Vec::new();
    loop {
        let start = i;
        while i < chars.len() && is_ident(chars[i]) {
            i += 1;
        }
        segments.push(chars[start..i].iter().collect::<String>());
        if chars.get(i) == Some(&':') && chars.get(i + 1) == Some(&':') {
            i += 2;
            match chars.get(i) {
                Some(c) if is_ident(*c) => continue,
                Some('{') => {
                    let mut out = Vec::new();
                    let (mut depth, mut j, mut item_start) = (0, i + 1, i + 1);
                    while j < chars.len() {
                        match chars[j] {
                            '{' => depth += 1,
                            '}' if depth == 0 => break,
                            '}' => depth -= 1,
                            ',' if depth == 0 => {
                                out.push(item(&segments, &chars[item_start..j]));
                                item_start = j + 1;
                            }
                            _ => {}
                        }
                        j += 1;
                    }
                    out.push(item(&segments, &chars[item_start..j.min(chars.len())]));
                    return (out, j);
                }
                _ => {}
            }
        }
        return (vec![segments], i);
    }
}

/// One item of a `{…}` group under `prefix`.
fn item(prefix: &[String], text: &[char]) -> Vec<String> {
    let text: String = text.iter().collect();
    let first: String = text.trim().chars().take_while(|c| is_ident(*c)).collect();
    let mut path = prefix.to_vec();
    if !first.is_empty() && first != "self" {
        path.push(first);
    }
    path
}

/// The module a path in `from` leads to (the longest known prefix), if any.
fn resolve(from: &Module, path: &[String], known: &BTreeMap<Module, String>) -> Option<Module> {
    let (mut base, mut rest): (Module, &[String]) = match path[0].as_str() {
        "crate" | "ergoaudit" => (Vec::new(), &path[1..]),
        "super" | "self" => (from.clone(), path),
        child if known.contains_key(&[from.as_slice(), &[child.to_owned()]].concat()) => (from.clone(), path),
        _ => return None,
    };
    while let Some(first) = rest.first().filter(|s| *s == "super" || *s == "self") {
        if first == "super" {
            base.pop();
        }
        rest = &rest[1..];
    }
    let full: Module = base.into_iter().chain(rest.iter().cloned()).collect();
    (1..=full.len()).rev().map(|n| full[..n].to_vec()).find(|m| known.contains_key(m))
}

fn graph() -> BTreeMap<Module, BTreeSet<Module>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut known = BTreeMap::new();
    modules(&root, &root, &mut known);
    known
        .iter()
        .map(|(m, text)| {
            let to: BTreeSet<Module> =
                paths(&code(text)).iter().filter_map(|p| resolve(m, p, &known)).filter(|t| t != m).collect();
            (m.clone(), to)
        })
        .collect()
}

fn name(m: &Module) -> String {
    m.join("::")
}

/// Modules that reach themselves again, as the circles found (depth-first).
fn circles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<String> {
    fn visit(
        m: &Module,
        graph: &BTreeMap<Module, BTreeSet<Module>>,
        stack: &mut Vec<Module>,
        done: &mut BTreeSet<Module>,
        found: &mut Vec<String>,
    ) {
        if let Some(at) = stack.iter().position(|s| s == m) {
            let names: Vec<String> = stack[at..].iter().chain([m]).map(name).collect();
            found.push(names.join(" → "));
            return;
        }
        if !done.insert(m.clone()) {
            return;
        }
        stack.push(m.clone());
        for t in graph.get(m).into_iter().flatten() {
            visit(t, graph, stack, done, found);
        }
        stack.pop();
    }
    let mut found = Vec::new();
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        visit(m, graph, &mut Vec::new(), &mut done, &mut found);
    }
    found
}

#[test]
fn the_import_graph_has_no_circle() {
    let graph = graph();
    assert!(graph.len() > 40, "read {} modules", graph.len());
    // the graph is drawn: a few edges every version of the code has
    let edge = |a: &str, b: &str| graph.iter().any(|(m, to)| name(m) == a && to.iter().any(|t| name(t) == b));
    assert!(
        edge("audit::session", "store")
            && edge("report::history", "store")
            && edge("posture::front", "posture::head")
    );
    // … and the code after a file's first test-only item (`mod testing;` here)
    assert!(edge("pose::ops", "pose::ops::stem"), "pose::ops's swaps are read");
    let circles = circles(&graph);
    assert!(circles.is_empty(), "circles in the import graph:\n{}", circles.join("\n"));
}

/// The layers `src/lib.rs` documents, first to last: the lines of its `text` block.
fn layers() -> Vec<Vec<String>> {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let docs: Vec<&str> = lib.lines().filter_map(|l| l.strip_prefix("//!")).map(str::trim).collect();
    let start = docs.iter().position(|l| *l == "```text").expect("lib.rs lists its layers in a text block");
    docs[start + 1..]
        .iter()
        .take_while(|l| **l != "```")
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .collect()
}

#[test]
fn every_module_imports_only_from_the_layers_before_its_own() {
    let layers = layers();
    let layer = |top: &str| layers.iter().position(|l| l.iter().any(|m| m == top));
    let graph = graph();
    // every module of the library is in a layer (the binary's `cli`, `commands`, `display`,
    // `options` and `output` sit on top of them all)
    let binary = ["cli", "commands", "display", "options", "output"];
    for m in graph.keys() {
        let top = &m[0];
        assert!(layer(top).is_some() || binary.contains(&top.as_str()), "{top} is in no layer of lib.rs");
    }
    let mut wrong = Vec::new();
    for (m, to) in &graph {
        let Some(from) = layer(&m[0]) else { continue };
        for t in to.iter().filter(|t| t[0] != m[0]) {
            if layer(&t[0]).is_none_or(|l| l >= from) {
                wrong.push(format!("{} imports {}", name(m), name(t)));
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layers of lib.rs:\n{}", wrong.join("\n"));
    // the stages of the flow are in its order
    let stages: Vec<usize> =
        ["capture", "pose", "posture", "risk", "store", "report"].iter().map(|s| layer(s).unwrap()).collect();
    assert!(stages.windows(2).all(|w| w[0] < w[1]), "{stages:?}");
}

#[test]
fn nothing_the_commands_build_on_imports_from_them() {
    for (m, to) in graph() {
        if m.first().is_some_and(|f| f == "commands") {
            continue;
        }
        let wrong: Vec<String> =
            to.iter().filter(|t| t.first().is_some_and(|f| f == "commands")).map(name).collect();
        assert!(wrong.is_empty(), "{} imports from {}", name(&m), wrong.join(", "));
    }
}

#[test]
fn test_items_are_left_out_and_the_code_after_them_is_read() {
    let text = "use a::b;\n#[cfg(test)]\nmod tests {\n    use c::d;\n    fn f() { let s = \"}\"; let c = '{'; }\n}\n\
                #[cfg(test)]\nmod testing;\nuse e::f;\n";
    let read = code(text);
    assert!(read.contains("a::b") && read.contains("e::f"), "{read}");
    assert!(!read.contains("c::d") && !read.contains("testing"), "{read}");
}

#[test]
fn the_graph_reader_sees_groups_parents_and_children() {
    let p = paths("use super::{sample::{Optics, Missing}, view};\nlet x = front::estimate(a);");
    assert!(p.contains(&vec!["super".into(), "sample".into()]), "{p:?}");
    assert!(p.contains(&vec!["super".into(), "view".into()]), "{p:?}");
    assert!(p.contains(&vec!["front".into(), "estimate".into()]), "{p:?}");
    // a circle is found when there is one
    let a: Module = vec!["a".into()];
    let b: Module = vec!["b".into()];
    let graph = BTreeMap::from([(a.clone(), BTreeSet::from([b.clone()])), (b, BTreeSet::from([a]))]);
    assert_eq!(circles(&graph), ["a → b → a"]);
}
