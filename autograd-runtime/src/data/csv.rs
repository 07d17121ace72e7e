//! CSV files of numbers (through the `csv` crate): choose columns by header name or index, get
//! a row-major [`Table`].

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use super::{bad_row, io_error};
use crate::{Error, Real, Result};

/// A column of a CSV file, chosen by header name or by 0-based index.
///
/// Built from `&str` or `usize`, so [`Csv::columns`] takes `["x", "y"]` or `[0, 2]`.
///
/// ```
/// use autograd::data::Column;
/// assert_eq!(Column::from("price"), Column::Name("price".into()));
/// assert_eq!(Column::from(3), Column::Index(3));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// The first column whose header is this name (needs a header row).
    Name(String),
    /// The column at this 0-based index.
    Index(usize),
}

impl From<&str> for Column {
    fn from(name: &str) -> Self {
        Column::Name(name.to_owned())
    }
}

impl From<usize> for Column {
    fn from(index: usize) -> Self {
        Column::Index(index)
    }
}

/// How to read a CSV file of numbers.
///
/// By default the first line is a header row (its names label the columns and it is not
/// data), fields are separated by commas, spaces around fields are ignored, and every column
/// is read. Every row must have the same number of fields, and every chosen field must be a
/// finite number; other columns may hold anything.
///
/// ```
/// use autograd::data::Csv;
/// let path = std::env::temp_dir().join(format!("doc-csv-{}.csv", std::process::id()));
/// std::fs::write(&path, "name,x,y\na,1.5,2\nb,-1,0.25\n")?;
///
/// let table = Csv::new().columns(["x", "y"]).load::<f64>(&path)?;
/// assert_eq!(table.names(), ["x", "y"]);
/// assert_eq!(table.row(1)?, [-1.0, 0.25]);
/// assert_eq!(table.column(0)?, [1.5, -1.0]);
///
/// // The same columns by index; without a header the first line would be data.
/// let same = Csv::new().columns([1, 2]).load::<f32>(&path)?;
/// assert_eq!(same.data(), [1.5, 2.0, -1.0, 0.25]);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Csv {
    has_headers: bool,
    delimiter: u8,
    columns: Option<Vec<Column>>,
}

impl Default for Csv {
    fn default() -> Self {
        Self::new()
    }
}

impl Csv {
    /// A header row, commas, all columns.
    ///
    /// ```
    /// use autograd::data::Csv;
    /// let path = std::env::temp_dir().join(format!("doc-csv-new-{}.csv", std::process::id()));
    /// std::fs::write(&path, "x,y\n1,2\n3,4\n")?;
    /// let table = Csv::new().load::<f64>(&path)?;
    /// assert_eq!(table.names(), ["x", "y"]);
    /// assert_eq!(table.data(), [1.0, 2.0, 3.0, 4.0]);
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new() -> Self {
        Self {
            has_headers: true,
            delimiter: b',',
            columns: None,
        }
    }

    /// Whether the first line is a header row (default `true`). Without one, columns are
    /// named by their index (`"0"`, `"1"`, …) and can be chosen only by index.
    ///
    /// ```
    /// use autograd::data::Csv;
    /// let path = std::env::temp_dir().join(format!("doc-csv-headers-{}.csv", std::process::id()));
    /// std::fs::write(&path, "1,2\n3,4\n")?;
    /// let table = Csv::new().has_headers(false).load::<f64>(&path)?;
    /// assert_eq!(table.names(), ["0", "1"]);
    /// assert_eq!(table.n_rows(), 2);
    /// // With the default, the first line would be the names.
    /// assert_eq!(Csv::new().load::<f64>(&path)?.names(), ["1", "2"]);
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn has_headers(mut self, yes: bool) -> Self {
        self.has_headers = yes;
        self
    }

