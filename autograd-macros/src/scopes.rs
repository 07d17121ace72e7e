//! Lexical scopes: the names declared in nested blocks, the innermost and latest visible.
//!
//! Names are found through a hash index, so resolving the names of a body of n `let`s takes
//! O(n), where scanning the declarations took O(n²).

use std::rc::Rc;

use proc_macro2::Ident;

use crate::ast::{shared_text, with_text};
use crate::hash::FastMap;

#[derive(Clone)]
pub struct Scopes<T> {
    /// The declarations of each open block, outermost first, in order. A name's text is
    /// shared with `index`.
    pub frames: Vec<Vec<(Rc<str>, T)>>,
    /// For each declaration in `frames`, the one of the same name it hides, if any: what
    /// `index` goes back to when its block ends.
    hidden: Vec<Vec<Option<(usize, usize)>>>,
    /// For each name, where its visible declaration in `frames` is.
    index: FastMap<Rc<str>, (usize, usize)>,
}

impl<T> Scopes<T> {
    pub fn new() -> Self {
        Scopes {
            frames: Vec::new(),
            hidden: Vec::new(),
            index: FastMap::default(),
        }
    }

    pub fn push_frame(&mut self) {
        self.frames.push(Vec::new());
        self.hidden.push(Vec::new());
    }

    pub fn pop_frame(&mut self) {
        let frame = self.frames.pop().unwrap_or_default();
        let hidden = self.hidden.pop().unwrap_or_default();
        // Latest first, so a name declared twice in the block ends at what its first hid.
        for ((name, _), hidden) in frame.into_iter().zip(hidden).rev() {
            match hidden {
                Some(place) => {
                    self.index.insert(name, place);
                }
                None => {
                    self.index.remove(&name);
                }
            }
        }
    }

    /// Declares `name` in the innermost frame (if there is one).
    pub fn declare(&mut self, name: Rc<str>, value: T) {
        let depth = self.frames.len().wrapping_sub(1);
        let (Some(frame), Some(hidden)) = (self.frames.last_mut(), self.hidden.last_mut()) else {
            return;
        };
        let place = (depth, frame.len());
        hidden.push(self.index.insert(name.clone(), place));
        frame.push((name, value));
    }

    /// Declares `ident` in the innermost frame (if there is one).
    pub fn declare_ident(&mut self, ident: &Ident, value: T) {
        self.declare(shared_text(ident), value);
    }

    fn place(&self, name: &str) -> Option<(usize, usize)> {
        self.index.get(name).copied()
    }

    /// The visible declaration of `name`.
    pub fn get(&self, name: &str) -> Option<&T> {
        let (depth, i) = self.place(name)?;
        self.frames.get(depth)?.get(i).map(|(_, value)| value)
    }

    /// The visible declaration of `ident`.
    pub fn get_ident(&self, ident: &Ident) -> Option<&T> {
        let (depth, i) = with_text(ident, |name| self.place(name))?;
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
