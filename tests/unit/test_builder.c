#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "common/archive_reader.h"
#include "common/archive_writer.h"
#include "common/fsutil.h"
#include "common/spool.h"
#include "support.h"

/* The shapes the coming formats build with sinks, spools and entry
 * digests: a .deb (archives nested in an ar, md5sums from the data
 * entries), an rpm-like prefix holding the digest of what follows it. */

#define MTIME      1700000000
#define DATA_BYTES (2u * 1024u * 1024u + 3u)

static const char README[] = "demo package\n";
static const char CONTROL[] = "Package: demo\n"
                              "Version: 1.0-1\n"
                              "Architecture: all\n"
                              "Maintainer: Demo <demo@example.com>\n"
                              "Description: demo package\n"
                              " a fixture shaped like a deb.\n";

static void check_ok(int rc, const struct ag_error *err)
{
    cr_assert_eq(rc, AG_OK, "%s", err->message);
}

/* data.tar.gz into a spool, md5 of every regular entry collected. */
static void build_data_tar(struct spool *sp, const char *dir, char **md5sums)
{
    struct ag_error err = {0};
    struct det_archive ar;
    struct archive_options opt = {CONTAINER_TAR_GNU, COMPRESS_GZIP, -1, MTIME};
    check_ok(spool_open(sp, dir, DIGEST_BIT(DIGEST_SHA256), &err), &err);
    check_ok(
        det_archive_open_sink(&ar, byte_sink_for_spool(sp), &opt, DIGEST_BIT(DIGEST_MD5), &err),
        &err);
    static const char *const dirs[] = {"./", "./usr/", "./usr/share/", "./usr/share/demo/"};
    for (size_t i = 0; i < 4; i++)
        check_ok(det_archive_add_dir(&ar, dirs[i], &err), &err);
    struct seeded_data data = {5, "deb", "demo", "1.0-1", DATA_BYTES};
    check_ok(det_archive_add_data_stream(&ar, "./usr/share/demo/data.bin", 0644, &data, NULL, &err),
             &err);
    check_ok(det_archive_add_dir(&ar, "./usr/share/doc/", &err), &err);
    check_ok(det_archive_add_dir(&ar, "./usr/share/doc/demo/", &err), &err);
    check_ok(det_archive_add_buffer(&ar, "./usr/share/doc/demo/README", 0644, README,
                                    strlen(README), &err),
             &err);
    check_ok(det_archive_close(&ar, &err), &err);
    /* md5sums: "<md5>  <path>" with the path relative to the root. */
    const struct entry_digest_list *list = det_archive_entries(&ar);
    cr_assert_eq(list->count, 2u, "only regular entries are listed");
    char *text = xstrdup("");
    for (size_t i = 0; i < list->count; i++) {
        char hex[2 * DIGEST_MAX_BYTES + 1];
        digest_hex(list->items[i].value[DIGEST_MD5], list->items[i].length[DIGEST_MD5], hex);
        char *joined = xasprintf("%s%s  %s\n", text, hex, list->items[i].path + 2);
        free(text);
        text = joined;
    }
    det_archive_free(&ar);
    check_ok(spool_finish(sp, &err), &err);
    *md5sums = text;
}

static void build_control_tar(struct spool *sp, const char *dir, const char *md5sums)
{
    struct ag_error err = {0};
    struct det_archive ar;
    struct archive_options opt = {CONTAINER_TAR_GNU, COMPRESS_GZIP, -1, MTIME};
    check_ok(spool_open(sp, dir, DIGEST_BIT(DIGEST_SHA256), &err), &err);
    check_ok(det_archive_open_sink(&ar, byte_sink_for_spool(sp), &opt, 0, &err), &err);
    check_ok(det_archive_add_dir(&ar, "./", &err), &err);
    check_ok(det_archive_add_buffer(&ar, "./control", 0644, CONTROL, strlen(CONTROL), &err), &err);
    check_ok(det_archive_add_buffer(&ar, "./md5sums", 0644, md5sums, strlen(md5sums), &err), &err);
    check_ok(det_archive_close(&ar, &err), &err);
    det_archive_free(&ar);
    check_ok(spool_finish(sp, &err), &err);
}

/* Writes dir/demo.deb; returns its path. The outer ar collects sha256 per
 * member, which the spools already know. */
