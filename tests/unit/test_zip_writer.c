#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "common/archive_reader.h"
#include "common/atomic_file.h"
#include "common/data_stream.h"
#include "common/fsutil.h"
#include "common/spool.h"
#include "common/zip_writer.h"
#include "support.h"

#define MTIME        1700000000 /* 2023-11-14 22:13:20 UTC */
#define STREAM_BYTES (3u * 1024u * 1024u + 5u)
#define SPOOL_BYTES  (1536u * 1024u)
#define ENTRIES      6u /* one directory, five files */
#define READ_CHUNK   (1u << 20)

static const char HELLO[] = "hello, zip\n";
static const char SCRIPT[] = "#!/bin/sh\necho hi\n";
static const char UTF8_NAME[] = "pkg/\xc3\xbcnicode.txt"; /* pkg/ünicode.txt */

static const struct seeded_data STREAM = {7, "test", "zip", "1.0.0", STREAM_BYTES};
static const struct seeded_data SPOOLED = {8, "test", "zip", "1.0.0", SPOOL_BYTES};

/* ------------------------------------------------------------------ */
/* A strict streaming reader, independent of the writer: it walks the
 * local headers front to back from a stream that cannot seek, as a
 * streaming unzip does, and trusts only what each local header says. */

struct seen_entry {
    char *name;
    uint32_t crc;
    uint64_t size;
};

struct strict_result {
    struct seen_entry entries[64];
    size_t count;
    size_t central;
    int zip64_end;
    char why[256];
};

static unsigned le16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}

