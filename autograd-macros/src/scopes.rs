//! Lexical scopes: the names declared in nested blocks, the innermost and latest visible.
//!
//! Names are found through a hash index, so resolving the names of a body of n `let`s takes
//! O(n), where scanning the declarations took O(n²).

use crate::hash::FastMap;

#[derive(Clone)]
pub struct Scopes<T> {
    /// The declarations of each open block, outermost first, in order.
    pub frames: Vec<Vec<(String, T)>>,
    /// For each name, where its declarations in `frames` are, latest last.
    index: FastMap<String, Vec<(usize, usize)>>,
}

impl<T> Scopes<T> {
    pub fn new() -> Self {
        Scopes {
            frames: Vec::new(),
            index: FastMap::default(),
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

    /// The visible declaration of `name`.
    pub fn get(&self, name: &str) -> Option<&T> {
        let (depth, i) = self.place(name)?;
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
