//! The large `f32` products on CPUs with AVX-512: `C = A·B + β C` from operands packed into the
//! per-thread scratch buffer, with a 12 × 32 block of C held in 24 registers.
//!
//! Why our own: a dense layer's forward product `x·Wᵀ` has the inner dimension contiguous in both
//! operands, which `matrixmultiply` packs with strided gathers, and it allocates its packing
//! buffer on every call. Here both operands of that product are packed by 16 × 16 in-register
//! transposes into a buffer that is reused. Measured on W3b's first layer (128 × 784 × 128),
//! five rounds against `matrixmultiply` in the same run (`cargo bench --bench w3_train --
//! W3b_products`; BENCHMARKS.md): forward product 258 against 589 µs, weight gradient 251
//! against 305 µs.
//!
//! The loops follow the usual blocking: B in blocks of at most [`NC`] columns, the inner
//! dimension in slices of at most [`KC`], A in blocks of at most [`MC`] rows; each slice of A is
//! packed as panels of [`MR`] rows and of B as panels of [`NR`] columns, both stored by steps of
//! the inner dimension, so that [`kernel`] reads each step's values contiguously.

#![cfg(target_arch = "x86_64")]

use std::arch::x86_64::*;

use super::gemm::View;

/// Rows of C per block: each step broadcasts `MR` values of A.
const MR: usize = 12;
/// Columns of C per block: two registers of 16 lanes.
const NR: usize = 32;
/// Most steps of the inner dimension per packed slice: a panel of B (32 KB at most) stays in the
/// L1 cache while the panels of A (12 KB each) stream past it.
const KC: usize = 256;
/// Most rows of A packed at a time (a block of at most 240 KB, kept in the 1 MB L2 while every
/// panel of B passes it), and most columns of B (2 MB), which bound the scratch buffer.
const MC: usize = 240;
const NC: usize = 2048;

/// Whether this CPU can run [`sgemm`] (cached by `std`).
pub(super) fn available() -> bool {
    is_x86_feature_detected!("avx512f")
}

/// `c = a·b + beta·c`, `c` row-major `a.rows × b.cols`, on this thread's `scratch`, which only
/// grows. With `beta = 0`, `c` is overwritten (NaN in it is ignored).
///
/// The caller has checked the shapes and that every element the views address is inside its
/// slice (`gemm::check`).
///
/// # Panics
/// If the CPU lacks AVX-512F ([`available`]).
pub(super) fn sgemm(
    a: View<'_, f32>,
    b: View<'_, f32>,
    beta: f32,
    c: &mut [f32],
    scratch: &mut Vec<f32>,
) {
    assert!(available(), "gemm: AVX-512F path on a CPU without it");
    // SAFETY: `sgemm_avx512` only needs the CPU to have AVX-512F, checked just above.
    unsafe { sgemm_avx512(a, b, beta, c, scratch) }
}

#[target_feature(enable = "avx512f")]
fn sgemm_avx512(
    a: View<'_, f32>,
    b: View<'_, f32>,
    beta: f32,
    c: &mut [f32],
    scratch: &mut Vec<f32>,
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    if beta != 0.0 && beta != 1.0 {
        c.iter_mut().for_each(|x| *x *= beta);
    }
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if beta == 0.0 {
            c.fill(0.0);
        }
        return;
    }
    // Slices of equal length, so that the last one is not a sliver.
    let kc_max = k.div_ceil(k.div_ceil(KC));
    let a_len = m.min(MC).div_ceil(MR) * MR * kc_max;
    let b_len = n.min(NC).div_ceil(NR) * NR * kc_max;
    // 16 spare elements to start both packed operands on a 64-byte boundary (one cache line
    // per load of B).
    if scratch.len() < a_len + b_len + 16 {
        scratch.resize(a_len + b_len + 16, 0.0);
    }
    let skip = scratch.as_ptr().align_offset(64).min(16);
    let (pa, pb) = scratch[skip..].split_at_mut(a_len);
    for j_block in (0..n).step_by(NC) {
        let b_block = rows_of(b.t(), j_block, NC);
        for p0 in (0..k).step_by(kc_max) {
            let kc = kc_max.min(k - p0);
            let pb = &mut pb[..b_block.rows.div_ceil(NR) * NR * kc];
            pack::<NR>(b_block, p0, kc, pb);
            // β = 0: the first slice overwrites C, as BLAS does.
            let overwrite = beta == 0.0 && p0 == 0;
            for i_block in (0..m).step_by(MC) {
                let a_block = rows_of(a, i_block, MC);
                let pa = &mut pa[..a_block.rows.div_ceil(MR) * MR * kc];
                pack::<MR>(a_block, p0, kc, pa);
                for (b_panel, j0) in pb.chunks_exact(NR * kc).zip((j_block..n).step_by(NR)) {
                    for (a_panel, i0) in pa.chunks_exact(MR * kc).zip((i_block..m).step_by(MR)) {
                        let acc = kernel(a_panel, b_panel);
                        store(&acc, c, (i0, j0), (m, n), overwrite);
                    }
                }
            }
        }
    }
}