static uint64_t le64(const unsigned char *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static int fail(struct strict_result *r, const char *why)
{
    snprintf(r->why, sizeof r->why, "%s", why);
    return -1;
}

static int read_exact(FILE *f, void *buf, size_t n)
{
    return fread(buf, 1, n, f) == n;
}

/* The zip64 extra (tag 1) of a header, or NULL. */
static const unsigned char *zip64_extra(const unsigned char *extra, size_t len, size_t *data_len)
{
    for (size_t at = 0; at + 4 <= len;) {
        unsigned tag = le16(extra + at), n = le16(extra + at + 2);
        if (at + 4 + n > len)
            return NULL;
        if (tag == 1) {
            *data_len = n;
            return extra + at + 4;
        }
        at += 4 + n;
    }
    return NULL;
}

static int strict_local(FILE *f, struct strict_result *r)
{
    unsigned char h[26], *chunk;
    if (!read_exact(f, h, sizeof h))
        return fail(r, "short local header");
    unsigned flags = le16(h + 2), method = le16(h + 4), name_len = le16(h + 22),
             extra_len = le16(h + 24);
    uint32_t crc = le32(h + 10);
    uint64_t csize = le32(h + 14), usize = le32(h + 18);
    if (flags & 0x0008)
        return fail(r, "flag bit 3 (data descriptor) set in a local header");
    if (method != 0)
        return fail(r, "entry not stored");
    char *name = xmalloc(name_len + 1u);
    unsigned char *extra = xmalloc(extra_len + 1u);
    if (!read_exact(f, name, name_len) || !read_exact(f, extra, extra_len)) {
        free(name);
        free(extra);
        return fail(r, "short local name or extra");
    }
    name[name_len] = '\0';
    if (usize == 0xFFFFFFFFu || csize == 0xFFFFFFFFu) {
        size_t n = 0;
        const unsigned char *z = zip64_extra(extra, extra_len, &n);
        if (z == NULL || n < 16) {
            free(name);
            free(extra);
            return fail(r, "local size marker without a zip64 extra holding both sizes");
        }
        usize = le64(z);
        csize = le64(z + 8);
    }
    free(extra);
    if (usize != csize) {
        free(name);
        return fail(r, "stored entry with two sizes");
    }
    chunk = xmalloc(READ_CHUNK);
    uLong c = crc32(0L, Z_NULL, 0);
    for (uint64_t left = usize; left > 0;) {
        size_t n = left < READ_CHUNK ? (size_t)left : READ_CHUNK;
        if (!read_exact(f, chunk, n)) {
            free(chunk);
            free(name);
            return fail(r, "entry data shorter than its local header says");
        }
        c = crc32(c, chunk, (uInt)n);
        left -= n;
    }
    free(chunk);
    if ((uint32_t)c != crc) {
        free(name);
        return fail(r, "CRC-32 of the data differs from the local header's");
    }
    if (r->count == sizeof r->entries / sizeof r->entries[0]) {
        free(name);
        return fail(r, "too many entries");
    }
    r->entries[r->count++] = (struct seen_entry){name, crc, usize};
    return 0;
}

/* A central header must repeat what its local header said. */
static int strict_central(FILE *f, struct strict_result *r)
{
    unsigned char h[42];
    if (!read_exact(f, h, sizeof h))
        return fail(r, "short central header");
    unsigned name_len = le16(h + 24), extra_len = le16(h + 26), comment_len = le16(h + 28);
    uint32_t crc = le32(h + 12);
    uint64_t usize = le32(h + 20);
    unsigned char *rest = xmalloc(name_len + extra_len + comment_len + 1u);
    if (!read_exact(f, rest, name_len + extra_len + comment_len)) {
        free(rest);
        return fail(r, "short central name");
    }
    if (usize == 0xFFFFFFFFu) {
        size_t n = 0;
        const unsigned char *z = zip64_extra(rest + name_len, extra_len, &n);
        usize = z != NULL && n >= 8 ? le64(z) : 0;
    }
    int ok = r->central < r->count;
    if (ok) {
        const struct seen_entry *e = &r->entries[r->central];
        ok = strlen(e->name) == name_len && memcmp(e->name, rest, name_len) == 0 && e->crc == crc &&
             e->size == usize;
    }
    free(rest);
    r->central++;
    return ok ? 0 : fail(r, "central header differs from its local header");
}

static int strict_read(FILE *f, struct strict_result *r)
{
    memset(r, 0, sizeof *r);
    unsigned char sig[4];
    for (;;) {
        if (!read_exact(f, sig, 4))
            return fail(r, "stream ended before the end record");
        uint32_t s = le32(sig);
        if (s == 0x04034b50u && r->central == 0) {
            if (strict_local(f, r) != 0)
                return -1;
        } else if (s == 0x02014b50u) {
            if (strict_central(f, r) != 0)
                return -1;
        } else if (s == 0x06064b50u) {
            unsigned char h[52];
            if (!read_exact(f, h, sizeof h) || le64(h) != 44 || le64(h + 20) != r->count)
                return fail(r, "bad zip64 end record");
            r->zip64_end = 1;
        } else if (s == 0x07064b50u) {
            unsigned char h[16];
            if (!read_exact(f, h, sizeof h))
                return fail(r, "short zip64 locator");
        } else if (s == 0x06054b50u) {
            unsigned char h[18];
            if (!read_exact(f, h, sizeof h))
                return fail(r, "short end record");
            unsigned n = le16(h + 6);
            if (n != 0xFFFF && n != r->count)
                return fail(r, "end record counts other entries");
            if (fgetc(f) != EOF)
                return fail(r, "bytes after the end record");
            return r->central == r->count ? 0 : fail(r, "central directory misses entries");
        } else {
            return fail(r, "unexpected signature");
        }
    }
}

static void strict_free(struct strict_result *r)
{
    for (size_t i = 0; i < r->count; i++)
        free(r->entries[i].name);
}

/* Runs the strict reader on path through a pipe, which cannot seek. */
static int strict_read_piped(const char *path, struct strict_result *r)
{
    char *cmd = xasprintf("cat '%s'", path);
    FILE *pipe = popen(cmd, "r");
    free(cmd);
    cr_assert_not_null(pipe);
    cr_assert_neq(fseeko(pipe, 0, SEEK_SET), 0, "the pipe must refuse to seek");
    int rc = strict_read(pipe, r);
    while (fgetc(pipe) != EOF)
        ;
    pclose(pipe);
    return rc;
}

/* ------------------------------------------------------------------ */

static void sha256_hex_of(const void *data, size_t len, char *hex)
{
    struct ag_error err = {0};
    cr_assert_eq(digest_buffer_hex(DIGEST_SHA256, data, len, hex, &err), AG_OK);
}

static void sha256_of_seeded(const struct seeded_data *d, unsigned char *sha)
{
    unsigned char *buf = xmalloc((size_t)d->size);
    struct data_stream s;
    struct ag_error err = {0};
    cr_assert_eq(data_stream_init(&s, d->seed, d->format, d->name, d->version, &err), AG_OK);
    cr_assert_eq(data_stream_read(&s, buf, (size_t)d->size, &err), AG_OK);
    char hex[2 * DIGEST_MAX_BYTES + 1];
    sha256_hex_of(buf, (size_t)d->size, hex);
    cr_assert_eq(hex_decode(hex, sha, 32), 32);
    data_stream_free(&s);
    free(buf);
}

static void fill_spool(struct spool *sp, const char *dir, const struct seeded_data *d)
{
    struct ag_error err = {0};
    cr_assert_eq(spool_open(sp, dir, DIGEST_BIT(DIGEST_SHA256), &err), AG_OK, "%s", err.message);
    struct byte_sink sink = byte_sink_for_spool(sp);
    cr_assert_eq(seeded_data_pump(d, &sink, &err), AG_OK, "%s", err.message);
    cr_assert_eq(spool_finish(sp, &err), AG_OK, "%s", err.message);
}

/* pkg/, a.txt, data.bin (seeded, two passes), inner.bin (a spool),
 * run.sh 0755, a non-ASCII name; entry digests kept in *entries. */
static void write_zip(const char *path, uint64_t zip64_limit, struct entry_digest_list *entries)
{
    struct atomic_file out;
    struct zip_writer zw;
    struct spool sp;
    struct ag_error err = {0};
    char *dir = make_tmpdir("zipspool");
    fill_spool(&sp, dir, &SPOOLED);
    cr_assert_eq(atomic_file_open(&out, path, 0, &err), AG_OK, "%s", err.message);
    zip_writer_open(&zw, byte_sink_for_atomic_file(&out), MTIME,
                    DIGEST_BIT(DIGEST_SHA256) | DIGEST_BIT(DIGEST_MD5));
    zw.zip64_limit = zip64_limit;
    cr_assert_eq(zip_writer_add_dir(&zw, "pkg/", &err), AG_OK, "%s", err.message);
    cr_assert_eq(zip_writer_add_buffer(&zw, "pkg/a.txt", 0644, HELLO, strlen(HELLO), &err), AG_OK);
    cr_assert_eq(zip_writer_add_data_stream(&zw, "pkg/data.bin", 0644, &STREAM, NULL, &err), AG_OK,
                 "%s", err.message);
    cr_assert_eq(zip_writer_add_spool(&zw, "pkg/inner.bin", 0644, &sp, &err), AG_OK, "%s",
                 err.message);
    cr_assert_eq(zip_writer_add_buffer(&zw, "pkg/run.sh", 0755, SCRIPT, strlen(SCRIPT), &err),
                 AG_OK);
    cr_assert_eq(zip_writer_add_buffer(&zw, UTF8_NAME, 0644, "u\n", 2, &err), AG_OK);
    cr_assert_eq(zip_writer_close(&zw, &err), AG_OK, "%s", err.message);
    if (entries != NULL) {
        *entries = zw.entries;
        memset(&zw.entries, 0, sizeof zw.entries);
    }
    zip_writer_free(&zw);
    cr_assert_eq(atomic_file_commit(&out, &err), AG_OK, "%s", err.message);
    spool_free(&sp);
    rmdir(dir);
    free(dir);
}

static const char *const NAMES[ENTRIES] = {"pkg/",          "pkg/a.txt",  "pkg/data.bin",
                                           "pkg/inner.bin", "pkg/run.sh", UTF8_NAME};

static void check_strict(const char *path, int expect_zip64_end)
{
    struct strict_result r;
    cr_assert_eq(strict_read_piped(path, &r), 0, "strict reader: %s", r.why);
    cr_assert_eq(r.count, ENTRIES);
    for (size_t i = 0; i < ENTRIES; i++)
        cr_assert_str_eq(r.entries[i].name, NAMES[i], "entries keep the order added");
    cr_assert_eq(r.entries[2].size, STREAM_BYTES);
    cr_assert_eq(r.entries[3].size, SPOOL_BYTES);
    cr_assert_eq(r.zip64_end, expect_zip64_end);
    strict_free(&r);
}

static int python_check(const char *path)
{
    char *dir = make_tmpdir("zippy");
    /* testzip reads every member and checks its CRC; the rest pins the
     * metadata a wheel installer relies on. */
    write_file(dir, "check.py",
               "import sys, zipfile\n"
               "z = zipfile.ZipFile(sys.argv[1])\n"
               "assert z.testzip() is None\n"
               "for i in z.infolist():\n"
               "    assert i.flag_bits & 8 == 0, i.filename\n"
               "    assert i.date_time == (2023, 11, 14, 22, 13, 20), i.date_time\n"
               "    assert (i.flag_bits & 0x800 != 0) == (not i.filename.isascii()), i.filename\n"
               "    assert i.create_system == 3\n"
               "mode = z.getinfo('pkg/run.sh').external_attr >> 16\n"
               "assert mode == 0o100755, oct(mode)\n"
               "assert z.getinfo('pkg/').is_dir()\n"
               "assert len(z.infolist()) == 6\n",
               0644);
    char *cmd = xasprintf("python3 '%s/check.py' '%s'", dir, path);
    int rc = system(cmd);
    free(cmd);
    char *script = xasprintf("%s/check.py", dir);
    unlink(script);
    free(script);
    rmdir(dir);
    free(dir);
    return rc;
}

static void check_libarchive(const char *path)
{
    /* libarchive converts names to the locale's charset: the C locale has
     * no ü and the read would fail on the reader's side, not the zip's. */
    cr_assert_not_null(setlocale(LC_CTYPE, "C.UTF-8"));
    unsigned char want_stream[32], want_spool[32];
    sha256_of_seeded(&STREAM, want_stream);
    sha256_of_seeded(&SPOOLED, want_spool);
    struct archive_scan scan;
    struct ag_error err = {0};
    cr_assert_eq(archive_scan_file(path, ARCHIVE_SCAN_DIGESTS, &scan, &err), AG_OK, "%s",
                 err.message);
    cr_assert_eq(scan.count, ENTRIES);
    cr_assert(archive_scan_find(&scan, "pkg/")->is_dir);
    cr_assert_eq(archive_scan_find(&scan, "pkg/run.sh")->mode, 0755u);
    cr_assert_str_eq(archive_scan_find(&scan, "pkg/a.txt")->content, HELLO);
    cr_assert_arr_eq(archive_scan_find(&scan, "pkg/data.bin")->sha256, want_stream, 32);
    cr_assert_arr_eq(archive_scan_find(&scan, "pkg/inner.bin")->sha256, want_spool, 32);
    archive_scan_free(&scan);

    /* libarchive's streaming zip reader, from a pipe. */
    char *cmd = xasprintf("cat '%s'", path);
    FILE *pipe = popen(cmd, "r");
    free(cmd);
    struct archive *a = archive_read_new();
    archive_read_support_format_zip_streamable(a);
    cr_assert_eq(archive_read_open_FILE(a, pipe), ARCHIVE_OK);
    struct archive_entry *e;
    size_t n = 0;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        cr_assert_lt(n, ENTRIES);
        cr_assert_str_eq(archive_entry_pathname(e), NAMES[n], "streamed entry %zu", n);
        cr_assert_eq(archive_read_data_skip(a), ARCHIVE_OK, "%s", archive_error_string(a));
        n++;
    }
    cr_assert_eq(n, ENTRIES, "%s", archive_error_string(a));
    archive_read_free(a);
    pclose(pipe);
}

