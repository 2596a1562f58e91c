#include <criterion/criterion.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fsutil.h"
#include "common/pki.h"
#include "support.h"

static const struct pki_config default_config = {
    .dir = ".pki",
    .ca_key_path = "ca.key",
    .ca_cert_path = "ca.crt",
    .server_key_path = "server.key",
    .server_cert_path = "server.crt",
    .gpg_public_key_path = "gpg-signing.pub",
};

/* A PKI directory inside a fresh temporary one; nothing is written. */
static char *pki_dir(struct pki_paths *p)
{
    char *tmp = make_tmpdir("pki");
    char *dir = xasprintf("%s/pki", tmp);
    pki_paths_resolve(&default_config, dir, p);
    free(dir);
    return tmp;
}

Test(pki, paths_resolve_relative_names_in_the_directory_and_keep_absolute_ones)
{
    struct pki_config config = default_config;
    config.ca_cert_path = "/etc/ssl/ca.crt";
    config.gpg_public_key_path = "keys/release.pub";
    struct pki_paths p;
    pki_paths_resolve(&config, "/srv/pki", &p);
    cr_assert_str_eq(p.dir, "/srv/pki");
    cr_assert_str_eq(p.ca_key, "/srv/pki/ca.key");
    cr_assert_str_eq(p.ca_cert, "/etc/ssl/ca.crt");
    cr_assert_str_eq(p.server_cert, "/srv/pki/server.crt");
    cr_assert_str_eq(p.gpg_public, "/srv/pki/keys/release.pub");
    cr_assert_str_eq(p.gpg_key, "/srv/pki/keys/release.key", "the secret key sits beside .pub");
    cr_assert_str_eq(p.registry_key, "/srv/pki/registry-signing.key");
    pki_paths_free(&p);

    config.gpg_public_key_path = "release.asc";
    pki_paths_resolve(&config, NULL, &p);
    cr_assert_str_eq(p.dir, ".pki", "without a directory the configured one is used");
    cr_assert_str_eq(p.gpg_key, ".pki/gpg-signing.key");
    pki_paths_free(&p);
}

Test(pki, key_algorithm_accepts_only_the_three_documented_types)
{
    cr_assert_str_eq(pki_key_algorithm("rsa3072"), "rsa3072");
    cr_assert_str_eq(pki_key_algorithm("rsa4096"), "rsa4096");
    cr_assert_str_eq(pki_key_algorithm("ed25519"), "ed25519");
    cr_assert_null(pki_key_algorithm("rsa2048"));
    cr_assert_null(pki_key_algorithm("RSA3072"));
    cr_assert_null(pki_key_algorithm(""));
}

Test(pki, unknown_key_type_is_a_usage_error_naming_the_valid_ones)
{
    struct pki_paths p;
    char *tmp = pki_dir(&p);
    char fingerprint[OPENPGP_FPR_MAX] = "";
    struct ag_error err = {0};
    cr_assert_eq(pki_init(&p, "dsa1024", 1, fingerprint, &err), AG_USAGE);
    cr_assert(strstr(err.message, "'dsa1024'") != NULL, "%s", err.message);
    cr_assert(strstr(err.message, "rsa3072") != NULL, "%s", err.message);
    cr_assert(strstr(err.message, "rsa4096") != NULL, "%s", err.message);
    cr_assert(strstr(err.message, "ed25519") != NULL, "%s", err.message);
    cr_assert_not(path_exists(p.dir), "nothing is written for a bad key type");
    pki_paths_free(&p);
    remove_tree(tmp);
    free(tmp);
}

/* pki_init without force over a directory holding only the file rel. */
static void expect_refusal(const char *rel)
{
    struct pki_paths p;
    char *tmp = pki_dir(&p);
    write_file(p.dir, rel, "keep me\n", 0644);
    char *kept = xasprintf("%s/%s", p.dir, rel);
    char fingerprint[OPENPGP_FPR_MAX] = "";
    struct ag_error err = {0};
    cr_assert_eq(pki_init(&p, "ed25519", 0, fingerprint, &err), AG_USAGE, "%s: %s", rel,
                 err.message);
    cr_assert(strstr(err.message, kept) != NULL, "the message names %s: %s", kept, err.message);
    cr_assert(strstr(err.message, "--force") != NULL, "%s", err.message);
    char *data = slurp(kept, NULL);
    cr_assert_str_eq(data, "keep me\n", "%s was replaced", rel);
    char names[256];
    cr_assert_eq(list_dir(p.dir, names, sizeof names), 1u, "written anyway: %s", names);
    free(data);
    free(kept);
    pki_paths_free(&p);
    remove_tree(tmp);
    free(tmp);
}