static char *build_deb(const char *dir, struct spool *control, struct spool *data,
                       struct entry_digest_list *members)
{
    char *md5sums = NULL;
    build_data_tar(data, dir, &md5sums);
    build_control_tar(control, dir, md5sums);
    free(md5sums);
    struct ag_error err = {0};
    struct atomic_file out;
    struct det_archive ar;
    struct archive_options opt = {CONTAINER_AR, COMPRESS_NONE, -1, MTIME};
    char *path = xasprintf("%s/demo.deb", dir);
    check_ok(atomic_file_open(&out, path, 0, &err), &err);
    check_ok(det_archive_open_sink(&ar, byte_sink_for_atomic_file(&out), &opt,
                                   DIGEST_BIT(DIGEST_SHA256), &err),
             &err);
    check_ok(det_archive_add_buffer(&ar, "debian-binary", 0644, "2.0\n", 4, &err), &err);
    check_ok(det_archive_add_spool(&ar, "control.tar.gz", 0644, control, &err), &err);
    check_ok(det_archive_add_spool(&ar, "data.tar.gz", 0644, data, &err), &err);
    check_ok(det_archive_close(&ar, &err), &err);
    *members = ar.entries;
    memset(&ar.entries, 0, sizeof ar.entries);
    det_archive_free(&ar);
    check_ok(atomic_file_commit(&out, &err), &err);
    return path;
}

/* An archive read out of a member of another, as a stream. */
struct nested_read {
    struct archive *outer;
    char buf[64 * 1024];
};

static la_ssize_t nested_block(struct archive *a, void *ctx, const void **out)
{
    (void)a;
    struct nested_read *n = ctx;
    *out = n->buf;
    return archive_read_data(n->outer, n->buf, sizeof n->buf);
}

struct seen_file {
    char path[128];
    char md5[33];
    char *content; /* small files only */
};

/* Reads the current member of outer as an archive: md5 of each regular
 * entry, and the content of those under 64 KiB. */
static size_t read_nested(struct archive *outer, struct seen_file *files, size_t cap)
{
    struct nested_read *n = xmalloc(sizeof *n);
    n->outer = outer;
    struct archive *in = archive_read_new();
    archive_read_support_format_all(in);
    archive_read_support_filter_all(in);
    cr_assert_eq(archive_read_open(in, n, NULL, nested_block, NULL), ARCHIVE_OK, "%s",
                 archive_error_string(in));
    struct archive_entry *e;
    size_t count = 0;
    unsigned char *block = xmalloc(1u << 16);
    while (archive_read_next_header(in, &e) == ARCHIVE_OK) {
        if (archive_entry_filetype(e) != AE_IFREG)
            continue;
        cr_assert_lt(count, cap);
        struct seen_file *f = &files[count++];
        snprintf(f->path, sizeof f->path, "%s", archive_entry_pathname(e));
        struct digest_set d;
        struct ag_error err = {0};
        cr_assert_eq(digest_set_init(&d, DIGEST_BIT(DIGEST_MD5), &err), AG_OK);
        struct strbuf_small {
            char *p;
            size_t n;
        } keep = {NULL, 0};
        la_ssize_t got;
        while ((got = archive_read_data(in, block, 1u << 16)) > 0) {
            digest_set_update(&d, block, (size_t)got);
            if (archive_entry_size(e) < (1 << 16)) {
                keep.p = xrealloc(keep.p, keep.n + (size_t)got + 1);
                memcpy(keep.p + keep.n, block, (size_t)got);
                keep.n += (size_t)got;
                keep.p[keep.n] = '\0';
            }
        }
        cr_assert_eq(got, 0, "%s", archive_error_string(in));
        cr_assert_eq(digest_set_final(&d, &err), AG_OK);
        digest_hex(d.value[DIGEST_MD5], 16, f->md5);
        f->content = keep.p;
    }
    free(block);
    archive_read_free(in);
    free(n);
    return count;
}

