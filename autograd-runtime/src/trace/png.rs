//! PNG pictures: the SVG of `svg.rs` rasterised by resvg, at twice its size for sharp text.
//!
//! The machines we build on have no system fonts, so the text uses the DejaVu Sans subset the
//! crate bundles for its plots (ASCII and a few symbols, among them the `—` of a missing
//! adjoint); other characters are left out of the picture.

use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{Options, Tree};

use crate::{Error, Result};

static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans-subset.ttf");
const SCALE: f32 = 2.0;

pub(crate) fn svg_to_png(svg: &str) -> Result<Vec<u8>> {
    let fail = |message: String| Error::Graph {
        message: format!("{message}; the SVG itself (`to_svg`) does not need this step"),
    };
    let mut options = Options {
        font_family: "DejaVu Sans".to_string(),
        ..Options::default()
    };
    let fonts = options.fontdb_mut();
    fonts.load_font_data(FONT.to_vec());
    fonts.set_sans_serif_family("DejaVu Sans");
    let tree = Tree::from_str(svg, &options)
        .map_err(|e| fail(format!("resvg could not read the SVG ({e})")))?;
    let size = tree.size().to_int_size().scale_by(SCALE);
    let mut pixmap = size
        .and_then(|s| Pixmap::new(s.width(), s.height()))
        .ok_or_else(|| fail("the picture is too large to rasterise".to_string()))?;
    resvg::render(
        &tree,
        Transform::from_scale(SCALE, SCALE),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| fail(format!("PNG encoding failed ({e})")))
}
