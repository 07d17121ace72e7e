//! Checkpoints: named parameter tensors saved to and loaded from safetensors files, the format
//! PyTorch, JAX and candle read. Saving is atomic; loading checks every name, dtype and shape.
//!
//! Shared by `nn` (an `Mlp` saves and loads itself) and `train` (which re-exports these items as
//! `autograd::train::…`), so it depends on neither.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use safetensors::SafeTensors;

use crate::{Error, Result, Scalar};

/// A tensor to save: a name, a shape, and its values in row-major order.
///
/// ```
/// use autograd::train::NamedTensor;
/// let w = [0.0_f32; 6];
/// let t = NamedTensor::new("layer.weight", &[2, 3], &w);
/// assert_eq!((t.name, t.shape, t.data.len()), ("layer.weight", &[2, 3][..], 6));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct NamedTensor<'a, T> {
    /// The name in the file, e.g. `"layer0.weight"`.
    pub name: &'a str,
    /// The shape; its product is `data.len()`.
    pub shape: &'a [usize],
    /// The values, row-major.
    pub data: &'a [T],
}

impl<'a, T> NamedTensor<'a, T> {
    /// A tensor to save.
    ///
    /// ```
    /// use autograd::train::{save_tensors, NamedTensor};
    /// let bias = [0.5_f32, -0.5];
    /// let t = NamedTensor::new("dense.bias", &[2], &bias);
    /// assert_eq!((t.name, t.shape, t.data), ("dense.bias", &[2][..], &bias[..]));
    /// // The shape must hold the data: 2 values are no tensor of shape [3].
    /// let path = std::env::temp_dir().join(format!("doc-named-{}.safetensors", std::process::id()));
    /// assert!(save_tensors(&path, &[NamedTensor::new("dense.bias", &[3], &bias)]).is_err());
    /// assert!(!path.exists());
    /// ```
    pub fn new(name: &'a str, shape: &'a [usize], data: &'a [T]) -> Self {
        Self { name, shape, data }
    }
}

/// A tensor to load: a name, the shape it must have in the file, and the buffer to fill.
///
/// ```
/// use autograd::train::TensorMut;
/// let mut w = [0.0_f64; 6];
/// let t = TensorMut::new("layer.weight", &[3, 2], &mut w);
/// assert_eq!(t.data.len(), 6);
/// ```
#[derive(Debug)]
pub struct TensorMut<'a, T> {
    /// The name in the file.
    pub name: &'a str,
    /// The shape the tensor must have; its product is `data.len()`.
    pub shape: &'a [usize],
    /// Filled with the values, row-major.
    pub data: &'a mut [T],
}

impl<'a, T> TensorMut<'a, T> {
    /// A tensor to load into `data`.
    ///
    /// ```
    /// use autograd::train::{load_tensors, save_tensors, NamedTensor, TensorMut};
    /// let path = std::env::temp_dir().join(format!("doc-tensor-mut-{}.safetensors", std::process::id()));
    /// save_tensors(&path, &[NamedTensor::new("w", &[2, 2], &[1.0_f64, 2.0, 3.0, 4.0])])?;
    /// let mut w = [0.0_f64; 4];
    /// load_tensors(&path, &mut [TensorMut::new("w", &[2, 2], &mut w)])?;
    /// assert_eq!(w, [1.0, 2.0, 3.0, 4.0]);
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(name: &'a str, shape: &'a [usize], data: &'a mut [T]) -> Self {
        Self { name, shape, data }
    }
}