Test(builder, deb_shape_nests_spools_and_its_md5sums_match_the_data)
{
    char *dir = make_tmpdir("builder");
    struct spool control, data;
    struct entry_digest_list members;
    char *deb = build_deb(dir, &control, &data, &members);

    /* The member list agrees with the spools it came from. */
    cr_assert_eq(members.count, 3u);
    cr_assert_eq(entry_digest_list_find(&members, "data.tar.gz")->size, data.bytes);
    cr_assert_arr_eq(entry_digest_list_find(&members, "data.tar.gz")->value[DIGEST_SHA256],
                     data.digests.value[DIGEST_SHA256], 32);
    struct archive_scan scan;
    struct ag_error err = {0};
    check_ok(archive_scan_file(deb, ARCHIVE_SCAN_DIGESTS, &scan, &err), &err);
    cr_assert_eq(scan.count, 3u);
    static const char *const order[] = {"debian-binary", "control.tar.gz", "data.tar.gz"};
    for (size_t i = 0; i < 3; i++)
        cr_assert_str_eq(scan.members[i].path, order[i]);
    cr_assert_eq(scan.members[2].size, data.bytes);
    cr_assert_arr_eq(scan.members[2].sha256, data.digests.value[DIGEST_SHA256], 32);
    archive_scan_free(&scan);

    /* Read back: md5sums from control.tar.gz against the md5 of each data
     * entry as read out of data.tar.gz. */
    struct archive *a = archive_read_new();
    archive_read_support_format_ar(a);
    cr_assert_eq(archive_read_open_filename(a, deb, 65536), ARCHIVE_OK);
    struct archive_entry *e;
    struct seen_file ctl[4], files[8];
    size_t nctl = 0, nfiles = 0;
    memset(ctl, 0, sizeof ctl);
    memset(files, 0, sizeof files);
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        if (strcmp(archive_entry_pathname(e), "control.tar.gz") == 0)
            nctl = read_nested(a, ctl, 4);
        else if (strcmp(archive_entry_pathname(e), "data.tar.gz") == 0)
            nfiles = read_nested(a, files, 8);
    }
    archive_read_free(a);
    cr_assert_eq(nctl, 2u);
    cr_assert_eq(nfiles, 2u);
    cr_assert_str_eq(ctl[1].path, "./md5sums");
    const char *sums = ctl[1].content;
    for (size_t i = 0; i < nfiles; i++) {
        char *line = xasprintf("%s  %s\n", files[i].md5, files[i].path + 2);
        cr_assert_not_null(strstr(sums, line), "md5sums has no line %s in:\n%s", line, sums);
        free(line);
    }
    size_t lines = 0;
    for (const char *p = sums; *p; p++)
        lines += *p == '\n';
    cr_assert_eq(lines, nfiles);
    for (size_t i = 0; i < 4; i++)
        free(ctl[i].content);
    for (size_t i = 0; i < 8; i++)
        free(files[i].content);

    if (system("command -v dpkg-deb >/dev/null 2>&1") == 0) {
        /* Through a file, not a pipe: the status must be dpkg-deb's. */
        char *cmd =
            xasprintf("dpkg-deb --info '%s' >/dev/null && dpkg-deb --contents '%s' "
                      ">'%s.contents' && grep -q ' ./usr/share/demo/data.bin$' '%s.contents'",
                      deb, deb, deb, deb);
        int rc = system(cmd);
        free(cmd);
        char *contents = xasprintf("%s.contents", deb);
        unlink(contents);
        free(contents);
        cr_assert_eq(rc, 0, "dpkg-deb refused %s", deb);
    }
    entry_digest_list_free(&members);
    spool_free(&control);
    spool_free(&data);
    unlink(deb);
    free(deb);
    cr_assert_eq(rmdir(dir), 0, "the spools left something behind");
    free(dir);
}

static void put_be64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (56 - 8 * i));
}

static uint64_t get_be64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

#define PREFIX_MAGIC "PAYLOAD1"
#define PREFIX_BYTES (8u + 8u + 32u)

