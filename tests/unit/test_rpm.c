#include <criterion/criterion.h>
#include <dirent.h>
#include <rpm/header.h>
#include <rpm/rpmds.h>
#include <rpm/rpmfiles.h>
#include <rpm/rpmtag.h>
#include <rpm/rpmver.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/fsutil.h"
#include "common/generator.h"
#include "common/package_set.h"
#include "common/strbuf.h"
#include "generators/rpm.h"
#include "support.h"

#define RPM_PATH "rpm/Packages/demo-pkg-1.2.3-1.noarch.rpm"

static void setup(struct gen_case *c, uint64_t data_size)
{
    struct package_spec spec = {.format = "rpm",
                                .name = "demo-pkg",
                                .version = "1.2.3",
                                .template_dir = ASSETGEN_SOURCE_DIR "/templates/rpm",
                                .data_size = data_size,
                                .seed = 7};
    gen_case_setup(c, spec, 1);
}

static int check(const char *name, const char *version, struct ag_error *err)
{
    return gen_check("rpm", name, version, err);
}

static unsigned char *read_all(const char *path, size_t *len)
{
    char *data = NULL;
    struct ag_error err = {0};
    cr_assert_eq(read_file(path, &data, len, &err), AG_OK, "%s", err.message);
    return (unsigned char *)data;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

Test(rpm, lead_bytes_are_rpm_v3_binary_with_a_header_signature)
{
    unsigned char lead[RPM_LEAD_SIZE];
    rpm_lead(lead, "demo-pkg-1.2.3-1");
    static const unsigned char magic[] = {0xed, 0xab, 0xee, 0xdb, 3, 0, 0, 0};
    cr_assert_eq(memcmp(lead, magic, sizeof magic), 0);
    cr_assert_str_eq((const char *)lead + 10, "demo-pkg-1.2.3-1");
    cr_assert_eq(lead[77], 1, "osnum Linux");
    cr_assert_eq(lead[79], 5, "signature type 5");
    for (int i = 80; i < RPM_LEAD_SIZE; i++)
        cr_assert_eq(lead[i], 0);
    char longname[200];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    rpm_lead(lead, longname);
    cr_assert_eq(lead[75], 0, "the name field stays NUL-terminated");
}

Test(rpm, names_versions_releases_and_epochs_follow_rpm_rules)
{
    struct ag_error err = {0};
    cr_assert_eq(check("demo-pkg", "1.2.3", &err), AG_OK, "%s", err.message);
    cr_assert_eq(check("lib_x+plus.2", "1.0~rc1^git2", &err), AG_OK, "%s", err.message);
    const char *bad_names[] = {"", "-lead", "a b", "a/b", "x%{y}", "caf\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
        struct ag_error e = {0};
        cr_assert_eq(check(bad_names[i], "1.0", &e), AG_USAGE, "%s", bad_names[i]);
        cr_assert(strstr(e.message, "invalid rpm name") != NULL, "%s", e.message);
    }
    struct ag_error e = {0};
    cr_assert_eq(check("ok", "1.0-1", &e), AG_USAGE);
    cr_assert(strstr(e.message, "no '-'") != NULL, "%s", e.message);
    ag_error_clear(&e);
    cr_assert_eq(rpm_check_epoch("4294967296", &e), AG_USAGE);
    ag_error_clear(&e);
    cr_assert_eq(rpm_check_epoch("-1", &e), AG_USAGE);
    ag_error_clear(&e);
    cr_assert_eq(rpm_check_epoch("3", &e), AG_OK);
    cr_assert_eq(rpm_check_epoch("", &e), AG_OK);
    cr_assert_eq(rpm_check_version_field("1_2", "release", &e), AG_OK);
}

Test(rpm, header_strings_refuse_control_characters_and_bad_utf8)
{
    struct ag_error e = {0};
    cr_assert_eq(rpm_check_text("MIT AND <Apache-2.0> & \"x\"", "license", 0, &e), AG_OK);
    cr_assert_eq(rpm_check_text("line one\nline two", "description", 1, &e), AG_OK);
    cr_assert_eq(rpm_check_text("two\nlines", "summary", 0, &e), AG_USAGE);
    ag_error_clear(&e);
    cr_assert_eq(rpm_check_text("bell\a", "description", 1, &e), AG_USAGE);
    ag_error_clear(&e);
    cr_assert_eq(rpm_check_text("\xc3(", "group", 0, &e), AG_USAGE);
    cr_assert(strstr(e.message, "UTF-8") != NULL);
    ag_error_clear(&e);
    cr_assert_eq(rpm_check_text("caf\xc3\xa9", "summary", 0, &e), AG_OK);
}

Test(rpm, versions_compare_as_rpmvercmp_orders_them)
{
    /* The native form of a SemVer pre-release sorts before its release. */
    char *rc1 = rpm_native_version("2.0.0-rc.1");
    cr_assert_str_eq(rc1, "2.0.0~rc1");
    cr_assert_lt(rpmvercmp(rc1, "2.0.0"), 0);
    cr_assert_gt(rpmvercmp(rc1, "1.9.9"), 0);
    cr_assert_gt(rpmvercmp(rc1, "2.0.0~"), 0, "'< 2.0.0~' excludes 2.0.0's pre-releases");
    cr_assert_lt(rpmvercmp("1.2.0", "2.0.0~"), 0);
    cr_assert_lt(rpmvercmp("1.9", "1.10"), 0);
    cr_assert_eq(rpmvercmp("1.0", "1.0"), 0);
    cr_assert_gt(rpmvercmp("1.0^git1", "1.0"), 0);
    free(rc1);
    char *plain = rpm_native_version("1.2.3+build.5");
    cr_assert_str_eq(plain, "1.2.3+build.5");
    free(plain);
}

Test(rpm, ranges_become_requires_with_rpmsense_flags)
{
    struct version_range range;
    char why[128];
    cr_assert(version_range_parse(">=1.0, <2", &range, why, sizeof why), "%s", why);
    struct rpm_dep deps[4];
    size_t n = rpm_range_deps("ag-lib", &range, deps, 4);
    cr_assert_eq(n, 2);
    cr_assert_eq(deps[0].flags, (1u << 2) | (1u << 3), "GE");
    cr_assert_str_eq(deps[0].version, "1.0.0");
    cr_assert_eq(deps[1].flags, 1u << 1, "LT");
    cr_assert_str_eq(deps[1].version, "2.0.0~");
    for (size_t i = 0; i < n; i++) {
        free(deps[i].name);
        free(deps[i].version);
    }
    char *req = rpm_set_support.requirement("ag-lib", &range, NULL);
    cr_assert_str_eq(req, "'ag-lib >= 1.0.0' 'ag-lib < 2.0.0~'");
    free(req);
    version_range_free(&range);
    cr_assert(version_range_parse("==1.2.0", &range, why, sizeof why));
    req = rpm_set_support.requirement("ag-lib", &range, NULL);
    cr_assert_str_eq(req, "ag-lib-1.2.0");
    free(req);
    version_range_free(&range);
}

Test(rpm, generate_writes_lead_signature_header_and_main_header_in_order)
{
    struct gen_case c;
    setup(&c, 8192);
    const struct artifact *art = &c.made.items[0];
    cr_assert_str_eq(art->path, RPM_PATH);
    cr_assert_str_eq(art->data_path, "usr/share/demo-pkg/data.bin");
    char *path = xasprintf("%s/%s", c.out_root, art->path);
    size_t len = 0;
    unsigned char *b = read_all(path, &len);
    cr_assert_eq(len, art->bytes);
    cr_assert_eq(be32(b), 0xedabeedbu);
    cr_assert_eq(be32(b + RPM_LEAD_SIZE), 0x8eade801u, "signature header magic");
    uint32_t il = be32(b + RPM_LEAD_SIZE + 8), dl = be32(b + RPM_LEAD_SIZE + 12);
    cr_assert_eq(be32(b + RPM_LEAD_SIZE + 16), RPMTAG_HEADERSIGNATURES, "region tag first");
    size_t sig_end = RPM_LEAD_SIZE + 16 + 16 * (size_t)il + dl;
    size_t main_at = (sig_end + 7) & ~(size_t)7;
    cr_assert_eq(main_at % 8, 0);
    cr_assert_eq(be32(b + main_at), 0x8eade801u, "main header aligned after the padding");
    cr_assert_eq(be32(b + main_at + 16), RPMTAG_HEADERIMMUTABLE);
    /* Entries sorted by tag, as rpm requires. */
    uint32_t mil = be32(b + main_at + 8);
    for (uint32_t i = 2; i < mil; i++)
        cr_assert_lt(be32(b + main_at + 16 + 16 * (i - 1)), be32(b + main_at + 16 + 16 * i));
    cr_assert_eq(json_integer_value(json_object_get(art->facts, "header_start")),
                 (json_int_t)main_at);

    /* Read back with librpm's own import: tags and their types. */
    uint32_t mdl = be32(b + main_at + 12);
    size_t blob_len = 8 + 16 * (size_t)mil + mdl;
    void *blob = xmalloc(blob_len);
    memcpy(blob, b + main_at + 8, blob_len);
    Header h = headerImport(blob, (unsigned)blob_len, 0);
    cr_assert_not_null(h);
    cr_assert_str_eq(headerGetString(h, RPMTAG_NAME), "demo-pkg");
    cr_assert_str_eq(headerGetString(h, RPMTAG_ARCH), "noarch");
    cr_assert_str_eq(headerGetString(h, RPMTAG_PAYLOADFORMAT), "cpio");
    cr_assert_null(headerGetString(h, RPMTAG_PAYLOADCOMPRESSOR), "none: no compressor tag");
    cr_assert_str_eq(headerGetString(h, RPMTAG_BUILDHOST), "localhost");
    cr_assert_eq(headerGetNumber(h, RPMTAG_BUILDTIME), (uint64_t)c.spec.epoch);
    cr_assert_eq(headerGetNumber(h, RPMTAG_PAYLOADDIGESTALGO), 8);
    cr_assert_eq(headerGetNumber(h, RPMTAG_FILEDIGESTALGO), 8);
    struct rpmtd_s td;
    static const struct {
        rpmTagVal tag;
        rpmTagType type;
    } want[] = {{RPMTAG_FILESIZES, RPM_INT32_TYPE},
                {RPMTAG_FILEMODES, RPM_INT16_TYPE},
                {RPMTAG_FILEDIGESTS, RPM_STRING_ARRAY_TYPE},
                {RPMTAG_BASENAMES, RPM_STRING_ARRAY_TYPE},
                {RPMTAG_DIRINDEXES, RPM_INT32_TYPE},
                {RPMTAG_FILEMTIMES, RPM_INT32_TYPE},
                {RPMTAG_REQUIRENAME, RPM_STRING_ARRAY_TYPE},
                {RPMTAG_PAYLOADDIGEST, RPM_STRING_ARRAY_TYPE},
                {RPMTAG_SUMMARY, RPM_STRING_TYPE}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        cr_assert(headerGet(h, want[i].tag, &td, HEADERGET_MINMEM), "tag %u", want[i].tag);
        if (want[i].tag != RPMTAG_SUMMARY)
            cr_assert_eq(rpmtdType(&td), want[i].type, "tag %u", want[i].tag);
        rpmtdFreeData(&td);
    }
    cr_assert(!headerIsEntry(h, RPMTAG_LONGFILESIZES), "no 64-bit sizes under 4 GiB");
    /* rpmlint's no-documentation and summary-not-capitalized: the
     * template README is %doc, the data file is not; the summary made
     * from the description starts with a capital. */
    cr_assert(headerGet(h, RPMTAG_BASENAMES, &td, HEADERGET_MINMEM));
    int readme = -1, data = -1;
    for (int i = 0; rpmtdNext(&td) >= 0; i++) {
        if (strcmp(rpmtdGetString(&td), "README") == 0)
            readme = i;
        if (strcmp(rpmtdGetString(&td), "data.bin") == 0)
            data = i;
    }
    rpmtdFreeData(&td);
    cr_assert(readme >= 0 && data >= 0, "README and data.bin listed");
    cr_assert(headerGet(h, RPMTAG_FILEFLAGS, &td, HEADERGET_MINMEM));
    uint32_t *flags = td.data;
    cr_assert_eq(flags[readme], RPMFILE_DOC, "README is %%doc");
    cr_assert_eq(flags[data], 0u, "data.bin is a plain file");
    rpmtdFreeData(&td);
    const char *summary = headerGetString(h, RPMTAG_SUMMARY);
    cr_assert(summary && summary[0] >= 'A' && summary[0] <= 'Z', "summary '%s'", summary);
    headerFree(h);
    free(b);
    free(path);

    struct ag_error err = {0};
    cr_assert_eq(gen_case_write_index(&c, &err), AG_OK, "%s", err.message);
    cr_assert_eq(c.gen->verify_artifact(c.out_root, "http://127.0.0.1:8080/", art, &err), AG_OK,
                 "%s", err.message);
    gen_case_teardown(&c);
}

Test(rpm, generate_is_byte_reproducible)
{
    struct gen_case a, b;
    setup(&a, 4096);
    setup(&b, 4096);
    cr_assert_str_eq(a.made.items[0].sha256, b.made.items[0].sha256);
    gen_case_teardown(&a);
    gen_case_teardown(&b);
}

Test(rpm, verify_catches_a_flipped_payload_byte)
{
    struct gen_case c;
    setup(&c, 4096);
    struct ag_error err = {0};
    cr_assert_eq(gen_case_write_index(&c, &err), AG_OK, "%s", err.message);
    const struct artifact *art = &c.made.items[0];
    char *path = xasprintf("%s/%s", c.out_root, art->path);
    size_t len = 0;
    unsigned char *bytes = read_all(path, &len);
    bytes[len - 100] ^= 0xff;
    cr_assert_eq(atomic_write_buffer(path, bytes, len, &err), AG_OK);
    cr_assert_neq(c.gen->verify_artifact(c.out_root, "http://127.0.0.1:8080/", art, &err), AG_OK);
    cr_assert(strstr(err.message, "PAYLOADDIGEST") != NULL, "%s", err.message);
    free(bytes);
    free(path);
    gen_case_teardown(&c);
}

/* The dependency tag triple at index i: name, RPMSENSE flags, version. */
static void expect_dep(Header h, rpmTagVal names, rpmTagVal flags, rpmTagVal versions, size_t i,
                       const char *name, uint32_t flag, const char *version)
{
    struct rpmtd_s n, f, v;
    cr_assert(headerGet(h, names, &n, HEADERGET_MINMEM), "tag %u", names);
    cr_assert(headerGet(h, flags, &f, HEADERGET_MINMEM), "tag %u", flags);
    cr_assert(headerGet(h, versions, &v, HEADERGET_MINMEM), "tag %u", versions);
    cr_assert_gt(rpmtdCount(&n), i, "tag %u has %u entries", names, rpmtdCount(&n));
    cr_expect_str_eq(((const char **)n.data)[i], name);
    cr_expect_eq(((const uint32_t *)f.data)[i] & 0x0f, flag, "%s flags", name);
    cr_expect_str_eq(((const char **)v.data)[i], version);
    rpmtdFreeData(&n);
    rpmtdFreeData(&f);
    rpmtdFreeData(&v);
}

/* repodata/<digest>-primary.xml.gz of out_root's rpm repository, read
 * whole. */
static char *primary_xml(const char *out_root)
{
    char *dir = xasprintf("%s/rpm/repodata", out_root);
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "%s", dir);
    char *path = NULL;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strstr(e->d_name, "-primary.xml.gz") != NULL)
            path = xasprintf("%s/%s", dir, e->d_name);
    closedir(d);
    cr_assert_not_null(path, "no primary.xml.gz in %s", dir);
    gzFile gz = gzopen(path, "rb");
    cr_assert_not_null(gz);
    struct strbuf text = {0};
    char buf[4096];
    for (int n; (n = gzread(gz, buf, sizeof buf)) > 0;)
        strbuf_add(&text, buf, (size_t)n);
    gzclose(gz);
    free(path);
    free(dir);
    return strbuf_detach(&text, NULL);
}

