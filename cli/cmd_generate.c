#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/generate_run.h"
#include "common/openpgp.h"
#include "common/pki.h"
#include "common/suggest.h"
#include "common/units.h"
#include "common/x509.h"
#include "generators/registry.h"

static const char generate_help[] =
    "usage: assetgen generate [--format F[,F..] | --profile P] [--size TIER] [--out DIR]\n"
    "                         [--config FILE] [--seed N] [--count N] [--name NAME]\n"
    "                         [--pkg-version V] [--base-url URL] [--jobs N] [--no-sign]\n"
    "                         [--pki DIR] [--defects] [--package-field [F.]KEY=VALUE]..\n"
    "                         [--lock-timeout SECONDS] [--set NAME] [--set-file FILE]\n"
    "                         [--plain-names]\n"
    "                         [--quiet | --progress]\n\n"
    "Writes packages, each format's repository metadata, client settings and\n"
    "out/<size>/manifest.json. Without --format or --profile, the smoke profile's formats.\n\n"
    "  --format F[,F..]  formats to generate (assetgen list formats)\n"
    "  --profile P       a profile of assetgen.yaml (assetgen list profiles); 'all' = every "
    "format\n"
    "  --size TIER       size tier (assetgen list sizes; default from assetgen.yaml)\n"
    "  --out DIR         output root; files go to DIR/<size>/ (default: out)\n"
    "  --config FILE     configuration (default: ./assetgen.yaml, else the installed one)\n"
    "  --seed N          seed of the data stream (default from assetgen.yaml)\n"
    "  --count N         packages per format, named NAME-1 .. NAME-N (default 1, at most\n"
    "                    10000)\n"
    "  --name NAME       package name instead of the template's, used as given\n"
    "  --pkg-version V   package version instead of the template's\n"
    "  --base-url URL    where DIR/<size>/ will be served (default http://127.0.0.1:8080/)\n"
    "  --jobs N          packages generated in parallel (default: number of cores)\n"
    "  --no-sign         write no signatures\n"
    "  --defects         also write every known-bad variant (assetgen list defects) as\n"
    "                    NAME-<defect>, listed with expect: reject\n"
    "  --package-field [F.]KEY=VALUE\n"
    "                    a package option of the formats that declare KEY, or of format F\n"
    "                    alone (assetgen list fields); may be repeated\n"
    "  --lock-timeout S  give up after S seconds waiting for another run's lock on the\n"
    "                    output (default: wait; the holder is named once)\n"
    "  --set NAME        make the packages of a package set instead of the template's\n"
    "                    package (assetgen list sets); the manifest's sets.NAME says what\n"
    "                    each format's client should resolve\n"
    "  --set-file FILE   more package sets, from a file with a packageSets mapping\n"
    "  --plain-names     names as written; by default the configured and set names get\n"
    "                    -<size> appended, so every tier can go into one registry\n"
    "  --pki DIR         signing keys (default from assetgen.yaml, .pki; created if absent)\n"
    "  --quiet           print nothing but errors\n"
    "  --progress        a line per finished package even for the small tier or in a\n"
    "                    log (the bar of bytes written is drawn on a terminal only)\n"
    "SOURCE_DATE_EPOCH, when set, fixes every timestamp (default from assetgen.yaml).\n";

struct generate_args {
    const char *formats;
    const char *profile;
    const char *size;
    const char *out;
    const char *config;
    const char *name;
    const char *version;
    const char *base_url;
    const char *pki_dir;
    int no_sign;
    int have_seed;
    unsigned long long seed;
    unsigned long long count;
    unsigned long long jobs;
    int quiet;
    int progress;
    int defects;
    unsigned long long lock_timeout;
    const char *set;
    const char *set_file;
    int plain_names;
    struct package_field_value fields[32];
    size_t field_count;
};

/* --package-field [FORMAT.]KEY=VALUE: the key and value split in place. */
static int parse_field(struct generate_args *a, char *arg)
{
    char *eq = strchr(arg, '=');
    if (eq == NULL || eq == arg)
        return cli_usage("generate", "--package-field '%s' must be [FORMAT.]KEY=VALUE", arg);
    if (a->field_count == sizeof a->fields / sizeof a->fields[0])
        return cli_usage("generate", "--package-field given more than %zu times",
                         sizeof a->fields / sizeof a->fields[0]);
    *eq = '\0';
    for (size_t i = 0; i < a->field_count; i++)
        if (strcmp(a->fields[i].key, arg) == 0)
            return cli_usage("generate", "--package-field %s is given twice", arg);
    a->fields[a->field_count].key = arg;
    a->fields[a->field_count++].value = eq + 1;
    return AG_OK;
}