Test(builder, rpm_shape_prefix_holds_digest_and_size_of_what_follows)
{
    char *dir = make_tmpdir("builder");
    struct ag_error err = {0};
    struct spool payload;
    struct det_archive ar;
    struct archive_options opt = {CONTAINER_CPIO_NEWC, COMPRESS_GZIP, -1, MTIME};
    check_ok(spool_open(&payload, dir, DIGEST_BIT(DIGEST_SHA256), &err), &err);
    check_ok(det_archive_open_sink(&ar, byte_sink_for_spool(&payload), &opt, 0, &err), &err);
    struct seeded_data data = {6, "rpm", "demo", "1.0-1", DATA_BYTES};
    check_ok(det_archive_add_data_stream(&ar, "./usr/share/demo/data.bin", 0644, &data, NULL, &err),
             &err);
    check_ok(det_archive_close(&ar, &err), &err);
    det_archive_free(&ar);
    check_ok(spool_finish(&payload, &err), &err);

    /* The prefix is written first, from the spool's digest and size. */
    char *path = xasprintf("%s/demo.rpm", dir);
    struct atomic_file out;
    check_ok(atomic_file_open(&out, path, 0, &err), &err);
    struct byte_sink sink = byte_sink_for_atomic_file(&out);
    unsigned char prefix[PREFIX_BYTES];
    memcpy(prefix, PREFIX_MAGIC, 8);
    put_be64(prefix + 8, payload.bytes);
    memcpy(prefix + 16, payload.digests.value[DIGEST_SHA256], 32);
    check_ok(byte_sink_write(&sink, prefix, sizeof prefix, &err), &err);
    check_ok(spool_copy(&payload, &sink, &err), &err);
    check_ok(atomic_file_commit(&out, &err), &err);
    spool_free(&payload);

    size_t len = 0;
    unsigned char *file = (unsigned char *)slurp(path, &len);
    cr_assert_gt(len, PREFIX_BYTES);
    cr_assert_eq(memcmp(file, PREFIX_MAGIC, 8), 0);
    cr_assert_eq(get_be64(file + 8), len - PREFIX_BYTES, "the prefix's size is not the payload's");
    char want[2 * DIGEST_MAX_BYTES + 1], got[2 * DIGEST_MAX_BYTES + 1];
    check_ok(digest_buffer_hex(DIGEST_SHA256, file + PREFIX_BYTES, len - PREFIX_BYTES, want, &err),
             &err);
    digest_hex(file + 16, 32, got);
    cr_assert_str_eq(got, want, "the prefix's sha256 is not that of the bytes after it");

    /* The payload is the cpio it was. */
    struct archive *a = archive_read_new();
    archive_read_support_format_cpio(a);
    archive_read_support_filter_gzip(a);
    cr_assert_eq(archive_read_open_memory(a, file + PREFIX_BYTES, len - PREFIX_BYTES), ARCHIVE_OK);
    struct archive_entry *e;
    cr_assert_eq(archive_read_next_header(a, &e), ARCHIVE_OK, "%s", archive_error_string(a));
    cr_assert_str_eq(archive_entry_pathname(e), "./usr/share/demo/data.bin");
    cr_assert_eq(archive_entry_size(e), DATA_BYTES);
    archive_read_free(a);
    free(file);
    unlink(path);
    free(path);
    cr_assert_eq(rmdir(dir), 0);
    free(dir);
}

