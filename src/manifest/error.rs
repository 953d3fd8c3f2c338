//! Manifest diagnostics: what failed, where in which file, and what to do next.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode};

/// A byte range in a source file.
pub type Span = Range<usize>;

/// A file the manifest was read from: the manifest itself or a `--vars-file`.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user gave it; error messages show it.
    pub name: Arc<str>,
    pub text: Arc<str>,
}

impl SourceFile {
    /// Wraps a file's name and contents.
    pub fn new(name: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> Self {
        SourceFile {
            name: name.into(),
            text: text.into(),
        }
    }

    fn named(&self) -> NamedSource<Arc<str>> {
        NamedSource::new(&*self.name, Arc::clone(&self.text)).with_language("toml")
    }
}

/// A labelled place in a source file.
#[derive(Debug, Clone)]
pub struct Label {
    pub span: Span,
    pub text: String,
}

/// A manifest error (exit code 2), rendered by miette with the source line and a caret.
#[derive(Debug, Clone)]
pub struct ManifestError {
    message: String,
    source: Option<(SourceFile, Vec<Label>)>,
    help: Option<String>,
}

impl ManifestError {
    /// Creates an error that points at no source location (e.g. a bad `--var` argument).
    pub fn new(message: impl Into<String>) -> Self {
        ManifestError {
            message: message.into(),
            source: None,
            help: None,
        }
    }

    /// Creates an error with a labelled span in `file`.
    pub fn at(
        file: &SourceFile,
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Self {
        let label = Label {
            span: clamp(span, file.text.len()),
            text: label.into(),
        };
        ManifestError {
            message: message.into(),
            source: Some((file.clone(), vec![label])),
            help: None,
        }
    }

    /// Adds a hint that says what to do next.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a hint only when there is one.
    #[must_use]
    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    /// Adds a secondary label in the same file.
    #[must_use]
    pub fn with_label(mut self, span: Span, text: impl Into<String>) -> Self {
        if let Some((file, labels)) = &mut self.source {
            labels.push(Label {
                span: clamp(span, file.text.len()),
                text: text.into(),
            });
        }
        self
    }

    /// Returns the one-line message, without location or hint.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Returns the hint, if any.
    pub fn help_text(&self) -> Option<&str> {
        self.help.as_deref()
    }

    /// Returns `file:line:col` of the primary label, if the error has a location.
    pub fn location(&self) -> Option<String> {
        let (file, labels) = self.source.as_ref()?;
        let first = labels.first()?;
        let (line, col) = line_col(&file.text, first.span.start);
        Some(format!("{}:{line}:{col}", file.name))
    }

    /// Prefixes the message with context, e.g. the instance being rendered.
    #[must_use]
    pub fn context(mut self, prefix: impl fmt::Display) -> Self {
        self.message = format!("{prefix}: {}", self.message);
        self
    }
}

/// Returns the 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before
        .get(line_start..)
        .map_or(1, |s| s.chars().count() + 1);
    (line, col)
}

fn clamp(span: Span, len: usize) -> Span {
    let start = span.start.min(len);
    let end = span.end.clamp(start, len);
    start..end
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ManifestError {}

impl Diagnostic for ManifestError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        None
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        // SourceFile implements SourceCode itself so that the snippet header shows the path.
        self.source
            .as_ref()
            .map(|(file, _)| file as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let (_, labels) = self.source.as_ref()?;
        Some(Box::new(labels.iter().enumerate().map(|(i, l)| {
            let text = if l.text.is_empty() {
                None
            } else {
                Some(l.text.clone())
            };
            if i == 0 {
                LabeledSpan::new_primary_with_span(text, l.span.clone())
            } else {
                LabeledSpan::new_with_span(text, l.span.clone())
            }
        })))
    }
}

impl SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.to_string(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}

impl SourceFile {
    /// Returns the file as a miette named source (used by tests that render reports).
    pub fn to_named_source(&self) -> NamedSource<Arc<str>> {
        self.named()
    }
}

/// Returns the candidate closest to `name`, if one is close enough to be a likely typo.
pub fn did_you_mean<'a, I>(name: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        let score = strsim::jaro_winkler(&name.to_lowercase(), &candidate.to_lowercase());
        if score >= 0.8 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// Builds the hint for a failed lookup: "did you mean `x`?" or the list of valid names.
pub fn lookup_hint<'a, I>(name: &str, what: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str> + Clone,
{
    if let Some(best) = did_you_mean(name, candidates.clone()) {
        return format!("did you mean `{best}`?");
    }
    let all: Vec<String> = candidates.into_iter().map(|c| format!("`{c}`")).collect();
    if all.is_empty() {
        format!("there are no {what}")
    } else if all.len() > 12 {
        format!("valid {what} include: {}, ...", all[..12].join(", "))
    } else {
        format!("valid {what} are: {}", all.join(", "))
    }
}
