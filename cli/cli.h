#ifndef ASSETGEN_CLI_H
#define ASSETGEN_CLI_H

#include <getopt.h>

#include "common/config.h"
#include "common/error.h"

/* One subcommand: a row of the command table in main.c. */
struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

int cmd_generate(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_pki(int argc, char **argv);

/* Loads --config, else ./assetgen.yaml, else the installed default. */
int cli_load_config(const char *path, struct config *config, struct ag_error *err);
/* Adds the package sets of a --set-file to the configuration's. */
int cli_add_set_file(struct config *config, const char *path, struct ag_error *err);
/* Prints "assetgen: <message>" and returns the error's exit status. */
int cli_fail(const struct ag_error *err);
/* Usage error for an option: prints and returns 2. */
int cli_usage(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parses a non-negative integer option value. */
int cli_parse_uint(const char *command, const char *option, const char *text,
                   unsigned long long max, unsigned long long *out);
/* The usage error for getopt_long's answer c (':' or '?') on arg: an
 * option missing its value, one given a value it does not take, or an
 * unknown option with the nearest known one. */
int cli_bad_option(const char *command, const struct option *options, int c, const char *arg);
/* A usage error naming a size tier that is not defined, listing those that are. */
int cli_unknown_size(const struct config *config, const char *name, struct ag_error *err);

#endif