Test(builder, spool_is_private_and_leaves_nothing_behind)
{
    char *dir = make_tmpdir("builder");
    struct spool sp;
    struct ag_error err = {0};
    check_ok(spool_open(&sp, dir, 0, &err), &err);
    char names[256];
    cr_assert_eq(list_dir(dir, names, sizeof names), 0u, "the spool has a name: %s", names);
    struct stat st;
    cr_assert_eq(fstat(sp.fd, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600u);
    cr_assert_eq(st.st_nlink, 0u);
    check_ok(spool_write(&sp, "abc", 3, &err), &err);
    check_ok(spool_finish(&sp, &err), &err);
    cr_assert_neq(spool_write(&sp, "d", 1, &err), AG_OK, "a finished spool takes no more bytes");
    spool_free(&sp);
    cr_assert_eq(rmdir(dir), 0);
    free(dir);
}

struct chunk_count {
    size_t calls;
    size_t largest;
    uint64_t bytes;
    uLong crc;
};

static int count_write(void *ctx, const void *buf, size_t len, struct ag_error *err)
{
    (void)err;
    struct chunk_count *c = ctx;
    c->calls++;
    c->bytes += len;
    if (len > c->largest)
        c->largest = len;
    c->crc = crc32(c->crc, buf, (uInt)len);
    return AG_OK;
}

Test(builder, spool_copies_out_in_chunks_with_its_size_and_crc)
{
    char *dir = make_tmpdir("builder");
    struct spool sp;
    struct ag_error err = {0};
    check_ok(spool_open(&sp, dir, DIGEST_BIT(DIGEST_SHA256), &err), &err);
    struct byte_sink into = byte_sink_for_spool(&sp);
    struct seeded_data data = {4, "t", "spool", "1", 3u * SPOOL_CHUNK + 17u};
    check_ok(seeded_data_pump(&data, &into, &err), &err);
    check_ok(spool_finish(&sp, &err), &err);
    cr_assert_eq(sp.bytes, data.size);
    struct chunk_count c = {0, 0, 0, crc32(0L, Z_NULL, 0)};
    struct byte_sink out = {count_write, &c};
    check_ok(spool_copy(&sp, &out, &err), &err);
    cr_assert_eq(c.bytes, data.size);
    cr_assert_leq(c.largest, SPOOL_CHUNK);
    cr_assert_eq(c.calls, 4u);
    cr_assert_eq((uint32_t)c.crc, sp.crc32);
    spool_free(&sp);
    cr_assert_eq(rmdir(dir), 0);
    free(dir);
}

Test(builder, tar_entry_digests_match_a_read_back)
{
    struct tmp_file t;
    tmp_file_make(&t, "builder", "pkg.tar");
    struct ag_error err = {0};
    struct atomic_file out;
    struct det_archive ar;
    struct archive_options opt = {CONTAINER_TAR_PAX, COMPRESS_NONE, -1, MTIME};
    check_ok(atomic_file_open(&out, t.path, 0, &err), &err);
    check_ok(det_archive_open_sink(&ar, byte_sink_for_atomic_file(&out), &opt,
                                   DIGEST_BIT(DIGEST_SHA256) | DIGEST_BIT(DIGEST_SHA512), &err),
             &err);
    check_ok(det_archive_add_dir(&ar, "pkg/", &err), &err);
    check_ok(det_archive_add_buffer(&ar, "pkg/README", 0644, README, strlen(README), &err), &err);
    struct seeded_data data = {2, "t", "tar", "1", 300000};
    check_ok(det_archive_add_data_stream(&ar, "pkg/data.bin", 0644, &data, NULL, &err), &err);
    check_ok(det_archive_close(&ar, &err), &err);
    const struct entry_digest_list *list = det_archive_entries(&ar);
    cr_assert_eq(list->count, 2u);
    struct archive_scan scan;
    check_ok(atomic_file_commit(&out, &err), &err);
    check_ok(archive_scan_file(t.path, ARCHIVE_SCAN_DIGESTS, &scan, &err), &err);
    for (size_t i = 0; i < list->count; i++) {
        const struct archive_member *m = archive_scan_find(&scan, list->items[i].path);
        cr_assert_not_null(m);
        cr_assert_eq(m->size, list->items[i].size);
        cr_assert_arr_eq(m->sha256, list->items[i].value[DIGEST_SHA256], 32);
        cr_assert_eq(list->items[i].length[DIGEST_SHA512], 64u);
    }
    archive_scan_free(&scan);
    det_archive_free(&ar);
    tmp_file_free(&t);
}

static int discard_write(void *ctx, const void *buf, size_t len, struct ag_error *err)
{
    (void)buf;
    (void)err;
    *(uint64_t *)ctx += len;
    return AG_OK;
}

/* 5 GiB of data in a tar spool nested in an ar, at flat memory. The ar
 * goes to a counting sink: the disk the test needs is the spool's. */
Test(builder, nested_5gib_in_flat_memory, .timeout = 3600)
{
    if (getenv("ASSETGEN_BIG_TESTS") == NULL || strcmp(getenv("ASSETGEN_BIG_TESTS"), "1") != 0)
        cr_skip_test("opt-in: ASSETGEN_BIG_TESTS=1 (spools 5 GiB)");
    const char *where = getenv("ASSETGEN_BIG_DIR");
    char *dir = where ? xstrdup(where) : make_tmpdir("builder-big");
    struct ag_error err = {0};
    struct spool inner;
    struct det_archive ar;
    struct archive_options tar = {CONTAINER_TAR_GNU, COMPRESS_GZIP, -1, MTIME};
    check_ok(spool_open(&inner, dir, DIGEST_BIT(DIGEST_SHA256), &err), &err);
    check_ok(
        det_archive_open_sink(&ar, byte_sink_for_spool(&inner), &tar, DIGEST_BIT(DIGEST_MD5), &err),
        &err);
    struct seeded_data data = {1, "deb", "big", "1", 5ull << 30};
    check_ok(det_archive_add_data_stream(&ar, "./data.bin", 0644, &data, NULL, &err), &err);
    check_ok(det_archive_close(&ar, &err), &err);
    det_archive_free(&ar);
    check_ok(spool_finish(&inner, &err), &err);
    uint64_t written = 0;
    struct byte_sink counted = {discard_write, &written};
    struct archive_options ar_opt = {CONTAINER_AR, COMPRESS_NONE, -1, MTIME};
    check_ok(det_archive_open_sink(&ar, counted, &ar_opt, 0, &err), &err);
    check_ok(det_archive_add_buffer(&ar, "debian-binary", 0644, "2.0\n", 4, &err), &err);
    check_ok(det_archive_add_spool(&ar, "data.tar.gz", 0644, &inner, &err), &err);
    check_ok(det_archive_close(&ar, &err), &err);
    det_archive_free(&ar);
    cr_assert_gt(written, inner.bytes);
    spool_free(&inner);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    fprintf(stderr, "nested 5 GiB: inner %llu bytes, ar %llu bytes, peak RSS %ld KiB\n",
            (unsigned long long)(5ull << 30), (unsigned long long)written, ru.ru_maxrss);
    cr_assert_leq(ru.ru_maxrss, 64 * 1024, "peak RSS %ld KiB", ru.ru_maxrss);
    if (where == NULL)
        rmdir(dir);
    free(dir);
}