static int parse_args(int argc, char **argv, struct generate_args *a)
{
    static const struct option options[] = {
        {"format", required_argument, NULL, 'f'},
        {"profile", required_argument, NULL, 'p'},
        {"size", required_argument, NULL, 's'},
        {"out", required_argument, NULL, 'o'},
        {"config", required_argument, NULL, 'c'},
        {"seed", required_argument, NULL, 'S'},
        {"count", required_argument, NULL, 'n'},
        {"name", required_argument, NULL, 'N'},
        {"pkg-version", required_argument, NULL, 'V'},
        {"base-url", required_argument, NULL, 'u'},
        {"jobs", required_argument, NULL, 'j'},
        {"no-sign", no_argument, NULL, 'U'},
        {"quiet", no_argument, NULL, 'q'},
        {"progress", no_argument, NULL, 'P'},
        {"defects", no_argument, NULL, 'D'},
        {"help", no_argument, NULL, 'h'},
        {"pki", required_argument, NULL, 'K'},
        {"package-field", required_argument, NULL, 'F'},
        {"lock-timeout", required_argument, NULL, 'L'},
        {"set", required_argument, NULL, 'T'},
        {"set-file", required_argument, NULL, 'E'},
        {"plain-names", no_argument, NULL, 'R'},
        {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    a->out = "out";
    a->count = 1;
    a->jobs = (unsigned long long)sysconf(_SC_NPROCESSORS_ONLN);
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
        int rc = AG_OK;
        switch (c) {
        case 'f':
            a->formats = optarg;
            break;
        case 'p':
            a->profile = optarg;
            break;
        case 's':
            a->size = optarg;
            break;
        case 'o':
            a->out = optarg;
            break;
        case 'c':
            a->config = optarg;
            break;
        case 'N':
            a->name = optarg;
            break;
        case 'V':
            a->version = optarg;
            break;
        case 'u':
            a->base_url = optarg;
            break;
        case 'S':
            a->have_seed = 1;
            /* Every format can carry it: a JSON number is exact to 2^53. */
            rc = cli_parse_uint("generate", "--seed", optarg, (1ULL << 53) - 1, &a->seed);
            break;
        case 'n':
            /* 1,000 signed npm+pypi packages take about 7 s here: 10,000
             * is a run of minutes, and its staging of 30,000 files is
             * swept in seconds if it is killed. */
            rc = cli_parse_uint("generate", "--count", optarg, 10000, &a->count);
            break;
        case 'j':
            rc = cli_parse_uint("generate", "--jobs", optarg, 1024, &a->jobs);
            break;
        case 'U':
            a->no_sign = 1;
            break;
        case 'K':
            a->pki_dir = optarg;
            break;
        case 'F':
            rc = parse_field(a, optarg);
            break;
        case 'L':
            rc = cli_parse_uint("generate", "--lock-timeout", optarg, 86400, &a->lock_timeout);
            break;
        case 'q':
            a->quiet = 1;
            break;
        case 'T':
            a->set = optarg;
            break;
        case 'E':
            a->set_file = optarg;
            break;
        case 'R':
            a->plain_names = 1;
            break;
        case 'D':
            a->defects = 1;
            break;
        case 'P':
            a->progress = 1;
            break;
        case 'h':
            fputs(generate_help, stdout);
            return -1;
        default:
            return cli_bad_option("generate", options, c, argv[optind - 1]);
        }
        if (rc != AG_OK)
            return rc;
    }
    if (optind < argc)
        return cli_usage("generate", "unexpected argument '%s'", argv[optind]);
    if (a->formats && a->profile)
        return cli_usage("generate", "give --format or --profile, not both");
    if (a->count == 0)
        return cli_usage("generate", "--count must be at least 1");
    if (a->out[0] == '\0')
        return cli_usage("generate", "--out must name a directory, not be empty");
    if (a->quiet && a->progress)
        return cli_usage("generate", "give --quiet or --progress, not both");
    if (a->set && (a->name || a->version || a->count != 1 || a->defects))
        return cli_usage("generate",
                         "--set makes the set's own packages: it takes no --name, --pkg-version, "
                         "--count or --defects");
    if (a->set_file && a->set == NULL)
        return cli_usage("generate", "--set-file adds sets; say which to make with --set NAME");
    return AG_OK;
}

static int add_format(const char *name, const struct generator **list, size_t *n,
                      struct ag_error *err)
{
    const struct generator *gen = generator_table_find(&generator_registry, name);
    if (gen == NULL) {
        const char *names[64];
        size_t k = 0;
        for (size_t i = 0; i < generator_registry.count && k < 64; i++)
            names[k++] = generator_registry.items[i]->name;
        char hint[640];
        suggest_hint(name, names, k, hint, sizeof hint);
        return ag_error_set(err, AG_USAGE, "unknown format '%s'%s", name, hint);
    }
    for (size_t i = 0; i < *n; i++)
        if (list[i] == gen)
            return AG_OK;
    list[(*n)++] = gen;
    return AG_OK;
}

/* The formats to make: --format, a profile, or the smoke profiles. Formats
 * a profile names but this build lacks are reported, not silently dropped. */
static int choose_formats(const struct generate_args *a, const struct config *config,
                          const struct generator **list, size_t *n, struct ag_error *err)
{
    *n = 0;
    if (a->formats) {
        char *copy = xstrdup(a->formats);
        int rc = AG_OK;
        for (char *tok = strtok(copy, ","); tok && rc == AG_OK; tok = strtok(NULL, ","))
            rc = add_format(tok, list, n, err);
        free(copy);
        if (rc == AG_OK && *n == 0)
            rc = ag_error_set(err, AG_USAGE, "--format lists no format");
        return rc;
    }
    for (size_t p = 0; p < config->profile_count; p++) {
        const struct profile *prof = &config->profiles[p];
        int chosen = a->profile ? strcmp(prof->name, a->profile) == 0 : prof->is_smoke;
        for (size_t f = 0; chosen && f < prof->format_count; f++) {
            if (generator_table_find(&generator_registry, prof->formats[f]) == NULL)
                fprintf(stderr,
                        "assetgen: skip: format '%s' of profile '%s' has no generator "
                        "in this build\n",
                        prof->formats[f], prof->name);
            else
                add_format(prof->formats[f], list, n, err);
        }
    }
    if (a->profile && config_find_profile(config, a->profile) == NULL) {
        const char *names[64];
        size_t k = 0;
        for (size_t i = 0; i < config->profile_count && k < 64; i++)
            names[k++] = config->profiles[i].name;
        char hint[640];
        suggest_hint(a->profile, names, k, hint, sizeof hint);
        return ag_error_set(err, AG_USAGE, "unknown profile '%s'%s", a->profile, hint);
    }
    if (*n == 0)
        return ag_error_set(err, AG_USAGE, "the chosen profiles name no format this build has");
    return AG_OK;
}

/* What is published beside the assets must match what signs them: the
 * public key is the signing key's, the CA is a CA certificate. */
static int check_published_keys(const struct pki_paths *paths, struct signer *signer,
                                struct ag_error *err)
{
    if (signer_check_public_key(signer, paths->gpg_public, err) != AG_OK)
        return err->status;
    if (path_exists(paths->ca_cert))
        return x509_check_ca_certificate(paths->ca_cert, err);
    return AG_OK;
}

/* The signer of this run: the PKI's key, creating the PKI when the
 * directory does not exist at all. */
static int open_signer(const struct generate_args *a, const struct config *config, int64_t epoch,
                       struct pki_paths *paths, struct signer **signer, struct ag_error *err)
{
    *signer = NULL;
    pki_paths_resolve(&config->pki, a->pki_dir, paths);
    if (a->no_sign)
        return AG_OK;
    /* Checked before a PKI is created: a run that must fail writes nothing. */
    if (epoch < OPENPGP_KEY_CREATION_EPOCH)
        return ag_error_set(err, AG_USAGE,
                            "SOURCE_DATE_EPOCH %lld precedes the signing key's creation time "
                            "%d (2000-01-01); use a later time or --no-sign",
                            (long long)epoch, OPENPGP_KEY_CREATION_EPOCH);
    /* An OpenPGP signature time is 32 bits. */
    if ((unsigned long long)epoch > 4294967295ULL)
        return ag_error_set(err, AG_USAGE,
                            "SOURCE_DATE_EPOCH %lld is past 2106-02-07, the last time an OpenPGP "
                            "signature can carry; use an earlier time or --no-sign",
                            (long long)epoch);
    if (!pki_has_signing_key(paths)) {
        if (path_exists(paths->dir))
            return ag_error_set(err, AG_FAIL,
                                "%s has no signing key (%s); run 'assetgen pki init --dir %s "
                                "--force' or pass --no-sign",
                                paths->dir, paths->gpg_key, paths->dir);
        char fingerprint[OPENPGP_FPR_MAX];
        if (pki_init(paths, "rsa3072", 0, fingerprint, err) != AG_OK)
            return err->status;
        if (!a->quiet)
            fprintf(stderr, "assetgen: no PKI in %s; created one (OpenPGP key %s)\n", paths->dir,
                    fingerprint);
    }
    int have_registry_key = path_exists(paths->registry_key);
    if (pki_check_private_key(paths->gpg_key, err) != AG_OK ||
        (have_registry_key && pki_check_private_key(paths->registry_key, err) != AG_OK))
        return err->status;
    if (signer_open(signer, paths->gpg_key, epoch, err) != AG_OK)
        return err->status;
    if ((have_registry_key &&
         signer_use_registry_key(*signer, paths->registry_key, err) != AG_OK) ||
        check_published_keys(paths, *signer, err) != AG_OK) {
        signer_close(*signer);
        *signer = NULL;
        return err->status;
    }
    return AG_OK;
}

static int set_has_persona(const struct package_set *set, enum signer_persona persona)
{
    for (size_t k = 0; set && k < set->package_count; k++)
        for (size_t r = 0; r < set->packages[k].release_count; r++)
            if (set->packages[k].releases[r].signer == persona)
                return 1;
    return 0;
}

/* The second key of a signers set, and of the wrong-signer defects that
 * sign repository metadata with it: its own PKI beside the project's,
 * made on first use, and never published under keys/. */
static int open_wrong_signer(const struct generate_args *a, const struct config *config,
                             const struct pki_paths *project, int64_t epoch, struct signer **signer,
                             struct ag_error *err)
{
    struct pki_paths paths = {0};
    char *dir = xasprintf("%s/wrong-signer", project->dir);
    pki_paths_resolve(&config->pki, dir, &paths);
    free(dir);
    int rc = AG_OK;
    if (!pki_has_signing_key(&paths)) {
        char fingerprint[OPENPGP_FPR_MAX];
        rc = pki_init(&paths, "rsa3072", 1, fingerprint, err);
        if (rc == AG_OK && !a->quiet)
            fprintf(stderr,
                    "assetgen: created the wrong-signer key of the signers set in %s "
                    "(OpenPGP key %s)\n",
                    paths.dir, fingerprint);
    }
    if (rc == AG_OK)
        rc = pki_check_private_key(paths.gpg_key, err);
    if (rc == AG_OK)
        rc = signer_open(signer, paths.gpg_key, epoch, err);
    if (rc == AG_OK && path_exists(paths.registry_key) &&
        signer_use_registry_key(*signer, paths.registry_key, err) != AG_OK) {
        signer_close(*signer);
        *signer = NULL;
        rc = err->status;
    }
    pki_paths_free(&paths);
    return rc;
}

static void print_summary(const struct generate_plan *plan, const struct artifact_list *made)
{
    printf("%-62s %10s  %s\n", "artifact", "size", "sha256");
    for (size_t i = 0; i < made->count; i++) {
        char size[32];
        format_size(made->items[i].bytes, size, sizeof size);
        printf("%-62s %10s  %.12s\n", made->items[i].path, size, made->items[i].sha256);
    }
    printf("%zu artifacts in %s/ (manifest.json updated)\n", made->count, plan->out_root);
}

int cmd_generate(int argc, char **argv)
{
    struct generate_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != AG_OK)
        return rc < 0 ? 0 : rc;
    struct ag_error err = {0};
    struct config config;
    if (cli_load_config(a.config, &config, &err) != AG_OK)
        return cli_fail(&err);
    const struct package_set *set = NULL;
    if (a.set_file && cli_add_set_file(&config, a.set_file, &err) != AG_OK) {
        config_free(&config);
        return cli_fail(&err);
    }
    if (a.set && (set = package_set_find(&config.sets, a.set)) == NULL) {
        const char *names[64];
        size_t k = 0;
        for (size_t i = 0; i < config.sets.count && k < 64; i++)
            names[k++] = config.sets.items[i].name;
        char hint[640];
        suggest_hint(a.set, names, k, hint, sizeof hint);
        ag_error_set(&err, AG_USAGE, "unknown package set '%s'%s (assetgen list sets)", a.set,
                     hint);
        config_free(&config);
        return cli_fail(&err);
    }
    const char *size_name = a.size ? a.size : config.default_size;
    const struct size_tier *size = config_find_size(&config, size_name);
    const struct generator *gens[64];
    size_t ngens = 0;
    if (size == NULL)
        cli_unknown_size(&config, size_name, &err);
    else
        choose_formats(&a, &config, gens, &ngens, &err);
    int64_t epoch = config.source_date_epoch;
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (err.status == AG_OK && sde && *sde) {
        unsigned long long v;
        if (cli_parse_uint("generate", "SOURCE_DATE_EPOCH", sde, AG_EPOCH_MAX, &v) != AG_OK)
            err.status = AG_USAGE;
        else
            epoch = (int64_t)v;
    }
    struct generate_plan plan = {0};
    if (err.status == AG_OK) {
        struct generate_request req = {
            .config = &config,
            .out_dir = a.out,
            .size = size,
            .generators = gens,
            .generator_count = ngens,
            .seed = a.have_seed ? a.seed : config.seed,
            .epoch = epoch,
            .base_url = a.base_url ? a.base_url : config.base_url,
            .name = a.name,
            .version = a.version,
            .count = (unsigned)a.count,
            .defects = a.defects,
            .fields = a.fields,
            .field_count = a.field_count,
            .set = set,
            .plain_names = a.plain_names,
        };
        generate_plan_build(&req, &plan, &err);
    }
    struct pki_paths paths = {0};
    struct signer *signer = NULL, *wrong_signer = NULL;
    if (err.status == AG_OK && open_signer(&a, &config, epoch, &paths, &signer, &err) == AG_OK &&
        signer && (set_has_persona(set, PERSONA_WRONG_SIGNER) || a.defects))
        open_wrong_signer(&a, &config, &paths, epoch, &wrong_signer, &err);
    plan.wrong_signer = wrong_signer;
    if (err.status == AG_OK) {
        plan.signer = signer;
        plan.public_key_path = signer ? paths.gpg_public : NULL;
        plan.ca_cert_path = signer ? paths.ca_cert : NULL;
        /* Unsigned over HTTPS, a client still needs the test CA: published
         * when the PKI has one, checked first like any key read. */
        if (signer == NULL && strncmp(plan.base_url, "https:", 6) == 0 &&
            path_exists(paths.ca_cert) && x509_check_ca_certificate(paths.ca_cert, &err) == AG_OK)
            plan.ca_cert_path = paths.ca_cert;
        for (size_t i = 0; i < plan.count; i++)
            plan.packages[i].spec.signer = signer;
    }
    struct artifact_list made = {0};
    if (err.status == AG_OK) {
        /* On a terminal for the tiers with data (the small one is over
         * before a bar could tell anything), or when asked for. */
        int terminal = isatty(STDERR_FILENO);
        int shown = !a.quiet && (a.progress || (terminal && size->data_size > 0));
        struct progress_display display;
        progress_display_init(&display, stderr, shown, shown && terminal);
        struct generate_progress progress = progress_display_callbacks(&display);
        if (a.quiet)
            progress.lock_wait = NULL;
        plan.lock_timeout = (unsigned)a.lock_timeout;
        cleanup_register_hook(progress_display_interrupted, &display);
        generate_plan_run(&plan, (unsigned)a.jobs, "assetgen " ASSETGEN_VERSION, &progress, &made,
                          &err);
        cleanup_unregister_hook(progress_display_interrupted, &display);
        progress_display_finish(&display);
        if (err.status == AG_OK && !a.quiet)
            print_summary(&plan, &made);
    }
    int status = err.status;
    if (status != AG_OK && err.message[0])
        cli_fail(&err);
    artifact_list_free(&made);
    signer_close(wrong_signer);
    signer_close(signer);
    pki_paths_free(&paths);
    generate_plan_free(&plan);
    config_free(&config);
    return status;
}
