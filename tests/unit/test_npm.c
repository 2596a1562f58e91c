#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/archive_reader.h"
#include "common/fsutil.h"
#include "common/generator.h"
#include "common/json_file.h"
#include "support.h"

static void setup(struct gen_case *c, const char *name, uint64_t data_size)
{
    gen_case_setup(c,
                   (struct package_spec){
                       .format = "npm",
                       .name = name,
                       .version = "1.2.3",
                       .template_dir = ASSETGEN_SOURCE_DIR "/templates/npm",
                       .data_size = data_size,
                       .seed = 11,
                   },
                   1);
}

static int check(const char *name, const char *version, struct ag_error *err)
{
    return gen_check("npm", name, version, err);
}

Test(npm, check_package_rejects_invalid_names)
{
    static const char *const bad[] = {"UPPER",  ".dot", "_under",       "a b", "@scope",
                                      "@s/x/y", "",     "node_modules", "@/x", "@s/",
                                      "@S/x",   "a/b",  "caf\xc3\xa9",  "x:y"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct ag_error err = {0};
        cr_assert_eq(check(bad[i], "1.0.0", &err), AG_USAGE, "'%s' accepted", bad[i]);
        char *quoted = xasprintf("'%s'", bad[i]);
        cr_assert(strstr(err.message, quoted) != NULL, "names it: %s", err.message);
        free(quoted);
    }
}

Test(npm, check_package_accepts_valid_names)
{
    static const char *const good[] = {"demo", "@scope/name", "a.b-c_d~e", "x1"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct ag_error err = {0};
        cr_assert_eq(check(good[i], "1.0.0", &err), AG_OK, "'%s': %s", good[i], err.message);
    }
}

Test(npm, check_package_rejects_non_semver_versions)
{
    static const char *const bad[] = {"1.0", "01.0.0", "v1.0.0", "1.0.0-01", "latest", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct ag_error err = {0};
        cr_assert_eq(check("demo", bad[i], &err), AG_USAGE, "'%s' accepted", bad[i]);
        cr_assert(strstr(err.message, "semantic versioning") != NULL, "%s", err.message);
    }
}

Test(npm, generate_writes_a_tarball_with_package_json_first)
{
    struct gen_case c;
    setup(&c, "demo-pkg", 0);
    const struct artifact *art = &c.made.items[0];
    cr_assert_str_eq(art->path, "npm/demo-pkg/-/demo-pkg-1.2.3.tgz");
    cr_assert_str_eq(art->kind, "tgz");
    cr_assert_null(art->data_path, "no data file when data_size is 0");
    struct archive_scan s;
    gen_case_scan(&c, 0, &s);
    cr_assert_str_eq(s.filter, "gzip");
    cr_assert_str_eq(s.members[0].path, "package/package.json");
    for (size_t i = 0; i < s.count; i++)
        cr_assert(strncmp(s.members[i].path, "package/", 8) == 0, "%s", s.members[i].path);
    cr_assert_not_null(archive_scan_find(&s, "package/index.js"));
    cr_assert_not_null(archive_scan_find(&s, "package/README.md"));
    cr_assert_null(archive_scan_find(&s, "package/data.bin"));
    json_t *pj = json_loads(s.members[0].content, 0, NULL);
    cr_assert_not_null(pj, "package.json is JSON");
    cr_assert_str_eq(json_string_value(json_object_get(pj, "name")), "demo-pkg");
    cr_assert_str_eq(json_string_value(json_object_get(pj, "version")), "1.2.3");
    json_decref(pj);
    archive_scan_free(&s);

    /* The row's size and digest describe the file on disk. */
    char *path = xasprintf("%s/%s", c.out_root, art->path);
    char *bytes = NULL;
    size_t len = 0;
    char hex[2 * DIGEST_MAX_BYTES + 1];
    struct ag_error err = {0};
    cr_assert_eq(read_file(path, &bytes, &len, &err), AG_OK);
    cr_assert_eq(art->bytes, len);
    cr_assert_eq(digest_buffer_hex(DIGEST_SHA256, bytes, len, hex, &err), AG_OK);
    cr_assert_str_eq(art->sha256, hex);
    cr_assert_eq(digest_buffer_hex(DIGEST_SHA1, bytes, len, hex, &err), AG_OK);
    cr_assert_str_eq(art->sha1, hex);
    free(bytes);
    free(path);
    gen_case_teardown(&c);
}