Test(pki, init_without_force_refuses_to_replace_an_existing_certificate_or_key)
{
    expect_refusal("server.crt");
    expect_refusal("ca.key");
    expect_refusal("gpg-signing.pub");
}

Test(pki, init_without_force_refuses_to_replace_an_existing_registry_key)
{
    expect_refusal("registry-signing.key");
    expect_refusal("registry-signing.pub");
}

Test(pki, init_with_force_replaces_every_file_with_a_fresh_key)
{
    struct pki_paths p;
    char *tmp = pki_dir(&p);
    const char *rels[] = {
        "ca.key",          "ca.crt",          "server.key",           "server.crt",
        "gpg-signing.key", "gpg-signing.pub", "registry-signing.key", "registry-signing.pub",
        ".gitignore"};
    for (size_t i = 0; i < sizeof rels / sizeof rels[0]; i++)
        write_file(p.dir, rels[i], "old\n", 0644);
    char fingerprint[OPENPGP_FPR_MAX] = "";
    struct ag_error err = {0};
    cr_assert_eq(pki_init(&p, "ed25519", 1, fingerprint, &err), AG_OK, "%s", err.message);
    cr_assert_eq(strlen(fingerprint), 40u, "fingerprint '%s'", fingerprint);
    for (size_t i = 0; fingerprint[i] != '\0'; i++)
        cr_assert(isxdigit((unsigned char)fingerprint[i]), "fingerprint '%s'", fingerprint);
    for (size_t i = 0; i < sizeof rels / sizeof rels[0]; i++) {
        char *path = xasprintf("%s/%s", p.dir, rels[i]);
        char *data = slurp(path, NULL);
        cr_assert_str_neq(data, "old\n", "%s was kept", rels[i]);
        if (rels[i][0] != '.')
            cr_assert_eq(strncmp(data, "-----BEGIN ", 11), 0, "%s is not PEM", rels[i]);
        struct stat st;
        cr_assert_eq(stat(path, &st), 0);
        unsigned want = strstr(rels[i], ".key") != NULL ? 0600u : 0644u;
        cr_assert_eq(st.st_mode & 07777, want, "%s is %o", rels[i], st.st_mode & 07777);
        free(data);
        free(path);
    }
    cr_assert(pki_has_signing_key(&p));
    pki_paths_free(&p);
    remove_tree(tmp);
    free(tmp);
}

Test(pki, gitignore_lists_every_private_key)
{
    struct pki_paths p;
    shared_pki(&p);
    char *path = xasprintf("%s/.gitignore", p.dir);
    char *data = slurp(path, NULL);
    int found = 0;
    for (char *line = strtok(data, "\n"); line != NULL; line = strtok(NULL, "\n"))
        found |= strcmp(line, "*.key") == 0;
    cr_assert(found, ".gitignore has no '*.key' line");
    /* Every private key matches the pattern; no public file does. */
    const char *keys[] = {p.ca_key, p.server_key, p.gpg_key, p.registry_key};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        size_t n = strlen(keys[i]);
        cr_assert(n > 4 && strcmp(keys[i] + n - 4, ".key") == 0, "%s is not *.key", keys[i]);
    }
    cr_assert_null(strstr(p.ca_cert, ".key"));
    cr_assert_null(strstr(p.gpg_public, ".key"));
    free(data);
    free(path);
    pki_paths_free(&p);
}

Test(pki, has_signing_key_needs_the_secret_export_not_the_public_key)
{
    struct pki_paths p;
    char *tmp = pki_dir(&p);
    cr_assert_not(pki_has_signing_key(&p));
    write_file(p.dir, "gpg-signing.pub", "public\n", 0644);
    cr_assert_not(pki_has_signing_key(&p), "a public key alone cannot sign");
    write_file(p.dir, "gpg-signing.key", "secret\n", 0600);
    cr_assert(pki_has_signing_key(&p));
    pki_paths_free(&p);
    remove_tree(tmp);
    free(tmp);
}
