#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/archive_reader.h"
#include "common/archive_writer.h"
#include "common/fsutil.h"
#include "support.h"

#define MTIME      1700000000
#define DATA_BYTES 300000u /* above ARCHIVE_SCAN_KEEP: digested, not kept */

static const char HELLO[] = "hello, archive\n";
static const char SCRIPT[] = "#!/bin/sh\necho hi\n";

/* pkg/, pkg/a.txt (0644), pkg/data.bin (seeded stream), pkg/run.sh (0755). */
static void write_archive(const char *path, enum archive_container container,
                          enum archive_compression compression, unsigned char *data_sha256)
{
    struct atomic_file out;
    struct det_archive ar;
    struct ag_error err = {0};
    struct archive_options options = {container, compression, -1, MTIME};
    cr_assert_eq(atomic_file_open(&out, path, DIGEST_BIT(DIGEST_SHA256), &err), AG_OK, "%s",
                 err.message);
    cr_assert_eq(det_archive_open(&ar, &out, &options, &err), AG_OK, "%s", err.message);
    cr_assert_eq(det_archive_add_dir(&ar, "pkg/", &err), AG_OK, "%s", err.message);
    cr_assert_eq(det_archive_add_buffer(&ar, "pkg/a.txt", 0644, HELLO, strlen(HELLO), &err), AG_OK,
                 "%s", err.message);
    /* By key: a stored zip reads the stream twice, for its CRC first. */
    struct seeded_data data = {3, "test", "pkg", "1.0.0", DATA_BYTES};
    struct digest_set content;
    cr_assert_eq(digest_set_init(&content, DIGEST_BIT(DIGEST_SHA256), &err), AG_OK);
    cr_assert_eq(det_archive_add_data_stream(&ar, "pkg/data.bin", 0644, &data, &content, &err),
                 AG_OK, "%s", err.message);
    cr_assert_eq(digest_set_final(&content, &err), AG_OK);
    memcpy(data_sha256, content.value[DIGEST_SHA256], 32);
    digest_set_free(&content);
    cr_assert_eq(det_archive_add_buffer(&ar, "pkg/run.sh", 0755, SCRIPT, strlen(SCRIPT), &err),
                 AG_OK, "%s", err.message);
    cr_assert_eq(det_archive_close(&ar, &err), AG_OK, "%s", err.message);
    det_archive_free(&ar);
    cr_assert_eq(atomic_file_commit(&out, &err), AG_OK, "%s", err.message);
}

/* sha256 of the stream's first DATA_BYTES, computed without any archive. */
static void expected_data_sha256(unsigned char *sha)
{
    unsigned char *buf = malloc(DATA_BYTES);
    struct data_stream stream;
    struct digest_set d;
    struct ag_error err = {0};
    cr_assert_eq(data_stream_init(&stream, 3, "test", "pkg", "1.0.0", &err), AG_OK);
    cr_assert_eq(data_stream_read(&stream, buf, DATA_BYTES, &err), AG_OK);
    cr_assert_eq(digest_set_init(&d, DIGEST_BIT(DIGEST_SHA256), &err), AG_OK);
    digest_set_update(&d, buf, DATA_BYTES);
    cr_assert_eq(digest_set_final(&d, &err), AG_OK);
    memcpy(sha, d.value[DIGEST_SHA256], 32);
    data_stream_free(&stream);
    free(buf);
}

static void sha256_of(const void *data, size_t len, unsigned char *sha)
{
    char hex[2 * DIGEST_MAX_BYTES + 1];
    struct ag_error err = {0};
    cr_assert_eq(digest_buffer_hex(DIGEST_SHA256, data, len, hex, &err), AG_OK);
    cr_assert_eq(hex_decode(hex, sha, 32), 32);
}

