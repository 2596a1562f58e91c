#include "common/pki.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "common/ecdsa.h"
#include "common/fsutil.h"
#include "common/x509.h"

static char *in_dir(const char *dir, const char *path)
{
    return path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", dir, path);
}

void pki_paths_resolve(const struct pki_config *config, const char *dir, struct pki_paths *p)
{
    memset(p, 0, sizeof *p);
    p->dir = xstrdup(dir ? dir : config->dir);
    p->ca_key = in_dir(p->dir, config->ca_key_path);
    p->ca_cert = in_dir(p->dir, config->ca_cert_path);
    p->server_key = in_dir(p->dir, config->server_key_path);
    p->server_cert = in_dir(p->dir, config->server_cert_path);
    p->gpg_public = in_dir(p->dir, config->gpg_public_key_path);
    /* The secret export sits beside the public one: gpg-signing.pub -> .key */
    const char *pub = config->gpg_public_key_path;
    size_t n = strlen(pub);
    if (n > 4 && strcmp(pub + n - 4, ".pub") == 0) {
        char *key = xasprintf("%.*s.key", (int)(n - 4), pub);
        p->gpg_key = in_dir(p->dir, key);
        free(key);
    } else {
        p->gpg_key = in_dir(p->dir, "gpg-signing.key");
    }
    p->registry_key = in_dir(p->dir, "registry-signing.key");
    p->registry_public = in_dir(p->dir, "registry-signing.pub");
}

void pki_paths_free(struct pki_paths *p)
{
    free(p->dir);
    free(p->ca_key);
    free(p->ca_cert);
    free(p->server_key);
    free(p->server_cert);
    free(p->gpg_key);
    free(p->gpg_public);
    free(p->registry_key);
    free(p->registry_public);
    memset(p, 0, sizeof *p);
}

const char *pki_key_algorithm(const char *key_type)
{
    if (strcmp(key_type, "rsa3072") == 0 || strcmp(key_type, "rsa4096") == 0 ||
        strcmp(key_type, "ed25519") == 0)
        return key_type;
    return NULL;
}

int pki_has_signing_key(const struct pki_paths *paths)
{
    return access(paths->gpg_key, R_OK) == 0;
}

int pki_init(const struct pki_paths *p, const char *key_type, int force, char *fingerprint,
             struct ag_error *err)
{
    const char *algo = pki_key_algorithm(key_type);
    if (algo == NULL)
        return ag_error_set(err, AG_USAGE,
                            "unknown key type '%s' (valid: rsa3072, rsa4096, ed25519)", key_type);
    const char *files[] = {p->ca_key,  p->ca_cert,    p->server_key,   p->server_cert,
                           p->gpg_key, p->gpg_public, p->registry_key, p->registry_public};
    for (size_t i = 0; i < sizeof files / sizeof files[0] && !force; i++)
        if (path_exists(files[i]))
            return ag_error_set(err, AG_USAGE,
                                "%s already exists; pass --force to replace the PKI in %s",
                                files[i], p->dir);
    if (mkdir_parents(p->dir, err) != AG_OK)
        return err->status;
    chmod(p->dir, 0700);
    struct x509_request req = {p->ca_key, p->ca_cert, p->server_key, p->server_cert,
                               strcmp(key_type, "rsa4096") == 0 ? 4096 : 3072};
    if (x509_create_ca_and_server(&req, err) != AG_OK ||
        openpgp_create_key(algo, "assetgen test signing key <signing@assetgen.invalid>",
                           p->gpg_public, p->gpg_key, fingerprint, err) != AG_OK ||
        ecdsa_create_key(p->registry_key, p->registry_public, err) != AG_OK)
        return err->status;
    char *ignore_path = xasprintf("%s/.gitignore", p->dir);
    static const char ignore[] = "# private keys never leave this directory\n"
                                 "*.key\n";
    int rc = atomic_write_buffer(ignore_path, ignore, sizeof ignore - 1, err);
    free(ignore_path);
    return rc;
}

int pki_check_private_key(const char *path, struct ag_error *err)
{
    struct stat st;
    /* lstat: a key is read from a regular file only, never through a
     * FIFO (which would hang the run) or a device. */
    if (lstat(path, &st) != 0)
        return ag_error_set(err, AG_USAGE, "private key %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return ag_error_set(err, AG_USAGE, "private key %s is not a regular file", path);
    if (st.st_mode & 077)
        return ag_error_set(err, AG_USAGE,
                            "private key %s is readable or writable by others (mode %03o); "
                            "run 'chmod 600 %s'",
                            path, (unsigned)(st.st_mode & 0777), path);
    return AG_OK;
}