/// Saves `tensors` to a safetensors file at `path`, atomically: the file is written to a
/// temporary file in the same directory, flushed to disk, then renamed over `path`, so a
/// crash leaves either the old checkpoint or the new one, never half of one.
///
/// # Errors
///
/// [`Error::Shape`] if a tensor's shape does not match its data length, or its dimensions
/// multiply past `usize::MAX`;
/// [`Error::Checkpoint`] for duplicate names or the name `__metadata__`, which safetensors
/// reserves; [`Error::Io`] naming the file if writing fails.
///
/// ```
/// use autograd::train::{load_tensors, save_tensors, NamedTensor, TensorMut};
/// let path = std::env::temp_dir().join(format!("doc-ckpt-{}.safetensors", std::process::id()));
/// let (w, b) = ([1.0_f32, 2.0, 3.0, 4.0, 5.0, 6.0], [0.5_f32, -0.5]);
/// save_tensors(&path, &[
///     NamedTensor::new("dense.weight", &[2, 3], &w),
///     NamedTensor::new("dense.bias", &[2], &b),
/// ])?;
///
/// let (mut w2, mut b2) = ([0.0_f32; 6], [0.0_f32; 2]);
/// load_tensors(&path, &mut [
///     TensorMut::new("dense.weight", &[2, 3], &mut w2),
///     TensorMut::new("dense.bias", &[2], &mut b2),
/// ])?;
/// assert_eq!((w, b), (w2, b2));
///
/// // The wrong shape is an error that says so.
/// let err = load_tensors(&path, &mut [TensorMut::new("dense.weight", &[3, 2], &mut w2)])
///     .unwrap_err();
/// assert!(err.to_string().contains("has shape [2, 3], expected [3, 2]"), "{err}");
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn save_tensors<T: Scalar>(
    path: impl AsRef<Path>,
    tensors: &[NamedTensor<'_, T>],
) -> Result<()> {
    let path = path.as_ref();
    let mut bytes = Vec::with_capacity(tensors.len());
    for (i, t) in tensors.iter().enumerate() {
        check_len(t.name, t.shape, t.data.len())?;
        // safetensors would write it, but then read it back as the header's metadata map
        // and reject the whole file.
        if t.name == "__metadata__" {
            return Err(checkpoint_error(
                path,
                "the tensor name `__metadata__` is reserved by safetensors for the file's \
                 metadata: give the tensor another name"
                    .into(),
            ));
        }
        if tensors[..i].iter().any(|u| u.name == t.name) {
            return Err(checkpoint_error(
                path,
                format!("tensor `{}` given twice", t.name),
            ));
        }
        let mut b = Vec::with_capacity(core::mem::size_of_val(t.data));
        for &x in t.data {
            x.push_le(&mut b);
        }
        bytes.push(b);
    }
    let views = tensors.iter().zip(&bytes).map(|(t, b)| {
        let view = safetensors::tensor::TensorView::new(T::DTYPE, t.shape.to_vec(), b)
            .expect("length checked above");
        (t.name, view)
    });
    let file_bytes =
        safetensors::serialize(views, None).map_err(|e| checkpoint_error(path, e.to_string()))?;
    write_atomically(path, &file_bytes)
}

/// Loads the tensors named in `tensors` from the safetensors file at `path` into their
/// buffers. Tensors in the file that are not asked for are ignored.
///
/// # Errors
///
/// [`Error::Io`] naming the file if it cannot be read; [`Error::Checkpoint`] naming the file
/// and the tensor if the file is not safetensors, a tensor is missing (the message lists the
/// file's tensors), or has another dtype or shape; [`Error::Shape`] if a buffer does not match
/// its own shape, or a shape's dimensions multiply past `usize::MAX`. On error the buffers may
/// be partly filled.
///
/// ```
/// use autograd::train::{load_tensors, save_tensors, NamedTensor, TensorMut};
/// let path = std::env::temp_dir().join(format!("doc-load-{}.safetensors", std::process::id()));
/// save_tensors(&path, &[NamedTensor::new("b", &[2], &[1.0_f64, 2.0])])?;
/// let mut b = [0.0_f64; 2];
/// load_tensors(&path, &mut [TensorMut::new("b", &[2], &mut b)])?;
/// assert_eq!(b, [1.0, 2.0]);
/// // Saved as f64, so loading as f32 is an error that names both dtypes.
/// let mut b32 = [0.0_f32; 2];
/// let err = load_tensors(&path, &mut [TensorMut::new("b", &[2], &mut b32)]).unwrap_err();
/// assert!(err.to_string().ends_with("tensor `b` is F64, expected F32"), "{err}");
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_tensors<T: Scalar>(
    path: impl AsRef<Path>,
    tensors: &mut [TensorMut<'_, T>],
) -> Result<()> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| io_error(path, e))?;
    let file = SafeTensors::deserialize(&bytes)
        .map_err(|e| checkpoint_error(path, format!("not a safetensors file: {e}")))?;
    for t in tensors.iter_mut() {
        check_len(t.name, t.shape, t.data.len())?;
        let view = file.tensor(t.name).map_err(|_| {
            let mut names = file.names();
            names.sort_unstable();
            let message = format!(
                "missing tensor `{}`; the file has: {}",
                t.name,
                names.join(", ")
            );
            checkpoint_error(path, message)
        })?;
        if view.dtype() != T::DTYPE {
            let message = format!(
                "tensor `{}` is {}, expected {}",
                t.name,
                view.dtype(),
                T::DTYPE
            );
            return Err(checkpoint_error(path, message));
        }
        if view.shape() != t.shape {
            let message = format!(
                "tensor `{}` has shape {:?}, expected {:?}",
                t.name,
                view.shape(),
                t.shape
            );
            return Err(checkpoint_error(path, message));
        }
        let width = core::mem::size_of::<T>();
        for (x, chunk) in t.data.iter_mut().zip(view.data().chunks_exact(width)) {
            *x = T::from_le(chunk);
        }
    }
    Ok(())
}

