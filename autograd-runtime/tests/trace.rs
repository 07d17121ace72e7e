//! `Trace` built by hand as the generated `f_trace` builds it: recording, lookup, the table, and
//! the DOT and SVG pictures (well-formed XML holding every label).

use autograd::trace::{dot_to_svg, ClusterInfo, NodeInfo, Role, Trace};
use autograd::Error;

const fn node(
    name: &'static str,
    op: &'static str,
    inputs: &'static [usize],
    role: Role,
    cluster: Option<usize>,
) -> NodeInfo {
    NodeInfo {
        name,
        op,
        inputs,
        role,
        cluster,
    }
}

/// micrograd's example: `z = x * y; w = z + x`.
static MICROGRAD: [NodeInfo; 4] = [
    node("x", "input", &[], Role::Param, None),
    node("y", "input", &[], Role::Param, None),
    node("z", "*", &[0, 1], Role::Inner, None),
    node("w", "+", &[2, 0], Role::Output, None),
];

/// At x = 2, y = 3: w = 8; dw/dz = 1, dw/dx = y + 1 = 4, dw/dy = x = 2.
pub(crate) fn micrograd() -> Trace {
    let mut t = Trace::new("f", &MICROGRAD, &[]);
    for (node, value) in [(0, 2.0), (1, 3.0), (2, 6.0), (3, 8.0)] {
        t.value(node, value);
    }
    for (node, adjoint) in [(3, 1.0), (2, 1.0), (1, 2.0), (0, 4.0)] {
        t.adjoint(node, adjoint);
    }
    t
}

/// `t = x * x` and `s = s + t` in a loop, then `y = -s`, with a data input `c` and a constant
/// the output does not depend on, inside an `if` inside the loop.
static LOOP: [NodeInfo; 6] = [
    node("x", "input", &[], Role::Param, None),
    node("t", "*", &[0, 0], Role::Inner, Some(0)),
    node("s", "+", &[2, 1], Role::Inner, Some(0)),
    node("y", "neg", &[2], Role::Output, None),
    node("c", "input", &[], Role::Data, None),
    node("0.5", "const", &[], Role::Const, Some(1)),
];
static LOOP_CLUSTERS: [ClusterInfo; 2] = [
    ClusterInfo {
        label: "for i in 0..2",
        parent: None,
    },
    ClusterInfo {
        label: "if x < c && c > \"0\"",
        parent: Some(0),
    },
];

pub(crate) fn looped() -> Trace {
    let mut t = Trace::new("looped", &LOOP, &LOOP_CLUSTERS);
    t.value(0, 2.0); // entry 0: x
    t.value(4, 7.0); // 1: c
    for _ in 0..2 {
        t.value(1, 4.0); // 2, 5: t
        t.value(5, 0.5); // 3, 6: the constant
        let s = t.get("s").map_or(0.0, |e| e.value);
        t.value(2, s + 4.0); // 4, 7: s
    }
    t.value(3, -8.0); // 8: y
                      // The reverse pass: y, then the loop backwards. Distinct adjoints show which entry each
                      // one lands on.
    t.adjoint(3, 1.0);
    t.adjoint(2, -1.5);
    t.adjoint(1, -1.25);
    t.adjoint(2, -2.5);
    t.adjoint(1, -2.25);
    t.adjoint(0, -8.0);
    t
}

#[test]
fn lookup_and_table_of_micrograds_example() {
    let t = micrograd();
    assert_eq!(t.function(), "f");
    assert_eq!(t.value_of("z"), Some(6.0));
    assert_eq!(t.adjoint_of("x"), Some(4.0));
    assert_eq!(t.adjoint_of("y"), Some(2.0));
    assert_eq!((t.value_of("w"), t.adjoint_of("w")), (Some(8.0), Some(1.0)));
    assert_eq!((t.value_of("nope"), t.adjoint_of("nope")), (None, None));
    let w = t.get("w").unwrap();
    assert_eq!(
        (w.op, w.role, &w.inputs[..]),
        ("+", Role::Output, &[2, 0][..])
    );
    assert_eq!(t.output().map(|e| e.name), Some("w"));
    let table = t.to_string();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines,
        [
            "name | op    |  value | adjoint",
            "-----+-------+--------+--------",
            "x    | input | 2.0000 |  4.0000",
            "y    | input | 3.0000 |  2.0000",
            "z    | *     | 6.0000 |  1.0000",
            "w    | +     | 8.0000 |  1.0000",
        ],
        "{table}"
    );
    assert!(
        format!("{t:.1}").contains("z    | *     |   6.0 |     1.0"),
        "{t:.1}"
    );
}

