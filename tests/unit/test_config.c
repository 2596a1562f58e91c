#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/fsutil.h"
#include "support.h"

static const char MAIN_YAML[] = "schema: 1\n"                              /* 1 */
                                "defaults:\n"                              /* 2 */
                                "  seed: 7\n"                              /* 3 */
                                "  sizesDir: sizes\n"                      /* 4 */
                                "profiles:\n"                              /* 5 */
                                "  web: {isSmoke: true, formats: [npm]}\n" /* 6 */
                                "assetTemplates:\n"                        /* 7 */
                                "  npm:\n"                                 /* 8 */
                                "    format: npm\n"                        /* 9 */
                                "    templateDir: templates/npm\n"         /* 10 */
                                "    generator: npm\n"                     /* 11 */
                                "    sizeTiers: [small]\n"                 /* 12 */
                                "    outputPattern: \"npm/*\"\n"           /* 13 */
                                "    package: {name: demo, version: 1.0.0}\n";
static const char SIZES_YAML[] = "small:\n  maxSize: 1MiB\n  dataFile: null\n";

struct fixture {
    char *dir;
    char *config_path;
};

/* Writes assetgen.yaml and sizes/tiers.yaml into a fresh directory. */
static void fixture_make(struct fixture *fx, const char *main_yaml, const char *sizes_yaml)
{
    fx->dir = make_tmpdir("config");
    write_file(fx->dir, "assetgen.yaml", main_yaml, 0644);
    write_file(fx->dir, "sizes/tiers.yaml", sizes_yaml, 0644);
    fx->config_path = xasprintf("%s/assetgen.yaml", fx->dir);
}

static void fixture_free(struct fixture *fx)
{
    remove_tree(fx->dir);
    free(fx->dir);
    free(fx->config_path);
}

/* Loads a configuration that must fail with a usage error; returns the message. */
static void expect_error(const char *main_yaml, const char *sizes_yaml, char *message, size_t cap,
                         struct fixture *fx)
{
    fixture_make(fx, main_yaml, sizes_yaml);
    struct config config;
    struct ag_error err = {0};
    cr_assert_eq(config_load(&config, fx->config_path, &err), AG_USAGE, "accepted; got '%s'",
                 err.message);
    cr_assert_null(config.sizes, "config_load frees what it built on failure");
    snprintf(message, cap, "%s", err.message);
}

/* MAIN_YAML with the first occurrence of from replaced by to. */
static char *edited(const char *base, const char *from, const char *to)
{
    const char *at = strstr(base, from);
    cr_assert_not_null(at, "fixture lacks '%s'", from);
    return xasprintf("%.*s%s%s", (int)(at - base), base, to, at + strlen(from));
}

static void assert_has(const char *message, const char *part)
{
    cr_assert(strstr(message, part) != NULL, "expected '%s' in: %s", part, message);
}

Test(config, minimal_configuration_loads)
{
    struct fixture fx;
    fixture_make(&fx, MAIN_YAML, SIZES_YAML);
    struct config config;
    struct ag_error err = {0};
    cr_assert_eq(config_load(&config, fx.config_path, &err), AG_OK, "%s", err.message);
    cr_assert_eq(config.seed, 7u);
    cr_assert_eq(config.source_date_epoch, 1700000000);
    cr_assert_str_eq(config.default_size, "small");
    cr_assert_eq(config.size_count, 1u);
    cr_assert_eq(config_find_size(&config, "small")->max_size, 1048576u);
    cr_assert_eq(config_find_size(&config, "small")->data_size, 0u);
    const struct asset_template *t = config_find_template(&config, "npm");
    cr_assert_not_null(t);
    char *dir = xasprintf("%s/templates/npm", fx.dir);
    cr_assert_str_eq(t->template_dir, dir, "templateDir resolves against the config's dir");
    free(dir);
    cr_assert_str_eq(t->description, "assetgen test package for npm");
    cr_assert(config_find_profile(&config, "web")->is_smoke);
    cr_assert_null(config_find_profile(&config, "nope"));
    config_free(&config);
    fixture_free(&fx);
}

