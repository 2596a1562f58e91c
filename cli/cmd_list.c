#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/generator.h"
#include "common/set_expect.h"
#include "common/suggest.h"
#include "common/units.h"
#include "generators/registry.h"

static const char list_help[] =
    "usage: assetgen list formats|profiles|sizes|tiers|defects|fields|sets [--config FILE]\n"
    "                     [--set-file FILE]\n\n"
    "  sets: each package set (built-in, packageSets of the configuration, --set-file),\n"
    "        its releases, what each format cannot express of it, and what each format's\n"
    "        client should resolve for its requests (names without the tier suffix).\n";

static void print_joined(char **items, size_t count, int width)
{
    char text[512] = "";
    for (size_t i = 0; i < count; i++) {
        size_t used = strlen(text);
        snprintf(text + used, sizeof text - used, "%s%s", i ? "," : "", items[i]);
    }
    printf("%-*s", width, count ? text : "-");
}

static void list_formats(const struct config *config)
{
    printf("%-8s %-10s %-24s %s\n", "format", "generator", "template", "what it writes");
    for (size_t i = 0; i < config->template_count; i++) {
        const struct asset_template *t = &config->templates[i];
        const struct generator *gen = generator_table_find(&generator_registry, t->generator);
        printf("%-8s %-10s %-24s %s\n", t->format, gen ? t->generator : "(missing)",
               t->package_name, gen ? gen->summary : "no generator in this build yet");
    }
}

static void list_profiles(const struct config *config)
{
    printf("%-8s %-30s %-6s %-26s %s\n", "profile", "services", "smoke", "dependencies", "formats");
    for (size_t i = 0; i < config->profile_count; i++) {
        const struct profile *p = &config->profiles[i];
        printf("%-8s ", p->name);
        print_joined(p->services, p->service_count, 30);
        printf(" %-6s ", p->is_smoke ? "yes" : "no");
        print_joined(p->dependencies, p->dependency_count, 26);
        printf(" ");
        print_joined(p->formats, p->format_count, 0);
        printf("\n");
    }
}

static void list_sizes(const struct config *config)
{
    printf("%-10s %14s %14s  %s\n", "size", "maxSize", "dataFile", "defined in");
    for (size_t i = 0; i < config->size_count; i++) {
        const struct size_tier *s = &config->sizes[i];
        char max[32], data[32] = "none";
        format_size(s->max_size, max, sizeof max);
        if (s->data_size)
            format_size(s->data_size, data, sizeof data);
        printf("%-10s %14s %14s  %s\n", s->name, max, data, s->source);
    }
}

static void list_tiers(const struct config *config)
{
    printf("%-6s %-12s %-28s %-8s %s\n", "tier", "name", "trigger", "target", "tests");
    for (size_t i = 0; i < config->tier_count; i++) {
        const struct test_tier *t = &config->tiers[i];
        char target[32];
        snprintf(target, sizeof target, "%llum", (unsigned long long)t->target_seconds / 60);
        printf("%-6s %-12s %-28s %-8s ", t->name, t->display_name, t->trigger, target);
        print_joined(t->tests, t->test_count, 0);
        printf("\n");
    }
}

static void list_defects(void)
{
    printf("%-7s %-18s %-6s %s\n", "format", "defect", "expect",
           "what is broken / how the client refuses");
    for (size_t g = 0; g < generator_registry.count; g++) {
        const struct generator *gen = generator_registry.items[g];
        for (size_t i = 0; i < gen->defect_count; i++)
            printf("%-7s %-18s %-6s %s\n%35s-> %s\n%35sverify checks: %s\n", gen->name,
                   gen->defects[i].name, "reject", gen->defects[i].summary, "",
                   gen->defects[i].client_refusal, "", gen->defects[i].predicate);
    }
}

/* The package options each format declares (--package-field KEY=VALUE,
 * or assetTemplates.<format>.package). */
static void list_fields(void)
{
    printf("%-7s %-18s %-14s %s\n", "format", "field", "default", "what it sets");
    for (size_t g = 0; g < generator_registry.count; g++) {
        const struct generator *gen = generator_registry.items[g];
        for (size_t i = 0; i < gen->field_count; i++)
            printf("%-7s %-18s %-14s %s\n", gen->name, gen->fields[i].key,
                   gen->fields[i].default_value ? gen->fields[i].default_value : "-",
                   gen->fields[i].summary);
    }
}