#[test]
fn a_loop_has_an_entry_per_iteration_and_gets_its_adjoints_last_first() {
    let t = looped();
    let e = t.entries();
    assert_eq!(e.len(), 9);
    let s: Vec<_> = e.iter().filter(|e| e.name == "s").collect();
    assert_eq!(
        s.iter().map(|e| (e.instance, e.value)).collect::<Vec<_>>(),
        [(0, 4.0), (1, 8.0)]
    );
    // The first adjoint of `s` in the reverse pass belongs to its last iteration.
    assert_eq!((s[0].adjoint, s[1].adjoint), (Some(-2.5), Some(-1.5)));
    assert_eq!((e[2].adjoint, e[5].adjoint), (Some(-2.25), Some(-1.25)));
    // Inputs are the latest entries when recorded: `s` has no entry before its first
    // iteration, then the previous iteration's.
    assert_eq!(e[4].inputs, [2]);
    assert_eq!(e[7].inputs, [4, 5]);
    assert_eq!(e[2].inputs, [0, 0]);
    assert_eq!(e[8].inputs, [7]);
    assert_eq!(t.get("s").map(|e| e.instance), Some(1));
    assert_eq!(t.adjoint_of("c"), None);

    let table = t.to_string();
    for row in [
        "s#0  | +     |  4.0000 | -2.5000",
        "s#1  | +     |  8.0000 | -1.5000",
        "c    | input |  7.0000 |       —",
        "0.5#1 | const |  0.5000 |       —",
    ] {
        let row = row.split('|').map(str::trim).collect::<Vec<_>>();
        assert!(
            table
                .lines()
                .any(|l| l.split('|').map(str::trim).collect::<Vec<_>>() == row),
            "{row:?} not in\n{table}"
        );
    }
}

#[test]
#[cfg_attr(
    debug_assertions,
    should_panic(expected = "adjoint of node 1 before its value")
)]
fn an_adjoint_without_a_value_is_a_bug_of_the_macro() {
    let mut t = Trace::new("f", &MICROGRAD, &[]);
    t.value(0, 1.0);
    t.adjoint(1, 1.0);
    // Without debug assertions it is ignored.
    assert_eq!(t.adjoint_of("y"), None);
}

#[test]
fn to_dot_is_micrograds_draw_dot() {
    let dot = micrograd().to_dot();
    assert!(dot.contains("rankdir=LR;"), "{dot}");
    for record in [
        "{ x | data 2.0000 | grad 4.0000 }",
        "{ z | data 6.0000 | grad 1.0000 }",
        "{ w | data 8.0000 | grad 1.0000 }",
    ] {
        assert!(dot.contains(record), "{record} not in\n{dot}");
    }
    // x, y, op *, z, op +, w: each op between its operands and its result.
    assert!(dot.contains("n2 [label=\"*\", shape=ellipse]"), "{dot}");
    for edge in [
        "n0 -> n2;",
        "n1 -> n2;",
        "n2 -> n3;",
        "n3 -> n4;",
        "n0 -> n4;",
        "n4 -> n5;",
    ] {
        assert!(dot.contains(edge), "{edge} not in\n{dot}");
    }
    assert!(dot.contains("shape=record, style=\"bold\""), "{dot}");

    let dot = looped().to_dot();
    assert!(dot.contains("subgraph cluster_0 {"), "{dot}");
    assert!(
        dot.contains("label=\"if x < c && c > \\\"0\\\"\";"),
        "{dot}"
    );
    let inner = dot.find("subgraph cluster_1").unwrap();
    assert!(dot[..inner].rfind("subgraph cluster_0").is_some());
    assert!(dot.contains("style=\"dashed\""), "the data input: {dot}");
    assert!(dot.contains("[label=\"0.5#0\", shape=plaintext]"), "{dot}");
}

/// Every line of every `<text>` of an SVG document, which must be well-formed XML.
fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.has_tag_name("tspan"))
        .map(|n| n.text().unwrap_or("").to_string())
        .collect()
}

