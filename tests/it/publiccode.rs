//! `publiccode.yml` holds what the Standard for Public Code's schema (0.4) requires, with allowed values, in Dutch and English.

use yaml_rust2::{Yaml, YamlLoader};

fn text<'a>(y: &'a Yaml, key: &str) -> &'a str {
    y[key].as_str().unwrap_or_else(|| panic!("{key} is a text"))
}

fn list<'a>(y: &'a Yaml, key: &str) -> &'a [Yaml] {
    let l = y[key].as_vec().unwrap_or_else(|| panic!("{key} is a list"));
    assert!(!l.is_empty(), "{key} is not empty");
    l
}

#[test]
fn publiccode_yml_has_the_schemas_required_fields_with_allowed_values() {
    let file = std::fs::read_to_string(crate::hosted::repo().join("publiccode.yml")).unwrap();
    let docs = YamlLoader::load_from_str(&file).expect("publiccode.yml is YAML");
    let y = &docs[0];
    assert_eq!(text(y, "publiccodeYmlVersion"), "0.4");
    assert!(!text(y, "name").is_empty());
    assert!(text(y, "url").starts_with("https://"));
    assert_eq!(text(y, "softwareVersion"), env!("CARGO_PKG_VERSION"), "the version is the workspace's");
    for p in list(y, "platforms") {
        assert!(["web", "windows", "mac", "linux", "ios", "android"].contains(&p.as_str().unwrap()), "{p:?}");
    }
    let categories = ["e-learning", "collaboration", "communications", "knowledge-management", "survey", "event-management"];
    for c in list(y, "categories") {
        assert!(categories.contains(&c.as_str().unwrap()), "{c:?}");
    }
    assert!(["concept", "development", "beta", "stable", "obsolete"].contains(&text(y, "developmentStatus")));
    let types = [
        "standalone/mobile",
        "standalone/iot",
        "standalone/desktop",
        "standalone/web",
        "standalone/backend",
        "standalone/other",
        "addon",
        "library",
        "configurationFiles",
    ];
    assert!(types.contains(&text(y, "softwareType")));
    for lang in ["nl", "en"] {
        let d = &y["description"][lang];
        assert!(!d.is_badvalue(), "a description in {lang}");
        assert!(text(d, "shortDescription").chars().count() <= 150, "{lang}: shortDescription is at most 150 characters");
        let long = text(d, "longDescription").chars().count();
        assert!((150..=10_000).contains(&long), "{lang}: longDescription is 150 to 10,000 characters ({long})");
        assert!(list(d, "features").iter().all(|f| f.as_str().is_some_and(|f| f.chars().count() <= 100)));
    }
    let cargo = std::fs::read_to_string(crate::hosted::repo().join("Cargo.toml")).unwrap();
    let license = text(&y["legal"], "license");
    assert!(cargo.contains(&format!("license = \"{license}\"")), "the same licence as the code: {license}");
    let maintenance = text(&y["maintenance"], "type");
    assert!(["internal", "contract", "community", "none"].contains(&maintenance));
    if maintenance == "internal" || maintenance == "contract" {
        assert!(list(&y["maintenance"], "contacts").iter().all(|c| !text(c, "name").is_empty()));
    }
    assert!(y["localisation"]["localisationReady"].as_bool().is_some());
    let langs: Vec<&str> = list(&y["localisation"], "availableLanguages").iter().map(|l| l.as_str().unwrap()).collect();
    assert_eq!(langs, ["nl", "en"]);
    for dependency in list(&y["dependsOn"], "open") {
        assert!(!text(dependency, "name").is_empty());
        assert!(dependency["optional"].as_bool().is_some(), "{dependency:?}");
    }
    assert_eq!(license, "EUPL-1.2", "the licence Dutch government software is published under");
}
