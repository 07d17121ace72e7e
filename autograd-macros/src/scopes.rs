//! Lexical scopes: the names declared in nested blocks, the innermost and latest visible.
//!
//! Names are found through a hash index, so resolving the names of a body of n `let`s takes
//! O(n), where scanning the declarations took O(n²).

use std::cell::RefCell;
use std::fmt::Write;

use proc_macro2::Ident;

use crate::hash::FastMap;

#[derive(Clone)]
pub struct Scopes<T> {
    /// The declarations of each open block, outermost first, in order.
    pub frames: Vec<Vec<(String, T)>>,
    /// For each name, where its declarations in `frames` are, latest last.
    index: FastMap<String, Vec<(usize, usize)>>,
    /// An identifier's text is written here to look it up: `to_string` allocated a new
    /// `String` for every name used.
    scratch: RefCell<String>,
}

impl<T> Scopes<T> {
    pub fn new() -> Self {
        Scopes {
            frames: Vec::new(),
            index: FastMap::default(),
            scratch: RefCell::default(),
        }
    }

    pub fn push_frame(&mut self) {
        self.frames.push(Vec::new());
    }

    pub fn pop_frame(&mut self) {
        // A frame's declarations are the latest of their names.
        for (name, _) in self.frames.pop().unwrap_or_default() {
            if let Some(places) = self.index.get_mut(&name) {
                places.pop();
            }
        }
    }

    /// Declares `name` in the innermost frame (if there is one).
    pub fn declare(&mut self, name: String, value: T) {
        let depth = self.frames.len().wrapping_sub(1);
        let Some(frame) = self.frames.last_mut() else {
            return;
        };
        let place = (depth, frame.len());
        frame.push((name.clone(), value));
        self.index.entry(name).or_default().push(place);
    }

    fn place(&self, name: &str) -> Option<(usize, usize)> {
        self.index.get(name)?.last().copied()
    }

    /// Where the visible declaration of `ident` is, its text written into the scratch buffer.
    fn place_of(&self, ident: &Ident) -> Option<(usize, usize)> {
        let Ok(mut text) = self.scratch.try_borrow_mut() else {
            return self.place(&ident.to_string());
        };
        text.clear();
        write!(text, "{ident}").ok()?;
        self.place(&text)
    }

    /// The visible declaration of `ident`.
    pub fn get_ident(&self, ident: &Ident) -> Option<&T> {
        let (depth, i) = self.place_of(ident)?;
        self.frames.get(depth)?.get(i).map(|(_, value)| value)
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut T> {
        let (depth, i) = self.place(name)?;
        self.frames
            .get_mut(depth)?
            .get_mut(i)
            .map(|(_, value)| value)
    }
}
