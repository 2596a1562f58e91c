#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "common/suggest.h"

static const struct command commands[] = {
    {"generate", cmd_generate, "write packages, repository metadata and manifest.json"},
    {"verify", cmd_verify, "re-read out/<size>/ and check every artifact"},
    {"list", cmd_list, "print formats, profiles, sizes, tiers or defects"},
    {"pki", cmd_pki, "create the test CA, server certificate and signing keys"},
};

static void print_help(FILE *out)
{
    fprintf(out, "usage: assetgen COMMAND [OPTIONS]\n\n"
                 "Generates real, installable package test assets for package registries.\n\n"
                 "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'assetgen COMMAND --help' describes a command's options.\n"
                 "Exit status: 0 success, 1 generation or verification failure, 2 usage or "
                 "configuration error.\n");
}

int main(int argc, char **argv)
{
    /* Zip writers convert times through the local zone: pin it, and the
     * locale, so output never depends on the host. */
    setenv("TZ", "UTC", 1);
    tzset();
    setlocale(LC_ALL, "C");
    cleanup_install_signal_handlers();
    if (argc < 2) {
        fprintf(stderr, "assetgen: say which command to run: ");
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
            fprintf(stderr, "%s%s", i ? ", " : "", commands[i].name);
        fprintf(stderr, " (see 'assetgen --help')\n");
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        print_help(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("assetgen %s\n", ASSETGEN_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            int status = commands[i].run(argc - 1, argv + 1);
            cleanup_settle();
            return status;
        }
    }
    const char *names[sizeof commands / sizeof commands[0]];
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        names[i] = commands[i].name;
    char hint[640];
    suggest_hint(argv[1], names, sizeof names / sizeof names[0], hint, sizeof hint);
    fprintf(stderr, "assetgen: unknown command '%s'%s\n", argv[1], hint);
    return 2;
}
