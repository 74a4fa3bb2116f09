// js-md4 ships no type declarations; this covers the one method we use.
declare module 'js-md4' {
  const md4: { arrayBuffer(message: Uint8Array | ArrayBuffer | string): ArrayBuffer };
  export = md4;
}
