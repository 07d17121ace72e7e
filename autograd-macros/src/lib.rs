//! The `grad!` macro (in progress).
use proc_macro::TokenStream;

#[proc_macro]
pub fn grad(input: TokenStream) -> TokenStream {
    input
}

#[proc_macro_attribute]
pub fn differentiable(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}
