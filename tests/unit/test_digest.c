#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomic_file.h"
#include "common/digest.h"
#include "common/fsutil.h"
#include "support.h"

Test(digest, sha256_of_abc_matches_fips_vector)
{
    char hex[2 * DIGEST_MAX_BYTES + 1];
    struct ag_error err = {0};
    cr_assert_eq(digest_buffer_hex(DIGEST_SHA256, "abc", 3, hex, &err), AG_OK);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

Test(digest, one_pass_gives_all_four)
{
    struct digest_set set;
    struct ag_error err = {0};
    cr_assert_eq(digest_set_init(&set, DIGEST_ALL, &err), AG_OK);
    digest_set_update(&set, "a", 1);
    digest_set_update(&set, "bc", 2);
    cr_assert_eq(digest_set_final(&set, &err), AG_OK);
    char hex[129];
    digest_hex(set.value[DIGEST_MD5], set.length[DIGEST_MD5], hex);
    cr_assert_str_eq(hex, "900150983cd24fb0d6963f7d28e17f72");
    digest_hex(set.value[DIGEST_SHA1], set.length[DIGEST_SHA1], hex);
    cr_assert_str_eq(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
    digest_hex(set.value[DIGEST_SHA512], set.length[DIGEST_SHA512], hex);
    cr_assert_str_eq(hex, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                          "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    digest_set_free(&set);
}

Test(digest, base64url_drops_padding_and_swaps_alphabet)
{
    const unsigned char bytes[] = {0xfb, 0xff, 0xfe};
    char out[16];
    digest_base64url_nopad(bytes, 3, out);
    cr_assert_str_eq(out, "-__-");
    const unsigned char two[] = {0xfb, 0xff};
    digest_base64url_nopad(two, 2, out);
    cr_assert_str_eq(out, "-_8");
    digest_base64(two, 2, out);
    cr_assert_str_eq(out, "+/8=");
}

Test(digest, sha256_vectors_for_empty_and_two_block_input)
{
    char hex[2 * DIGEST_MAX_BYTES + 1];
    struct ag_error err = {0};
    cr_assert_eq(digest_buffer_hex(DIGEST_SHA256, "", 0, hex, &err), AG_OK);
    cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    cr_assert_eq(digest_buffer_hex(DIGEST_SHA256, two, strlen(two), hex, &err), AG_OK);
    cr_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    cr_assert_eq(digest_buffer_hex(DIGEST_MD5, "", 0, hex, &err), AG_OK);
    cr_assert_str_eq(hex, "d41d8cd98f00b204e9800998ecf8427e");
}

Test(digest, set_computes_only_the_masked_digests)
{
    struct digest_set set;
    struct ag_error err = {0};
    cr_assert_eq(digest_set_init(&set, DIGEST_BIT(DIGEST_SHA1), &err), AG_OK);
    digest_set_update(&set, "abc", 3);
    cr_assert_eq(digest_set_final(&set, &err), AG_OK);
    cr_assert_eq(set.length[DIGEST_SHA1], 20u);
    cr_assert_eq(set.length[DIGEST_SHA256], 0u);
    cr_assert_eq(set.length[DIGEST_MD5], 0u);
    digest_set_free(&set);
}

Test(digest, hex_decode_round_trips_every_byte_value)
{
    unsigned char bytes[256], back[256];
    char hex[2 * 256 + 1];
    for (int i = 0; i < 256; i++)
        bytes[i] = (unsigned char)i;
    digest_hex(bytes, sizeof bytes, hex);
    cr_assert_eq(strlen(hex), 512u);
    cr_assert_eq(strncmp(hex, "000102", 6), 0);
    cr_assert_str_eq(hex + 506, "fdfeff");
    memset(back, 0, sizeof back);
    cr_assert_eq(hex_decode(hex, back, sizeof back), 256);
    cr_assert_arr_eq(back, bytes, sizeof bytes);
}

Test(digest, hex_decode_accepts_uppercase)
{
    unsigned char out[4];
    cr_assert_eq(hex_decode("DEADbeef", out, sizeof out), 4);
    const unsigned char want[] = {0xde, 0xad, 0xbe, 0xef};
    cr_assert_arr_eq(out, want, sizeof want);
    cr_assert_eq(hex_decode("", out, sizeof out), 0);
}

Test(digest, hex_decode_rejects_odd_length)
{
    unsigned char out[8];
    cr_assert_eq(hex_decode("abc", out, sizeof out), -1);
    cr_assert_eq(hex_decode("0", out, sizeof out), -1);
}

Test(digest, hex_decode_rejects_non_hex_characters)
{
    unsigned char out[8];
    cr_assert_eq(hex_decode("zz", out, sizeof out), -1);
    cr_assert_eq(hex_decode("0g", out, sizeof out), -1);
    cr_assert_eq(hex_decode(" 1", out, sizeof out), -1);
    cr_assert_eq(hex_decode("12-4", out, sizeof out), -1);
    cr_assert_eq(hex_decode("0x12", out, sizeof out), -1);
}

Test(digest, hex_decode_rejects_output_too_small)
{
    unsigned char out[2] = {0x11, 0x22};
    cr_assert_eq(hex_decode("aabbcc", out, sizeof out), -1);
    cr_assert_eq(out[0], 0x11, "nothing is written when the input does not fit");
}

/* Bytes that differ at every offset, so a chunk hashed twice, skipped or
 * out of order changes every digest. */
static unsigned char *patterned(size_t len)
{
    unsigned char *bytes = malloc(len);
    cr_assert_not_null(bytes);
    for (size_t i = 0; i < len; i++)
        bytes[i] = (unsigned char)((i * 2654435761u) >> 11);
    return bytes;
}

/* Compares every kind of a finalised set with a one-shot digest. */
static void assert_matches_one_shot(const struct digest_set *set, const unsigned char *bytes,
                                    size_t len)
{
    for (int k = 0; k < DIGEST_KINDS; k++) {
        if (!(set->mask & DIGEST_BIT(k)))
            continue;
        char want[2 * DIGEST_MAX_BYTES + 1], got[2 * DIGEST_MAX_BYTES + 1];
        struct ag_error err = {0};
        cr_assert_eq(digest_buffer_hex(k, bytes, len, want, &err), AG_OK);
        digest_hex(set->value[k], set->length[k], got);
        cr_assert_str_eq(got, want, "kind %d differs from its one-shot digest", k);
    }
}

/* Feeds bytes in chunks around the parallel threshold and the buffer size. */
static void feed_odd_chunks(struct digest_set *set, const unsigned char *bytes, size_t len)
{
    static const size_t sizes[] = {1, 65535,  65536,           65537, 1u << 20,
                                   3, 200001, (1u << 20) + 13, 64,    3u << 20};
    size_t done = 0;
    for (size_t i = 0; done < len; i++) {
        size_t n = sizes[i % (sizeof sizes / sizeof sizes[0])];
        if (n > len - done)
            n = len - done;
        digest_set_update(set, bytes + done, n);
        done += n;
    }
}

Test(digest, parallel_updates_match_one_shot_digests_across_odd_chunks)
{
    enum { TOTAL = 9 * 1024 * 1024 + 4099 };
    unsigned char *bytes = patterned(TOTAL);
    static const unsigned masks[] = {
        DIGEST_ALL,
        DIGEST_BIT(DIGEST_SHA256) | DIGEST_BIT(DIGEST_SHA512) | DIGEST_BIT(DIGEST_SHA1),
        DIGEST_BIT(DIGEST_SHA256) | DIGEST_BIT(DIGEST_SHA512),
    };
    for (size_t m = 0; m < sizeof masks / sizeof masks[0]; m++) {
        for (unsigned threads = 2; threads <= DIGEST_KINDS; threads++) {
            struct digest_set set;
            struct ag_error err = {0};
            cr_assert_eq(digest_set_init(&set, masks[m], &err), AG_OK);
            set.thread_limit = threads;
            feed_odd_chunks(&set, bytes, TOTAL);
            cr_assert_not_null(set.workers, "a large update to %u kinds starts workers",
                               (unsigned)__builtin_popcount(masks[m]));
            cr_assert_eq(digest_set_final(&set, &err), AG_OK);
            cr_assert_null(set.workers, "final joins the workers");
            assert_matches_one_shot(&set, bytes, TOTAL);
            digest_set_free(&set);
        }
    }
    free(bytes);
}

Test(digest, small_updates_and_single_kinds_stay_on_the_calling_thread)
{
    unsigned char *bytes = patterned(DIGEST_PARALLEL_MIN_BYTES);
    struct digest_set set;
    struct ag_error err = {0};
    cr_assert_eq(digest_set_init(&set, DIGEST_ALL, &err), AG_OK);
    set.thread_limit = 2;
    digest_set_update(&set, bytes, DIGEST_PARALLEL_MIN_BYTES - 1);
    cr_assert_null(set.workers);
    digest_set_free(&set);

    cr_assert_eq(digest_set_init(&set, DIGEST_BIT(DIGEST_SHA512), &err), AG_OK);
    set.thread_limit = 2;
    digest_set_update(&set, bytes, DIGEST_PARALLEL_MIN_BYTES);
    cr_assert_null(set.workers, "one kind has nothing to share");
    digest_set_free(&set);

    cr_assert_eq(digest_set_init(&set, DIGEST_ALL, &err), AG_OK);
    set.thread_limit = 1;
    digest_set_update(&set, bytes, DIGEST_PARALLEL_MIN_BYTES);
    cr_assert_null(set.workers, "a limit of one thread is serial");
    digest_set_free(&set);
    free(bytes);
}

Test(digest, free_without_final_joins_the_workers)
{
    unsigned char *bytes = patterned(1u << 20);
    struct digest_set set;
    struct ag_error err = {0};
    cr_assert_eq(digest_set_init(&set, DIGEST_ALL, &err), AG_OK);
    set.thread_limit = 3;
    digest_set_update(&set, bytes, 1u << 20);
    cr_assert_not_null(set.workers);
    digest_set_free(&set);
    cr_assert_null(set.workers);
    free(bytes);
}

/* A thread start that lets the first `allowed` threads start, then fails. */
struct start_budget {
    int allowed;
    int calls;
};

static int budgeted_start(void *ctx, pthread_t *thread, void *(*run)(void *), void *arg)
{
    struct start_budget *budget = ctx;
    if (budget->calls++ >= budget->allowed)
        return EAGAIN; /* as pthread_create reports a thread limit */
    return pthread_create(thread, NULL, run, arg);
}

static void check_fallback(unsigned threads, int allowed)
{
    enum { TOTAL = 3 * 1024 * 1024 + 5 };
    unsigned char *bytes = patterned(TOTAL);
    struct start_budget budget = {allowed, 0};
    struct digest_set set;
    struct ag_error err = {0};
    cr_assert_eq(digest_set_init(&set, DIGEST_ALL, &err), AG_OK);
    set.thread_limit = threads;
    set.start_thread = budgeted_start;
    set.start_thread_ctx = &budget;
    feed_odd_chunks(&set, bytes, TOTAL);
    cr_assert_eq(budget.calls, allowed + 1, "no second attempt after a failed start");
    cr_assert_null(set.workers, "the started threads are joined");
    cr_assert(set.serial_only);
    cr_assert_eq(digest_set_final(&set, &err), AG_OK);
    assert_matches_one_shot(&set, bytes, TOTAL);
    digest_set_free(&set);
    free(bytes);
}

Test(digest, failing_thread_start_falls_back_to_serial)
{
    check_fallback(2, 0);
}

Test(digest, thread_start_failing_midway_joins_the_started_and_goes_serial)
{
    check_fallback(4, 2);
}

Test(digest, atomic_file_digests_small_writes_in_large_chunks)
{
    enum { TOTAL = 3 * 1024 * 1024 + 333, WRITE = 10240 };
    unsigned char *bytes = patterned(TOTAL);
    char *dir = make_tmpdir("digest");
    char *path = xasprintf("%s/out.bin", dir);
    struct atomic_file file;
    struct ag_error err = {0};
    unsigned mask = DIGEST_BIT(DIGEST_SHA256) | DIGEST_BIT(DIGEST_SHA512);
    cr_assert_eq(atomic_file_open(&file, path, mask, &err), AG_OK, "%s", err.message);
    file.digests.thread_limit = 2;
    /* Archive writers hand over blocks of this size. */
    for (size_t done = 0; done < TOTAL; done += WRITE) {
        size_t n = TOTAL - done < WRITE ? TOTAL - done : WRITE;
        cr_assert_eq(atomic_file_write(&file, bytes + done, n, &err), AG_OK, "%s", err.message);
    }
    cr_assert_not_null(file.digests.workers, "buffered writes reach the digests in large chunks");
    cr_assert_eq(atomic_file_commit(&file, &err), AG_OK, "%s", err.message);
    cr_assert_eq(file.bytes, (uint64_t)TOTAL);
    assert_matches_one_shot(&file.digests, bytes, TOTAL);
    free(path);
    remove_tree(dir);
    free(dir);
    free(bytes);
}

/* Posted chunks, each copied into one of two buffers that alternate as
 * the atomic file's do, and small updates between them: the digests are
 * those of the whole stream, so a chunk is hashed before its buffer is
 * refilled and in the order posted. */
Test(digest, posted_chunks_in_two_alternating_buffers_match_one_shot)
{
    enum { CHUNK = 1 << 20, CHUNKS = 9 };
    unsigned char *bytes = patterned(CHUNK * CHUNKS + 100);
    unsigned char *buffers[2] = {xmalloc(CHUNK), xmalloc(CHUNK)};
    struct digest_set set;
    struct ag_error err = {0};
    cr_assert_eq(digest_set_init(&set, DIGEST_ALL, &err), AG_OK);
    for (int i = 0; i < CHUNKS; i++) {
        unsigned char *buf = buffers[i % 2];
        /* The post before last has been waited for by the last post. */
        memcpy(buf, bytes + (size_t)i * CHUNK, CHUNK);
        digest_set_update_async(&set, buf, CHUNK);
    }
    digest_set_update(&set, bytes + (size_t)CHUNKS * CHUNK, 100);
    cr_assert_eq(digest_set_final(&set, &err), AG_OK);
    assert_matches_one_shot(&set, bytes, CHUNK * CHUNKS + 100);
    digest_set_free(&set);
    free(buffers[0]);
    free(buffers[1]);
    free(bytes);
}
