#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/fsutil.h"
#include "common/suggest.h"

/* assetgen.yaml of the source tree a build directory sits in
 * (<tree>/build/assetgen), so a freshly built binary works from any
 * directory; NULL when there is none. */
static char *config_beside_build(void)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(exe, '/');
        if (slash == NULL)
            return NULL;
        *slash = '\0';
    }
    /* Only a source tree: an installed binary uses the installed file. */
    char *tree_marker = xasprintf("%s/CMakeLists.txt", exe);
    int in_tree = access(tree_marker, R_OK) == 0;
    free(tree_marker);
    char *path = xasprintf("%s/assetgen.yaml", exe);
    if (in_tree && access(path, R_OK) == 0)
        return path;
    free(path);
    return NULL;
}

int cli_load_config(const char *path, struct config *config, struct ag_error *err)
{
    if (path != NULL)
        return config_load(config, path, err);
    if (access("assetgen.yaml", R_OK) == 0)
        return config_load(config, "assetgen.yaml", err);
    char *beside = config_beside_build();
    if (beside != NULL) {
        int rc = config_load(config, beside, err);
        free(beside);
        return rc;
    }
    if (access(ASSETGEN_DATADIR "/assetgen.yaml", R_OK) != 0)
        return ag_error_set(err, AG_USAGE,
                            "no configuration: neither ./assetgen.yaml nor the installed "
                            "%s/assetgen.yaml exists; pass --config FILE",
                            ASSETGEN_DATADIR);
    return config_load(config, ASSETGEN_DATADIR "/assetgen.yaml", err);
}

int cli_add_set_file(struct config *config, const char *path, struct ag_error *err)
{
    struct package_set_list extra = {0};
    int rc = package_sets_load_file(path, &extra, err);
    if (rc == AG_OK)
        rc = package_sets_merge(&config->sets, &extra, err);
    if (rc != AG_OK && err->status == AG_FAIL)
        err->status = AG_USAGE;
    package_sets_free(&extra);
    return rc == AG_OK ? AG_OK : err->status;
}

int cli_fail(const struct ag_error *err)
{
    fprintf(stderr, "assetgen: %s\n", err->message);
    return err->status == AG_OK ? AG_FAIL : err->status;
}

int cli_usage(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "assetgen %s: ", command);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(see 'assetgen %s --help')\n", command);
    va_end(ap);
    return AG_USAGE;
}

int cli_parse_uint(const char *command, const char *option, const char *text,
                   unsigned long long max, unsigned long long *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (*text == '\0' || *text == '-' || *end != '\0' || errno != 0 || v > max)
        return cli_usage(command, "%s '%s' must be an integer from 0 to %llu", option, text, max);
    *out = v;
    return AG_OK;
}

int cli_bad_option(const char *command, const struct option *options, int c, const char *arg)
{
    if (c == ':')
        return cli_usage(command, "option '%s' needs a value", arg);
    if (strncmp(arg, "--", 2) != 0 && optopt != 0)
        return cli_usage(command, "unknown option '-%c'", optopt);
    char name[128];
    snprintf(name, sizeof name, "%s", arg);
    char *eq = strchr(name, '=');
    if (eq)
        *eq = '\0';
    size_t len = strlen(name);
    char spelled[64][48], prefixed[512] = "";
    const char *names[64];
    size_t n = 0, matches = 0;
    for (; n < 64 && options[n].name; n++) {
        snprintf(spelled[n], sizeof spelled[n], "--%s", options[n].name);
        names[n] = spelled[n];
        if (strncmp(spelled[n], name, len) != 0)
            continue;
        /* getopt_long takes unambiguous abbreviations: "--quiet=1" and
         * "--qu=1" both reach here for an option that takes no value. */
        if (eq && (strcmp(spelled[n], name) == 0 || matches == 0) &&
            options[n].has_arg == no_argument)
            return cli_usage(command, "option '%s' takes no value", spelled[n]);
        if (strlen(prefixed) + strlen(spelled[n]) + 3 < sizeof prefixed) {
            if (matches)
                strcat(prefixed, ", ");
            strcat(prefixed, spelled[n]);
        }
        matches++;
    }
    if (matches > 1)
        return cli_usage(command, "option '%s' is ambiguous (%s)", name, prefixed);
    const char *near = suggest_nearest(name, names, n);
    if (near)
        return cli_usage(command, "unknown option '%s' (did you mean '%s'?)", name, near);
    return cli_usage(command, "unknown option '%s'", name);
}

int cli_unknown_size(const struct config *config, const char *name, struct ag_error *err)
{
    const char *names[64];
    size_t n = 0;
    for (size_t i = 0; i < config->size_count && n < 64; i++)
        names[n++] = config->sizes[i].name;
    char hint[640];
    suggest_hint(name, names, n, hint, sizeof hint);
    return ag_error_set(err, AG_USAGE, "unknown size tier '%s'%s", name, hint);
}
