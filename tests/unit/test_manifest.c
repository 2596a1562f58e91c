#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "common/fsutil.h"
#include "common/manifest.h"
#include "support.h"

/* Besides manifest.json, only the lock file may be left in the directory. */
static void tmp_free(struct tmp_file *t)
{
    char *lock = xasprintf("%s/.assetgen.lock", t->dir);
    unlink(lock);
    free(lock);
    cr_assert_eq(tmp_file_free(t), 0, "something was left in the directory");
}

static void fill(struct artifact *a, const char *path, char hexdigit)
{
    memset(a, 0, sizeof *a);
    a->format = "npm";
    a->kind = "tgz";
    a->name = "demo";
    a->version = "1.0.0";
    a->path = (char *)path;
    a->expect = "accept";
    a->bytes = 12345;
    memset(a->sha256, hexdigit, 64);
    memset(a->sha512, hexdigit, 128);
}

static void sample(struct manifest *m)
{
    memset(m, 0, sizeof *m);
    m->tool = xstrdup("assetgen 0.1.0");
    m->size = xstrdup("small");
    m->seed = 42;
    m->source_date_epoch = 1700000000;
    m->base_url = xstrdup("http://127.0.0.1:8080/");
    struct artifact a;
    /* Added out of order: the file lists them sorted by path. */
    fill(&a, "pypi/packages/demo-1.0.0.tar.gz", 'b');
    a.format = "pypi";
    a.kind = "sdist";
    a.data_path = "demo/data.bin";
    a.data_bytes = 4096;
    memset(a.data_sha256, 'c', 64);
    artifact_list_add(&m->artifacts, &a);
    fill(&a, "npm/demo/-/demo-1.0.0.tgz", 'a');
    memset(a.sha1, '1', 40);
    a.signature = "npm/demo/-/demo-1.0.0.tgz.asc";
    artifact_list_add(&m->artifacts, &a);
}

Test(manifest, write_then_read_round_trips_every_field)
{
    struct tmp_file t;
    tmp_file_make(&t, "manifest", "manifest.json");
    struct manifest m, back;
    struct ag_error err = {0};
    sample(&m);
    cr_assert_eq(manifest_write(t.path, &m, &err), AG_OK, "%s", err.message);
    cr_assert_eq(manifest_read(t.path, &back, &err), AG_OK, "%s", err.message);
    cr_assert_str_eq(back.tool, "assetgen 0.1.0");
    cr_assert_str_eq(back.size, "small");
    cr_assert_eq(back.seed, 42u);
    cr_assert_eq(back.source_date_epoch, 1700000000);
    cr_assert_str_eq(back.base_url, "http://127.0.0.1:8080/");
    cr_assert_null(back.signing_key);
    cr_assert_eq(back.artifacts.count, 2u);
    const struct artifact *npm = &back.artifacts.items[0];
    const struct artifact *sdist = &back.artifacts.items[1];
    cr_assert_str_eq(npm->path, "npm/demo/-/demo-1.0.0.tgz", "rows come back sorted by path");
    cr_assert_str_eq(npm->format, "npm");
    cr_assert_str_eq(npm->kind, "tgz");
    cr_assert_str_eq(npm->name, "demo");
    cr_assert_str_eq(npm->version, "1.0.0");
    cr_assert_str_eq(npm->expect, "accept");
    cr_assert_str_eq(npm->signature, "npm/demo/-/demo-1.0.0.tgz.asc");
    cr_assert_null(npm->defect);
    cr_assert_eq(npm->bytes, 12345u);
    cr_assert_eq(strspn(npm->sha256, "a"), 64u);
    cr_assert_eq(strspn(npm->sha512, "a"), 128u);
    cr_assert_eq(strspn(npm->sha1, "1"), 40u);
    cr_assert_str_eq(npm->md5, "", "an absent md5 stays absent");
    cr_assert_null(npm->data_path);
    cr_assert_str_eq(sdist->kind, "sdist");
    cr_assert_str_eq(sdist->data_path, "demo/data.bin");
    cr_assert_eq(sdist->data_bytes, 4096u);
    cr_assert_eq(strspn(sdist->data_sha256, "c"), 64u);
    manifest_free(&back);
    manifest_free(&m);
    tmp_free(&t);
}