    /// The field separator (default `b','`; `b'\t'` for TSV, `b';'` for some locales).
    ///
    /// ```
    /// use autograd::data::Csv;
    /// let path = std::env::temp_dir().join(format!("doc-csv-tsv-{}.tsv", std::process::id()));
    /// std::fs::write(&path, "x\ty\n1.5\t2\n")?;
    /// let table = Csv::new().delimiter(b'\t').load::<f64>(&path)?;
    /// assert_eq!(table.data(), [1.5, 2.0]);
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = delimiter;
        self
    }

    /// Reads only these columns, in this order (default: all, in file order).
    ///
    /// ```
    /// use autograd::data::Csv;
    /// let path = std::env::temp_dir().join(format!("doc-csv-columns-{}.csv", std::process::id()));
    /// std::fs::write(&path, "id,x,y\nfoo,1,10\nbar,2,20\n")?;
    /// let table = Csv::new().columns(["y", "x"]).load::<f64>(&path)?;
    /// assert_eq!(table.data(), [10.0, 1.0, 20.0, 2.0]);
    /// // By 0-based index; the text column `id` is never read.
    /// assert_eq!(Csv::new().columns([2]).load::<f64>(&path)?.data(), [10.0, 20.0]);
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn columns<C: Into<Column>>(mut self, columns: impl IntoIterator<Item = C>) -> Self {
        self.columns = Some(columns.into_iter().map(Into::into).collect());
        self
    }

    /// Reads the file.
    ///
    /// ```
    /// use autograd::data::Csv;
    /// let path = std::env::temp_dir().join(format!("doc-csv-load-{}.csv", std::process::id()));
    /// std::fs::write(&path, "x;y\n1;2\n3;oops\n")?;
    /// let err = Csv::new().delimiter(b';').load::<f64>(&path).unwrap_err();
    /// assert!(err.to_string().ends_with(":3: column `y`: `oops` is not a number"), "{err}");
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the file if it cannot be read. [`Error::BadRow`] with the file and
    /// the 1-based line for a row with the wrong number of fields, a chosen field that is
    /// empty, not a number, NaN or infinite (or past the largest `T`, such as `1e39` for
    /// `f32`), or text that is not UTF-8; and, on line 1, for a chosen column that does not
    /// exist. [`Error::EmptyFile`] if there is no data row. [`Error::Invalid`] if
    /// [`columns`](Self::columns) was given no column.
    pub fn load<T: Real>(&self, path: impl AsRef<Path>) -> Result<Table<T>> {
        let path = path.as_ref();
        // A table of no columns would have no rows either, whatever the file holds.
        if self.columns.as_ref().is_some_and(Vec::is_empty) {
            return Err(Error::Invalid {
                what: "Csv::columns".into(),
                message: "no column chosen: name at least one, or leave columns() out to \
                          read them all"
                    .into(),
            });
        }
        let mut reader = ::csv::ReaderBuilder::new()
            .has_headers(self.has_headers)
            .delimiter(self.delimiter)
            .trim(::csv::Trim::All)
            .from_path(path)
            .map_err(|e| csv_error(path, e))?;
        let headers: Option<Vec<String>> = if self.has_headers {
            let row = reader.headers().map_err(|e| csv_error(path, e))?;
            Some(row.iter().map(str::to_owned).collect())
        } else {
            None
        };
        let mut record = ::csv::StringRecord::new();
        let mut next = |record: &mut ::csv::StringRecord| {
            reader.read_record(record).map_err(|e| csv_error(path, e))
        };
        if !next(&mut record)? {
            return Err(Error::EmptyFile {
                path: path.to_path_buf(),
            });
        }
        // The first data row tells the width of the file.
        let (indices, names) = self.resolve(path, headers.as_deref(), record.len())?;
        let mut data = Vec::new();
        loop {
            for (&j, name) in indices.iter().zip(&names) {
                let value = parse(&record[j], name);
                data.push(value.map_err(|m| bad_row(path, line_of(path, record.position()), m))?);
            }
            if !next(&mut record)? {
                break;
            }
        }
        Ok(Table { names, data })
    }

    /// The indices and names of the chosen columns, for a file `width` fields wide.
    fn resolve(
        &self,
        path: &Path,
        headers: Option<&[String]>,
        width: usize,
    ) -> Result<(Vec<usize>, Vec<String>)> {
        let name_of = |j: usize| headers.map_or_else(|| j.to_string(), |h| h[j].clone());
        let Some(columns) = &self.columns else {
            return Ok(((0..width).collect(), (0..width).map(name_of).collect()));
        };
        let mut indices = Vec::with_capacity(columns.len());
        for column in columns {
            let j = match column {
                Column::Index(j) if *j < width => *j,
                Column::Index(j) => {
                    let message = format!("column {j} does not exist: the file has {width}");
                    return Err(bad_row(path, 1, message));
                }
                Column::Name(name) => {
                    let Some(headers) = headers else {
                        let message = format!(
                            "column `{name}` chosen by name, but the file is read without \
                             a header row: choose it by index"
                        );
                        return Err(bad_row(path, 1, message));
                    };
                    headers.iter().position(|h| h == name).ok_or_else(|| {
                        let message = format!(
                            "no column named `{name}`; the header has: {}",
                            headers.join(", ")
                        );
                        bad_row(path, 1, message)
                    })?
                }
            };
            indices.push(j);
        }
        let names = indices.iter().map(|&j| name_of(j)).collect();
        Ok((indices, names))
    }
}

