#include <criterion/criterion.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/archive_reader.h"
#include "common/fsutil.h"
#include "common/generator.h"
#include "common/json_file.h"
#include "common/package_set.h"
#include "generators/cargo.h"
#include "support.h"

#define CRATE "cargo/crates/demo-pkg/demo-pkg-1.2.3.crate"
#define BODY  "cargo/publish/demo-pkg-1.2.3.body"

static void setup_spec(struct gen_case *c, struct package_spec spec, size_t count)
{
    spec.format = "cargo";
    if (spec.name == NULL)
        spec.name = "demo-pkg";
    if (spec.version == NULL)
        spec.version = "1.2.3";
    if (spec.template_dir == NULL)
        spec.template_dir = ASSETGEN_SOURCE_DIR "/templates/cargo";
    spec.seed = 7;
    gen_case_setup(c, spec, count);
}

static void setup(struct gen_case *c, uint64_t data_size)
{
    setup_spec(c, (struct package_spec){.data_size = data_size}, 2);
}

static int check(const char *name, const char *version, struct ag_error *err)
{
    return gen_check("cargo", name, version, err);
}

/* The text of one entry of the index-th artifact (a crate). */
static char *crate_entry(const struct gen_case *c, size_t index, const char *entry)
{
    struct archive_scan s;
    gen_case_scan(c, index, &s);
    const struct archive_member *m = archive_scan_find(&s, entry);
    char *text = m && m->content ? xstrdup(m->content) : NULL;
    archive_scan_free(&s);
    return text;
}