/* Offsets of needles in text must increase. */
static void assert_in_order(const char *text, const char *const *needles, size_t count)
{
    const char *prev = text;
    for (size_t i = 0; i < count; i++) {
        const char *at = strstr(text, needles[i]);
        cr_assert_not_null(at, "'%s' missing from:\n%s", needles[i], text);
        cr_assert_geq(at, prev, "'%s' is out of order in:\n%s", needles[i], text);
        prev = at;
    }
}

Test(manifest, written_json_has_sorted_keys_and_a_final_newline)
{
    struct tmp_file t;
    tmp_file_make(&t, "manifest", "manifest.json");
    struct manifest m;
    struct ag_error err = {0};
    sample(&m);
    cr_assert_eq(manifest_write(t.path, &m, &err), AG_OK, "%s", err.message);
    char *text = NULL;
    size_t len = 0;
    cr_assert_eq(read_file(t.path, &text, &len, &err), AG_OK);
    cr_assert_eq(text[len - 1], '\n');
    static const char *const top[] = {"\n  \"artifacts\"",
                                      "\n  \"base_url\"",
                                      "\n  \"schema\"",
                                      "\n  \"seed\"",
                                      "\n  \"signing_key\"",
                                      "\n  \"size\"",
                                      "\n  \"source_date_epoch\"",
                                      "\n  \"tool\""};
    assert_in_order(text, top, sizeof top / sizeof top[0]);
    static const char *const row[] = {
        "\n      \"bytes\"",  "\n      \"data\"",   "\n      \"defect\"", "\n      \"expect\"",
        "\n      \"format\"", "\n      \"kind\"",   "\n      \"name\"",   "\n      \"path\"",
        "\n      \"sha1\"",   "\n      \"sha256\"", "\n      \"sha512\"", "\n      \"signature\"",
        "\n      \"version\""};
    assert_in_order(text, row, sizeof row / sizeof row[0]);

    /* The same manifest writes the same bytes. */
    char *again = NULL;
    size_t again_len = 0;
    cr_assert_eq(manifest_write(t.path, &m, &err), AG_OK);
    cr_assert_eq(read_file(t.path, &again, &again_len, &err), AG_OK);
    cr_assert_eq(again_len, len);
    cr_assert_str_eq(again, text);
    free(again);
    free(text);
    manifest_free(&m);
    tmp_free(&t);
}

Test(manifest, merge_replaces_the_row_with_the_same_path_and_keeps_others)
{
    struct manifest m;
    sample(&m);
    struct artifact_list fresh = {0};
    struct artifact a;
    fill(&a, "npm/demo/-/demo-1.0.0.tgz", 'f');
    a.bytes = 999;
    artifact_list_add(&fresh, &a);
    fill(&a, "npm/other/-/other-2.0.0.tgz", 'e');
    a.name = "other";
    artifact_list_add(&fresh, &a);
    manifest_merge(&m, &fresh);
    artifact_list_free(&fresh);

    cr_assert_eq(m.artifacts.count, 3u);
    int seen_replaced = 0, seen_kept = 0, seen_new = 0;
    for (size_t i = 0; i < m.artifacts.count; i++) {
        const struct artifact *r = &m.artifacts.items[i];
        if (strcmp(r->path, "npm/demo/-/demo-1.0.0.tgz") == 0) {
            seen_replaced++;
            cr_assert_eq(r->bytes, 999u);
            cr_assert_eq(r->sha256[0], 'f');
            cr_assert_null(r->signature, "the old row's fields do not leak into the new");
        } else if (strcmp(r->path, "pypi/packages/demo-1.0.0.tar.gz") == 0) {
            seen_kept++;
            cr_assert_eq(r->sha256[0], 'b');
            cr_assert_str_eq(r->data_path, "demo/data.bin");
        } else if (strcmp(r->path, "npm/other/-/other-2.0.0.tgz") == 0) {
            seen_new++;
            cr_assert_str_eq(r->name, "other");
        }
    }
    cr_assert_eq(seen_replaced, 1);
    cr_assert_eq(seen_kept, 1);
    cr_assert_eq(seen_new, 1);
    manifest_free(&m);
}