Test(zip_writer, local_headers_carry_crc_and_sizes_for_a_streaming_reader)
{
    struct tmp_file t;
    tmp_file_make(&t, "zipw", "pkg.zip");
    write_zip(t.path, ZIP64_LIMIT, NULL);
    check_strict(t.path, 0);
    tmp_file_free(&t);
}

Test(zip_writer, python_zipfile_and_libarchive_read_it)
{
    struct tmp_file t;
    tmp_file_make(&t, "zipw", "pkg.zip");
    write_zip(t.path, ZIP64_LIMIT, NULL);
    cr_assert_eq(python_check(t.path), 0, "python3 zipfile refused the zip");
    check_libarchive(t.path);
    tmp_file_free(&t);
}

Test(zip_writer, entry_digests_are_those_of_the_entries)
{
    struct tmp_file t;
    tmp_file_make(&t, "zipw", "pkg.zip");
    struct entry_digest_list list;
    write_zip(t.path, ZIP64_LIMIT, &list);
    cr_assert_eq(list.count, ENTRIES - 1, "directories are not listed");
    struct archive_scan scan;
    struct ag_error err = {0};
    cr_assert_not_null(setlocale(LC_CTYPE, "C.UTF-8"));
    cr_assert_eq(archive_scan_file(t.path, ARCHIVE_SCAN_DIGESTS, &scan, &err), AG_OK, "%s",
                 err.message);
    for (size_t i = 0; i < list.count; i++) {
        const struct entry_digest *e = &list.items[i];
        const struct archive_member *m = archive_scan_find(&scan, e->path);
        cr_assert_not_null(m, "%s", e->path);
        cr_assert_eq(e->size, m->size, "%s", e->path);
        cr_assert_eq(e->length[DIGEST_SHA256], 32u);
        cr_assert_arr_eq(e->value[DIGEST_SHA256], m->sha256, 32, "%s", e->path);
        cr_assert_eq(e->length[DIGEST_MD5], 16u, "%s: md5 asked for too", e->path);
    }
    char hex[2 * DIGEST_MAX_BYTES + 1], got[2 * DIGEST_MAX_BYTES + 1];
    const struct entry_digest *a = entry_digest_list_find(&list, "pkg/a.txt");
    cr_assert_eq(digest_buffer_hex(DIGEST_MD5, HELLO, strlen(HELLO), hex, &err), AG_OK);
    digest_hex(a->value[DIGEST_MD5], 16, got);
    cr_assert_str_eq(got, hex);
    archive_scan_free(&scan);
    entry_digest_list_free(&list);
    tmp_file_free(&t);
}

