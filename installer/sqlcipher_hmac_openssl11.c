/* SQLCipher's OpenSSL HMAC for OpenSSL 1.1 (installer/sqlcipher_shared.py; issue 19).
 *
 * SQLCipher 4.19's OpenSSL provider computes its page HMAC with EVP_MAC (OpenSSL 3 only).
 * The compat build's Debian 11 root, and the bundle built there, have OpenSSL 1.1.1, so
 * sqlcipher_shared.py puts this function in place of that one: the same HMAC (SHA-1,
 * SHA-256 or SHA-512 over one or two buffers, keyed) through HMAC_CTX, the interface
 * SQLCipher used before 4.6. The same bytes come out, so the database files are the same
 * (tests/installer/test_sqlcipher_shared.py opens the wheel's databases with it and the
 * reverse).
 */
static int sqlcipher_openssl_hmac(
  void *ctx, int algorithm,
  const unsigned char *hmac_key, int key_sz,
  const unsigned char *in, int in_sz,
  const unsigned char *in2, int in2_sz,
  unsigned char *out
) {
  unsigned int outlen = 0;
  int rc = SQLITE_ERROR;
  const EVP_MD *md = NULL;
  HMAC_CTX *hctx = NULL;

  switch(algorithm) {
    case SQLCIPHER_HMAC_SHA1: md = EVP_sha1(); break;
    case SQLCIPHER_HMAC_SHA256: md = EVP_sha256(); break;
    case SQLCIPHER_HMAC_SHA512: md = EVP_sha512(); break;
    default:
      sqlcipher_log(SQLCIPHER_LOG_ERROR, SQLCIPHER_LOG_PROVIDER, "sqlcipher_openssl_hmac: invalid algorithm %d", algorithm);
      return SQLITE_ERROR;
  }
  if(in == NULL) return SQLITE_ERROR;
  hctx = HMAC_CTX_new();
  if(hctx == NULL) {
    sqlcipher_log(SQLCIPHER_LOG_ERROR, SQLCIPHER_LOG_PROVIDER, "sqlcipher_openssl_hmac: HMAC_CTX_new() failed");
    sqlcipher_openssl_log_errors();
    return SQLITE_ERROR;
  }
  if(HMAC_Init_ex(hctx, hmac_key, key_sz, md, NULL)
     && HMAC_Update(hctx, in, in_sz)
     && (in2 == NULL || HMAC_Update(hctx, in2, in2_sz))
     && HMAC_Final(hctx, out, &outlen)) {
    rc = SQLITE_OK;
  } else {
    sqlcipher_log(SQLCIPHER_LOG_ERROR, SQLCIPHER_LOG_PROVIDER, "sqlcipher_openssl_hmac: HMAC with algorithm %d failed", algorithm);
    sqlcipher_openssl_log_errors();
  }
  HMAC_CTX_free(hctx);
  return rc;
}

