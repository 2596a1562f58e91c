#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/pki.h"

static const char pki_help[] =
    "usage: assetgen pki init [--dir DIR] [--key-type rsa3072|rsa4096|ed25519] [--force]\n"
    "                         [--config FILE]\n\n"
    "Writes the test PKI (default directory from assetgen.yaml, .pki):\n"
    "  ca.key ca.crt            a CA (OpenSSL), RSA, 10 years\n"
    "  server.key server.crt    a server certificate it signs, SAN localhost, 127.0.0.1, ::1\n"
    "  gpg-signing.key .pub     an OpenPGP signing key (GPGME), never expiring, unprotected\n"
    "  registry-signing.key .pub  an ECDSA P-256 key for npm registry signatures\n"
    "Private keys are mode 0600 and listed in the directory's .gitignore; nothing is\n"
    "written under out/. An existing PKI is kept unless --force.\n\n"
    "Key types: rsa3072 (default) is accepted by every verifier. ed25519 is refused by\n"
    "helm up to 3.21.3 (golang.org/x/crypto/openpgp: 'unsupported public key type');\n"
    "rpm 4.18 refuses ECDSA OpenPGP keys, which is why none is offered.\n";

int cmd_pki(int argc, char **argv)
{
    static const struct option options[] = {
        {"dir", required_argument, NULL, 'd'}, {"key-type", required_argument, NULL, 'k'},
        {"force", no_argument, NULL, 'f'},     {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0},
    };
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(pki_help, stdout);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "init") != 0)
        return cli_usage("pki", "expected the subcommand 'init'");
    const char *dir = NULL, *key_type = "rsa3072", *config_path = NULL;
    int force = 0, c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "", options, NULL)) != -1) {
        switch (c) {
        case 'd':
            dir = optarg;
            break;
        case 'k':
            key_type = optarg;
            break;
        case 'f':
            force = 1;
            break;
        case 'c':
            config_path = optarg;
            break;
        case 'h':
            fputs(pki_help, stdout);
            return 0;
        default:
            return cli_usage("pki", "unknown or incomplete option '%s'", argv[optind]);
        }
    }
    if (optind < argc - 1)
        return cli_usage("pki", "unexpected argument '%s'", argv[optind + 1]);
    if (pki_key_algorithm(key_type) == NULL)
        return cli_usage("pki", "unknown --key-type '%s' (valid: rsa3072, rsa4096, ed25519)",
                         key_type);
    struct ag_error err = {0};
    struct config config;
    if (cli_load_config(config_path, &config, &err) != AG_OK)
        return cli_fail(&err);
    struct pki_paths paths;
    pki_paths_resolve(&config.pki, dir, &paths);
    char fingerprint[OPENPGP_FPR_MAX] = "";
    int rc = pki_init(&paths, key_type, force, fingerprint, &err);
    if (rc == AG_OK)
        printf("PKI written to %s\nOpenPGP signing key (%s): %s\n", paths.dir, key_type,
               fingerprint);
    else
        cli_fail(&err);
    pki_paths_free(&paths);
    config_free(&config);
    return rc;
}