/// Parses one field of column `name`; the error says what is wrong with it.
fn parse<T: Real>(field: &str, name: &str) -> std::result::Result<T, String> {
    if field.is_empty() {
        return Err(format!("column `{name}` is empty"));
    }
    let value: f64 = field
        .parse()
        .map_err(|_| format!("column `{name}`: `{field}` is not a number"))?;
    if !value.is_finite() {
        return Err(format!("column `{name}`: `{field}` is not finite"));
    }
    // A finite f64 can still be past the largest f32.
    let value = T::lit(value);
    if !value.is_finite() {
        return Err(format!(
            "column `{name}`: `{field}` is too large for {}",
            core::any::type_name::<T>()
        ));
    }
    Ok(value)
}

/// Maps the `csv` crate's errors to ours, with the file and, for a bad row, its line.
fn csv_error(path: &Path, err: ::csv::Error) -> Error {
    let line = line_of(path, err.position());
    match err.into_kind() {
        ::csv::ErrorKind::Io(e) => io_error(path, e),
        ::csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => bad_row(
            path,
            line,
            format!("found {len} fields, but earlier rows have {expected_len}"),
        ),
        ::csv::ErrorKind::Utf8 { .. } => bad_row(path, line, "text is not UTF-8".into()),
        other => bad_row(path, line, format!("{other:?}")),
    }
}

/// The 1-based line of the record at `pos`.
///
/// The `csv` crate dates a record from where the reader stood before it skipped blank lines,
/// so we skip them again here. Only called on an error, so reopening the file costs nothing.
fn line_of(path: &Path, pos: Option<&::csv::Position>) -> usize {
    let Some(pos) = pos else { return 0 };
    let mut line = pos.line() as usize;
    let Ok(mut file) = File::open(path) else {
        return line;
    };
    if file.seek(SeekFrom::Start(pos.byte())).is_err() {
        return line;
    }
    for byte in BufReader::new(file).bytes() {
        match byte {
            Ok(b'\n') => line += 1,
            Ok(b'\r') => {}
            _ => break,
        }
    }
    line
}

/// Numbers read from a CSV file: one row per data line, the chosen columns in order, stored
/// row-major in one `Vec` (what [`Batches`](super::Batches) and a model's input expect).
///
/// ```
/// use autograd::data::Csv;
/// let path = std::env::temp_dir().join(format!("doc-table-{}.csv", std::process::id()));
/// std::fs::write(&path, "a,b\n1,2\n3,4\n5,6\n")?;
/// let table = Csv::new().load::<f32>(&path)?;
/// assert_eq!((table.n_rows(), table.n_cols()), (3, 2));
/// assert_eq!(table.row(2)?, [5.0, 6.0]);
/// assert_eq!(table.column(1)?, [2.0, 4.0, 6.0]);
/// assert_eq!(table.into_data(), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Table<T> {
    names: Vec<String>,
    data: Vec<T>,
}