Test(zip_writer, same_inputs_give_identical_bytes_in_any_time_zone)
{
    char *dir = make_tmpdir("zipw");
    char *one = xasprintf("%s/one.zip", dir), *two = xasprintf("%s/two.zip", dir);
    setenv("TZ", "UTC", 1);
    tzset();
    write_zip(one, ZIP64_LIMIT, NULL);
    setenv("TZ", "Pacific/Chatham", 1);
    tzset();
    write_zip(two, ZIP64_LIMIT, NULL);
    size_t la = 0, lb = 0;
    char *a = slurp(one, &la), *b = slurp(two, &lb);
    cr_assert_eq(la, lb);
    cr_assert_eq(memcmp(a, b, la), 0, "the bytes depend on the time zone or the run");
    free(a);
    free(b);
    unlink(one);
    unlink(two);
    rmdir(dir);
    free(one);
    free(two);
    free(dir);
}

Test(zip_writer, dos_time_is_utc_and_clamped)
{
    uint16_t t, d;
    zip_dos_time(MTIME, &t, &d);
    cr_assert_eq(t, 22u << 11 | 13u << 5 | 10u);
    cr_assert_eq(d, 43u << 9 | 11u << 5 | 14u);
    zip_dos_time(MTIME + 1, &t, &d);
    cr_assert_eq(t, 22u << 11 | 13u << 5 | 10u, "two-second resolution rounds down");
    zip_dos_time(0, &t, &d);
    cr_assert_eq(t, 0u, "before 1980 clamps to 1980-01-01");
    cr_assert_eq(d, 1u << 5 | 1u);
    zip_dos_time(5000000000LL, &t, &d);
    cr_assert_eq(d, 127u << 9 | 12u << 5 | 31u, "after 2107 clamps to its last day");
    cr_assert_eq(t, 23u << 11 | 59u << 5 | 29u);
}