Test(cargo, index_path_follows_the_name_length_lower_cased)
{
    static const char *const cases[][2] = {
        {"a", "1/a"},
        {"Z", "1/z"},
        {"ab", "2/ab"},
        {"AB", "2/ab"},
        {"abc", "3/a/abc"},
        {"Abc", "3/a/abc"},
        {"abcd", "ab/cd/abcd"},
        {"Serde_JSON", "se/rd/serde_json"},
        {"ag-lib", "ag/-l/ag-lib"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = cargo_index_path(cases[i][0]);
        cr_assert_str_eq(path, cases[i][1], "%s", cases[i][0]);
        free(path);
    }
}

Test(cargo, check_package_rejects_invalid_names)
{
    char long_name[66];
    memset(long_name, 'a', 65);
    long_name[65] = '\0';
    static const char *const bad[] = {"",    "1abc", "-x",   "_x",         "a b",  "a.b",
                                      "a/b", "a+b",  "std",  "Core",       "test", "alloc",
                                      "con", "NUL",  "aux",  "com1",       "lpt9", "proc-macro",
                                      "fn",  "self", "deps", "caf\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct ag_error err = {0};
        cr_assert_eq(check(bad[i], "1.0.0", &err), AG_USAGE, "'%s' accepted", bad[i]);
        char *quoted = xasprintf("'%s'", bad[i]);
        cr_assert(strstr(err.message, quoted) != NULL, "names it: %s", err.message);
        free(quoted);
    }
    struct ag_error err = {0};
    cr_assert_eq(check(long_name, "1.0.0", &err), AG_USAGE);
    cr_assert(strstr(err.message, "64") != NULL, "%s", err.message);
}

Test(cargo, check_package_accepts_valid_names)
{
    char max_name[65];
    memset(max_name, 'b', 64);
    max_name[64] = '\0';
    static const char *const good[] = {"a", "serde_json", "ag-lib-small", "Upper", "x1", "cone"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct ag_error err = {0};
        cr_assert_eq(check(good[i], "1.0.0", &err), AG_OK, "'%s': %s", good[i], err.message);
    }
    struct ag_error err = {0};
    cr_assert_eq(check(max_name, "1.0.0", &err), AG_OK, "%s", err.message);
}

Test(cargo, check_package_takes_semver_only)
{
    static const char *const bad[] = {"1.0", "v1.0.0", "01.0.0", "1.0.0-01", "1.0.0.0", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct ag_error err = {0};
        cr_assert_eq(check("demo", bad[i], &err), AG_USAGE, "'%s' accepted", bad[i]);
        cr_assert(strstr(err.message, "semantic versioning") != NULL, "%s", err.message);
    }
    static const char *const good[] = {"1.0.0", "2.0.0-rc.1", "1.0.0+build.5", "0.0.1-alpha"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct ag_error err = {0};
        cr_assert_eq(check("demo", good[i], &err), AG_OK, "'%s': %s", good[i], err.message);
    }
}

Test(cargo, publish_head_frames_both_lengths_little_endian)
{
    struct ag_error err = {0};
    size_t len = 0;
    unsigned char *head = cargo_publish_head("{}", 2, 0x01020304u, &len, &err);
    cr_assert_not_null(head, "%s", err.message);
    static const unsigned char want[] = {2, 0, 0, 0, '{', '}', 0x04, 0x03, 0x02, 0x01};
    cr_assert_eq(len, sizeof want);
    cr_assert_arr_eq(head, want, sizeof want);
    free(head);

    /* A crate of 4 GiB cannot be framed. */
    cr_assert_null(cargo_publish_head("{}", 2, (uint64_t)UINT32_MAX + 1, &len, &err));
    cr_assert_eq(err.status, AG_USAGE);
    cr_assert(strstr(err.message, "u32") != NULL, "%s", err.message);
}

Test(cargo, publish_body_reads_back_and_refuses_bad_framing)
{
    static const char json[] = "{\"name\":\"x\",\"vers\":\"1.0.0\"}";
    static const char crate[] = "CRATEBYTES";
    struct ag_error err = {0};
    size_t head_len = 0;
    unsigned char *head = cargo_publish_head(json, strlen(json), strlen(crate), &head_len, &err);
    cr_assert_not_null(head);
    size_t len = head_len + strlen(crate);
    unsigned char *body = xmalloc(len);
    memcpy(body, head, head_len);
    memcpy(body + head_len, crate, strlen(crate));
    free(head);

    struct cargo_publish_view view;
    cr_assert_eq(cargo_publish_parse(body, len, &view, &err), AG_OK, "%s", err.message);
    cr_assert_str_eq(json_string_value(json_object_get(view.metadata, "name")), "x");
    cr_assert_eq(view.crate_offset, 8 + strlen(json));
    cr_assert_eq(view.crate_len, strlen(crate));
    char want[65], got[65];
    cr_assert_eq(digest_buffer_hex(DIGEST_SHA256, crate, strlen(crate), want, &err), AG_OK);
    digest_hex(view.crate_sha256, 32, got);
    cr_assert_str_eq(got, want);
    cargo_publish_view_free(&view);

    /* The same from a file. */
    char *dir = make_tmpdir("cargo-body");
    char *path = xasprintf("%s/x.body", dir);
    cr_assert_eq(atomic_write_buffer(path, body, len, &err), AG_OK);
    cr_assert_eq(cargo_publish_read(path, &view, &err), AG_OK, "%s", err.message);
    digest_hex(view.crate_sha256, 32, got);
    cr_assert_str_eq(got, want);
    cargo_publish_view_free(&view);

    /* One byte less, one more, a metadata length past the end, a crate
     * length that is not what follows: each is refused. */
    struct ag_error e1 = {0}, e2 = {0}, e3 = {0}, e4 = {0};
    cr_assert_eq(cargo_publish_parse(body, len - 1, &view, &e1), AG_FAIL);
    unsigned char *longer = xmalloc(len + 1);
    memcpy(longer, body, len);
    longer[len] = 'X';
    cr_assert_eq(cargo_publish_parse(longer, len + 1, &view, &e2), AG_FAIL);
    cr_assert(strstr(e2.message, ".crate length") != NULL, "%s", e2.message);
    free(longer);
    body[0] = 0xff;
    cr_assert_eq(cargo_publish_parse(body, len, &view, &e3), AG_FAIL);
    body[0] = (unsigned char)strlen(json);
    body[4 + strlen(json)] = 3;
    cr_assert_eq(atomic_write_buffer(path, body, len, &err), AG_OK);
    cr_assert_eq(cargo_publish_read(path, &view, &e4), AG_FAIL);
    cr_assert(strstr(e4.message, ".crate length says 3") != NULL, "%s", e4.message);

    free(body);
    remove_tree(dir);
    free(path);
    free(dir);
}

/* value written as a TOML string in [package], then read back. */
static char *toml_round_trip(const char *value)
{
    struct strbuf text = {0};
    struct ag_error err = {0};
    strbuf_adds(&text, "[package]\ndescription = ");
    cr_assert_eq(cargo_toml_string(&text, value, "the value", &err), AG_OK, "%s", err.message);
    strbuf_adds(&text, "\n");
    struct cargo_package_table t;
    cr_assert_eq(cargo_read_package_table(text.data, text.len, "t.toml", 1, &t, &err), AG_OK,
                 "%s: %s", text.data, err.message);
    char *got = xstrdup(cargo_package_value(&t, "description"));
    cargo_package_table_free(&t);
    strbuf_free(&text);
    return got;
}

Test(cargo, toml_strings_escape_quotes_backslashes_and_control_characters)
{
    struct strbuf out = {0};
    struct ag_error err = {0};
    cr_assert_eq(cargo_toml_string(&out, "a\"b\\c\td\ne\x01\x1f\x7f\xc3\xa9", "v", &err), AG_OK);
    cr_assert_str_eq(out.data, "\"a\\\"b\\\\c\\td\\u000Ae\\u0001\\u001F\\u007F\xc3\xa9\"");
    strbuf_free(&out);

    static const char *const values[] = {"plain",
                                         "q\"uote",
                                         "back\\slash",
                                         "tab\there",
                                         "line\nbreak\r\n",
                                         "\x01\x02\x1b\x7f",
                                         "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char *got = toml_round_trip(values[i]);
        cr_assert_str_eq(got, values[i]);
        free(got);
    }
}

Test(cargo, toml_strings_refuse_what_toml_cannot_carry)
{
    /* Not UTF-8: a stray byte, an overlong '/', a surrogate, a cut sequence. */
    static const char *const bad[] = {"\xff", "a\xc0\xafz", "\xed\xa0\x80", "\xe2\x82",
                                      "\xf4\x90\x80\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct strbuf out = {0};
        struct ag_error err = {0};
        cr_assert_eq(cargo_toml_string(&out, bad[i], "the description", &err), AG_USAGE,
                     "case %zu accepted", i);
        cr_assert(strstr(err.message, "the description") != NULL, "%s", err.message);
        cr_assert(strstr(err.message, "UTF-8") != NULL, "%s", err.message);
        strbuf_free(&out);
    }
}

Test(cargo, package_table_reader_refuses_what_it_cannot_take)
{
    static const char *const bad[][2] = {
        {"[package]\nname = \"a\nb\"\n", "closing quote"},
        {"[package]\nname = \"\\q\"\n", "invalid escape"},
        {"[package]\nname = \"\\u0000\"\n", "NUL"},
        {"[package]\nname = \"a\" x\n", "text after"},
        {"[package]\nname = \"a\"\nname = \"b\"\n", "twice"},
        {"[package]\npublish = false\n", "not a string"},
        {"[package]\nkeywords = \"x\"\n", "not supported"},
        {"[dependencies]\nx = \"1\"\n", "only a [package]"},
        {"name = \"x\"\n", "outside"},
        {"[package]\ndescription = \"\"\"\nx\"\"\"\n", "multi-line"},
        {"[lib]\n", "only a [package]"},
        {"", "no [package]"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct cargo_package_table t;
        struct ag_error err = {0};
        cr_assert_eq(cargo_read_package_table(bad[i][0], strlen(bad[i][0]), "T.toml", 1, &t, &err),
                     AG_USAGE, "case %zu accepted", i);
        cr_assert(strstr(err.message, bad[i][1]) != NULL, "case %zu: %s", i, err.message);
        cr_assert(strstr(err.message, "T.toml") != NULL, "%s", err.message);
    }
    /* Read leniently (a crate's normalized manifest), other tables and
     * values are passed over. */
    static const char lenient[] = "[package]\nname = 'lit\\eral'\nbuild = false\n[lib]\npath = "
                                  "\"src/lib.rs\"\n";
    struct cargo_package_table t;
    struct ag_error err = {0};
    cr_assert_eq(cargo_read_package_table(lenient, strlen(lenient), "L", 0, &t, &err), AG_OK, "%s",
                 err.message);
    cr_assert_str_eq(cargo_package_value(&t, "name"), "lit\\eral");
    cr_assert_null(cargo_package_value(&t, "path"));
    cargo_package_table_free(&t);
}

Test(cargo, requirements_are_written_in_cargo_syntax)
{
    static const char *const cases[][2] = {
        {">=1.0, <2", ">=1.0.0, <2.0.0"},
        {"==1.2.0", "=1.2.0"},
        {"*", "*"},
        {">1, <=3.1", ">1.0.0, <=3.1.0"},
        {">=2.0.0-rc.1", ">=2.0.0-rc.1"},
        /* cargo has no "!=": left out, the requirement is wider */
        {"!=1.2.0, >=1", ">=1.0.0"},
        {"!=1.2.0", "*"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct version_range range;
        char why[128];
        cr_assert(version_range_parse(cases[i][0], &range, why, sizeof why), "%s", why);
        char *text = cargo_requirement_text(&range);
        cr_assert_str_eq(text, cases[i][1], "%s", cases[i][0]);
        free(text);
        version_range_free(&range);
    }
}

Test(cargo, generate_writes_a_crate_under_its_prefix_as_cargo_package_does)
{
    struct gen_case c;
    setup(&c, 4096);
    const struct artifact *crate = &c.made.items[0];
    cr_assert_str_eq(crate->path, CRATE);
    cr_assert_str_eq(crate->kind, "crate");
    cr_assert_str_eq(c.made.items[1].path, BODY);
    cr_assert_str_eq(c.made.items[1].kind, "publish-body");
    struct archive_scan s;
    gen_case_scan(&c, 0, &s);
    cr_assert_str_eq(s.filter, "gzip");
    static const char *const want[] = {"Cargo.lock", "Cargo.toml", "Cargo.toml.orig", "data.bin",
                                       "src/lib.rs"};
    cr_assert_eq(s.count, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < s.count; i++) {
        char *entry = xasprintf("demo-pkg-1.2.3/%s", want[i]);
        cr_assert_str_eq(s.members[i].path, entry, "sorted, under the prefix");
        cr_assert_eq(s.members[i].mode, 0644);
        free(entry);
    }
    const struct archive_member *data = archive_scan_find(&s, "demo-pkg-1.2.3/data.bin");
    char hex[65];
    digest_hex(data->sha256, 32, hex);
    cr_assert_str_eq(crate->data_sha256, hex);
    cr_assert_str_eq(crate->data_path, "data.bin");
    const char *toml = archive_scan_find(&s, "demo-pkg-1.2.3/Cargo.toml")->content;
    cr_assert(strstr(toml, "# THIS FILE IS AUTOMATICALLY GENERATED BY CARGO") == toml);
    cr_assert(strstr(toml, "\n[package]\nedition = \"2021\"\nname = \"demo-pkg\"\nversion = "
                           "\"1.2.3\"\nbuild = false\n") != NULL,
              "%s", toml);
    cr_assert(strstr(toml, "\n[lib]\nname = \"demo_pkg\"\npath = \"src/lib.rs\"\n") != NULL, "%s",
              toml);
    const char *lock = archive_scan_find(&s, "demo-pkg-1.2.3/Cargo.lock")->content;
    cr_assert(strstr(lock, "version = 4\n\n[[package]]\nname = \"demo-pkg\"\nversion = "
                           "\"1.2.3\"\n") != NULL,
              "%s", lock);
    archive_scan_free(&s);
    gen_case_teardown(&c);
}

Test(cargo, publish_body_carries_the_crate_and_its_metadata)
{
    struct gen_case c;
    setup(&c, 1000);
    char *path = xasprintf("%s/%s", c.out_root, BODY);
    struct cargo_publish_view view;
    struct ag_error err = {0};
    cr_assert_eq(cargo_publish_read(path, &view, &err), AG_OK, "%s", err.message);
    char got[65];
    digest_hex(view.crate_sha256, 32, got);
    cr_assert_str_eq(got, c.made.items[0].sha256);
    cr_assert_eq(view.crate_len, c.made.items[0].bytes);
    json_t *m = view.metadata;
    cr_assert_str_eq(json_string_value(json_object_get(m, "name")), "demo-pkg");
    cr_assert_str_eq(json_string_value(json_object_get(m, "vers")), "1.2.3");
    cr_assert_str_eq(json_string_value(json_object_get(m, "license")), "MIT");
    cr_assert_str_eq(json_string_value(json_object_get(m, "description")), "unit test package");
    static const char *const keys[] = {"deps",   "features",    "authors",    "documentation",
                                       "readme", "readme_file", "keywords",   "categories",
                                       "badges", "links",       "repository", "license_file"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        cr_assert(json_object_get(m, keys[i]) != NULL, "no %s", keys[i]);
    cargo_publish_view_free(&view);
    free(path);
    gen_case_teardown(&c);
}

Test(cargo, write_index_then_verify_passes_and_a_wrong_cksum_fails)
{
    struct gen_case c;
    setup(&c, 2048);
    struct ag_error err = {0};
    cr_assert_eq(gen_case_write_index(&c, &err), AG_OK, "%s", err.message);
    for (size_t i = 0; i < c.made.count; i++)
        cr_assert_eq(c.gen->verify_artifact(c.out_root, BASE_URL, &c.made.items[i], &err), AG_OK,
                     "%s", err.message);
    char *config = xasprintf("%s/cargo/index/config.json", c.out_root);
    json_t *doc = NULL;
    cr_assert_eq(json_read_file(config, &doc, &err), AG_OK);
    cr_assert_str_eq(json_string_value(json_object_get(doc, "dl")),
                     BASE_URL "cargo/crates/{crate}/{crate}-{version}.crate");
    cr_assert_null(json_object_get(doc, "api"), "no push target: no api");
    json_decref(doc);
    free(config);
    char *settings = xasprintf("%s/clients/cargo-config.toml", c.out_root);
    char *text = slurp(settings, NULL);
    cr_assert_str_eq(text, "[registries.assetgen]\nindex = \"sparse+" BASE_URL "cargo/index/\"\n");
    free(text);
    free(settings);

    /* The index line, then one with another cksum. */
    char *index = xasprintf("%s/cargo/index/de/mo/demo-pkg", c.out_root);
    char *line = slurp(index, NULL);
    char *want = xasprintf("{\"name\":\"demo-pkg\",\"vers\":\"1.2.3\",\"deps\":[],\"cksum\":\"%s\","
                           "\"features\":{},\"yanked\":false,\"links\":null}\n",
                           c.made.items[0].sha256);
    cr_assert_str_eq(line, want);
    char *at = strstr(line, c.made.items[0].sha256);
    *at = *at == '0' ? '1' : '0';
    cr_assert_eq(atomic_write_buffer(index, line, strlen(line), &err), AG_OK);
    cr_assert_eq(c.gen->verify_artifact(c.out_root, BASE_URL, &c.made.items[0], &err), AG_FAIL);
    cr_assert(strstr(err.message, "cksum") != NULL, "%s", err.message);
    free(want);
    free(line);
    free(index);
    gen_case_teardown(&c);
}

Test(cargo, verify_fails_when_the_body_carries_other_bytes)
{
    struct gen_case c;
    setup(&c, 0);
    struct ag_error err = {0};
    char *path = xasprintf("%s/%s", c.out_root, BODY);
    size_t len = 0;
    char *bytes = slurp(path, &len);
    bytes[len - 1] ^= 1;
    cr_assert_eq(atomic_write_buffer(path, bytes, len, &err), AG_OK);
    cr_assert_eq(c.gen->verify_artifact(c.out_root, BASE_URL, &c.made.items[1], &err), AG_FAIL);
    cr_assert(strstr(err.message, "is not " CRATE) != NULL, "%s", err.message);
    free(bytes);
    free(path);
    gen_case_teardown(&c);
}

/* Every rendered value lands escaped: the crate's Cargo.toml and
 * Cargo.toml.orig read back to the description as given. */
Test(cargo, rendered_values_are_escaped_in_both_manifests)
{
    static const char desc[] = "say \"hi\" \\ then\nnew line\ttab \x01 end \xc3\xa9";
    /* gen_case_setup sets its own description: this one is made by hand. */
    struct gen_case c;
    memset(&c, 0, sizeof c);
    c.out_root = make_tmpdir("cargo");
    c.gen = test_generator("cargo");
    struct package_field_value license = {"license", "MIT"};
    c.spec = (struct package_spec){.format = "cargo",
                                   .name = "demo-pkg",
                                   .version = "1.2.3",
                                   .description = desc,
                                   .template_dir = ASSETGEN_SOURCE_DIR "/templates/cargo",
                                   .epoch = 1700000000,
                                   .base_url = BASE_URL,
                                   .out_root = c.out_root,
                                   .fields = &license,
                                   .field_count = 1};
    struct ag_error err = {0};
    cr_assert_eq(c.gen->check_templates(&c.spec, &err), AG_OK, "%s", err.message);
    cr_assert_eq(c.gen->generate(&c.spec, &c.made, &err), AG_OK, "%s", err.message);
    static const char *const entries[] = {"demo-pkg-1.2.3/Cargo.toml",
                                          "demo-pkg-1.2.3/Cargo.toml.orig"};
    for (size_t i = 0; i < 2; i++) {
        char *text = crate_entry(&c, 0, entries[i]);
        cr_assert_not_null(text);
        struct cargo_package_table t;
        cr_assert_eq(cargo_read_package_table(text, strlen(text), entries[i], 0, &t, &err), AG_OK,
                     "%s", err.message);
        cr_assert_str_eq(cargo_package_value(&t, "description"), desc, "%s", entries[i]);
        cargo_package_table_free(&t);
        free(text);
    }
    gen_case_teardown(&c);
}

Test(cargo, templates_that_toml_cannot_carry_or_that_rename_are_refused)
{
    struct gen_case c;
    memset(&c, 0, sizeof c);
    c.gen = test_generator("cargo");
    char *dir = make_tmpdir("cargo-tpl");
    write_file(dir, "src/lib.rs", "// x\n", 0644);
    struct package_field_value license = {"license", "MIT"};
    struct package_spec spec = {.format = "cargo",
                                .name = "demo-pkg",
                                .version = "1.2.3",
                                .description = "d",
                                .template_dir = dir,
                                .base_url = BASE_URL,
                                .fields = &license,
                                .field_count = 1};
    static const char *const cases[][2] = {
        {"[package]\nname = \"other\"\nversion = \"{{version}}\"\n", "must give name"},
        {"[package]\nname = \"{{name}}\"\n", "must give name"},
        {"[package]\nname = \"{{name}}\"\nversion = \"{{version}}\"\n[dependencies]\n",
         "only a [package]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_file(dir, "Cargo.toml", cases[i][0], 0644);
        struct ag_error err = {0};
        cr_assert_eq(c.gen->check_templates(&spec, &err), AG_USAGE, "case %zu accepted", i);
        cr_assert(strstr(err.message, cases[i][1]) != NULL, "case %zu: %s", i, err.message);
    }
    /* A description that is not UTF-8 cannot be TOML. */
    write_file(dir, "Cargo.toml",
               "[package]\nname = \"{{name}}\"\nversion = \"{{version}}\"\ndescription = "
               "\"{{description}}\"\n",
               0644);
    spec.description = "bad \xff byte";
    struct ag_error err = {0};
    cr_assert_eq(c.gen->check_templates(&spec, &err), AG_USAGE);
    cr_assert(strstr(err.message, "UTF-8") != NULL, "%s", err.message);
    /* A file assetgen writes itself is refused in the templates. */
    spec.description = "ok";
    write_file(dir, "Cargo.lock", "x", 0644);
    struct ag_error err2 = {0};
    cr_assert_eq(c.gen->check_templates(&spec, &err2), AG_USAGE);
    cr_assert(strstr(err2.message, "Cargo.lock") != NULL, "%s", err2.message);
    remove_tree(dir);
    free(dir);
}

Test(cargo, dependencies_go_into_both_manifests_and_the_index_line)
{
    struct version_range runtime, dev, optional;
    char why[128];
    cr_assert(version_range_parse(">=1.0, <2", &runtime, why, sizeof why));
    cr_assert(version_range_parse("==0.3.0", &dev, why, sizeof why));
    cr_assert(version_range_parse("*", &optional, why, sizeof why));
    struct spec_dependency deps[] = {
        {"zz-lib", &runtime, DEPENDENCY_RUNTIME, 1},
        {"test-kit", &dev, DEPENDENCY_DEV, 1},
        {"aa-extra", &optional, DEPENDENCY_OPTIONAL, 0},
    };
    struct gen_case c;
    setup_spec(&c, (struct package_spec){.dependencies = deps, .dependency_count = 3}, 2);
    char *toml = crate_entry(&c, 0, "demo-pkg-1.2.3/Cargo.toml");
    static const char want[] = "\n[dependencies.aa-extra]\nversion = \"*\"\nregistry-index = "
                               "\"sparse+" BASE_URL "cargo/index/\"\noptional = true\n"
                               "\n[dependencies.zz-lib]\nversion = \">=1.0.0, <2.0.0\"\n"
                               "registry-index = \"sparse+" BASE_URL "cargo/index/\"\n"
                               "\n[dev-dependencies.test-kit]\nversion = \"=0.3.0\"\n"
                               "registry-index = \"sparse+" BASE_URL "cargo/index/\"\n";
    cr_assert(strstr(toml, want) != NULL, "%s", toml);
    char *orig = crate_entry(&c, 0, "demo-pkg-1.2.3/Cargo.toml.orig");
    cr_assert(strstr(orig, "\n[dependencies.zz-lib]\nversion = \">=1.0.0, <2.0.0\"\nregistry = "
                           "\"assetgen\"\n") != NULL,
              "%s", orig);
    /* A crate with dependencies gets no Cargo.lock (it would pin what
     * cargo resolved when it packaged). */
    cr_assert_null(crate_entry(&c, 0, "demo-pkg-1.2.3/Cargo.lock"));
    json_t *line_deps = json_object_get(c.made.items[0].facts, "deps");
    cr_assert_eq(json_array_size(line_deps), 3);
    json_t *d0 = json_array_get(line_deps, 0);
    cr_assert_str_eq(json_string_value(json_object_get(d0, "req")), ">=1.0.0, <2.0.0");
    cr_assert_str_eq(json_string_value(json_object_get(d0, "kind")), "normal");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(line_deps, 1), "kind")),
                     "dev");
    cr_assert(json_is_true(json_object_get(json_array_get(line_deps, 2), "optional")));
    struct ag_error err = {0};
    cr_assert_eq(gen_case_write_index(&c, &err), AG_OK, "%s", err.message);
    cr_assert_eq(c.gen->verify_artifact(c.out_root, BASE_URL, &c.made.items[0], &err), AG_OK, "%s",
                 err.message);
    free(orig);
    free(toml);
    gen_case_teardown(&c);
    version_range_free(&runtime);
    version_range_free(&dev);
    version_range_free(&optional);
}

Test(cargo, a_dependency_named_twice_in_one_table_is_refused)
{
    struct version_range any;
    char why[128];
    cr_assert(version_range_parse("*", &any, why, sizeof why));
    struct spec_dependency deps[] = {
        {"lib", &any, DEPENDENCY_RUNTIME, 1},
        {"lib", &any, DEPENDENCY_OPTIONAL, 1},
    };
    struct package_spec spec = {.format = "cargo",
                                .name = "demo",
                                .version = "1.0.0",
                                .dependencies = deps,
                                .dependency_count = 2};
    struct ag_error err = {0};
    cr_assert_eq(test_generator("cargo")->check_package(&spec, &err), AG_USAGE);
    cr_assert(strstr(err.message, "twice in [dependencies]") != NULL, "%s", err.message);
    version_range_free(&any);
}

Test(cargo, index_refuses_facts_it_would_not_write)
{
    struct gen_case c;
    setup(&c, 0);
    json_t *deps = json_object_get(c.made.items[0].facts, "deps");
    json_array_append_new(deps, json_pack("{s:s,s:s}", "name", "x\"y", "req", "*"));
    struct ag_error err = {0};
    cr_assert_eq(gen_case_write_index(&c, &err), AG_FAIL);
    cr_assert(strstr(err.message, "facts.deps[0]") != NULL, "%s", err.message);
    gen_case_teardown(&c);
}