impl<T: Real> Table<T> {
    /// The column names: headers, or indices as text without a header row.
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("doc-table-names-{}.csv", std::process::id()));
    /// std::fs::write(&path, "a,b,c\n1,2,3\n")?;
    /// let table = autograd::data::Csv::new().columns(["c", "a"]).load::<f64>(&path)?;
    /// assert_eq!(table.names(), ["c", "a"]);
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Number of columns.
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("doc-table-cols-{}.csv", std::process::id()));
    /// std::fs::write(&path, "a,b,c\n1,2,3\n4,5,6\n")?;
    /// let table = autograd::data::Csv::new().load::<f64>(&path)?;
    /// assert_eq!(table.n_cols(), 3);
    /// assert_eq!(autograd::data::Csv::new().columns([0]).load::<f64>(&path)?.n_cols(), 1);
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn n_cols(&self) -> usize {
        self.names.len()
    }

    /// Number of rows.
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("doc-table-rows-{}.csv", std::process::id()));
    /// std::fs::write(&path, "a,b,c\n1,2,3\n4,5,6\n")?;
    /// let table = autograd::data::Csv::new().load::<f64>(&path)?;
    /// assert_eq!(table.n_rows(), 2); // the header row is not data
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn n_rows(&self) -> usize {
        self.data.len().checked_div(self.names.len()).unwrap_or(0)
    }

    /// Row `i` (0-based).
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] if `i >= n_rows()`.
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("doc-table-row-{}.csv", std::process::id()));
    /// # std::fs::write(&path, "a,b\n1,2\n3,4\n")?;
    /// let table = autograd::data::Csv::new().load::<f64>(&path)?;
    /// assert_eq!(table.row(1)?, [3.0, 4.0]);
    /// assert!(table.row(2).is_err());
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn row(&self, i: usize) -> Result<&[T]> {
        let w = self.n_cols();
        // `i < n_rows()` keeps `(i + 1) * w` within the data, so no overflow either.
        if i < self.n_rows() {
            if let Some(row) = self.data.get(i * w..(i + 1) * w) {
                return Ok(row);
            }
        }
        Err(Error::Invalid {
            what: "Table::row".into(),
            message: format!(
                "row {i} of a table of {} rows: rows are numbered from 0 to n_rows() - 1",
                self.n_rows()
            ),
        })
    }

    /// A copy of column `j` (0-based, in the order the columns were chosen).
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] if `j >= n_cols()`.
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("doc-table-col-{}.csv", std::process::id()));
    /// # std::fs::write(&path, "a,b\n1,2\n3,4\n")?;
    /// let table = autograd::data::Csv::new().load::<f64>(&path)?;
    /// assert_eq!(table.column(1)?, [2.0, 4.0]);
    /// let err = table.column(2).unwrap_err();
    /// assert!(err.to_string().contains("names()"), "{err}");
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn column(&self, j: usize) -> Result<Vec<T>> {
        if j >= self.n_cols() {
            return Err(Error::Invalid {
                what: "Table::column".into(),
                message: format!(
                    "column {j} of a table of {} columns {:?}: columns are numbered from 0 \
                     to n_cols() - 1, in the order of names()",
                    self.n_cols(),
                    self.names
                ),
            });
        }
        Ok(self
            .data
            .iter()
            .skip(j)
            .step_by(self.n_cols())
            .copied()
            .collect())
    }

    /// All values, row-major.
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("doc-table-data-{}.csv", std::process::id()));
    /// std::fs::write(&path, "a,b\n1,2\n3,4\n")?;
    /// let table = autograd::data::Csv::new().load::<f32>(&path)?;
    /// assert_eq!(table.data(), [1.0, 2.0, 3.0, 4.0]); // row 0, then row 1
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn data(&self) -> &[T] {
        &self.data
    }

    /// All values, row-major, without copying.
    ///
    /// ```
    /// # let path = std::env::temp_dir().join(format!("doc-table-into-{}.csv", std::process::id()));
    /// std::fs::write(&path, "a,b\n1,2\n3,4\n")?;
    /// let table = autograd::data::Csv::new().load::<f32>(&path)?;
    /// let values = table.data().as_ptr();
    /// let xs: Vec<f32> = table.into_data();
    /// assert_eq!(xs, [1.0, 2.0, 3.0, 4.0]);
    /// assert_eq!(xs.as_ptr(), values); // the same buffer
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_data(self) -> Vec<T> {
        self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn temp(name: &str, contents: &str) -> PathBuf {
        let path =
            std::env::temp_dir().join(format!("autograd-csv-{}-{name}.csv", std::process::id()));
        std::fs::write(&path, contents).unwrap();
        path
    }

    fn load(csv: Csv, name: &str, contents: &str) -> Result<Table<f64>> {
        let path = temp(name, contents);
        let table = csv.load(&path);
        std::fs::remove_file(&path).unwrap();
        table
    }

    fn bad_row(csv: Csv, name: &str, contents: &str) -> (usize, String) {
        match load(csv, name, contents) {
            Err(Error::BadRow { line, message, .. }) => (line, message),
            other => panic!("expected BadRow, got {other:?}"),
        }
    }

    #[test]
    fn all_columns_with_header() {
        let t = load(Csv::new(), "all", "a, b\n1, 2\n3 ,4\n").unwrap();
        assert_eq!(t.names(), ["a", "b"]);
        assert_eq!((t.n_rows(), t.n_cols()), (2, 2));
        assert_eq!(t.data(), [1.0, 2.0, 3.0, 4.0]);
        assert_eq!(t.column(1).unwrap(), [2.0, 4.0]);
    }

    #[test]
    fn without_header_the_first_line_is_data() {
        let t = load(Csv::new().has_headers(false), "nohead", "1,2,3\n4,5,6\n").unwrap();
        assert_eq!(t.names(), ["0", "1", "2"]);
        assert_eq!(t.n_rows(), 2);
        let t = load(
            Csv::new().has_headers(false).columns([2, 0]),
            "nohead-cols",
            "1,2,3\n4,5,6\n",
        )
        .unwrap();
        assert_eq!(t.names(), ["2", "0"]);
        assert_eq!(t.data(), [3.0, 1.0, 6.0, 4.0]);
    }

    #[test]
    fn chosen_columns_in_chosen_order_others_may_be_text() {
        let t = load(
            Csv::new().columns(["y", "x"]),
            "order",
            "id,x,y\nfoo,1,10\nbar,2,20\n",
        )
        .unwrap();
        assert_eq!(t.names(), ["y", "x"]);
        assert_eq!(t.data(), [10.0, 1.0, 20.0, 2.0]);
        assert_eq!(t.row(1).unwrap(), [20.0, 2.0]);
    }

    #[test]
    fn a_row_or_column_out_of_range_is_an_error() {
        let t = load(Csv::new(), "range", "x,y\n1,2\n3,4\n5,6\n").unwrap();
        assert_eq!(t.row(2).unwrap(), [5.0, 6.0]);
        let err = t.row(3).unwrap_err();
        assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "Table::row: row 3 of a table of 3 rows: rows are numbered from 0 to n_rows() - 1"
        );
        // Far out of range, where `i * n_cols()` would overflow.
        assert!(t.row(usize::MAX).is_err());
        let err = t.column(2).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Table::column: column 2 of a table of 2 columns [\"x\", \"y\"]: columns are \
             numbered from 0 to n_cols() - 1, in the order of names()"
        );
        assert!(t.column(usize::MAX).is_err());
    }

    #[test]
    fn tab_separated() {
        let t = load(Csv::new().delimiter(b'\t'), "tsv", "a\tb\n1\t2\n").unwrap();
        assert_eq!(t.data(), [1.0, 2.0]);
    }

    #[test]
    fn bad_rows_name_their_line() {
        assert_eq!(
            bad_row(Csv::new(), "nan", "x,y\n1,2\n3,oops\n"),
            (3, "column `y`: `oops` is not a number".into())
        );
        assert_eq!(
            bad_row(Csv::new(), "empty-field", "x,y\n1,\n"),
            (2, "column `y` is empty".into())
        );
        assert_eq!(
            bad_row(Csv::new(), "inf", "x,y\n1,2\n\n1,inf\n"),
            (4, "column `y`: `inf` is not finite".into())
        );
        assert_eq!(
            bad_row(Csv::new(), "ragged", "x,y\n1,2\n3\n"),
            (3, "found 1 fields, but earlier rows have 2".into())
        );
        assert_eq!(
            bad_row(
                Csv::new(),
                "ragged-after-blanks",
                "x,y\r\n1,2\r\n\r\n\r\n3\r\n"
            ),
            (5, "found 1 fields, but earlier rows have 2".into())
        );
        assert_eq!(
            bad_row(Csv::new(), "first-row", "x,y\n\n1,q\n"),
            (3, "column `y`: `q` is not a number".into())
        );
    }

    #[test]
    fn unknown_columns_are_errors() {
        let (line, message) = bad_row(Csv::new().columns(["z"]), "noname", "x,y\n1,2\n");
        assert_eq!(line, 1);
        assert_eq!(message, "no column named `z`; the header has: x, y");
        let (_, message) = bad_row(Csv::new().columns([2]), "noindex", "x,y\n1,2\n");
        assert_eq!(message, "column 2 does not exist: the file has 2");
        let (_, message) = bad_row(
            Csv::new().has_headers(false).columns(["x"]),
            "name-no-header",
            "1,2\n",
        );
        assert!(message.contains("choose it by index"), "{message}");
    }

    #[test]
    fn error_text_names_the_file_and_line() {
        let path = temp("text", "x\n1\nq\n");
        let err = Csv::new().load::<f64>(&path).unwrap_err().to_string();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(
            err,
            format!("{}:3: column `x`: `q` is not a number", path.display())
        );
    }

    #[test]
    fn a_value_past_the_largest_f32_is_a_bad_row_not_inf() {
        let path = temp("f32-range", "x,y\n1,2\n3,-1e39\n");
        let err = Csv::new().load::<f32>(&path).unwrap_err();
        let table = Csv::new().load::<f64>(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(
            matches!(&err, Error::BadRow { line: 3, message, .. }
                if message == "column `y`: `-1e39` is too large for f32"),
            "{err:?}"
        );
        assert_eq!(table.data(), [1.0, 2.0, 3.0, -1e39]);
    }

    #[test]
    fn choosing_no_column_is_an_error() {
        let err = load(
            Csv::new().columns(Vec::<usize>::new()),
            "no-columns",
            "x\n1\n",
        )
        .unwrap_err();
        assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "Csv::columns: no column chosen: name at least one, or leave columns() out to read \
             them all"
        );
    }

    #[test]
    fn header_only_and_missing_files() {
        assert!(matches!(
            load(Csv::new(), "header-only", "x,y\n"),
            Err(Error::EmptyFile { .. })
        ));
        assert!(matches!(
            load(Csv::new(), "nothing", ""),
            Err(Error::EmptyFile { .. })
        ));
        let missing = std::env::temp_dir().join("autograd-csv-missing.csv");
        let err = Csv::new().load::<f64>(&missing).unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err:?}");
        assert!(err.to_string().contains("autograd-csv-missing.csv"));
    }
}