static void check_round_trip(const char *path, const char *format_word, const char *filter)
{
    unsigned char written_sha[32], want_data[32], want[32];
    write_archive(path, strcmp(format_word, "ZIP") == 0 ? CONTAINER_ZIP : CONTAINER_TAR_PAX,
                  strcmp(filter, "gzip") == 0 ? COMPRESS_GZIP : COMPRESS_NONE, written_sha);
    expected_data_sha256(want_data);
    cr_assert_arr_eq(written_sha, want_data, 32, "the content digest is of the stream's bytes");

    struct archive_scan scan;
    struct ag_error err = {0};
    cr_assert_eq(archive_scan_file(path, ARCHIVE_SCAN_DIGESTS, &scan, &err), AG_OK, "%s",
                 err.message);
    cr_assert(strstr(scan.format, format_word) != NULL, "format %s", scan.format);
    cr_assert_str_eq(scan.filter, filter);
    cr_assert_eq(scan.count, 4u);
    static const char *const order[] = {"pkg/", "pkg/a.txt", "pkg/data.bin", "pkg/run.sh"};
    for (size_t i = 0; i < 4; i++)
        cr_assert_str_eq(scan.members[i].path, order[i], "entries keep the order written");

    const struct archive_member *dir = archive_scan_find(&scan, "pkg/");
    cr_assert(dir->is_dir);
    cr_assert_eq(dir->mode, 0755u);
    const struct archive_member *a = archive_scan_find(&scan, "pkg/a.txt");
    cr_assert_not(a->is_dir);
    cr_assert_eq(a->size, strlen(HELLO));
    cr_assert_eq(a->mode, 0644u);
    cr_assert_str_eq(a->content, HELLO);
    sha256_of(HELLO, strlen(HELLO), want);
    cr_assert_arr_eq(a->sha256, want, 32);
    const struct archive_member *run = archive_scan_find(&scan, "pkg/run.sh");
    cr_assert_eq(run->mode, 0755u);
    cr_assert_str_eq(run->content, SCRIPT);
    const struct archive_member *data = archive_scan_find(&scan, "pkg/data.bin");
    cr_assert_eq(data->size, DATA_BYTES);
    cr_assert_null(data->content, "entries above ARCHIVE_SCAN_KEEP are not kept");
    cr_assert_arr_eq(data->sha256, want_data, 32);
    cr_assert_null(archive_scan_find(&scan, "pkg/missing"));
    archive_scan_free(&scan);
    cr_assert_eq(scan.count, 0u);
}

static void check_reproducible(enum archive_container container,
                               enum archive_compression compression)
{
    char *dir = make_tmpdir("archive");
    char *one = xasprintf("%s/one", dir), *two = xasprintf("%s/two", dir);
    unsigned char sha[32];
    write_archive(one, container, compression, sha);
    write_archive(two, container, compression, sha);
    size_t len_one = 0, len_two = 0;
    char *a = slurp(one, &len_one), *b = slurp(two, &len_two);
    cr_assert_eq(len_one, len_two);
    cr_assert_eq(memcmp(a, b, len_one), 0, "two writes of the same inputs differ");
    free(a);
    free(b);
    unlink(one);
    unlink(two);
    rmdir(dir);
    free(dir);
    free(one);
    free(two);
}

Test(archive_writer, tar_gz_round_trips_paths_sizes_digests_and_modes)
{
    struct tmp_file t;
    tmp_file_make(&t, "archive", "pkg.tar.gz");
    check_round_trip(t.path, "tar", "gzip");
    tmp_file_free(&t);
}

Test(archive_writer, zip_round_trips_paths_sizes_digests_and_modes)
{
    struct tmp_file t;
    tmp_file_make(&t, "archive", "pkg.zip");
    check_round_trip(t.path, "ZIP", "none");
    tmp_file_free(&t);
}

Test(archive_writer, same_inputs_give_identical_tar_gz_bytes)
{
    check_reproducible(CONTAINER_TAR_PAX, COMPRESS_GZIP);
}

