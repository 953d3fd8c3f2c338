//! Run design CSV import: one header row of column names, then one row per sample. Rows with
//! `Is Collection` true (or no such column) are SMRT Cells; rows with it false are barcoded
//! samples of the collection above them.

use std::collections::HashMap;

use super::error::{ApiError, ApiResult};

/// A parsed run design.
#[derive(Debug, Clone)]
pub struct RunDesign {
    pub run_name: String,
    pub run_comments: Option<String>,
    pub system_name: String,
    pub experiment_id: Option<String>,
    pub cells: Vec<CellDesign>,
}

/// One SMRT Cell of a run design.
#[derive(Debug, Clone)]
pub struct CellDesign {
    pub well: String,
    pub sample_name: String,
    pub movie_hours: f64,
    pub insert_size: i64,
    pub comment: Option<String>,
    pub ccs: bool,
    /// `(barcode name, bio sample name)` from barcoded-sample rows or `Bio Sample Name`.
    pub bio_samples: Vec<(String, String)>,
}

const REQUIRED: &[&str] = &[
    "Run Name",
    "Sample Well",
    "Sample Name",
    "Movie Time per SMRT Cell (hours)",
    "Insert Size (bp)",
    "Template Prep Kit Box Barcode",
    "Binding Kit Box Barcode",
    "Sequencing Kit Box Barcode",
];

