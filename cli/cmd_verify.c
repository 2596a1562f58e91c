#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "generators/registry.h"
#include "common/fsutil.h"
#include "common/pki.h"
#include "common/report.h"
#include "common/verify_run.h"

static const char verify_help[] =
    "usage: assetgen verify [--out DIR] [--size TIER] [--config FILE] [--report FILE.json]\n"
    "                       [--junit FILE.xml] [--pki DIR] [--quiet]\n\n"
    "Re-reads every artifact listed in DIR/<size>/manifest.json with independent readers:\n"
    "bytes and digests, size within the tier, name and version inside the package, the\n"
    "digests recorded in package metadata, and the repository index that lists it.\n"
    "Signatures are checked against DIR/gpg-signing.pub (--pki, default .pki), or the\n"
    "key published in DIR/<size>/keys/ when the PKI directory is absent.\n"
    "Exit status 1 when any check fails.\n";

int cmd_verify(int argc, char **argv)
{
    static const struct option options[] = {
        {"out", required_argument, NULL, 'o'},
        {"size", required_argument, NULL, 's'},
        {"config", required_argument, NULL, 'c'},
        {"report", required_argument, NULL, 'r'},
        {"junit", required_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"pki", required_argument, NULL, 'K'},
        {NULL, 0, NULL, 0},
    };
    const char *out = "out", *size_name = NULL, *config_path = NULL;
    const char *json_path = NULL, *junit_path = NULL, *pki_dir = NULL;
    int quiet = 0, c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 's':
            size_name = optarg;
            break;
        case 'c':
            config_path = optarg;
            break;
        case 'r':
            json_path = optarg;
            break;
        case 'j':
            junit_path = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'K':
            pki_dir = optarg;
            break;
        case 'h':
            fputs(verify_help, stdout);
            return 0;
        default:
            return cli_bad_option("verify", options, c, argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage("verify", "unexpected argument '%s'", argv[optind]);
    if (out[0] == '\0')
        return cli_usage("verify", "--out must name a directory, not be empty");
    const char *reports[] = {json_path, junit_path};
    for (size_t i = 0; i < 2; i++) {
        struct stat st;
        if (reports[i] && lstat(reports[i], &st) == 0 && !S_ISREG(st.st_mode))
            return cli_usage("verify", "%s exists and is not a regular file; give a file path",
                             reports[i]);
    }
    if (json_path && junit_path && strcmp(json_path, junit_path) == 0)
        return cli_usage("verify", "--report and --junit name the same file %s", json_path);
    struct ag_error err = {0};
    struct config config;
    if (cli_load_config(config_path, &config, &err) != AG_OK)
        return cli_fail(&err);
    if (size_name == NULL)
        size_name = config.default_size;
    const struct size_tier *size = config_find_size(&config, size_name);
    if (size == NULL) {
        cli_unknown_size(&config, size_name, &err);
        config_free(&config);
        return cli_fail(&err);
    }
    char *root = xasprintf("%s/%s", out, size->name);
    struct report report = {0};
    report.tier = xstrdup(size->name);
    double start = monotonic_seconds();
    struct pki_paths paths;
    pki_paths_resolve(&config.pki, pki_dir, &paths);
    char *published = xasprintf("%s/keys/gpg-signing.asc", root);
    const char *public_key = path_exists(paths.gpg_public) ? paths.gpg_public : published;
    int rc = verify_run(&generator_registry, root, size, public_key, &report, &err);
    free(published);
    pki_paths_free(&paths);
    report.seconds = monotonic_seconds() - start;
    if (rc == AG_OK) {
        for (size_t i = 0; i < report.count && !quiet; i++) {
            const struct check_result *r = &report.results[i];
            printf("%s %-6s %s%s%s\n", r->status == CHECK_PASS ? "pass" : "FAIL", r->group, r->name,
                   r->message[0] ? ": " : "", r->message);
        }
        if (json_path && (mkdir_for_file(json_path, &err) != AG_OK ||
                          report_write_json(&report, json_path, &err) != AG_OK))
            rc = err.status;
        if (rc == AG_OK && junit_path &&
            (mkdir_for_file(junit_path, &err) != AG_OK ||
             report_write_junit(&report, junit_path, &err) != AG_OK))
            rc = err.status;
    }
    if (rc == AG_OK) {
        printf("%zu passed, %zu failed\n", report_count(&report, CHECK_PASS),
               report_count(&report, CHECK_FAIL));
        if (report.count == 0)
            fprintf(stderr, "assetgen: %s/manifest.json lists no artifacts\n", root);
        rc = report_count(&report, CHECK_FAIL) > 0 || report.count == 0 ? AG_FAIL : AG_OK;
    } else {
        cli_fail(&err);
    }
    report_free(&report);
    free(root);
    config_free(&config);
    return rc;
}
