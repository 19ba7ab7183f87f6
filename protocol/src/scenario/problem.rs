//! One problem in a scenario file, positioned as `file:line:column` so a trainer can find it.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// What is wrong and how to fix it, in one or two sentences.
    pub message: String,
}

impl Problem {
    /// A problem at byte `offset` of `src`; line and column count from 1, columns in characters.
    pub fn at(file: &str, src: &str, offset: usize, message: impl Into<String>) -> Problem {
        let offset = offset.min(src.len());
        let before = src.get(..offset).unwrap_or(src);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Problem { file: file.to_owned(), line, column, message: message.into() }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let src = "a = 1\nbé = \"x\"\n";
        let p = Problem::at("f.toml", src, src.find('=').unwrap(), "m");
        assert_eq!((p.line, p.column), (1, 3));
        let second = src.rfind('=').unwrap();
        let p = Problem::at("f.toml", src, second, "m");
        assert_eq!((p.line, p.column), (2, 4));
        assert_eq!(p.to_string(), "f.toml:2:4: m");
    }
}