static void print_release(const struct set_release *rel)
{
    printf("    %s", rel->version);
    if (rel->yanked)
        printf("  yanked%s%s", rel->yanked[0] ? ": " : "", rel->yanked);
    for (size_t t = 0; t < rel->tag_count; t++)
        printf("  tag %s", rel->tags[t]);
    if (rel->copies > 1)
        printf("  published %u times (other bytes each)", rel->copies);
    if (rel->signer != PERSONA_PROJECT)
        printf("  signer %s", signer_persona_name(rel->signer));
    printf("\n");
    for (size_t d = 0; d < rel->dependency_count; d++)
        printf("      needs %s %s (%s)\n", rel->dependencies[d].name,
               rel->dependencies[d].range.text, dependency_kind_name(rel->dependencies[d].kind));
    for (size_t v = 0; v < rel->provide_count; v++)
        printf("      provides %s (at %s)\n", rel->provides[v], rel->version);
    for (size_t c = 0; c < rel->conflict_count; c++)
        printf("      conflicts with %s %s\n", rel->conflicts[c].name,
               rel->conflicts[c].range.text);
}

static void list_sets(const struct config *config)
{
    for (size_t s = 0; s < config->sets.count; s++) {
        const struct package_set *set = &config->sets.items[s];
        printf("%s%s: %s\n  defined at %s\n", s ? "\n" : "", set->name,
               set->summary ? set->summary : "", set->where);
        for (size_t k = 0; k < set->package_count; k++) {
            printf("  %s\n", set->packages[k].name);
            for (size_t r = 0; r < set->packages[k].release_count; r++)
                print_release(&set->packages[k].releases[r]);
        }
        json_t *entry =
            set_manifest_entry(set, generator_registry.items, generator_registry.count, "", 1);
        const char *format;
        json_t *per;
        json_object_foreach(json_object_get(entry, "formats"), format, per)
        {
            json_t *missing = json_object_get(per, "unexpressed");
            printf("  %s: %s\n", format,
                   json_array_size(missing) ? "cannot express:" : "expresses all of it");
            for (size_t i = 0; i < json_array_size(missing); i++)
                printf("    - %s\n", json_string_value(json_array_get(missing, i)));
            json_t *outcomes = json_object_get(per, "resolutions");
            for (size_t i = 0; i < json_array_size(outcomes); i++) {
                json_t *o = json_array_get(outcomes, i);
                printf("    %s -> %s", json_string_value(json_object_get(o, "request")),
                       json_string_value(json_object_get(o, "outcome")));
                const char *name;
                json_t *version;
                json_object_foreach(json_object_get(o, "resolves"), name, version)
                {
                    printf(" %s %s", name, json_string_value(version));
                }
                json_t *notes = json_object_get(o, "notes");
                for (size_t n = 0; n < json_array_size(notes); n++)
                    printf("; %s", json_string_value(json_array_get(notes, n)));
                printf("\n");
            }
        }
        json_decref(entry);
    }
}

int cmd_list(int argc, char **argv)
{
    const char *what = NULL, *config_path = NULL, *set_file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            fputs(list_help, stdout);
            return 0;
        } else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            config_path = argv[++i];
        } else if (strcmp(argv[i], "--set-file") == 0 && i + 1 < argc) {
            set_file = argv[++i];
        } else if (what == NULL && argv[i][0] != '-') {
            what = argv[i];
        } else {
            return cli_usage("list", "unexpected argument '%s'", argv[i]);
        }
    }
    if (what == NULL)
        return cli_usage("list",
                         "say what to list: formats, profiles, sizes, tiers, defects, fields or "
                         "sets");
    /* What to list is checked before the configuration is read, so a typo
     * is reported as such and not as a configuration problem. */
    static const char *const things[] = {"formats", "profiles", "sizes", "tiers",
                                         "defects", "fields",   "sets"};
    size_t known = 0;
    for (size_t i = 0; i < sizeof things / sizeof things[0]; i++)
        known += strcmp(what, things[i]) == 0;
    if (!known) {
        char hint[256];
        suggest_hint(what, things, sizeof things / sizeof things[0], hint, sizeof hint);
        return cli_usage("list", "cannot list '%s'%s", what, hint);
    }
    struct ag_error err = {0};
    struct config config;
    if (cli_load_config(config_path, &config, &err) != AG_OK)
        return cli_fail(&err);
    if (set_file && cli_add_set_file(&config, set_file, &err) != AG_OK) {
        config_free(&config);
        return cli_fail(&err);
    }
    int rc = AG_OK;
    if (strcmp(what, "formats") == 0)
        list_formats(&config);
    else if (strcmp(what, "profiles") == 0)
        list_profiles(&config);
    else if (strcmp(what, "sizes") == 0)
        list_sizes(&config);
    else if (strcmp(what, "tiers") == 0)
        list_tiers(&config);
    else if (strcmp(what, "fields") == 0)
        list_fields();
    else if (strcmp(what, "sets") == 0)
        list_sets(&config);
    else
        list_defects();
    config_free(&config);
    return rc;
}