/// Rows `start .. start + len` of `v` (fewer at its end).
fn rows_of(v: View<'_, f32>, start: usize, len: usize) -> View<'_, f32> {
    View {
        data: &v.data[start * v.rs..],
        rows: len.min(v.rows - start),
        ..v
    }
}

/// One `MR × NR` block of A·B over one slice of the inner dimension, in registers.
#[target_feature(enable = "avx512f")]
#[inline]
fn kernel(a_panel: &[f32], b_panel: &[f32]) -> [[__m512; 2]; MR] {
    let mut acc = [[_mm512_setzero_ps(); 2]; MR];
    let (a_steps, _) = a_panel.as_chunks::<MR>();
    // Each step of B's panel is two registers' worth.
    let (b_halves, _) = b_panel.as_chunks::<16>();
    for (a_step, b_step) in a_steps.iter().zip(b_halves.chunks_exact(2)) {
        let b0 = load(&b_step[0]);
        let b1 = load(&b_step[1]);
        for (acc_i, &a_i) in acc.iter_mut().zip(a_step) {
            let a_i = _mm512_set1_ps(a_i);
            acc_i[0] = _mm512_fmadd_ps(a_i, b0, acc_i[0]);
            acc_i[1] = _mm512_fmadd_ps(a_i, b1, acc_i[1]);
        }
    }
    acc
}

/// Adds (or, with `overwrite`, writes) the block at row `i0`, column `j0` of the row-major
/// `m × n` matrix `c`; rows and columns past C's edge are dropped.
#[target_feature(enable = "avx512f")]
#[inline]
fn store(
    acc: &[[__m512; 2]; MR],
    c: &mut [f32],
    (i0, j0): (usize, usize),
    (m, n): (usize, usize),
    overwrite: bool,
) {
    let cols = NR.min(n - j0);
    for (acc_i, i) in acc.iter().zip(i0..m) {
        let row = &mut c[i * n + j0..][..cols];
        for (half, &v) in acc_i.iter().enumerate() {
            let lanes = cols.saturating_sub(16 * half).min(16);
            if lanes == 0 {
                break;
            }
            let dst = &mut row[16 * half..][..lanes];
            let mask = lane_mask(lanes);
            // SAFETY: the mask enables the first `lanes` lanes only, and `dst` holds `lanes`
            // elements; masked-off lanes are neither read nor written.
            unsafe {
                let v = if overwrite {
                    v
                } else {
                    _mm512_add_ps(_mm512_maskz_loadu_ps(mask, dst.as_ptr()), v)
                };
                _mm512_mask_storeu_ps(dst.as_mut_ptr(), mask, v);
            }
        }
    }
}

/// The first `lanes` (≤ 16) lanes.
fn lane_mask(lanes: usize) -> __mmask16 {
    (((1u32 << lanes) - 1) & 0xFFFF) as __mmask16
}

#[target_feature(enable = "avx512f")]
#[inline]
fn load(v: &[f32; 16]) -> __m512 {
    // SAFETY: `v` holds the 16 elements read.
    unsafe { _mm512_loadu_ps(v.as_ptr()) }
}

/// Columns `p0 .. p0 + kc` of `v` as panels of `W` rows, each stored by columns (`W` values per
/// step); rows past the last are zero. Every element of `out` (`⌈rows / W⌉ · W · kc`) is
/// written.
///
/// A is packed as it is (`W = MR`), B as Bᵀ (`W = NR`): a panel of Bᵀ stored by columns is a
/// panel of `NR` columns of B stored by rows, what [`kernel`] reads.
#[target_feature(enable = "avx512f")]
fn pack<const W: usize>(v: View<'_, f32>, p0: usize, kc: usize, out: &mut [f32]) {
    for (panel, i0) in out.chunks_exact_mut(W * kc).zip((0..v.rows).step_by(W)) {
        let rows = W.min(v.rows - i0);
        let (steps, _) = panel.as_chunks_mut::<W>();
        if v.cs == 1 {
            // Rows contiguous (A = x, or B = Wᵀ): a transpose.
            pack_rows::<W>(v, i0, rows, p0, steps);
        } else if v.rs == 1 {
            // Columns contiguous (A = dzᵀ, or B = a layer input): `rows` values per step.
            for (p, step) in steps.iter_mut().enumerate() {
                let col = &v.data[(p0 + p) * v.cs + i0..][..rows];
                if let Ok(col) = <&[f32; W]>::try_from(col) {
                    // A fixed-size copy: vector moves, not a call to `memcpy` per step.
                    *step = *col;
                } else {
                    step[..rows].copy_from_slice(col);
                    step[rows..].fill(0.0);
                }
            }
        } else {
            for (p, step) in steps.iter_mut().enumerate() {
                *step = core::array::from_fn(|r| {
                    if r < rows {
                        v.data[(i0 + r) * v.rs + (p0 + p) * v.cs]
                    } else {
                        0.0
                    }
                });
            }
        }
    }
}

/// The panel of rows `i0 .. i0 + rows` (contiguous rows) as `W` values per step, by 16 × 16
/// transposes in registers; lanes past `rows` are zero.
#[target_feature(enable = "avx512f")]
#[inline]
fn pack_rows<const W: usize>(
    v: View<'_, f32>,
    i0: usize,
    rows: usize,
    p0: usize,
    steps: &mut [[f32; W]],
) {
    let kc = steps.len();
    let row = |r: usize| &v.data[(i0 + r) * v.rs + p0..][..kc];
    for g in (0..W).step_by(16) {
        let lanes = (W - g).min(16);
        let present = rows.saturating_sub(g).min(lanes);
        let mask = lane_mask(lanes);
        let mut p = 0;
        while p + 16 <= kc {
            let mut block = [_mm512_setzero_ps(); 16];
            for (r, reg) in block.iter_mut().enumerate().take(present) {
                let (chunks, _) = row(g + r).as_chunks::<16>();
                *reg = load(&chunks[p / 16]);
            }
            transpose16(&mut block);
            for (q, reg) in block.iter().enumerate() {
                let dst = &mut steps[p + q][g..g + lanes];
                // SAFETY: the mask enables the first `lanes` lanes, and `dst` holds `lanes`
                // elements.
                unsafe { _mm512_mask_storeu_ps(dst.as_mut_ptr(), mask, *reg) };
            }
            p += 16;
        }
        for (q, step) in steps.iter_mut().enumerate().skip(p) {
            for r in 0..lanes {
                step[g + r] = if r < present { row(g + r)[q] } else { 0.0 };
            }
        }
    }
}

/// Transposes 16 rows of 16 lanes in place: four rounds of 16 shuffles.
#[target_feature(enable = "avx512f")]
#[inline]
fn transpose16(r: &mut [__m512; 16]) {
    let mut t = [_mm512_setzero_ps(); 16];
    // Interleave pairs of rows: 2 × 2 blocks.
    for i in 0..8 {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    // 4 × 4 blocks within each 128-bit lane.
    for b in (0..16).step_by(4) {
        r[b] = _mm512_shuffle_ps::<0x44>(t[b], t[b + 2]);
        r[b + 1] = _mm512_shuffle_ps::<0xEE>(t[b], t[b + 2]);
        r[b + 2] = _mm512_shuffle_ps::<0x44>(t[b + 1], t[b + 3]);
        r[b + 3] = _mm512_shuffle_ps::<0xEE>(t[b + 1], t[b + 3]);
    }
    // Then whole 128-bit lanes, twice.
    for b in (0..16).step_by(8) {
        for i in 0..4 {
            t[b + i] = _mm512_shuffle_f32x4::<0x88>(r[b + i], r[b + 4 + i]);
            t[b + 4 + i] = _mm512_shuffle_f32x4::<0xDD>(r[b + i], r[b + 4 + i]);
        }
    }
    for i in 0..8 {
        r[i] = _mm512_shuffle_f32x4::<0x88>(t[i], t[8 + i]);
        r[8 + i] = _mm512_shuffle_f32x4::<0xDD>(t[i], t[8 + i]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose16_transposes() {
        if !available() {
            return;
        }
        let m: Vec<f32> = (0..256).map(|i| i as f32).collect();
        // SAFETY: the CPU has AVX-512F (checked above).
        let out = unsafe { transposed(&m) };
        for i in 0..16 {
            for j in 0..16 {
                assert_eq!(out[i * 16 + j], m[j * 16 + i]);
            }
        }
    }

    fn values(n: usize, seed: f64) -> Vec<f32> {
        (0..n)
            .map(|i| ((i as f64 + seed) * 0.731).sin() as f32)
            .collect()
    }

    /// `data` as a `rows × cols` view in the given layout: row-major, column-major, or every
    /// other element of a row-major matrix twice as wide (neither stride 1).
    fn view(data: &[f32], rows: usize, cols: usize, layout: usize) -> View<'_, f32> {
        View::strided(
            data,
            rows,
            cols,
            [(cols, 1), (1, rows), (2 * cols, 2)][layout],
        )
    }

    /// Every layout of A and B, β ∈ {0, 1, 0.5}, shapes with partial blocks at every edge,
    /// several slices of the inner dimension and slices that are not a multiple of 16, against
    /// an f64 triple loop. Scratch and C start as NaN: an element the packing failed to write,
    /// or a C that β = 0 failed to overwrite, would show.
    #[test]
    fn matches_the_naive_product_on_every_edge_and_layout() {
        if !available() {
            return;
        }
        let mut scratch = Vec::new();
        for (m, k, n) in [
            (1, 1, 1),
            (12, 16, 32),
            (13, 17, 33),
            (11, 300, 31),
            (25, 513, 70),
            (128, 784, 10),
            (40, 3, 100),
            (250, 40, 30),
            (3, 20, 2100),
            (5, 0, 7),
        ] {
            for (la, lb) in (0..3).flat_map(|la| (0..3).map(move |lb| (la, lb))) {
                let a_data = values(2 * m * k, 1.0);
                let b_data = values(2 * k * n, 2.0);
                let (a, b) = (view(&a_data, m, k, la), view(&b_data, k, n, lb));
                for beta in [0.0, 1.0, 0.5] {
                    let c0 = values(m * n, 3.0);
                    let mut c = if beta == 0.0 {
                        vec![f32::NAN; m * n]
                    } else {
                        c0.clone()
                    };
                    scratch.clear();
                    scratch.resize(4096, f32::NAN);
                    sgemm(a, b, beta, &mut c, &mut scratch);
                    for i in 0..m {
                        for j in 0..n {
                            let mut want = f64::from(beta) * f64::from(c0[i * n + j]);
                            for p in 0..k {
                                want += f64::from(a.data[i * a.rs + p * a.cs])
                                    * f64::from(b.data[p * b.rs + j * b.cs]);
                            }
                            let got = f64::from(c[i * n + j]);
                            assert!(
                                (got - want).abs() <= 1e-6 * (k as f64 + 1.0),
                                "{m}x{k}x{n} layouts {la} {lb} beta {beta} at ({i}, {j}): {got} vs {want}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[target_feature(enable = "avx512f")]
    fn transposed(m: &[f32]) -> Vec<f32> {
        let mut block: [__m512; 16] =
            core::array::from_fn(|r| load(m[16 * r..16 * r + 16].try_into().unwrap()));
        transpose16(&mut block);
        let mut out = vec![0.0; 256];
        for (r, reg) in block.iter().enumerate() {
            // SAFETY: 16 elements.
            unsafe { _mm512_storeu_ps(out[16 * r..].as_mut_ptr(), *reg) };
        }
        out
    }
}
