#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/yaml_doc.h"
#include "support.h"

static yaml_node_t *load(struct yaml_doc *doc, const char *text)
{
    struct ag_error err = {0};
    cr_assert_eq(yaml_doc_load_string(doc, "c.yaml", text, strlen(text), &err), AG_OK, "%s",
                 err.message);
    yaml_node_t *root = yaml_doc_root(doc);
    cr_assert_not_null(root);
    return root;
}

static void assert_starts(const char *message, const char *prefix)
{
    cr_assert(strncmp(message, prefix, strlen(prefix)) == 0, "expected '%s...', got: %s", prefix,
              message);
}

Test(yaml_doc, malformed_yaml_reports_file_line_and_column)
{
    struct yaml_doc doc;
    struct ag_error err = {0};
    const char *text = "schema: 1\ndefaults:\n  seed: 1: 2\n";
    cr_assert_eq(yaml_doc_load_string(&doc, "c.yaml", text, strlen(text), &err), AG_USAGE);
    assert_starts(err.message, "c.yaml:3:10: YAML error:");
    yaml_doc_free(&doc);

    ag_error_clear(&err);
    text = "a: 1\nb: [1, 2\nc: 3\n";
    cr_assert_eq(yaml_doc_load_string(&doc, "c.yaml", text, strlen(text), &err), AG_USAGE);
    assert_starts(err.message, "c.yaml:3:");
    cr_assert(strstr(err.message, "flow sequence") != NULL, "%s", err.message);
    yaml_doc_free(&doc);
}

Test(yaml_doc, file_errors_name_the_path)
{
    struct tmp_file t;
    tmp_file_make(&t, "yaml", "broken.yaml");
    const char *path = t.path;
    write_file(t.dir, "broken.yaml", "# comment\nok: 1\nlist:\n  - a\n  - b: c: d\n", 0644);
    struct yaml_doc doc;
    struct ag_error err = {0};
    cr_assert_eq(yaml_doc_load(&doc, path, &err), AG_USAGE);
    char *want = xasprintf("%s:5:", path);
    assert_starts(err.message, want);
    free(want);
    yaml_doc_free(&doc);
    unlink(path);

    ag_error_clear(&err);
    cr_assert_eq(yaml_doc_load(&doc, path, &err), AG_USAGE, "a missing file is an error");
    char *missing = xasprintf("cannot read %s", path);
    assert_starts(err.message, missing);
    free(missing);
    yaml_doc_free(&doc);
    tmp_file_free(&t);
}

Test(yaml_doc, empty_document_is_an_error)
{
    struct yaml_doc doc;
    struct ag_error err = {0};
    cr_assert_eq(yaml_doc_load_string(&doc, "c.yaml", "# only a comment\n", 17, &err), AG_USAGE);
    cr_assert(strstr(err.message, "c.yaml: the file is empty") != NULL, "%s", err.message);
    yaml_doc_free(&doc);
}

Test(yaml_doc, unknown_key_names_it_and_suggests_the_nearest)
{
    static const char *const allowed[] = {"seed", "size", "baseUrl"};
    struct yaml_doc doc;
    yaml_node_t *root = load(&doc, "seed: 1\n  # note\nsizee: small\n");
    struct ag_error err = {0};
    cr_assert_eq(yaml_check_keys(&doc, root, allowed, 3, "defaults", &err), AG_USAGE);
    assert_starts(err.message, "c.yaml:3:1: unknown key 'sizee' in defaults (did you mean 'size'?");
    cr_assert(strstr(err.message, "valid: seed, size, baseUrl") != NULL, "%s", err.message);
    yaml_doc_free(&doc);
}

Test(yaml_doc, unknown_key_far_from_all_lists_the_valid_ones_only)
{
    static const char *const allowed[] = {"seed", "size"};
    struct yaml_doc doc;
    yaml_node_t *root = load(&doc, "seed: 1\nwholly_unrelated: 2\n");
    struct ag_error err = {0};
    cr_assert_eq(yaml_check_keys(&doc, root, allowed, 2, "defaults", &err), AG_USAGE);
    assert_starts(err.message, "c.yaml:2:1: unknown key 'wholly_unrelated' in defaults (valid:");
    cr_assert_null(strstr(err.message, "did you mean"), "%s", err.message);
    yaml_doc_free(&doc);
}

Test(yaml_doc, u64_getter_rejects_non_integers_at_the_value)
{
    static const char *const bad[] = {"abc", "-1", "1.5", "''", "[1]", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *text = xasprintf("other: 1\nseed: %s\n", bad[i]);
        struct yaml_doc doc;
        yaml_node_t *root = load(&doc, text);
        uint64_t v = 99;
        struct ag_error err = {0};
        cr_assert_eq(yaml_get_u64(&doc, root, "seed", &v, &err), AG_USAGE, "'%s' accepted", bad[i]);
        assert_starts(err.message, "c.yaml:2:7: seed must be a non-negative integer");
        cr_assert_eq(v, 99u);
        yaml_doc_free(&doc);
        free(text);
    }
}

