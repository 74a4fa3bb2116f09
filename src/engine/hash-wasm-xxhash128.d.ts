// hash-wasm's xxHash128 alone: its per-algorithm build (20 KB), where the package index would
// inline every algorithm's WebAssembly into each bundle (~1 MB each: esbuild takes its UMD main).
declare module 'hash-wasm/dist/xxhash128.umd.min.js' {
  export { createXXHash128, xxhash128 } from 'hash-wasm';
}
