#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/archive_reader.h"
#include "common/fsutil.h"
#include "common/generator.h"
#include "common/json_file.h"
#include "support.h"

#define WHEEL "pypi/packages/demo_pkg-1.0.0-py3-none-any.whl"
#define SDIST "pypi/packages/demo_pkg-1.0.0.tar.gz"

/* "Demo.Pkg" normalizes to the module demo_pkg and the project demo-pkg. */
static void setup(struct gen_case *c, uint64_t data_size)
{
    gen_case_setup(c,
                   (struct package_spec){
                       .format = "pypi",
                       .name = "Demo.Pkg",
                       .version = "1.0.0",
                       .template_dir = ASSETGEN_SOURCE_DIR "/templates/pypi",
                       .data_size = data_size,
                       .seed = 5,
                   },
                   2);
}

static int check(const char *name, const char *version, struct ag_error *err)
{
    return gen_check("pypi", name, version, err);
}

Test(pypi, check_package_rejects_invalid_names)
{
    static const char *const bad[] = {"-bad-", "a b", "", "bad-", ".dot", "x/y", "caf\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct ag_error err = {0};
        cr_assert_eq(check(bad[i], "1.0", &err), AG_USAGE, "'%s' accepted", bad[i]);
        char *quoted = xasprintf("'%s'", bad[i]);
        cr_assert(strstr(err.message, quoted) != NULL, "names it: %s", err.message);
        free(quoted);
    }
    struct ag_error err = {0};
    cr_assert_eq(check("Demo.Pkg_2-x", "1.0", &err), AG_OK, "%s", err.message);
    cr_assert_eq(check("a", "1.0", &err), AG_OK, "%s", err.message);
}

Test(pypi, check_package_rejects_non_pep440_versions)
{
    static const char *const bad[] = {"v1.0", "1.0-beta", "1..0", "", "1.0+", "latest"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct ag_error err = {0};
        cr_assert_eq(check("demo", bad[i], &err), AG_USAGE, "'%s' accepted", bad[i]);
        cr_assert(strstr(err.message, "PEP 440") != NULL, "%s", err.message);
    }
}

Test(pypi, generate_writes_a_wheel_with_the_module_and_record_last)
{
    struct gen_case c;
    setup(&c, 0);
    const struct artifact *wheel = &c.made.items[0];
    cr_assert_str_eq(wheel->kind, "wheel");
    cr_assert_str_eq(wheel->path, WHEEL);
    struct archive_scan s;
    gen_case_scan(&c, 0, &s);
    cr_assert(strstr(s.format, "ZIP") != NULL, "%s", s.format);
    const struct archive_member *init = archive_scan_find(&s, "demo_pkg/__init__.py");
    cr_assert_not_null(init);
    cr_assert(strstr(init->content, "__version__ = \"1.0.0\"") != NULL, "%s", init->content);
    cr_assert_str_eq(s.members[s.count - 1].path, "demo_pkg-1.0.0.dist-info/RECORD");
    const struct archive_member *meta = archive_scan_find(&s, "demo_pkg-1.0.0.dist-info/METADATA");
    cr_assert_not_null(meta);
    cr_assert(strstr(meta->content, "\nName: Demo.Pkg\n") != NULL, "%s", meta->content);
    cr_assert_not_null(archive_scan_find(&s, "demo_pkg-1.0.0.dist-info/WHEEL"));
    for (size_t i = 0; i < s.count; i++)
        cr_assert(strncmp(s.members[i].path, "demo_pkg/", 9) == 0 ||
                      strncmp(s.members[i].path, "demo_pkg-1.0.0.dist-info/", 25) == 0,
                  "sdist-only file in the wheel: %s", s.members[i].path);
    /* RECORD lists every other file once, and itself without a hash. */
    const char *record = s.members[s.count - 1].content;
    for (size_t i = 0; i + 1 < s.count; i++) {
        char *row = xasprintf("%s,sha256=", s.members[i].path);
        cr_assert(strstr(record, row) != NULL, "RECORD lacks %s:\n%s", s.members[i].path, record);
        free(row);
    }
    cr_assert(strstr(record, "demo_pkg-1.0.0.dist-info/RECORD,,\n") != NULL, "%s", record);
    archive_scan_free(&s);
    gen_case_teardown(&c);
}