Test(config, malformed_yaml_reports_file_line_and_column)
{
    struct fixture fx;
    char message[1024];
    char *text = edited(MAIN_YAML, "  sizesDir: sizes\n", "  sizesDir: [sizes\n");
    expect_error(text, SIZES_YAML, message, sizeof message, &fx);
    char *want = xasprintf("%s:5:", fx.config_path);
    cr_assert(strncmp(message, want, strlen(want)) == 0, "expected '%s<col>:', got: %s", want,
              message);
    int line = 0, col = 0;
    cr_assert_eq(sscanf(message + strlen(fx.config_path), ":%d:%d: YAML error", &line, &col), 2,
                 "%s", message);
    cr_assert_gt(col, 0);
    free(want);
    free(text);
    fixture_free(&fx);
}

Test(config, unknown_key_is_named_with_the_nearest_suggestion)
{
    struct fixture fx;
    char message[1024];
    char *text = edited(MAIN_YAML, "  seed: 7\n", "  sede: 7\n");
    expect_error(text, SIZES_YAML, message, sizeof message, &fx);
    char *want =
        xasprintf("%s:3:3: unknown key 'sede' in defaults (did you mean 'seed'?", fx.config_path);
    assert_has(message, want);
    free(want);
    free(text);
    fixture_free(&fx);

    text = edited(MAIN_YAML, "    generator: npm\n", "    genrator: npm\n");
    expect_error(text, SIZES_YAML, message, sizeof message, &fx);
    assert_has(message, ":11:5: unknown key 'genrator' in asset template 'npm' (did you mean "
                        "'generator'?");
    free(text);
    fixture_free(&fx);

    expect_error(MAIN_YAML, "small:\n  maxSzie: 1MiB\n", message, sizeof message, &fx);
    assert_has(message, "sizes/tiers.yaml:2:3: unknown key 'maxSzie' in size tier 'small' (did "
                        "you mean 'maxSize'?");
    fixture_free(&fx);
}

