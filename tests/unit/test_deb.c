#include <criterion/criterion.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/digest.h"
#include "common/fsutil.h"
#include "common/generator.h"
#include "common/package_set.h"
#include "common/strbuf.h"
#include "generators/deb.h"
#include "support.h"

#define DEB_PATH "deb/pool/main/d/demo-pkg/demo-pkg_1.2.3_all.deb"

static void setup(struct gen_case *c, uint64_t data_size, const char *defect)
{
    struct package_spec spec = {.format = "deb",
                                .name = "demo-pkg",
                                .version = "1.2.3",
                                .template_dir = ASSETGEN_SOURCE_DIR "/templates/deb",
                                .seed = 7,
                                .data_size = data_size,
                                .defect = defect};
    gen_case_setup(c, spec, 1);
}

static int check(const char *name, const char *version, struct ag_error *err)
{
    return gen_check("deb", name, version, err);
}

static char *tree_file(const struct gen_case *c, const char *rel, size_t *len)
{
    char *path = xasprintf("%s/%s", c->out_root, rel);
    char *text = slurp(path, len);
    free(path);
    return text;
}

Test(deb, version_order_is_dpkgs)
{
    /* Each row as `dpkg --compare-versions A lt|eq|gt B` (dpkg 1.21.22) has it. */
    static const struct {
        const char *a, *b;
        int want;
    } cases[] = {
        {"1.0", "1.0-0", 0},        {"1.0~rc1", "1.0", -1},
        {"1.0~", "1.0~rc1", -1},    {"1:0.9", "2.0", 1},
        {"1.0a", "1.0+", -1},       {"1.0.0", "1.0", 1},
        {"2.0.0~rc1", "2.0.0~", 1}, {"1.0-1", "1.0-1.1", -1},
        {"1.0~~", "1.0~", -1},      {"10", "9", 1},
        {"1.0-1~bpo", "1.0-1", -1}, {"0:1.0", "1.0", 0},
        {"1.2.3a", "1.2.3", 1},     {"1.0.a", "1.0.1", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_expect_eq(deb_version_compare(cases[i].a, cases[i].b), cases[i].want, "%s vs %s",
                     cases[i].a, cases[i].b);
        cr_expect_eq(deb_version_compare(cases[i].b, cases[i].a), -cases[i].want, "%s vs %s",
                     cases[i].b, cases[i].a);
    }
}

Test(deb, names_follow_policy_5_6_1)
{
    struct ag_error err = {0};
    cr_expect_eq(check("ab", "1.0", &err), AG_OK, "%s", err.message);
    cr_expect_eq(check("lib2.0-x+y", "1.0", &err), AG_OK, "%s", err.message);
    static const char *const bad[] = {"a", "Demo", "-demo", "demo_pkg", "demo pkg", ".x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct ag_error e = {0};
        cr_expect_eq(check(bad[i], "1.0", &e), AG_USAGE, "%s accepted", bad[i]);
        cr_expect(strstr(e.message, "5.6.1") != NULL, "%s: %s", bad[i], e.message);
    }
}

Test(deb, versions_follow_policy_5_6_12)
{
    static const char *const good[] = {"1.0",     "1:2.0-1", "2.0.0~rc1", "1.0+dfsg-1~bpo1",
                                       "0.9-a-b", "10:1"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct ag_error e = {0};
        cr_expect_eq(check("demo", good[i], &e), AG_OK, "%s: %s", good[i], e.message);
    }
    static const struct {
        const char *version, *rule;
    } bad[] = {{"a1.0", "start with a digit"}, {"x:1.0", "epoch"},    {"1.0-", "revision"},
               {"1.0_1", "upstream"},          {"1:2:3", "upstream"}, {"", "start with a digit"},
               {"1.0-1_2", "revision"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct ag_error e = {0};
        cr_expect_eq(check("demo", bad[i].version, &e), AG_USAGE, "%s accepted", bad[i].version);
        cr_expect(strstr(e.message, bad[i].rule) && strstr(e.message, "5.6.12"), "%s: %s",
                  bad[i].version, e.message);
    }
}

Test(deb, control_values_are_continued_or_refused)
{
    struct strbuf out = {0};
    struct ag_error err = {0};
    cr_assert_eq(deb_control_field(&out, "Description", "short\nline one\n\nline two", 1, &err),
                 AG_OK, "%s", err.message);
    cr_expect_str_eq(out.data, "Description: short\n line one\n .\n line two\n");
    strbuf_free(&out);
    cr_expect_eq(deb_control_field(&out, "Maintainer", "a <a@b>\nPackage: evil", 0, &err),
                 AG_USAGE);
    cr_expect(strstr(err.message, "line break") != NULL, "%s", err.message);
    cr_expect_eq(deb_control_field(&out, "Section", "mi\x01sc", 0, &err), AG_USAGE);
    cr_expect_eq(deb_control_field(&out, "Description", "x\n.", 1, &err), AG_USAGE);
    cr_expect_eq(deb_control_field(&out, "Section", "\xff", 0, &err), AG_USAGE);
    cr_expect_eq(deb_control_field(&out, "Section", "", 0, &err), AG_USAGE);
    strbuf_free(&out);
}

Test(deb, paragraph_reads_back_what_is_written)
{
    struct strbuf out = {0};
    struct ag_error err = {0};
    cr_assert_eq(deb_control_field(&out, "Package", "demo", 0, &err), AG_OK);
    cr_assert_eq(deb_control_field(&out, "Description", "s\nbody\n\nmore", 1, &err), AG_OK);
    struct deb_paragraph p;
    cr_assert_eq(deb_paragraph_parse(out.data, out.len, "test", &p, NULL, &err), AG_OK, "%s",
                 err.message);
    cr_expect_str_eq(deb_paragraph_get(&p, "package"), "demo");
    cr_expect_str_eq(deb_paragraph_get(&p, "Description"), "s\nbody\n\nmore");
    deb_paragraph_free(&p);
    strbuf_free(&out);
}

Test(deb, package_description_with_a_line_break_is_refused)
{
    struct package_spec spec = {
        .format = "deb", .name = "demo", .version = "1.0", .description = "one\nPackage: evil"};
    struct ag_error err = {0};
    cr_expect_eq(test_generator("deb")->check_package(&spec, &err), AG_USAGE);
    cr_expect(strstr(err.message, "description") != NULL, "%s", err.message);
}

Test(deb, semver_becomes_a_debian_version_and_ranges_relations)
{
    char *v = deb_native_version("2.0.0-rc.1");
    cr_expect_str_eq(v, "2.0.0~rc1");
    free(v);
    v = deb_native_version("1.2.3");
    cr_expect_str_eq(v, "1.2.3");
    free(v);
    struct version_range range;
    char why[128];
    cr_assert(version_range_parse(">=1.0, <2", &range, why, sizeof why), "%s", why);
    char *rel = deb_relation_text("ag-lib", &range);
    cr_expect_str_eq(rel, "ag-lib (>= 1.0.0), ag-lib (<< 2.0.0~)");
    free(rel);
    version_range_free(&range);
    /* 2.0.0~rc1 is excluded by << 2.0.0~, as SemVer's <2 excludes 2.0.0-rc.1. */
    cr_expect_gt(deb_version_compare("2.0.0~rc1", "2.0.0~"), 0);
}

/* deb(5): "!<arch>\n", then 60-byte headers: name 16, mtime 12, uid 6, gid
 * 6, mode 8, size 10, "`\n". */
Test(deb, ar_member_headers_are_debs)
{
    struct gen_case c;
    setup(&c, 3000, NULL);
    size_t len = 0;
    char *deb = tree_file(&c, DEB_PATH, &len);
    cr_assert(len > 200);
    cr_expect_eq(memcmp(deb, "!<arch>\n", 8), 0);
    const char *h = deb + 8;
    cr_expect_eq(strncmp(h, "debian-binary", 13), 0);
    cr_expect(h[13] == '/' || h[13] == ' ');
    cr_expect_eq(strncmp(h + 16, "1700000000  ", 12), 0, "%.12s", h + 16);
    cr_expect_eq(strncmp(h + 28, "0     ", 6), 0);
    cr_expect_eq(strncmp(h + 34, "0     ", 6), 0);
    cr_expect_eq(strncmp(h + 40, "100644  ", 8), 0, "%.8s", h + 40);
    cr_expect_eq(strncmp(h + 48, "4         ", 10), 0);
    cr_expect_eq(memcmp(h + 58, "`\n", 2), 0);
    cr_expect_eq(memcmp(h + 60, "2.0\n", 4), 0);
    const char *h2 = h + 64;
    cr_expect_eq(strncmp(h2, "control.tar.gz", 14), 0, "%.16s", h2);
    uint64_t size = strtoull(h2 + 48, NULL, 10);
    const char *h3 = h2 + 60 + size + (size & 1);
    cr_expect_eq(strncmp(h3, "data.tar.gz", 11), 0, "%.16s", h3);
    uint64_t dsize = strtoull(h3 + 48, NULL, 10);
    cr_expect_eq((size_t)(h3 + 60 + dsize + (dsize & 1) - deb), len);
    free(deb);
    gen_case_teardown(&c);
}

Test(deb, reads_back_control_md5sums_and_data)
{
    struct gen_case c;
    setup(&c, 5000, NULL);
    char *path = xasprintf("%s/%s", c.out_root, DEB_PATH);
    struct deb_view v;
    struct ag_error err = {0};
    cr_assert_eq(deb_read(path, "usr/share/demo-pkg/data.bin", &v, &err), AG_OK, "%s", err.message);
    cr_expect(strstr(v.control, "Package: demo-pkg\n") != NULL, "%s", v.control);
    cr_expect(strstr(v.control, "Architecture: all\n") != NULL);
    cr_expect(strstr(v.control, "Installed-Size: ") != NULL);
    cr_expect_null(v.md5_wrong);
    cr_expect_null(v.md5_absent);
    cr_expect_null(v.traversal);
    cr_expect(v.data_found);
    cr_expect_str_eq(v.data_sha256, c.made.items[0].data_sha256);
    cr_expect_str_eq(v.data_filter, "gzip");
    cr_expect(strstr(v.md5sums, "  usr/share/demo-pkg/data.bin\n") != NULL, "%s", v.md5sums);
    deb_view_free(&v);
    free(path);
    gen_case_teardown(&c);
}

static void expect_section(const char *release, const char *title, const struct gen_case *c,
                           const char *rel, enum digest_kind kind)
{
    size_t len = 0;
    char *path = xasprintf("deb/dists/%s/%s", DEB_SUITE, rel);
    char *file = tree_file(c, path, &len);
    char hex[129];
    struct ag_error err = {0};
    cr_assert_eq(digest_buffer_hex(kind, file, len, hex, &err), AG_OK);
    const char *sec = strstr(release, title);
    cr_assert_not_null(sec, "no %s", title);
    char *line = xasprintf(" %s %16zu %s\n", hex, len, rel);
    const char *at = strstr(sec, line);
    cr_expect_not_null(at, "%s lacks %s", title, line);
    free(line);
    free(path);
    free(file);
}

Test(deb, release_lists_every_index_file_in_both_sections)
{
    struct gen_case c;
    setup(&c, 0, NULL);
    struct ag_error err = {0};
    cr_assert_eq(gen_case_write_index(&c, &err), AG_OK, "%s", err.message);
    size_t len = 0;
    char *release = tree_file(&c, "deb/dists/" DEB_SUITE "/Release", &len);
    cr_expect(strstr(release, "\nDate: Tue, 14 Nov 2023 22:13:20 UTC\n") != NULL, "%s", release);
    cr_expect(strstr(release, "\nAcquire-By-Hash: yes\n") != NULL);
    cr_expect(strstr(release, "Suite: " DEB_SUITE "\n") != NULL);
    const char *md5 = strstr(release, "\nMD5Sum:\n");
    const char *sha = strstr(release, "\nSHA256:\n");
    cr_assert(md5 && sha && md5 < sha);
    static const char *const files[] = {"main/binary-amd64/Packages",
                                        "main/binary-amd64/Packages.gz",
                                        "main/binary-arm64/Packages"};
    for (size_t i = 0; i < 3; i++) {
        expect_section(md5, "MD5Sum:", &c, files[i], DIGEST_MD5);
        expect_section(sha, "SHA256:", &c, files[i], DIGEST_SHA256);
    }
    size_t plen = 0;
    char *packages = tree_file(&c, "deb/dists/" DEB_SUITE "/main/binary-amd64/Packages", &plen);
    cr_expect(strstr(packages, "Filename: pool/main/d/demo-pkg/demo-pkg_1.2.3_all.deb\n"));
    char *size = xasprintf("\nSize: %llu\n", (unsigned long long)c.made.items[0].bytes);
    cr_expect(strstr(packages, size) != NULL);
    char *sha256 = xasprintf("\nSHA256: %s\n", c.made.items[0].sha256);
    cr_expect(strstr(packages, sha256) != NULL);
    free(size);
    free(sha256);
    free(packages);
    free(release);
    gen_case_teardown(&c);
}

Test(deb, defects_are_what_their_predicates_say)
{
    static const struct {
        const char *defect;
        int (*present)(const char *, const char *, const struct artifact *, struct ag_error *);
    } cases[] = {{DEB_MD5SUMS, deb_md5sums_present},
                 {DEB_NAME_MISMATCH, deb_name_mismatch_present},
                 {DEB_TRUNCATED, deb_truncated_present}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct gen_case c;
        setup(&c, 2000, cases[i].defect);
        /* The core records the defect on the row; the index puts it in its suite. */
        c.made.items[0].defect = xstrdup(cases[i].defect);
        struct ag_error err = {0};
        cr_assert_eq(gen_case_write_index(&c, &err), AG_OK, "%s", err.message);
        cr_expect_eq(cases[i].present(c.out_root, BASE_URL, &c.made.items[0], &err), AG_OK,
                     "%s: %s", cases[i].defect, err.message);
        struct ag_error v = {0};
        cr_expect_neq(deb_verify_artifact(c.out_root, BASE_URL, &c.made.items[0], &v), AG_OK,
                      "%s passes verify", cases[i].defect);
        gen_case_teardown(&c);
    }
    /* And a clean package is none of them. */
    struct gen_case c;
    setup(&c, 2000, NULL);
    struct ag_error err = {0};
    cr_assert_eq(gen_case_write_index(&c, &err), AG_OK, "%s", err.message);
    cr_expect_eq(deb_verify_artifact(c.out_root, BASE_URL, &c.made.items[0], &err), AG_OK, "%s",
                 err.message);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ag_error e = {0};
        cr_expect_neq(cases[i].present(c.out_root, BASE_URL, &c.made.items[0], &e), AG_OK,
                      "a clean .deb is %s", cases[i].defect);
    }
    gen_case_teardown(&c);
}

Test(deb, a_prerelease_is_an_upstream_tilde)
{
    static const struct {
        const char *version;
        int want;
    } cases[] = {{"2.0.0~rc1", 1},  {"1:2.0~b1-1", 1}, {"2.0.0", 0}, {"1.0-1~bpo1", 0},
                 {"1.0+dfsg-1", 0}, {"1.0~-1~x", 1},   {"2:1.0", 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_expect_eq(deb_version_is_prerelease(cases[i].version), cases[i].want, "%s",
                     cases[i].version);
}

static void setup_version(struct gen_case *c, const char *version)
{
    struct package_spec spec = {.format = "deb",
                                .name = "demo-pkg",
                                .version = version,
                                .template_dir = ASSETGEN_SOURCE_DIR "/templates/deb",
                                .seed = 7,
                                .data_size = 100};
    gen_case_setup(c, spec, 1);
}

/* Rewrites a tree file with one string replaced (or text appended when
 * from is NULL), as a broken publisher would leave it. */
static void doctor(const struct gen_case *c, const char *rel, const char *from, const char *to)
{
    size_t len = 0;
    char *text = tree_file(c, rel, &len);
    char *at = from ? strstr(text, from) : text + len;
    cr_assert_not_null(at, "%s has no '%s'", rel, from);
    char *out = xasprintf("%.*s%s%s", (int)(at - text), text, to, at + (from ? strlen(from) : 0));
    write_file(c->out_root, rel, out, 0644);
    free(out);
    free(text);
}

#define EXP_DIR "deb/dists/" DEB_EXPERIMENTAL

Test(deb, a_prerelease_lands_in_the_not_automatic_suite)
{
    struct gen_case c;
    setup_version(&c, "2.0.0~rc1");
    struct ag_error err = {0};
    cr_assert_eq(gen_case_write_index(&c, &err), AG_OK, "%s", err.message);
    size_t len = 0;
    char *release = tree_file(&c, EXP_DIR "/Release", &len);
    cr_expect(strstr(release, "\nSuite: " DEB_EXPERIMENTAL "\nCodename: " DEB_EXPERIMENTAL "\n"),
              "%s", release);
    cr_expect(strstr(release, "\nNotAutomatic: yes\nButAutomaticUpgrades: yes\n"), "%s", release);
    char *packages = tree_file(&c, EXP_DIR "/main/binary-amd64/Packages", &len);
    cr_expect(strstr(packages, "Package: demo-pkg\nVersion: 2.0.0~rc1\n"), "%s", packages);
    /* The main suite is there, listing nothing, so the sources file
     * names no missing suite. */
    char *main_packages = tree_file(&c, "deb/dists/" DEB_SUITE "/main/binary-amd64/Packages", &len);
    cr_expect_eq(len, 0, "%s", main_packages);
    char *sources = tree_file(&c, "clients/apt.sources", &len);
    cr_expect(strstr(sources, "\nSuites: " DEB_SUITE " " DEB_EXPERIMENTAL "\n"), "%s", sources);
    cr_expect_eq(deb_verify_artifact(c.out_root, BASE_URL, &c.made.items[0], &err), AG_OK, "%s",
                 err.message);
    free(release);
    free(packages);
    free(main_packages);
    free(sources);
    gen_case_teardown(&c);
}

Test(deb, verify_refuses_a_prerelease_apt_would_take_by_itself)
{
    struct gen_case c;
    setup_version(&c, "2.0.0~rc1");
    struct ag_error err = {0};
    cr_assert_eq(gen_case_write_index(&c, &err), AG_OK, "%s", err.message);
    doctor(&c, EXP_DIR "/Release", "NotAutomatic: yes\n", "");
    cr_expect_neq(deb_verify_artifact(c.out_root, BASE_URL, &c.made.items[0], &err), AG_OK);
    cr_expect(strstr(err.message, "NotAutomatic is absent") != NULL, "%s", err.message);
    gen_case_teardown(&c);

    err = (struct ag_error){0};
    setup_version(&c, "2.0.0~rc1");
    cr_assert_eq(gen_case_write_index(&c, &err), AG_OK, "%s", err.message);
    size_t len = 0;
    char *stanza = tree_file(&c, EXP_DIR "/main/binary-amd64/Packages", &len);
    doctor(&c, "deb/dists/" DEB_SUITE "/main/binary-amd64/Packages", NULL, stanza);
    free(stanza);
    cr_expect_neq(deb_verify_artifact(c.out_root, BASE_URL, &c.made.items[0], &err), AG_OK);
    cr_expect(strstr(err.message, "belongs in " DEB_EXPERIMENTAL " alone") != NULL, "%s",
              err.message);
    gen_case_teardown(&c);

    err = (struct ag_error){0};
    setup_version(&c, "2.0.0~rc1");
    cr_assert_eq(gen_case_write_index(&c, &err), AG_OK, "%s", err.message);
    doctor(&c, "clients/apt.sources", " " DEB_EXPERIMENTAL, "");
    cr_expect_neq(deb_verify_artifact(c.out_root, BASE_URL, &c.made.items[0], &err), AG_OK);
    cr_expect(strstr(err.message, "does not name " DEB_EXPERIMENTAL) != NULL, "%s", err.message);
    gen_case_teardown(&c);
}

Test(deb, a_release_stays_in_the_main_suite)
{
    struct gen_case c;
    setup_version(&c, "2.0.0");
    struct ag_error err = {0};
    cr_assert_eq(gen_case_write_index(&c, &err), AG_OK, "%s", err.message);
    char *dir = xasprintf("%s/" EXP_DIR, c.out_root);
    cr_expect_not(path_exists(dir), "an experimental suite without pre-releases");
    free(dir);
    size_t len = 0;
    char *release = tree_file(&c, "deb/dists/" DEB_SUITE "/Release", &len);
    cr_expect_null(strstr(release, "NotAutomatic"), "%s", release);
    cr_expect_null(strstr(release, "ButAutomaticUpgrades"), "%s", release);
    char *sources = tree_file(&c, "clients/apt.sources", &len);
    cr_expect(strstr(sources, "\nSuites: " DEB_SUITE "\n"), "%s", sources);
    cr_expect_eq(deb_verify_artifact(c.out_root, BASE_URL, &c.made.items[0], &err), AG_OK, "%s",
                 err.message);
    /* A main suite apt would hold back is refused. */
    doctor(&c, "deb/dists/" DEB_SUITE "/Release",
           "Architectures:", "NotAutomatic: yes\nArchitectures:");
    cr_expect_neq(deb_verify_artifact(c.out_root, BASE_URL, &c.made.items[0], &err), AG_OK);
    cr_expect(strstr(err.message, "NotAutomatic is yes") != NULL, "%s", err.message);
    free(release);
    free(sources);
    gen_case_teardown(&c);
}

/* What apt reads: a versioned Provides, so a ranged dependency on the
 * virtual name is met, and a Conflicts of one bound; in control and
 * Packages alike. */
Test(deb, provides_and_conflicts_reach_control_and_packages)
{
    static const char *const provides[] = {"ag-virtual"};
    struct version_range below2 = test_range("<2");
    struct spec_dependency conflicts[] = {{"ag-old", &below2, DEPENDENCY_RUNTIME, 1}};
    struct package_spec spec = {.format = "deb",
                                .name = "demo-pkg",
                                .version = "1.2.3",
                                .template_dir = ASSETGEN_SOURCE_DIR "/templates/deb",
                                .seed = 7,
                                .provides = provides,
                                .provide_count = 1,
                                .conflicts = conflicts,
                                .conflict_count = 1};
    struct gen_case c;
    gen_case_setup(&c, spec, 1);
    char *path = xasprintf("%s/%s", c.out_root, DEB_PATH);
    struct deb_view v;
    struct ag_error err = {0};
    cr_assert_eq(deb_read(path, NULL, &v, &err), AG_OK, "%s", err.message);
    cr_expect(strstr(v.control, "\nProvides: ag-virtual (= 1.2.3)\n") != NULL, "%s", v.control);
    cr_expect(strstr(v.control, "\nConflicts: ag-old (<< 2.0.0~)\n") != NULL, "%s", v.control);
    deb_view_free(&v);
    free(path);
    cr_assert_eq(gen_case_write_index(&c, &err), AG_OK, "%s", err.message);
    size_t len = 0;
    char *packages = tree_file(&c, "deb/dists/" DEB_SUITE "/main/binary-amd64/Packages", &len);
    cr_expect(strstr(packages, "\nProvides: ag-virtual (= 1.2.3)\n") != NULL, "%s", packages);
    cr_expect(strstr(packages, "\nConflicts: ag-old (<< 2.0.0~)\n") != NULL, "%s", packages);
    free(packages);
    gen_case_teardown(&c);
    version_range_free(&below2);
}
