#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/data_stream.h"

#define SAMPLE 4096

static void read_stream(uint64_t seed, const char *format, const char *name, const char *version,
                        unsigned char *buf, size_t len)
{
    struct data_stream stream;
    struct ag_error err = {0};
    cr_assert_eq(data_stream_init(&stream, seed, format, name, version, &err), AG_OK, "%s",
                 err.message);
    cr_assert_eq(data_stream_read(&stream, buf, len, &err), AG_OK, "%s", err.message);
    cr_assert_eq(stream.produced, len);
    data_stream_free(&stream);
    cr_assert_null(stream.cipher);
}

static int same_bytes(uint64_t seed_a, const char *format_a, const char *name_a,
                      const char *version_a, uint64_t seed_b, const char *format_b,
                      const char *name_b, const char *version_b)
{
    unsigned char a[SAMPLE], b[SAMPLE];
    read_stream(seed_a, format_a, name_a, version_a, a, sizeof a);
    read_stream(seed_b, format_b, name_b, version_b, b, sizeof b);
    return memcmp(a, b, sizeof a) == 0;
}

Test(data_stream, same_seed_same_bytes)
{
    cr_assert(same_bytes(42, "npm", "demo", "1.0.0", 42, "npm", "demo", "1.0.0"));
}

Test(data_stream, different_seed_different_bytes)
{
    cr_assert_not(same_bytes(42, "npm", "demo", "1.0.0", 43, "npm", "demo", "1.0.0"));
    /* Every byte of the 64-bit seed takes part in the key. */
    cr_assert_not(
        same_bytes(1, "npm", "demo", "1.0.0", 1 | (UINT64_C(1) << 63), "npm", "demo", "1.0.0"));
}

Test(data_stream, different_format_different_bytes)
{
    cr_assert_not(same_bytes(42, "npm", "demo", "1.0.0", 42, "pypi", "demo", "1.0.0"));
}

Test(data_stream, different_name_different_bytes)
{
    cr_assert_not(same_bytes(42, "npm", "demo", "1.0.0", 42, "npm", "demo2", "1.0.0"));
}

Test(data_stream, different_version_different_bytes)
{
    cr_assert_not(same_bytes(42, "npm", "demo", "1.0.0", 42, "npm", "demo", "1.0.1"));
}

Test(data_stream, field_boundaries_are_part_of_the_key)
{
    /* ("ab", "c") and ("a", "bc") concatenate alike but are other packages. */
    cr_assert_not(same_bytes(7, "npm", "ab", "c", 7, "npm", "a", "bc"));
    cr_assert_not(same_bytes(7, "npmx", "y", "1", 7, "npm", "xy", "1"));
}

Test(data_stream, chunked_reads_yield_the_same_stream)
{
    enum { TOTAL = 200003 };
    unsigned char *whole = malloc(TOTAL), *pieces = malloc(TOTAL);
    cr_assert(whole && pieces);
    read_stream(9, "pypi", "demo", "2.0", whole, TOTAL);

    struct data_stream stream;
    struct ag_error err = {0};
    cr_assert_eq(data_stream_init(&stream, 9, "pypi", "demo", "2.0", &err), AG_OK);
    static const size_t chunks[] = {1, 15, 16, 17, 4096, 3, 65536, 0, 31, 100000};
    size_t done = 0;
    for (size_t i = 0; done < TOTAL; i = (i + 1) % (sizeof chunks / sizeof chunks[0])) {
        size_t n = chunks[i] < TOTAL - done ? chunks[i] : TOTAL - done;
        cr_assert_eq(data_stream_read(&stream, pieces + done, n, &err), AG_OK);
        done += n;
        cr_assert_eq(stream.produced, done);
    }
    data_stream_free(&stream);
    cr_assert_eq(memcmp(whole, pieces, TOTAL), 0, "chunked reads diverged from one read");
    free(whole);
    free(pieces);
}

Test(data_stream, read_overwrites_whatever_the_buffer_held)
{
    unsigned char clean[SAMPLE], dirty[SAMPLE];
    read_stream(5, "npm", "demo", "1.0.0", clean, sizeof clean);
    memset(dirty, 0xa5, sizeof dirty);
    read_stream(5, "npm", "demo", "1.0.0", dirty, sizeof dirty);
    cr_assert_eq(memcmp(clean, dirty, sizeof clean), 0);
}

Test(data_stream, byte_histogram_is_uniform)
{
    /* Incompressible data uses every byte value about equally often. A
     * chi-squared statistic over 256 bins has 255 degrees of freedom
     * (mean 255, standard deviation about 22.6); 400 is over six
     * standard deviations out, while text or zeros land in the millions. */
    enum { TOTAL = 1 << 20 };
    unsigned char *buf = malloc(TOTAL);
    cr_assert_not_null(buf);
    read_stream(1, "npm", "assetgen-demo", "1.0.0", buf, TOTAL);
    size_t count[256] = {0};
    for (size_t i = 0; i < TOTAL; i++)
        count[buf[i]]++;
    const double expected = TOTAL / 256.0;
    double chi2 = 0;
    for (int v = 0; v < 256; v++) {
        double d = (double)count[v] - expected;
        chi2 += d * d / expected;
        cr_assert(count[v] > expected * 0.9 && count[v] < expected * 1.1,
                  "byte 0x%02x occurs %zu times, expected about %.0f", v, count[v], expected);
    }
    cr_assert_lt(chi2, 400.0, "chi-squared %.1f: the stream is not uniform", chi2);
    /* No long runs of one value either (a stuck or repeating keystream). */
    size_t run = 1, longest = 1;
    for (size_t i = 1; i < TOTAL; i++) {
        run = buf[i] == buf[i - 1] ? run + 1 : 1;
        longest = run > longest ? run : longest;
    }
    cr_assert_lt(longest, 8u, "a run of %zu equal bytes", longest);
    /* The second half is not a copy of the first (no short period). */
    cr_assert_neq(memcmp(buf, buf + TOTAL / 2, TOTAL / 2), 0);
    free(buf);
}
