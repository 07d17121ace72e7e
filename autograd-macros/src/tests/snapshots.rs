//! Snapshots of the expansion: each `tests/expand/NAME.rs` holds the body of a `grad!` call,
//! and `tests/expand/NAME.expanded.rs` the code it generates, rendered with prettyplease.
//! Set `AUTOGRAD_BLESS=1` to rewrite the snapshots after a deliberate change.

use std::path::Path;

fn render(input: &str) -> String {
    let tokens: proc_macro2::TokenStream = input.parse().expect("snapshot input tokenizes");
    let output = crate::expand::grad(tokens);
    match syn::parse2::<syn::File>(output.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => output.to_string(),
    }
}

#[test]
fn expansions_match_snapshots() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expand");
    let bless = std::env::var_os("AUTOGRAD_BLESS").is_some();
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/expand exists")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.extension().is_some_and(|e| e == "rs")
                && !path.to_string_lossy().ends_with(".expanded.rs")
        })
        .collect();
    inputs.sort();
    assert!(
        !inputs.is_empty(),
        "no snapshot inputs in {}",
        dir.display()
    );
    let mut mismatches = Vec::new();
    for input in inputs {
        let source = std::fs::read_to_string(&input).expect("readable input");
        let actual = render(&source);
        // Generated code is `let` bindings on the stack: nothing allocates or dispatches. A
        // gradient of a slice is a `Vec` (sized once by `_grad_into`), and a loop that carries
        // a variable the reverse loop reads saves it in one `Vec`, allocated at loop entry.
        let vec_allowed = source.contains("&[T]") || source.contains("tape");
        for forbidden in ["Box", "dyn", "Rc", "RefCell", "Vec", "vec!", "String"] {
            if forbidden == "Vec" && vec_allowed {
                continue;
            }
            let found = actual
                .split(|c: char| !c.is_alphanumeric() && c != '!')
                .any(|word| word == forbidden);
            assert!(!found, "{} generates `{forbidden}`", input.display());
        }
        let expected_path = input.with_extension("expanded.rs");
        if bless {
            std::fs::write(&expected_path, &actual).expect("writable snapshot");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            mismatches.push(format!(
                "{} differs from its snapshot; expansion:\n{actual}",
                input.display()
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
}
