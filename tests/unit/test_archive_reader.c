#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "common/archive_reader.h"
#include "common/archive_writer.h"
#include "common/fsutil.h"
#include "support.h"

#define BIG_BYTES (ARCHIVE_SCAN_KEEP + 1)

/* small.txt, empty, then big.bin one byte above what a scan keeps. */
static void write_tgz(const char *path)
{
    struct atomic_file out;
    struct det_archive ar;
    struct ag_error err = {0};
    struct archive_options options = {CONTAINER_TAR_PAX, COMPRESS_GZIP, -1, 0};
    cr_assert_eq(atomic_file_open(&out, path, 0, &err), AG_OK, "%s", err.message);
    cr_assert_eq(det_archive_open(&ar, &out, &options, &err), AG_OK, "%s", err.message);
    cr_assert_eq(det_archive_add_buffer(&ar, "small.txt", 0600, "tiny", 4, &err), AG_OK);
    cr_assert_eq(det_archive_add_buffer(&ar, "empty", 0644, "", 0, &err), AG_OK);
    struct data_stream stream;
    cr_assert_eq(data_stream_init(&stream, 1, "t", "n", "v", &err), AG_OK);
    cr_assert_eq(det_archive_add_stream(&ar, "big.bin", 0644, BIG_BYTES, &stream, NULL, &err),
                 AG_OK, "%s", err.message);
    data_stream_free(&stream);
    cr_assert_eq(det_archive_close(&ar, &err), AG_OK, "%s", err.message);
    det_archive_free(&ar);
    cr_assert_eq(atomic_file_commit(&out, &err), AG_OK, "%s", err.message);
}

static int all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

Test(archive_reader, digests_mode_digests_every_entry)
{
    struct tmp_file t;
    tmp_file_make(&t, "reader", "a.tgz");
    write_tgz(t.path);
    struct archive_scan scan;
    struct ag_error err = {0};
    cr_assert_eq(archive_scan_file(t.path, ARCHIVE_SCAN_DIGESTS, &scan, &err), AG_OK, "%s",
                 err.message);
    cr_assert_eq(scan.count, 3u);
    const struct archive_member *small = archive_scan_find(&scan, "small.txt");
    cr_assert_str_eq(small->content, "tiny");
    cr_assert_eq(small->mode, 0600u);
    const struct archive_member *empty = archive_scan_find(&scan, "empty");
    cr_assert_eq(empty->size, 0u);
    cr_assert_str_eq(empty->content, "");
    char hex[65];
    digest_hex(empty->sha256, 32, hex);
    cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const struct archive_member *big = archive_scan_find(&scan, "big.bin");
    cr_assert_eq(big->size, BIG_BYTES);
    cr_assert_null(big->content);
    cr_assert_not(all_zero(big->sha256, 32), "the big entry is digested");
    archive_scan_free(&scan);
    tmp_file_free(&t);
}

Test(archive_reader, small_mode_keeps_small_entries_and_skips_big_ones)
{
    struct tmp_file t;
    tmp_file_make(&t, "reader", "a.tgz");
    write_tgz(t.path);
    struct archive_scan scan;
    struct ag_error err = {0};
    cr_assert_eq(archive_scan_file(t.path, ARCHIVE_SCAN_SMALL, &scan, &err), AG_OK, "%s",
                 err.message);
    cr_assert_eq(scan.count, 3u, "skipped entries are still listed");
    cr_assert_str_eq(archive_scan_find(&scan, "small.txt")->content, "tiny");
    const struct archive_member *big = archive_scan_find(&scan, "big.bin");
    cr_assert_eq(big->size, BIG_BYTES);
    cr_assert_null(big->content);
    cr_assert(all_zero(big->sha256, 32), "a skipped entry has no digest");
    archive_scan_free(&scan);
    tmp_file_free(&t);
}

Test(archive_reader, a_file_that_is_no_archive_is_an_error_naming_it)
{
    struct tmp_file t;
    tmp_file_make(&t, "reader", "notes.txt");
    struct ag_error err = {0};
    const char *text = "just some text, not an archive\n";
    cr_assert_eq(atomic_write_buffer(t.path, text, strlen(text), &err), AG_OK);
    struct archive_scan scan;
    cr_assert_eq(archive_scan_file(t.path, ARCHIVE_SCAN_DIGESTS, &scan, &err), AG_FAIL);
    cr_assert(strncmp(err.message, t.path, strlen(t.path)) == 0, "%s", err.message);
    cr_assert_eq(scan.count, 0u);
    cr_assert_null(scan.members);
    tmp_file_free(&t);
}

Test(archive_reader, a_missing_file_is_an_error_naming_it)
{
    struct tmp_file t;
    tmp_file_make(&t, "reader", "absent.tgz");
    struct archive_scan scan;
    struct ag_error err = {0};
    cr_assert_eq(archive_scan_file(t.path, ARCHIVE_SCAN_DIGESTS, &scan, &err), AG_FAIL);
    cr_assert(strstr(err.message, t.path) != NULL, "%s", err.message);
    tmp_file_free(&t);
}

Test(archive_reader, a_truncated_archive_is_an_error)
{
    struct tmp_file t;
    tmp_file_make(&t, "reader", "a.tgz");
    write_tgz(t.path);
    char *data = NULL;
    size_t len = 0;
    struct ag_error err = {0};
    cr_assert_eq(read_file(t.path, &data, &len, &err), AG_OK);
    cr_assert_gt(len, BIG_BYTES / 2);
    cr_assert_eq(atomic_write_buffer(t.path, data, len / 2, &err), AG_OK);
    free(data);
    struct archive_scan scan;
    cr_assert_eq(archive_scan_file(t.path, ARCHIVE_SCAN_DIGESTS, &scan, &err), AG_FAIL,
                 "half an archive read as whole");
    cr_assert(strstr(err.message, t.path) != NULL, "%s", err.message);
    cr_assert_eq(scan.count, 0u, "a failed scan frees its entries");
    tmp_file_free(&t);
}