Test(yaml_doc, getters_read_values_and_leave_missing_keys_alone)
{
    struct yaml_doc doc;
    yaml_node_t *root = load(&doc, "seed: 18446744073709551615\non: yes\noff: false\nname: demo\n"
                                   "list: [a, 'b c']\n");
    struct ag_error err = {0};
    uint64_t seed = 0, missing_u64 = 5;
    cr_assert_eq(yaml_get_u64(&doc, root, "seed", &seed, &err), AG_OK, "%s", err.message);
    cr_assert_eq(seed, UINT64_MAX);
    cr_assert_eq(yaml_get_u64(&doc, root, "nope", &missing_u64, &err), AG_OK);
    cr_assert_eq(missing_u64, 5u);
    int on = 0, off = 1, missing_bool = 7;
    cr_assert_eq(yaml_get_bool(&doc, root, "on", &on, &err), AG_OK);
    cr_assert_eq(yaml_get_bool(&doc, root, "off", &off, &err), AG_OK);
    cr_assert_eq(yaml_get_bool(&doc, root, "nope", &missing_bool, &err), AG_OK);
    cr_assert_eq(on, 1);
    cr_assert_eq(off, 0);
    cr_assert_eq(missing_bool, 7);
    char *name = NULL;
    cr_assert_eq(yaml_get_string(&doc, root, "name", 1, &name, &err), AG_OK);
    cr_assert_str_eq(name, "demo");
    free(name);
    char **list = NULL;
    size_t count = 0;
    cr_assert_eq(yaml_get_string_list(&doc, root, "list", &list, &count, &err), AG_OK);
    cr_assert_eq(count, 2u);
    cr_assert_str_eq(list[0], "a");
    cr_assert_str_eq(list[1], "b c");
    cr_assert_null(list[2]);
    string_list_free(list, count);
    yaml_doc_free(&doc);
}

Test(yaml_doc, wrong_types_name_the_key_and_both_types)
{
    struct yaml_doc doc;
    yaml_node_t *root = load(&doc, "name: [a]\nlist: scalar\nflag: maybe\nnested: [[x]]\n");
    struct ag_error err = {0};
    char *s = NULL;
    cr_assert_eq(yaml_get_string(&doc, root, "name", 1, &s, &err), AG_USAGE);
    assert_starts(err.message, "c.yaml:1:7: name must be a scalar, not a list");
    cr_assert_null(s);
    ag_error_clear(&err);
    char **list = NULL;
    size_t count = 0;
    cr_assert_eq(yaml_get_string_list(&doc, root, "list", &list, &count, &err), AG_USAGE);
    assert_starts(err.message, "c.yaml:2:7: list must be a list, not a scalar");
    ag_error_clear(&err);
    int flag = 0;
    cr_assert_eq(yaml_get_bool(&doc, root, "flag", &flag, &err), AG_USAGE);
    assert_starts(err.message, "c.yaml:3:7: flag must be true or false, not 'maybe'");
    ag_error_clear(&err);
    cr_assert_eq(yaml_get_string_list(&doc, root, "nested", &list, &count, &err), AG_USAGE);
    cr_assert(strstr(err.message, "items of nested must be scalars") != NULL, "%s", err.message);
    cr_assert_null(list);
    ag_error_clear(&err);
    cr_assert_eq(yaml_get_string(&doc, root, "absent", 1, &s, &err), AG_USAGE);
    cr_assert(strstr(err.message, "missing required key 'absent'") != NULL, "%s", err.message);
    yaml_doc_free(&doc);
}

Test(yaml_doc, null_spellings_are_null_but_quoted_null_is_a_string)
{
    struct yaml_doc doc;
    yaml_node_t *root = load(&doc, "a: ~\nb: null\nc:\nd: 'null'\ne: x\nf: {}\n");
    cr_assert(yaml_is_null(yaml_map_get(&doc, root, "a")));
    cr_assert(yaml_is_null(yaml_map_get(&doc, root, "b")));
    cr_assert(yaml_is_null(yaml_map_get(&doc, root, "c")));
    cr_assert(yaml_is_null(yaml_map_get(&doc, root, "absent")));
    cr_assert_not(yaml_is_null(yaml_map_get(&doc, root, "d")));
    cr_assert_not(yaml_is_null(yaml_map_get(&doc, root, "e")));
    cr_assert_not(yaml_is_null(yaml_map_get(&doc, root, "f")));
    yaml_doc_free(&doc);
}