Test(npm, scoped_package_goes_under_its_scope_without_it_in_the_file_name)
{
    struct gen_case c;
    setup(&c, "@scope/thing", 0);
    cr_assert_str_eq(c.made.items[0].path, "npm/@scope/thing/-/thing-1.2.3.tgz");
    gen_case_teardown(&c);
}

Test(npm, data_entry_has_the_tier_size_and_its_sha256)
{
    struct gen_case c;
    setup(&c, "demo-pkg", 4096);
    const struct artifact *art = &c.made.items[0];
    cr_assert_str_eq(art->data_path, "data.bin");
    cr_assert_eq(art->data_bytes, 4096u);
    struct archive_scan s;
    gen_case_scan(&c, 0, &s);
    const struct archive_member *data = archive_scan_find(&s, "package/data.bin");
    cr_assert_not_null(data);
    cr_assert_eq(data->size, 4096u);
    char hex[65];
    digest_hex(data->sha256, 32, hex);
    cr_assert_str_eq(art->data_sha256, hex);
    archive_scan_free(&s);
    gen_case_teardown(&c);
}

Test(npm, same_spec_gives_the_same_tarball)
{
    struct gen_case a, b;
    setup(&a, "demo-pkg", 4096);
    setup(&b, "demo-pkg", 4096);
    cr_assert_str_eq(a.made.items[0].sha256, b.made.items[0].sha256);
    cr_assert_eq(a.made.items[0].bytes, b.made.items[0].bytes);
    gen_case_teardown(&a);
    gen_case_teardown(&b);
}

Test(npm, write_index_then_verify_passes)
{
    struct gen_case c;
    setup(&c, "demo-pkg", 4096);
    struct ag_error err = {0};
    cr_assert_eq(gen_case_write_index(&c, &err), AG_OK, "%s", err.message);
    cr_assert_eq(c.gen->verify_artifact(c.out_root, BASE_URL, &c.made.items[0], &err), AG_OK, "%s",
                 err.message);
    char *npmrc = xasprintf("%s/clients/.npmrc", c.out_root);
    cr_assert(path_exists(npmrc));
    free(npmrc);
    gen_case_teardown(&c);
}

/* Rewrites one dist field of the packument, then expects verify to fail. */
static void expect_tampered_packument_fails(const char *field, const char *value,
                                            const char *expect)
{
    struct gen_case c;
    setup(&c, "demo-pkg", 0);
    struct ag_error err = {0};
    cr_assert_eq(gen_case_write_index(&c, &err), AG_OK, "%s", err.message);
    char *path = xasprintf("%s/npm/demo-pkg/index.json", c.out_root);
    json_t *doc = NULL;
    cr_assert_eq(json_read_file(path, &doc, &err), AG_OK, "%s", err.message);
    json_t *dist =
        json_object_get(json_object_get(json_object_get(doc, "versions"), "1.2.3"), "dist");
    cr_assert_not_null(json_object_get(dist, field), "packument has no dist.%s", field);
    json_object_set_new(dist, field, json_string(value));
    cr_assert_eq(json_write_atomic(path, doc, &err), AG_OK);
    json_decref(doc);
    free(path);
    cr_assert_eq(c.gen->verify_artifact(c.out_root, BASE_URL, &c.made.items[0], &err), AG_FAIL,
                 "a packument with a wrong %s verified", field);
    cr_assert(strstr(err.message, expect) != NULL, "%s", err.message);
    gen_case_teardown(&c);
}

Test(npm, verify_fails_when_the_packument_has_a_wrong_digest)
{
    expect_tampered_packument_fails("integrity", "sha512-AAAA", "integrity");
    expect_tampered_packument_fails("shasum", "0000000000000000000000000000000000000000", "shasum");
    expect_tampered_packument_fails("tarball", "http://elsewhere/x.tgz", "tarball URL");
}

Test(npm, verify_fails_when_the_data_file_differs_from_the_row)
{
    struct gen_case c;
    setup(&c, "demo-pkg", 4096);
    struct ag_error err = {0};
    cr_assert_eq(gen_case_write_index(&c, &err), AG_OK, "%s", err.message);
    struct artifact wrong;
    artifact_copy(&wrong, &c.made.items[0]);
    wrong.data_sha256[0] = wrong.data_sha256[0] == '0' ? '1' : '0';
    cr_assert_eq(c.gen->verify_artifact(c.out_root, BASE_URL, &wrong, &err), AG_FAIL);
    cr_assert(strstr(err.message, "data file package/data.bin") != NULL, "%s", err.message);
    artifact_free(&wrong);
    gen_case_teardown(&c);
}
