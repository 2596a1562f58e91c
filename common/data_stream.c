#include "common/data_stream.h"

#include <openssl/evp.h>
#include <string.h>

#include "common/digest.h"

static void key_part(struct digest_set *set, const char *text)
{
    /* The NUL keeps ("ab","c") and ("a","bc") apart. */
    digest_set_update(set, text, strlen(text) + 1);
}

int data_stream_init(struct data_stream *stream, uint64_t seed, const char *format,
                     const char *name, const char *version, struct ag_error *err)
{
    memset(stream, 0, sizeof *stream);
    struct digest_set key;
    if (digest_set_init(&key, DIGEST_BIT(DIGEST_SHA256), err) != AG_OK)
        return err->status;
    unsigned char seed_le[8];
    for (int i = 0; i < 8; i++)
        seed_le[i] = (unsigned char)(seed >> (8 * i));
    key_part(&key, "assetgen-data-v1");
    digest_set_update(&key, seed_le, sizeof seed_le);
    key_part(&key, format);
    key_part(&key, name);
    key_part(&key, version);
    if (digest_set_final(&key, err) != AG_OK) {
        digest_set_free(&key);
        return err->status;
    }
    static const unsigned char iv[16] = {0};
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL ||
        EVP_EncryptInit_ex(ctx, EVP_aes_256_ctr(), NULL, key.value[DIGEST_SHA256], iv) != 1) {
        EVP_CIPHER_CTX_free(ctx);
        return ag_error_set(err, AG_FAIL, "cannot initialise the AES-256-CTR data stream");
    }
    stream->cipher = ctx;
    return AG_OK;
}

int data_stream_read(struct data_stream *stream, unsigned char *buf, size_t len,
                     struct ag_error *err)
{
    memset(buf, 0, len);
    size_t done = 0;
    while (done < len) {
        int chunk = (int)((len - done) > (1u << 30) ? (1u << 30) : (len - done));
        int outl = 0;
        if (EVP_EncryptUpdate(stream->cipher, buf + done, &outl, buf + done, chunk) != 1)
            return ag_error_set(err, AG_FAIL, "data stream encryption failed");
        done += (size_t)outl;
    }
    stream->produced += len;
    return AG_OK;
}

void data_stream_free(struct data_stream *stream)
{
    EVP_CIPHER_CTX_free(stream->cipher);
    stream->cipher = NULL;
}