/* A virtual name provided at the package's own EVR beside its
 * self-provide, a Conflicts entry from a range of one bound, both in
 * the header and in what createrepo_c lists. */
Test(rpm, provides_and_conflicts_reach_the_header_and_primary)
{
    static const char *const provides[] = {"ag-virtual"};
    struct version_range below2 = test_range("<2");
    struct spec_dependency conflicts[] = {{"ag-old", &below2, DEPENDENCY_RUNTIME, 1}};
    struct package_spec spec = {.format = "rpm",
                                .name = "demo-pkg",
                                .version = "1.2.3",
                                .template_dir = ASSETGEN_SOURCE_DIR "/templates/rpm",
                                .seed = 7,
                                .provides = provides,
                                .provide_count = 1,
                                .conflicts = conflicts,
                                .conflict_count = 1};
    struct gen_case c;
    gen_case_setup(&c, spec, 1);
    const struct artifact *art = &c.made.items[0];
    char *path = xasprintf("%s/%s", c.out_root, art->path);
    size_t len = 0;
    unsigned char *b = read_all(path, &len);
    size_t main_at = (size_t)json_integer_value(json_object_get(art->facts, "header_start"));
    size_t blob_len = 8 + 16 * (size_t)be32(b + main_at + 8) + be32(b + main_at + 12);
    void *blob = xmalloc(blob_len);
    memcpy(blob, b + main_at + 8, blob_len);
    Header h = headerImport(blob, (unsigned)blob_len, 0);
    cr_assert_not_null(h);
    expect_dep(h, RPMTAG_PROVIDENAME, RPMTAG_PROVIDEFLAGS, RPMTAG_PROVIDEVERSION, 0, "demo-pkg",
               RPMSENSE_EQUAL, "1.2.3-1");
    expect_dep(h, RPMTAG_PROVIDENAME, RPMTAG_PROVIDEFLAGS, RPMTAG_PROVIDEVERSION, 1, "ag-virtual",
               RPMSENSE_EQUAL, "1.2.3-1");
    expect_dep(h, RPMTAG_CONFLICTNAME, RPMTAG_CONFLICTFLAGS, RPMTAG_CONFLICTVERSION, 0, "ag-old",
               RPMSENSE_LESS, "2.0.0~");
    headerFree(h);
    free(b);
    free(path);
    /* The facts primary.xml is written from. */
    json_t *p = json_array_get(json_object_get(art->facts, "provides"), 1);
    cr_expect_str_eq(json_string_value(json_object_get(p, "name")), "ag-virtual");
    cr_expect_str_eq(json_string_value(json_object_get(p, "flags")), "EQ");
    cr_expect_str_eq(json_string_value(json_object_get(p, "rel")), "1");
    json_t *k = json_array_get(json_object_get(art->facts, "conflicts"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(k, "name")), "ag-old");
    cr_expect_str_eq(json_string_value(json_object_get(k, "flags")), "LT");
    cr_expect_str_eq(json_string_value(json_object_get(k, "ver")), "2.0.0~");
    struct ag_error err = {0};
    cr_assert_eq(gen_case_write_index(&c, &err), AG_OK, "%s", err.message);
    char *primary = primary_xml(c.out_root);
    const char *prov = strstr(primary, "<rpm:provides>");
    const char *conf = strstr(primary, "<rpm:conflicts>");
    cr_assert(prov && conf, "%s", primary);
    const char *virt = strstr(prov, "<rpm:entry name=\"ag-virtual\" flags=\"EQ\" epoch=\"0\" "
                                    "ver=\"1.2.3\" rel=\"1\"/>");
    cr_expect(virt && virt < strstr(prov, "</rpm:provides>"), "%s", primary);
    const char *old =
        strstr(conf, "<rpm:entry name=\"ag-old\" flags=\"LT\" epoch=\"0\" ver=\"2.0.0~\"/>");
    cr_expect(old && old < strstr(conf, "</rpm:conflicts>"), "%s", primary);
    free(primary);
    cr_expect_eq(c.gen->verify_artifact(c.out_root, BASE_URL, art, &err), AG_OK, "%s", err.message);
    gen_case_teardown(&c);
    version_range_free(&below2);
}