Test(config, wrong_types_are_usage_errors_naming_the_key)
{
    static const struct {
        const char *from, *to, *expect;
    } cases[] = {
        {"  seed: 7\n", "  seed: seven\n", ":3:9: seed must be a non-negative integer"},
        {"  seed: 7\n", "  seed: -7\n", "seed must be a non-negative integer"},
        {"schema: 1\n", "schema: 2\n", ":1:9: schema 2 is not supported"},
        {"formats: [npm]", "formats: npm", "formats must be a list, not a scalar"},
        {"isSmoke: true", "isSmoke: sometimes", "isSmoke must be true or false"},
        {"    sizeTiers: [small]\n", "    sizeTiers: {small: 1}\n",
         ":12:16: sizeTiers must be a list, not a mapping"},
        {"  web: {isSmoke: true, formats: [npm]}\n", "  web: [npm]\n",
         "profile 'web' must be a mapping, not a list"},
        {"    format: npm\n", "    format: [npm]\n", "format must be a scalar, not a list"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fixture fx;
        char message[1024];
        char *text = edited(MAIN_YAML, cases[i].from, cases[i].to);
        expect_error(text, SIZES_YAML, message, sizeof message, &fx);
        assert_has(message, fx.config_path);
        assert_has(message, cases[i].expect);
        free(text);
        fixture_free(&fx);
    }
}

Test(config, size_tier_with_a_bad_max_size_names_the_field)
{
    static const struct {
        const char *value, *expect;
    } cases[] = {
        {"0", "must be greater than zero"},
        {"-1MiB", "must be greater than zero"},
        {"10XB", "unknown unit 'XB'"},
        {"lots", "is not a size"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fixture fx;
        char message[1024];
        char *sizes = xasprintf("# tiers\nsmall:\n  maxSize: %s\n", cases[i].value);
        expect_error(MAIN_YAML, sizes, message, sizeof message, &fx);
        assert_has(message, "sizes/tiers.yaml:2: size tier 'small' maxSize: ");
        assert_has(message, cases[i].expect);
        free(sizes);
        fixture_free(&fx);
    }
}

Test(config, data_file_bigger_than_max_size_is_refused)
{
    struct fixture fx;
    char message[1024];
    expect_error(MAIN_YAML, "small:\n  maxSize: 1MiB\n  dataFile: {size: 2MiB, random: true}\n",
                 message, sizeof message, &fx);
    assert_has(message, "sizes/tiers.yaml:3:13: dataFile of size tier 'small'");
    assert_has(message, "exceeds the tier's maxSize");
    fixture_free(&fx);

    expect_error(MAIN_YAML, "small:\n  maxSize: 1MiB\n  dataFile: {size: 0}\n", message,
                 sizeof message, &fx);
    assert_has(message, "dataFile of size tier 'small' size: ");
    fixture_free(&fx);

    expect_error(MAIN_YAML, "small:\n  maxSize: 1MiB\n  dataFile: {size: 1KiB, random: false}\n",
                 message, sizeof message, &fx);
    assert_has(message, "random: false is not supported");
    fixture_free(&fx);
}

Test(config, references_to_undefined_names_are_refused)
{
    struct fixture fx;
    char message[1024];
    char *text = edited(MAIN_YAML, "formats: [npm]", "formats: [npm, nope]");
    expect_error(text, SIZES_YAML, message, sizeof message, &fx);
    assert_has(message, "profile 'web' names format 'nope', which has no entry under "
                        "assetTemplates");
    assert_has(message, fx.config_path);
    free(text);
    fixture_free(&fx);

    text = edited(MAIN_YAML, "sizeTiers: [small]", "sizeTiers: [small, huge]");
    expect_error(text, SIZES_YAML, message, sizeof message, &fx);
    assert_has(message, "asset template 'npm' names size tier 'huge'");
    free(text);
    fixture_free(&fx);

    text = edited(MAIN_YAML, "  seed: 7\n", "  seed: 7\n  size: medium\n");
    expect_error(text, SIZES_YAML, message, sizeof message, &fx);
    assert_has(message, "defaults.size 'medium' is not a defined size tier");
    free(text);
    fixture_free(&fx);
}

Test(config, real_configuration_loads)
{
    struct config config;
    struct ag_error err = {0};
    cr_assert_eq(config_load(&config, ASSETGEN_SOURCE_DIR "/assetgen.yaml", &err), AG_OK, "%s",
                 err.message);
    cr_assert_eq(config.size_count, 3u);
    const struct size_tier *small = config_find_size(&config, "small");
    const struct size_tier *medium = config_find_size(&config, "medium");
    const struct size_tier *large = config_find_size(&config, "large");
    cr_assert(small && medium && large);
    cr_assert_eq(small->max_size, 1048576u);
    cr_assert_eq(small->data_size, 0u);
    cr_assert_eq(medium->max_size, 10485760u);
    cr_assert_eq(medium->data_size, 10485760u);
    cr_assert(medium->random);
    cr_assert_eq(large->max_size, 104857600u);
    static const char *const smoke[] = {"pypi", "npm", "cargo"};
    const struct profile *all_smoke = config_find_profile(&config, "smoke");
    cr_assert_not_null(all_smoke);
    cr_assert_eq(all_smoke->format_count, 3u);
    for (size_t i = 0; i < 3; i++) {
        const struct profile *p = config_find_profile(&config, smoke[i]);
        cr_assert_not_null(p, "profile %s", smoke[i]);
        cr_assert(p->is_smoke, "profile %s is a smoke profile", smoke[i]);
        cr_assert_str_eq(all_smoke->formats[i], smoke[i]);
    }
    cr_assert_not(config_find_profile(&config, "maven")->is_smoke);
    cr_assert_not_null(config_find_template(&config, "npm"));
    cr_assert_not_null(config_find_template(&config, "pypi"));
    cr_assert_eq(config.tier_count, 3u);
    cr_assert_eq(config.tiers[0].target_seconds, 300u);
    cr_assert_null(config.pki.gpg_key_id, "gpgKeyId: null reads as no key");
    config_free(&config);
}