Test(zip_writer, zip64_fields_and_end_records_where_forced)
{
    /* A limit of 0 puts every size, offset and count into zip64 fields:
     * the layout of a file past 4 GiB without writing one. */
    struct tmp_file t;
    tmp_file_make(&t, "zipw", "pkg64.zip");
    write_zip(t.path, 0, NULL);
    check_strict(t.path, 1);
    cr_assert_eq(python_check(t.path), 0, "python3 zipfile refused the zip64 layout");
    check_libarchive(t.path);
    size_t len = 0;
    unsigned char *z = (unsigned char *)slurp(t.path, &len);
    const unsigned char *end = z + len - 22, *loc = end - 20, *end64 = loc - 56;
    cr_assert_eq(le32(end), 0x06054b50u);
    cr_assert_eq(le16(end + 10), 0xFFFFu, "the count lives in the zip64 record");
    cr_assert_eq(le32(loc), 0x07064b50u, "no zip64 locator before the end record");
    cr_assert_eq(le64(loc + 8), (uint64_t)(end64 - z), "the locator points at the zip64 record");
    cr_assert_eq(le32(end64), 0x06064b50u);
    cr_assert_eq(le64(end64 + 32), ENTRIES);
    cr_assert_eq(le16(z + 4), 45u, "version needed 4.5 with zip64");
    free(z);
    tmp_file_free(&t);
}

