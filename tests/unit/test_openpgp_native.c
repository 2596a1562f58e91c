#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/digest.h"
#include "common/fsutil.h"
#include "common/openpgp.h"
#include "common/openpgp_native.h"
#include "common/pki.h"
#include "support.h"

/* gpg's own detached signature of path at epoch, made in a scratch home
 * with the pinned settings the signer uses. */
static char *gpg_signature(const char *key_path, const char *path, int64_t epoch, size_t *len)
{
    char *home = make_tmpdir("gpg-ref");
    char *conf = xasprintf("faked-system-time %lld!\ndigest-algo SHA256\n"
                           "personal-digest-preferences SHA256\nno-emit-version\nno-comments\n"
                           "batch\n",
                           (long long)epoch);
    write_file(home, "gpg.conf", conf, 0600);
    free(conf);
    char *cmd = xasprintf("gpg --homedir '%s' --batch --quiet --import '%s' 2>/dev/null && "
                          "gpg --homedir '%s' --batch --yes --armor --detach-sign --output "
                          "'%s/ref.asc' '%s' 2>/dev/null; gpgconf --homedir '%s' --kill all",
                          home, key_path, home, home, path, home);
    cr_assert_eq(system(cmd), 0, "gpg could not sign: %s", cmd);
    free(cmd);
    char *ref = xasprintf("%s/ref.asc", home);
    char *text = NULL;
    struct ag_error err = {0};
    cr_assert_eq(read_file(ref, &text, len, &err), AG_OK, "%s", err.message);
    free(ref);
    remove_tree(home);
    free(home);
    return text;
}

static struct native_signer *load_native(const struct pki_paths *pki, int64_t epoch)
{
    struct signer *signer = NULL;
    struct ag_error err = {0};
    cr_assert_eq(signer_open(&signer, pki->gpg_key, epoch, &err), AG_OK, "%s", err.message);
    struct native_signer *native = NULL;
    cr_assert_eq(native_signer_load(pki->gpg_key, signer_fingerprint(signer), epoch, &native, &err),
                 AG_OK, "%s", err.message);
    signer_close(signer);
    return native;
}

Test(openpgp_native, signs_byte_for_byte_as_gpg_does)
{
    struct pki_paths pki;
    shared_pki(&pki);
    char *dir = make_tmpdir("native");
    write_file(dir, "data.bin", "assetgen signed payload\n", 0644);
    char *data = xasprintf("%s/data.bin", dir);
    struct native_signer *native = load_native(&pki, 1700000000);
    cr_assert_not_null(native, "the PKI's RSA key is one native signing serves");
    char *sig = NULL;
    size_t len = 0;
    struct ag_error err = {0};
    cr_assert_eq(native_sign_file(native, data, &sig, &len, &err), AG_OK, "%s", err.message);
    size_t ref_len = 0;
    char *ref = gpg_signature(pki.gpg_key, data, 1700000000, &ref_len);
    cr_assert_eq(len, ref_len, "lengths differ:\n%s\n%s", sig, ref);
    cr_assert(memcmp(sig, ref, len) == 0, "bytes differ:\n%s\n%s", sig, ref);
    /* From the SHA-256 state of the bytes, as a run signs its files. */
    struct digest_set set;
    cr_assert_eq(digest_set_init(&set, DIGEST_BIT(DIGEST_SHA256), &err), AG_OK);
    digest_set_update(&set, "assetgen signed payload\n", 24);
    struct digest_state *state = digest_set_snapshot(&set, DIGEST_SHA256);
    cr_assert_not_null(state);
    char *from_state = NULL;
    size_t state_len = 0;
    cr_assert_eq(native_sign_state(native, state, &from_state, &state_len, &err), AG_OK, "%s",
                 err.message);
    cr_assert(state_len == len && memcmp(from_state, sig, len) == 0,
              "signing from the state differs:\n%s\n%s", from_state, sig);
    free(from_state);
    digest_state_free(state);
    digest_set_free(&set);
    free(ref);
    free(sig);
    native_signer_free(native);
    free(data);
    remove_tree(dir);
    free(dir);
    pki_paths_free(&pki);
}

Test(openpgp_native, leaves_other_fingerprints_and_keys_to_gpg)
{
    struct pki_paths pki;
    shared_pki(&pki);
    struct native_signer *native = NULL;
    struct ag_error err = {0};
    cr_assert_eq(native_signer_load(pki.gpg_key, "0000000000000000000000000000000000000000",
                                    1700000000, &native, &err),
                 AG_OK, "%s", err.message);
    cr_assert_null(native, "a key of another fingerprint was taken");
    char *dir = make_tmpdir("native");
    write_file(dir, "not-a-key.asc",
               "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nAAAA\n=AAAA\n"
               "-----END PGP PRIVATE KEY BLOCK-----\n",
               0600);
    char *path = xasprintf("%s/not-a-key.asc", dir);
    cr_assert_eq(native_signer_load(path, "X", 1700000000, &native, &err), AG_OK, "%s",
                 err.message);
    cr_assert_null(native);
    free(path);
    remove_tree(dir);
    free(dir);
    pki_paths_free(&pki);
}
