"""Pure numba kernels: plain arrays and scalars in, arrays out; random draws are passed in."""