Test(zip_writer, strict_reader_refuses_data_descriptors_and_bad_crc)
{
    /* The reader must go red on what the writer avoids, or its passing
     * proves nothing: libarchive's stored zip sets flag bit 3. */
    struct tmp_file t;
    tmp_file_make(&t, "zipw", "la.zip");
    struct archive *a = archive_write_new();
    archive_write_set_format_zip(a);
    archive_write_set_options(a, "zip:compression=store");
    cr_assert_eq(archive_write_open_filename(a, t.path), ARCHIVE_OK);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, "a.txt");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)strlen(HELLO));
    cr_assert_eq(archive_write_header(a, e), ARCHIVE_OK);
    archive_write_data(a, HELLO, strlen(HELLO));
    archive_entry_free(e);
    archive_write_free(a);
    struct strict_result r;
    cr_assert_eq(strict_read_piped(t.path, &r), -1);
    cr_assert(strstr(r.why, "bit 3") != NULL, "%s", r.why);
    strict_free(&r);

    /* One flipped byte in pkg/a.txt's data. */
    write_zip(t.path, ZIP64_LIMIT, NULL);
    size_t len = 0;
    char *z = slurp(t.path, &len);
    size_t at = 0;
    while (at + strlen(HELLO) <= len && memcmp(z + at, HELLO, strlen(HELLO)) != 0)
        at++;
    cr_assert_lt(at + strlen(HELLO), len);
    z[at] ^= 1;
    FILE *f = fopen(t.path, "wb");
    fwrite(z, 1, len, f);
    fclose(f);
    free(z);
    cr_assert_eq(strict_read_piped(t.path, &r), -1);
    cr_assert(strstr(r.why, "CRC") != NULL, "%s", r.why);
    strict_free(&r);
    tmp_file_free(&t);
}

Test(zip_writer, entry_past_4_gib_goes_zip64, .timeout = 1800)
{
    if (getenv("ASSETGEN_BIG_TESTS") == NULL || strcmp(getenv("ASSETGEN_BIG_TESTS"), "1") != 0)
        cr_skip_test("opt-in: ASSETGEN_BIG_TESTS=1 (writes 4 GiB)");
    struct tmp_file t;
    tmp_file_make(&t, "zipw", "big.zip");
    struct atomic_file out;
    struct zip_writer zw;
    struct ag_error err = {0};
    const struct seeded_data big = {9, "test", "zip", "1.0.0", (4ull << 30) + 4096};
    cr_assert_eq(atomic_file_open(&out, t.path, 0, &err), AG_OK);
    zip_writer_open(&zw, byte_sink_for_atomic_file(&out), MTIME, 0);
    cr_assert_eq(zip_writer_add_data_stream(&zw, "big.bin", 0644, &big, NULL, &err), AG_OK, "%s",
                 err.message);
    /* Its local header starts past 4 GiB: a zip64 offset. */
    cr_assert_eq(zip_writer_add_buffer(&zw, "after.txt", 0644, HELLO, strlen(HELLO), &err), AG_OK);
    cr_assert_eq(zip_writer_close(&zw, &err), AG_OK, "%s", err.message);
    zip_writer_free(&zw);
    cr_assert_eq(atomic_file_commit(&out, &err), AG_OK, "%s", err.message);
    struct strict_result r;
    cr_assert_eq(strict_read_piped(t.path, &r), 0, "strict reader: %s", r.why);
    cr_assert_eq(r.count, 2u);
    cr_assert_eq(r.entries[0].size, big.size);
    cr_assert(r.zip64_end);
    strict_free(&r);
    char *cmd = xasprintf("python3 -c 'import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); "
                          "assert z.testzip() is None' '%s'",
                          t.path);
    cr_assert_eq(system(cmd), 0, "python3 zipfile refused the 4 GiB zip");
    free(cmd);
    tmp_file_free(&t);
}