/// A buffer must hold exactly `product(shape)` values.
fn check_len(name: &str, shape: &[usize], len: usize) -> Result<()> {
    // Multiplied left to right as safetensors does, so a shape accepted here is one it can
    // store and read back (`[usize::MAX, 2, 0]` overflows before the 0 there too).
    let Some(product) = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d)) else {
        return Err(Error::Shape {
            what: format!("tensor `{name}`"),
            expected: format!(
                "dimensions whose product, the number of values, fits in a usize \
                 (the data has {len} values)"
            ),
            found: format!("shape {shape:?}, whose product overflows"),
        });
    };
    if product == len {
        Ok(())
    } else {
        Err(Error::Shape {
            what: format!("the data of tensor `{name}`"),
            expected: format!("{} for shape {shape:?}", crate::error::values(shape)),
            found: format!("{len} values"),
        })
    }
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, and renames it to `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temporary_beside(path);
    let written = File::create(&tmp)
        .and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, path));
    written.map_err(|e| {
        // Best effort: the temporary file is useless now; the error to report is `e`.
        let _ = std::fs::remove_file(&tmp);
        io_error(path, e)
    })
}

/// `dir/.name.tmp-PID-N` for `dir/name`: same directory, so the rename cannot cross devices.
/// `N` counts the calls of this process, so two threads saving to one path at once write
/// two temporary files instead of one file both truncate.
fn temporary_beside(path: &Path) -> PathBuf {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map_or_else(Default::default, |n| n.to_string_lossy());
    path.with_file_name(format!(".{name}.tmp-{}-{call}", std::process::id()))
}

fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn checkpoint_error(path: &Path, message: String) -> Error {
    Error::Checkpoint {
        path: path.to_path_buf(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("autograd-ckpt-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("model.safetensors")
    }

    fn save_example(path: &Path) {
        let w: Vec<f64> = (0..6).map(|i| i as f64 * 0.5 - 1.0).collect();
        save_tensors(
            path,
            &[
                NamedTensor::new("w", &[3, 2], &w),
                NamedTensor::new("b", &[2], &[7.0, -7.0]),
            ],
        )
        .unwrap();
    }

    fn checkpoint_message(err: Error) -> String {
        match err {
            Error::Checkpoint { message, .. } => message,
            other => panic!("expected a checkpoint error, got {other:?}"),
        }
    }

    #[test]
    fn round_trip_f64_and_no_temporary_left() {
        let path = temp("rt");
        save_example(&path);
        let (mut w, mut b) = (vec![0.0; 6], vec![0.0; 2]);
        load_tensors(
            &path,
            &mut [
                TensorMut::new("b", &[2], &mut b),
                TensorMut::new("w", &[3, 2], &mut w),
            ],
        )
        .unwrap();
        assert_eq!(w, [-1.0, -0.5, 0.0, 0.5, 1.0, 1.5]);
        assert_eq!(b, [7.0, -7.0]);
        let entries: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(entries.len(), 1, "only the checkpoint remains: {entries:?}");
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn file_layout_is_standard_safetensors() {
        // Header: u64 little-endian length, then JSON naming dtype, shape and byte offsets.
        let path = temp("layout");
        save_tensors(&path, &[NamedTensor::new("x", &[2], &[1.0_f32, 2.0])]).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let header = std::str::from_utf8(&bytes[8..8 + n]).unwrap();
        assert!(
            header.contains(r#""x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#),
            "{header}"
        );
        assert_eq!(
            &bytes[8 + n..],
            [1.0_f32.to_le_bytes(), 2.0_f32.to_le_bytes()].concat()
        );
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn saving_replaces_an_existing_file() {
        let path = temp("replace");
        save_example(&path);
        save_tensors(&path, &[NamedTensor::new("w", &[1], &[3.0_f64])]).unwrap();
        let mut w = [0.0];
        load_tensors(&path, &mut [TensorMut::new("w", &[1], &mut w)]).unwrap();
        assert_eq!(w, [3.0]);
        let mut b = [0.0; 2];
        let err = load_tensors(&path, &mut [TensorMut::new("b", &[2], &mut b)]).unwrap_err();
        assert_eq!(
            checkpoint_message(err),
            "missing tensor `b`; the file has: w"
        );
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn wrong_name_dtype_and_shape_are_named() {
        let path = temp("wrong");
        save_example(&path);
        let mut buf = vec![0.0_f64; 6];
        let err = load_tensors(&path, &mut [TensorMut::new("v", &[3, 2], &mut buf)]).unwrap_err();
        assert_eq!(
            checkpoint_message(err),
            "missing tensor `v`; the file has: b, w"
        );
        let err = load_tensors(&path, &mut [TensorMut::new("w", &[2, 3], &mut buf)]).unwrap_err();
        assert_eq!(
            checkpoint_message(err),
            "tensor `w` has shape [3, 2], expected [2, 3]"
        );
        let mut buf32 = vec![0.0_f32; 6];
        let err = load_tensors(&path, &mut [TensorMut::new("w", &[3, 2], &mut buf32)]).unwrap_err();
        let text = err.to_string();
        assert_eq!(checkpoint_message(err), "tensor `w` is F64, expected F32");
        assert!(text.contains("model.safetensors"), "{text}");
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn buffers_must_match_their_shapes() {
        let path = temp("buffers");
        let err =
            save_tensors(&path, &[NamedTensor::new("w", &[2, 2], &[1.0_f64; 3])]).unwrap_err();
        assert!(matches!(err, Error::Shape { .. }), "{err:?}");
        assert!(!path.exists());
        save_example(&path);
        let mut short = [0.0_f64; 5];
        let err = load_tensors(&path, &mut [TensorMut::new("w", &[3, 2], &mut short)]).unwrap_err();
        assert!(matches!(err, Error::Shape { .. }), "{err:?}");
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn duplicate_names_and_garbage_files_are_errors() {
        let path = temp("garbage");
        let err = save_tensors(
            &path,
            &[
                NamedTensor::new("a", &[1], &[1.0_f32]),
                NamedTensor::new("a", &[1], &[2.0]),
            ],
        )
        .unwrap_err();
        assert_eq!(checkpoint_message(err), "tensor `a` given twice");
        std::fs::write(&path, b"not a checkpoint").unwrap();
        let mut a = [0.0_f32];
        let err = load_tensors(&path, &mut [TensorMut::new("a", &[1], &mut a)]).unwrap_err();
        assert!(checkpoint_message(err).starts_with("not a safetensors file"));
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
        let err = load_tensors(&path, &mut [TensorMut::new("a", &[1], &mut a)]).unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err:?}");
    }

    #[test]
    fn a_shape_whose_product_overflows_is_a_shape_error_on_save() {
        let path = temp("overflow-save");
        // `[1 << 63, 2]` wraps to 0 in release builds, which the empty data would match.
        for shape in [&[usize::MAX, 2][..], &[1 << 63, 2], &[usize::MAX, 2, 0]] {
            let err =
                save_tensors(&path, &[NamedTensor::new("w", shape, &[] as &[f32])]).unwrap_err();
            assert!(matches!(err, Error::Shape { .. }), "{shape:?}: {err:?}");
            assert_eq!(
                err.to_string(),
                format!(
                    "wrong shape for tensor `w`: expected dimensions whose product, the number \
                     of values, fits in a usize (the data has 0 values), got shape {shape:?}, \
                     whose product overflows"
                )
            );
            assert!(!path.exists());
        }
        // A 0 before the huge dimension keeps the product 0: an empty tensor, stored as such.
        save_tensors(
            &path,
            &[NamedTensor::new("w", &[0, usize::MAX], &[] as &[f32])],
        )
        .unwrap();
        let mut empty: [f32; 0] = [];
        load_tensors(
            &path,
            &mut [TensorMut::new("w", &[0, usize::MAX], &mut empty)],
        )
        .unwrap();
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_shape_whose_product_overflows_is_a_shape_error_on_load() {
        let path = temp("overflow-load");
        save_example(&path);
        let mut empty: [f64; 0] = [];
        let err =
            load_tensors(&path, &mut [TensorMut::new("w", &[1 << 63, 2], &mut empty)]).unwrap_err();
        assert!(matches!(err, Error::Shape { .. }), "{err:?}");
        assert!(err.to_string().contains("whose product overflows"), "{err}");
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_file_declaring_a_shape_whose_product_overflows_is_rejected() {
        // A hand-made header: `[2^63, 2]` values of 4 bytes in 0 bytes of data.
        let path = temp("overflow-file");
        let header =
            br#"{"w":{"dtype":"F32","shape":[9223372036854775808,2],"data_offsets":[0,0]}}"#;
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(header);
        std::fs::write(&path, bytes).unwrap();
        let mut w = [0.0_f32; 2];
        let err = load_tensors(&path, &mut [TensorMut::new("w", &[2], &mut w)]).unwrap_err();
        let message = checkpoint_message(err);
        assert!(message.starts_with("not a safetensors file"), "{message}");
        assert!(message.contains("overflow"), "{message}");
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn threads_saving_to_one_path_at_once_leave_a_valid_file() {
        // Each thread writes its own value; with one temporary name per process they would
        // truncate and rename each other's file, and saves would fail or leave it torn.
        let path = temp("threads");
        let n = 1 << 14;
        let barrier = std::sync::Barrier::new(2);
        std::thread::scope(|s| {
            for value in [1.0_f32, 2.0] {
                let (path, barrier) = (&path, &barrier);
                s.spawn(move || {
                    let data = vec![value; n];
                    barrier.wait();
                    for _ in 0..100 {
                        save_tensors(path, &[NamedTensor::new("w", &[n], &data)]).unwrap();
                    }
                });
            }
        });
        let mut w = vec![0.0_f32; n];
        load_tensors(&path, &mut [TensorMut::new("w", &[n], &mut w)]).unwrap();
        assert!(w.iter().all(|&x| x == w[0]) && (w[0] == 1.0 || w[0] == 2.0));
        let entries = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(entries, 1, "no temporary file is left");
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn the_reserved_name_is_an_error_instead_of_an_unreadable_file() {
        let path = temp("reserved");
        let err =
            save_tensors(&path, &[NamedTensor::new("__metadata__", &[1], &[1.0_f32])]).unwrap_err();
        assert_eq!(
            checkpoint_message(err),
            "the tensor name `__metadata__` is reserved by safetensors for the file's \
             metadata: give the tensor another name"
        );
        assert!(!path.exists());
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn failed_save_keeps_the_old_file() {
        // The target is a directory, so the rename fails: nothing is lost or left behind.
        let path = temp("dir-target");
        std::fs::create_dir_all(&path).unwrap();
        let err = save_tensors(&path, &[NamedTensor::new("a", &[1], &[1.0_f32])]).unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err:?}");
        let entries = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(entries, 1, "the temporary file was removed");
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }
}
