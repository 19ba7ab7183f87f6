//! Where the client keeps its files: the settings in the user's configuration folder, reports in their documents.

use std::ffi::OsString;
use std::path::PathBuf;

/// The settings file: `%APPDATA%\dilemma\client.json` on Windows, `$XDG_CONFIG_HOME/dilemma/client.json`
/// or `~/.config/dilemma/client.json` elsewhere.
pub fn settings_file() -> Option<PathBuf> {
    settings_file_in(&|k| std::env::var_os(k))
}

/// Where saved reports go: `$DILEMMA_REPORTS` if set, else a `Dilemma-verslagen` folder in the
/// user's documents (`Documents` in the home folder, which Dutch Windows shows as "Documenten"),
/// else in the home folder, else here.
pub fn reports_dir() -> PathBuf {
    reports_dir_in(&|k| std::env::var_os(k), &|p| p.is_dir())
}

type Env<'a> = &'a dyn Fn(&str) -> Option<OsString>;

fn home(env: Env) -> Option<PathBuf> {
    env("HOME").or_else(|| env("USERPROFILE")).filter(|h| !h.is_empty()).map(PathBuf::from)
}

fn settings_file_in(env: Env) -> Option<PathBuf> {
    let base = env("XDG_CONFIG_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| env("APPDATA").filter(|d| !d.is_empty()).map(PathBuf::from))
        .or_else(|| home(env).map(|h| h.join(".config")))?;
    Some(base.join("dilemma").join("client.json"))
}

fn reports_dir_in(env: Env, is_dir: &dyn Fn(&std::path::Path) -> bool) -> PathBuf {
    if let Some(dir) = env("DILEMMA_REPORTS").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let Some(home) = home(env) else { return PathBuf::from("Dilemma-verslagen") };
    let documents = home.join("Documents");
    let base = if is_dir(&documents) { documents } else { home };
    base.join("Dilemma-verslagen")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<OsString> {
        move |k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| OsString::from(v))
    }

    #[test]
    fn settings_live_in_the_configuration_folder_on_each_system() {
        let linux = env(&[("HOME", "/home/sanne")]);
        assert_eq!(settings_file_in(&linux), Some(PathBuf::from("/home/sanne/.config/dilemma/client.json")));
        let xdg = env(&[("HOME", "/home/sanne"), ("XDG_CONFIG_HOME", "/cfg")]);
        assert_eq!(settings_file_in(&xdg), Some(PathBuf::from("/cfg/dilemma/client.json")));
        let windows = env(&[("USERPROFILE", r"C:\Users\sanne"), ("APPDATA", r"C:\Users\sanne\AppData\Roaming")]);
        assert_eq!(settings_file_in(&windows), Some(PathBuf::from(r"C:\Users\sanne\AppData\Roaming").join("dilemma").join("client.json")));
        assert_eq!(settings_file_in(&env(&[])), None, "nowhere to keep them: not kept");
    }

    #[test]
    fn reports_go_to_the_documents_folder_when_there_is_one() {
        let home = env(&[("HOME", "/home/sanne")]);
        assert_eq!(reports_dir_in(&home, &|_| true), PathBuf::from("/home/sanne/Documents/Dilemma-verslagen"));
        assert_eq!(reports_dir_in(&home, &|_| false), PathBuf::from("/home/sanne/Dilemma-verslagen"));
        let chosen = env(&[("HOME", "/home/sanne"), ("DILEMMA_REPORTS", "/srv/verslagen")]);
        assert_eq!(reports_dir_in(&chosen, &|_| true), PathBuf::from("/srv/verslagen"));
        assert_eq!(reports_dir_in(&env(&[]), &|_| true), PathBuf::from("Dilemma-verslagen"));
    }
}