/// Parses run design CSV text.
///
/// # Errors
/// 422 naming the row and column of the first problem: non-ASCII text, a missing required
/// column or value, an invalid well, movie time, insert size, boolean or kit barcode.
pub fn parse(text: &str) -> ApiResult<RunDesign> {
    if let Some((i, c)) = text.char_indices().find(|(_, c)| !c.is_ascii()) {
        return Err(invalid(format!(
            "the CSV must be ASCII, but character {c:?} appears at byte {i}"
        )));
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| invalid(format!("cannot read the header row: {e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    let index: HashMap<&str, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.as_str(), i))
        .collect();
    if let Some(missing) = REQUIRED.iter().find(|r| !index.contains_key(**r)) {
        return Err(invalid(format!("missing required column `{missing}`")));
    }
    let mut design: Option<RunDesign> = None;
    for (n, record) in reader.records().enumerate() {
        let row = n + 2;
        let record = record.map_err(|e| invalid(format!("row {row}: {e}")))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        let get = |col: &str| {
            index
                .get(col)
                .and_then(|i| record.get(*i))
                .filter(|v| !v.is_empty())
        };
        let is_collection = match get("Is Collection") {
            None => true,
            Some(v) => parse_bool(v).ok_or_else(|| invalid(format!("row {row}, column `Is Collection`: `{v}` is not a boolean (use true/false, t/f, yes/no, y/n)")))?,
        };
        if !is_collection {
            let cell = design
                .as_mut()
                .and_then(|d| d.cells.last_mut())
                .ok_or_else(|| {
                    invalid(format!(
                        "row {row}: a barcoded sample row must follow a collection row"
                    ))
                })?;
            let barcode = get("Barcode Name").unwrap_or_default().to_string();
            let bio = get("Bio Sample Name").unwrap_or_default().to_string();
            if bio.len() > 40 || bio.contains(['|', ';']) {
                return Err(invalid(format!(
                    "row {row}, column `Bio Sample Name`: `{bio}` must be at most 40 characters without `|` or `;`"
                )));
            }
            cell.bio_samples.push((barcode, bio));
            continue;
        }
        let required = |col: &str| {
            get(col).ok_or_else(|| invalid(format!("row {row}: column `{col}` is empty")))
        };
        let run_name = required("Run Name")?.to_string();
        let well = required("Sample Well")?.to_string();
        if !valid_well(&well) {
            return Err(invalid(format!(
                "row {row}, column `Sample Well`: `{well}` is not a well A01 to H12"
            )));
        }
        let system_name = get("System Name").unwrap_or("Sequel II").to_string();
        let max_hours = if system_name == "Sequel" { 20.0 } else { 30.0 };
        let hours_text = required("Movie Time per SMRT Cell (hours)")?;
        let movie_hours: f64 = hours_text
            .parse()
            .ok()
            .filter(|h| (0.1..=max_hours).contains(h))
            .ok_or_else(|| invalid(format!("row {row}, column `Movie Time per SMRT Cell (hours)`: `{hours_text}` must be a number from 0.1 to {max_hours}")))?;
        let insert_text = required("Insert Size (bp)")?;
        let insert_size: i64 = insert_text
            .parse()
            .ok()
            .filter(|s| *s >= 10)
            .ok_or_else(|| invalid(format!("row {row}, column `Insert Size (bp)`: `{insert_text}` must be an integer of at least 10")))?;
        for kit in [
            "Template Prep Kit Box Barcode",
            "Binding Kit Box Barcode",
            "Sequencing Kit Box Barcode",
        ] {
            let value = required(kit)?;
            if !valid_kit_barcode(value) {
                return Err(invalid(format!(
                    "row {row}, column `{kit}`: `{value}` is not a kit barcode (lot, 9-digit part number, MMDDYY expiry, e.g. DM1234100619300123120)"
                )));
            }
        }
        if let Some(id) = get("Experiment Id")
            && (id.contains(['<', '>', ':', '"', '\\', '|', '?', '*', ' '])
                || id.starts_with('/')
                || id.ends_with('/')
                || id.contains("//"))
        {
            return Err(invalid(format!(
                "row {row}, column `Experiment Id`: `{id}` contains a character that is not allowed"
            )));
        }
        let ccs = match get("Sequencing Mode") {
            Some(m) if m.eq_ignore_ascii_case("CCS") => true,
            Some(m) if m.eq_ignore_ascii_case("CLR") => false,
            Some(m) => {
                return Err(invalid(format!(
                    "row {row}, column `Sequencing Mode`: `{m}` must be CLR or CCS"
                )));
            }
            None => false,
        };
        let mut bio_samples = Vec::new();
        if let Some(bio) = get("Bio Sample Name") {
            bio_samples.push((
                get("Barcode Name").unwrap_or_default().to_string(),
                bio.to_string(),
            ));
        }
        let cell = CellDesign {
            well,
            sample_name: required("Sample Name")?.to_string(),
            movie_hours,
            insert_size,
            comment: get("Sample Comment").map(str::to_string),
            ccs,
            bio_samples,
        };
        let d = design.get_or_insert_with(|| RunDesign {
            run_name: run_name.clone(),
            run_comments: get("Run Comments").map(str::to_string),
            system_name: system_name.clone(),
            experiment_id: get("Experiment Id").map(str::to_string),
            cells: Vec::new(),
        });
        if d.run_name != run_name {
            return Err(invalid(format!(
                "row {row}: Run Name `{run_name}` differs from `{}`; one CSV holds one run",
                d.run_name
            )));
        }
        if d.cells.iter().any(|c| c.well == cell.well) {
            return Err(invalid(format!(
                "row {row}: well {} is used twice",
                cell.well
            )));
        }
        d.cells.push(cell);
    }
    design.ok_or_else(|| invalid("the CSV has no collection rows".to_string()))
}

fn invalid(problem: String) -> ApiError {
    ApiError::unprocessable(format!("Invalid run design CSV: {problem}"))
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "y" => Some(true),
        "false" | "f" | "no" | "n" => Some(false),
        _ => None,
    }
}

fn valid_well(w: &str) -> bool {
    let b = w.as_bytes();
    b.len() == 3
        && (b'A'..=b'H').contains(&b[0])
        && matches!(w[1..].parse::<u8>(), Ok(1..=12))
        && b[1].is_ascii_digit()
}

/// Lot number, a 9-digit part number and a valid MMDDYY expiry date, e.g.
/// `DM1234` + `100619300` + `123120`.
fn valid_kit_barcode(v: &str) -> bool {
    if v.len() < 16 || !v.is_ascii() {
        return false;
    }
    let (rest, date) = v.split_at(v.len() - 6);
    let part = &rest[rest.len() - 9..];
    let date_ok = chrono::NaiveDate::parse_from_str(date, "%m%d%y").is_ok();
    part.bytes().all(|b| b.is_ascii_digit()) && date_ok && rest.len() > 9
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "Experiment Name,Run Name,System Name,Is Collection,Sample Well,Sample Name,Movie Time per SMRT Cell (hours),Insert Size (bp),Template Prep Kit Box Barcode,Binding Kit Box Barcode,Sequencing Kit Box Barcode,Barcode Name,Bio Sample Name\n";

    #[test]
    fn parses_cells_and_barcoded_samples() {
        let csv = format!(
            "{HEADER}exp,run1,Sequel II,TRUE,A01,lambda,2,2000,DM1117100259100111716,DM1117100862200111716,DM0001100861800123120,,\n\
             ,,,FALSE,,,,,,,,bc1001--bc1001,Alice\n\
             exp,run1,Sequel II,TRUE,B01,ecoli,1.5,10000,DM1117100259100111716,DM1117100862200111716,DM0001100861800123120,,\n"
        );
        let d = parse(&csv).expect("valid CSV parses");
        assert_eq!(d.run_name, "run1");
        assert_eq!(d.cells.len(), 2);
        assert_eq!(
            d.cells[0].bio_samples,
            vec![("bc1001--bc1001".to_string(), "Alice".to_string())]
        );
        assert_eq!(d.cells[1].movie_hours, 1.5);
    }

    #[test]
    fn rejects_bad_well_and_missing_column() {
        let csv = format!(
            "{HEADER}exp,run1,Sequel II,TRUE,J01,s,2,2000,DM1117100259100111716,DM1117100862200111716,DM0001100861800123120,,\n"
        );
        let err = parse(&csv).unwrap_err();
        assert_eq!(err.status.as_u16(), 422);
        assert!(err.message.contains("`J01`"), "{}", err.message);
        let err = parse("Run Name,Sample Well\nr,A01\n").unwrap_err();
        assert!(
            err.message.contains("missing required column"),
            "{}",
            err.message
        );
    }

    #[test]
    fn rejects_bad_kit_barcode() {
        let csv = format!(
            "{HEADER}exp,run1,Sequel II,TRUE,A01,s,2,2000,XYZ,DM1117100862200111716,DM0001100861800123120,,\n"
        );
        let err = parse(&csv).unwrap_err();
        assert!(
            err.message.contains("Template Prep Kit Box Barcode"),
            "{}",
            err.message
        );
    }
}
