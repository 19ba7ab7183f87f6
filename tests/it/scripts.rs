//! The pages' scripts checked by TypeScript's checker (`tsc --checkJs`, on their JSDoc types and the browser's DOM types): a misspelt DOM call or a wrong number of arguments fails the suite.

use std::path::Path;

#[test]
fn the_pages_scripts_pass_typescripts_checker() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("typecheck");
    let tsc = root.join("node_modules/.bin/tsc");
    if !tsc.exists() {
        let skip = std::env::var_os("DILEMMA_SKIP_BROWSER").is_some_and(|v| v == "1") && std::env::var_os("CI").is_none();
        assert!(
            skip,
            "{} is missing: ./test.sh installs it (npm ci --prefix tests/typecheck); DILEMMA_SKIP_BROWSER=1 skips this outside CI",
            tsc.display()
        );
        eprintln!("skipping the scripts' type check: {} is missing", tsc.display());
        return;
    }
    let out = std::process::Command::new(&tsc).arg("-p").arg(&root).output().expect("run tsc");
    assert!(
        out.status.success(),
        "TypeScript's checker finds in session-server/web/js:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