fn assert_has(texts: &[String], labels: &[&str]) {
    for label in labels {
        for line in label.lines() {
            assert!(
                texts.iter().any(|t| t == line),
                "{line:?} not in the SVG's text: {texts:?}"
            );
        }
    }
}

#[test]
fn to_svg_draws_every_entry() {
    let texts = svg_texts(&micrograd().to_svg().unwrap());
    assert_has(
        &texts,
        &[
            "x",
            "y",
            "z",
            "w",
            "*",
            "+",
            "data 2.0000",
            "grad 4.0000",
            "data 3.0000",
            "grad 2.0000",
            "data 8.0000",
        ],
    );

    let t = looped();
    let svg = t.to_svg().unwrap();
    let texts = svg_texts(&svg);
    assert_has(
        &texts,
        &[
            "s#0",
            "s#1",
            "t#1",
            "0.5#1",
            "neg",
            "grad —",
            "for i in 0..2",
            "if x < c && c > \"0\"",
        ],
    );
    assert!(
        svg.contains("if x &lt; c &amp;&amp; c &gt;"),
        "escaped once"
    );

    // The DOT it writes renders too, with the same labels.
    let texts = svg_texts(&dot_to_svg(&t.to_dot()).unwrap());
    assert_has(
        &texts,
        &["s#1", "data 8.0000", "grad -1.5000", "for i in 0..2"],
    );
}

/// What the macro's `f_graph()` writes.
pub(crate) const F_GRAPH: &str = r#"digraph f {
  rankdir=LR;
  node [shape=box, fontname="Helvetica"];
  n0 [label="x", shape=ellipse];
  n1 [label="y", shape=ellipse, style=dashed];
  n2 [label="z = x * y"];
  n3 [label="2.0", shape=plaintext];
  n4 [label="u = if x < 0.0 { z }\nelse { \"q\" & 2.0 }"];
  n5 [label="v = u * 2.0"];
  n6 [label="w = z + x", peripheries=2];
  n0 -> n2; n1 -> n2; n2 -> n4; n3 -> n5; n4 -> n5; n5 -> n6; n0 -> n6;
  subgraph cluster_0 { label="if x < 0.0"; n4; n3; subgraph cluster_1 { label="for i in 0..n"; n5; } }
}
"#;

#[test]
fn dot_to_svg_renders_the_f_graph_subset() {
    let svg = dot_to_svg(F_GRAPH).unwrap();
    let texts = svg_texts(&svg);
    assert_has(
        &texts,
        &[
            "x",
            "y",
            "z = x * y",
            "2.0",
            "u = if x < 0.0 { z }\nelse { \"q\" & 2.0 }",
            "v = u * 2.0",
            "w = z + x",
            "if x < 0.0",
            "for i in 0..n",
        ],
    );
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let shapes = |tag: &str, attr: &str, value: Option<&str>| {
        doc.descendants()
            .filter(|n| n.has_tag_name(tag))
            .filter(|n| {
                n.attribute(attr).is_some() && value.is_none_or(|v| n.attribute(attr) == Some(v))
            })
            .count()
    };
    assert_eq!(
        shapes("ellipse", "stroke-dasharray", None),
        1,
        "the data input y is dashed"
    );
    assert_eq!(
        shapes("rect", "fill", Some("none")),
        1,
        "the output's second border"
    );
    assert_eq!(shapes("ellipse", "rx", None), 2, "x and y are ellipses");
    assert!(dot_to_svg("digraph { }").is_ok());
    for bad in ["digraph {", "digraph f { a -> ; }", "not dot"] {
        assert!(matches!(dot_to_svg(bad), Err(Error::Graph { .. })), "{bad}");
    }
}

#[test]
fn a_graph_too_large_to_lay_out_is_an_error() {
    // Every iteration of `s = s + x * w` uses `x`: its edges span the whole loop.
    static NODES: [NodeInfo; 4] = [
        node("x", "input", &[], Role::Param, None),
        node("w", "input", &[], Role::Data, Some(0)),
        node("t", "*", &[0, 1], Role::Inner, Some(0)),
        node("s", "+", &[3, 2], Role::Output, Some(0)),
    ];
    static LOOP: [ClusterInfo; 1] = [ClusterInfo {
        label: "for w in ws",
        parent: None,
    }];
    let mut t = Trace::new("dot", &NODES, &LOOP);
    t.value(0, 1.0);
    for i in 0..150 {
        t.value(1, i as f64);
        t.value(2, i as f64);
        t.value(3, i as f64);
    }
    match t.to_svg() {
        Err(Error::Graph { message }) => assert!(message.contains("Graphviz"), "{message}"),
        other => panic!("{:?}", other.map(|svg| svg.len())),
    }
    // The table and the DOT do not need a layout.
    assert_eq!(t.to_string().lines().count(), 2 + 451);
    assert!(t.to_dot().contains("n749 -> n750;"));
}

