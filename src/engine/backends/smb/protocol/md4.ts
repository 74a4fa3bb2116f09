// MD4 (RFC 1320), needed only for the NT one-way function (NTOWFv2 = HMAC-MD5(MD4(password))).
// Node 20's OpenSSL 3 keeps MD4 in the legacy provider, which is off by default, so
// crypto.createHash('md4') throws ERR_OSSL_EVP_UNSUPPORTED. js-md4 supplies it; its
// `arrayBuffer` output is computed in JavaScript (only its default hex method wraps
// crypto.createHash, which is why we never call that one).
import jsMd4 = require('js-md4');

export function md4(data: Uint8Array): Buffer {
  return Buffer.from(jsMd4.arrayBuffer(data));
}