Test(manifest, merged_rows_are_in_path_order_whatever_the_merge_order)
{
    struct manifest m;
    memset(&m, 0, sizeof m);
    const char *paths[] = {"pypi/packages/z-1.0.tar.gz", "npm/b/-/b-1.0.0.tgz",
                           "npm/a/-/a-1.0.0.tgz"};
    for (size_t i = 0; i < 3; i++) {
        struct artifact_list fresh = {0};
        struct artifact a;
        fill(&a, paths[i], 'a');
        artifact_list_add(&fresh, &a);
        manifest_merge(&m, &fresh);
        artifact_list_free(&fresh);
    }
    cr_assert_eq(m.artifacts.count, 3u);
    cr_assert_str_eq(m.artifacts.items[0].path, "npm/a/-/a-1.0.0.tgz");
    cr_assert_str_eq(m.artifacts.items[1].path, "npm/b/-/b-1.0.0.tgz");
    cr_assert_str_eq(m.artifacts.items[2].path, "pypi/packages/z-1.0.tar.gz");
    manifest_free(&m);
}

static void expect_read_error(const char *text, const char *part)
{
    struct tmp_file t;
    tmp_file_make(&t, "manifest", "manifest.json");
    struct ag_error err = {0};
    cr_assert_eq(atomic_write_buffer(t.path, text, strlen(text), &err), AG_OK);
    struct manifest m;
    cr_assert_eq(manifest_read(t.path, &m, &err), AG_FAIL, "accepted:\n%s", text);
    cr_assert(strncmp(err.message, t.path, strlen(t.path)) == 0, "names the file: %s", err.message);
    cr_assert(strstr(err.message, part) != NULL, "expected '%s' in: %s", part, err.message);
    cr_assert_eq(m.artifacts.count, 0u);
    cr_assert_null(m.tool);
    tmp_free(&t);
}

Test(manifest, malformed_json_is_an_error_naming_the_file_and_line)
{
    expect_read_error("{\n  \"schema\": 1,\n  \"artifacts\": [\n", ":4:");
    expect_read_error("{\"schema\": 1,, }", ":1:");
}

Test(manifest, wrong_schema_or_incomplete_rows_are_errors)
{
    expect_read_error("{\"schema\": 2, \"artifacts\": []}\n", "schema must be 1");
    expect_read_error("[1, 2]\n", "schema must be 1");
    expect_read_error("{\"schema\": 1, \"artifacts\": [{\"format\": \"npm\", \"kind\": \"tgz\", "
                      "\"name\": \"x\", \"version\": \"1.0.0\"}]}\n",
                      "format, kind, name, version and path must be strings");
}

Test(manifest, a_missing_file_reads_as_an_empty_manifest)
{
    struct tmp_file t;
    tmp_file_make(&t, "manifest", "manifest.json");
    struct manifest m;
    struct ag_error err = {0};
    cr_assert_eq(manifest_read(t.path, &m, &err), AG_OK, "%s", err.message);
    cr_assert_eq(m.artifacts.count, 0u);
    cr_assert_null(m.tool);
    manifest_free(&m);
    tmp_free(&t);
}

Test(manifest, lock_and_unlock_a_directory)
{
    struct tmp_file t;
    tmp_file_make(&t, "manifest", "manifest.json");
    int fd = -1;
    struct ag_error err = {0};
    cr_assert_eq(manifest_lock(t.dir, &fd, &err), AG_OK, "%s", err.message);
    cr_assert_geq(fd, 0);
    char *lock = xasprintf("%s/.assetgen.lock", t.dir);
    cr_assert(path_exists(lock));
    free(lock);
    manifest_unlock(fd);
    tmp_free(&t);
}