Test(archive_writer, same_inputs_give_identical_zip_bytes)
{
    check_reproducible(CONTAINER_ZIP, COMPRESS_NONE);
}

Test(archive_writer, gzip_header_has_no_time_and_no_name)
{
    struct tmp_file t;
    tmp_file_make(&t, "archive", "pkg.tgz");
    unsigned char sha[32];
    write_archive(t.path, CONTAINER_TAR_PAX, COMPRESS_GZIP, sha);
    size_t len = 0;
    unsigned char *gz = (unsigned char *)slurp(t.path, &len);
    cr_assert_gt(len, 18u);
    cr_assert_eq(gz[0], 0x1f);
    cr_assert_eq(gz[1], 0x8b);
    cr_assert_eq(gz[2], 8, "deflate");
    cr_assert_eq(gz[3] & 0x08, 0, "FNAME set: the header carries a file name");
    for (int i = 4; i < 8; i++)
        cr_assert_eq(gz[i], 0, "MTIME byte %d is %u", i, gz[i]);
    free(gz);
    tmp_file_free(&t);
}

static unsigned le16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static unsigned long le32(const unsigned char *p)
{
    return (unsigned long)le16(p) | (unsigned long)le16(p + 2) << 16;
}

Test(archive_writer, zip_entries_are_stored_uncompressed)
{
    struct tmp_file t;
    tmp_file_make(&t, "archive", "pkg.zip");
    unsigned char sha[32];
    write_archive(t.path, CONTAINER_ZIP, COMPRESS_NONE, sha);
    size_t len = 0;
    unsigned char *zip = (unsigned char *)slurp(t.path, &len);
    /* The end-of-central-directory record ends the file (no comment). */
    cr_assert_gt(len, 22u);
    const unsigned char *eocd = zip + len - 22;
    cr_assert_eq(le32(eocd), 0x06054b50ul, "no end record at the end of the file");
    unsigned entries = le16(eocd + 10);
    unsigned long cd = le32(eocd + 16);
    cr_assert_eq(entries, 4u);
    for (unsigned i = 0; i < entries; i++) {
        cr_assert_lt(cd + 46, len);
        cr_assert_eq(le32(zip + cd), 0x02014b50ul, "central header %u", i);
        unsigned long local = le32(zip + cd + 42);
        cr_assert_lt(local + 30, len);
        cr_assert_eq(le32(zip + local), 0x04034b50ul, "local header %u", i);
        cr_assert_eq(le16(zip + local + 8), 0u, "local header %u: method %u, not stored", i,
                     le16(zip + local + 8));
        cr_assert_eq(le16(zip + cd + 10), 0u, "central header %u: not stored", i);
        cd += 46 + le16(zip + cd + 28) + le16(zip + cd + 30) + le16(zip + cd + 32);
    }
    free(zip);
    tmp_file_free(&t);
}

Test(archive_writer, tar_entries_carry_root_owner_and_the_given_mtime)
{
    struct tmp_file t;
    tmp_file_make(&t, "archive", "pkg.tar");
    unsigned char sha[32];
    write_archive(t.path, CONTAINER_TAR_PAX, COMPRESS_NONE, sha);
    struct archive *a = archive_read_new();
    archive_read_support_format_all(a);
    archive_read_support_filter_all(a);
    cr_assert_eq(archive_read_open_filename(a, t.path, 65536), ARCHIVE_OK);
    struct archive_entry *e;
    int n = 0;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(e);
        cr_assert_eq(archive_entry_mtime(e), MTIME, "%s", name);
        cr_assert_eq(archive_entry_uid(e), 0, "%s", name);
        cr_assert_eq(archive_entry_gid(e), 0, "%s", name);
        cr_assert_str_eq(archive_entry_uname(e), "root", "%s", name);
        cr_assert_str_eq(archive_entry_gname(e), "root", "%s", name);
        n++;
    }
    cr_assert_eq(n, 4);
    archive_read_free(a);
    tmp_file_free(&t);
}