Test(pypi, generate_writes_an_sdist_under_one_top_directory)
{
    struct gen_case c;
    setup(&c, 0);
    const struct artifact *sdist = &c.made.items[1];
    cr_assert_str_eq(sdist->kind, "sdist");
    cr_assert_str_eq(sdist->path, SDIST);
    struct archive_scan s;
    gen_case_scan(&c, 1, &s);
    cr_assert_str_eq(s.filter, "gzip");
    static const char *const want[] = {"demo_pkg-1.0.0/PKG-INFO", "demo_pkg-1.0.0/pyproject.toml",
                                       "demo_pkg-1.0.0/assetgen_backend.py",
                                       "demo_pkg-1.0.0/demo_pkg/__init__.py"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert_not_null(archive_scan_find(&s, want[i]), "sdist lacks %s", want[i]);
    for (size_t i = 0; i < s.count; i++)
        cr_assert(strncmp(s.members[i].path, "demo_pkg-1.0.0/", 15) == 0, "%s", s.members[i].path);
    archive_scan_free(&s);
    gen_case_teardown(&c);
}

Test(pypi, data_entry_has_the_tier_size_and_its_sha256_in_both_archives)
{
    struct gen_case c;
    setup(&c, 4096);
    static const char *const entry[] = {"demo_pkg/data.bin", "demo_pkg-1.0.0/demo_pkg/data.bin"};
    for (size_t k = 0; k < 2; k++) {
        const struct artifact *art = &c.made.items[k];
        cr_assert_eq(art->data_bytes, 4096u);
        struct archive_scan s;
        gen_case_scan(&c, k, &s);
        const struct archive_member *data = archive_scan_find(&s, entry[k]);
        cr_assert_not_null(data, "%s lacks %s", art->path, entry[k]);
        cr_assert_eq(data->size, 4096u);
        char hex[65];
        digest_hex(data->sha256, 32, hex);
        cr_assert_str_eq(art->data_sha256, hex, "%s", art->path);
        archive_scan_free(&s);
    }
    /* One seeded stream: the wheel and the sdist carry the same bytes. */
    cr_assert_str_eq(c.made.items[0].data_sha256, c.made.items[1].data_sha256);
    gen_case_teardown(&c);
}

Test(pypi, write_index_then_verify_passes_for_wheel_and_sdist)
{
    struct gen_case c;
    setup(&c, 4096);
    struct ag_error err = {0};
    cr_assert_eq(gen_case_write_index(&c, &err), AG_OK, "%s", err.message);
    for (size_t k = 0; k < c.made.count; k++)
        cr_assert_eq(c.gen->verify_artifact(c.out_root, BASE_URL, &c.made.items[k], &err), AG_OK,
                     "%s: %s", c.made.items[k].path, err.message);
    static const char *const files[] = {"pypi/simple/index.html", "pypi/simple/demo-pkg/index.html",
                                        "pypi/simple/demo-pkg/index.v1_json", WHEEL ".metadata",
                                        "clients/pip.conf"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *path = xasprintf("%s/%s", c.out_root, files[i]);
        cr_assert(path_exists(path), "write_index did not write %s", files[i]);
        free(path);
    }
    gen_case_teardown(&c);
}

Test(pypi, verify_fails_when_the_json_index_has_a_wrong_sha256)
{
    struct gen_case c;
    setup(&c, 0);
    struct ag_error err = {0};
    cr_assert_eq(gen_case_write_index(&c, &err), AG_OK, "%s", err.message);
    char *path = xasprintf("%s/pypi/simple/demo-pkg/index.v1_json", c.out_root);
    json_t *doc = NULL;
    cr_assert_eq(json_read_file(path, &doc, &err), AG_OK, "%s", err.message);
    json_t *files = json_object_get(doc, "files");
    cr_assert_eq(json_array_size(files), 2u);
    for (size_t i = 0; i < json_array_size(files); i++)
        json_object_set_new(json_array_get(files, i), "hashes",
                            json_pack("{s:s}", "sha256",
                                      "00000000000000000000000000000000"
                                      "00000000000000000000000000000000"));
    cr_assert_eq(json_write_atomic(path, doc, &err), AG_OK);
    json_decref(doc);
    cr_assert_eq(c.gen->verify_artifact(c.out_root, BASE_URL, &c.made.items[0], &err), AG_FAIL,
                 "an index with a wrong sha256 verified");
    cr_assert(strstr(err.message, "index.v1_json does not list") != NULL, "%s", err.message);
    free(path);
    gen_case_teardown(&c);
}

Test(pypi, verify_fails_when_the_wheel_is_not_the_one_described)
{
    struct gen_case c;
    setup(&c, 4096);
    struct ag_error err = {0};
    cr_assert_eq(gen_case_write_index(&c, &err), AG_OK, "%s", err.message);
    struct artifact wrong;
    artifact_copy(&wrong, &c.made.items[0]);
    wrong.data_sha256[0] = wrong.data_sha256[0] == '0' ? '1' : '0';
    cr_assert_eq(c.gen->verify_artifact(c.out_root, BASE_URL, &wrong, &err), AG_FAIL);
    cr_assert(strstr(err.message, "data file demo_pkg/data.bin") != NULL, "%s", err.message);
    artifact_free(&wrong);
    artifact_copy(&wrong, &c.made.items[0]);
    free(wrong.version);
    wrong.version = xstrdup("2.0.0");
    ag_error_clear(&err);
    cr_assert_eq(c.gen->verify_artifact(c.out_root, BASE_URL, &wrong, &err), AG_FAIL);
    artifact_free(&wrong);
    gen_case_teardown(&c);
}