#[test]
fn writes_files_and_reports_a_missing_directory() {
    let dir = std::env::temp_dir().join(format!("autograd-trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let t = micrograd();
    t.write_svg(dir.join("f.svg")).unwrap();
    t.write_dot(dir.join("f.dot")).unwrap();
    let svg = std::fs::read_to_string(dir.join("f.svg")).unwrap();
    assert_eq!(svg, t.to_svg().unwrap());
    assert_eq!(
        std::fs::read_to_string(dir.join("f.dot")).unwrap(),
        t.to_dot()
    );
    std::fs::remove_dir_all(&dir).unwrap();

    let missing = dir.join("no such dir").join("f.svg");
    match t.write_svg(&missing) {
        Err(Error::Io { path, .. }) => assert_eq!(path, missing),
        other => panic!("{other:?}"),
    }
    assert!(t.write_dot(&missing).is_err());
}

/// A fresh directory for one test's files.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("autograd-trace-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `Error::Invalid` from `Trace::{method}`, and no file written.
fn refused(got: autograd::Result<()>, method: &str, path: &std::path::Path) -> String {
    let err = got.unwrap_err();
    assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
    assert!(!path.exists(), "{}", path.display());
    let text = err.to_string();
    assert!(text.starts_with(&format!("Trace::{method}: ")), "{text}");
    text
}

#[test]
fn write_svg_refuses_a_png_or_dot_name() {
    let dir = scratch("svg-ext");
    let t = micrograd();
    let png = dir.join("f.png");
    let err = refused(t.write_svg(&png), "write_svg", &png);
    assert!(
        err.ends_with(
            "f.png has the extension of PNG, but this writes SVG: use a .svg path, or \
             write_png (feature png) to write PNG (.png)"
        ),
        "{err}"
    );
    let upper = dir.join("f.PNG");
    refused(t.write_svg(&upper), "write_svg", &upper);
    let dot = dir.join("f.dot");
    refused(t.write_svg(&dot), "write_svg", &dot);
    // No extension, or one we do not write: allowed.
    for name in ["f", "f.xml", "f.SVG"] {
        t.write_svg(dir.join(name)).unwrap();
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn write_dot_refuses_an_svg_or_png_name() {
    let dir = scratch("dot-ext");
    let t = micrograd();
    let svg = dir.join("f.svg");
    let err = refused(t.write_dot(&svg), "write_dot", &svg);
    assert!(
        err.contains("use a .dot path, or write_svg to write SVG"),
        "{err}"
    );
    let png = dir.join("f.png");
    refused(t.write_dot(&png), "write_dot", &png);
    for name in ["f", "f.gv", "f.txt"] {
        t.write_dot(dir.join(name)).unwrap();
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "png")]
#[test]
fn write_png_refuses_an_svg_or_dot_name() {
    let dir = scratch("png-ext");
    let t = micrograd();
    let svg = dir.join("f.svg");
    let err = refused(t.write_png(&svg), "write_png", &svg);
    assert!(
        err.contains("use a .png path, or write_svg to write SVG"),
        "{err}"
    );
    let dot = dir.join("f.gv");
    refused(t.write_png(&dot), "write_png", &dot);
    t.write_png(dir.join("f")).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "png")]
#[test]
fn png_pictures() {
    let png = micrograd().to_png().unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    // The IHDR chunk: width and height, twice the SVG's viewBox.
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let svg = micrograd().to_svg().unwrap();
    let view: f64 = svg
        .split("width=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (f64::from(width) - 2.0 * view).abs() <= 2.0,
        "{width} vs {view}"
    );
    assert!(autograd::trace::dot_to_png(F_GRAPH)
        .unwrap()
        .starts_with(b"\x89PNG"));
    let missing = std::env::temp_dir()
        .join("autograd no such dir")
        .join("f.png");
    assert!(matches!(
        micrograd().write_png(&missing),
        Err(Error::Io { .. })
    ));
}
