#include <criterion/criterion.h>
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/openpgp.h"
#include "common/pki.h"
#include "support.h"

#define EPOCH 1700000000

/* The run's shared PKI and a temporary directory holding data.txt. */
struct pgp_case {
    struct pki_paths pki;
    char *dir;
    char *data;
};

static void pgp_case_setup(struct pgp_case *c)
{
    shared_pki(&c->pki);
    c->dir = make_tmpdir("openpgp");
    write_file(c->dir, "data.txt", "assetgen signed payload\n", 0644);
    c->data = xasprintf("%s/data.txt", c->dir);
}

static void pgp_case_teardown(struct pgp_case *c)
{
    free(c->data);
    remove_tree(c->dir);
    free(c->dir);
    pki_paths_free(&c->pki);
}

static struct signer *open_signer(const char *key_path, int64_t epoch)
{
    struct signer *signer = NULL;
    struct ag_error err = {0};
    cr_assert_eq(signer_open(&signer, key_path, epoch, &err), AG_OK, "%s", err.message);
    cr_assert_not_null(signer);
    return signer;
}

/* Signs c->data with the PKI's key at epoch into dir/name; returns the path. */
static char *sign_data(const struct pgp_case *c, int64_t epoch, const char *name)
{
    struct signer *signer = open_signer(c->pki.gpg_key, epoch);
    char *sig = xasprintf("%s/%s", c->dir, name);
    struct ag_error err = {0};
    cr_assert_eq(signer_sign_file(signer, c->data, sig, &err), AG_OK, "%s", err.message);
    signer_close(signer);
    return sig;
}

static int check(const struct pgp_case *c, const char *sig, struct ag_error *err)
{
    struct verifier *verifier = NULL;
    cr_assert_eq(verifier_open(&verifier, c->pki.gpg_public, err), AG_OK, "%s", err->message);
    int rc = verifier_check_file(verifier, c->data, sig, err);
    verifier_close(verifier);
    return rc;
}

Test(openpgp, detached_signature_verifies_against_the_public_key)
{
    struct pgp_case c;
    pgp_case_setup(&c);
    char *sig = sign_data(&c, EPOCH, "data.txt.asc");
    char *text = slurp(sig, NULL);
    cr_assert_eq(strncmp(text, "-----BEGIN PGP SIGNATURE-----", 29), 0, "%s", text);
    struct ag_error err = {0};
    cr_assert_eq(check(&c, sig, &err), AG_OK, "%s", err.message);
    free(text);
    free(sig);
    pgp_case_teardown(&c);
}

Test(openpgp, one_changed_byte_in_the_signed_file_is_a_bad_signature)
{
    struct pgp_case c;
    pgp_case_setup(&c);
    char *sig = sign_data(&c, EPOCH, "data.txt.asc");
    /* "assetgen" becomes "bssetgen": same length, one byte different. */
    write_file(c.dir, "data.txt", "bssetgen signed payload\n", 0644);
    struct ag_error err = {0};
    cr_assert_eq(check(&c, sig, &err), AG_FAIL);
    cr_assert(strstr(err.message, "BAD") != NULL, "%s", err.message);
    free(sig);
    pgp_case_teardown(&c);
}

Test(openpgp, same_key_and_epoch_give_byte_identical_signatures)
{
    struct pgp_case c;
    pgp_case_setup(&c);
    char *a_path = sign_data(&c, EPOCH, "a.asc");
    char *b_path = sign_data(&c, EPOCH, "b.asc");
    size_t a_len = 0, b_len = 0;
    char *a = slurp(a_path, &a_len), *b = slurp(b_path, &b_len);
    cr_assert_eq(a_len, b_len);
    cr_assert_eq(memcmp(a, b, a_len), 0, "signatures differ:\n%s\n%s", a, b);
    free(a);
    free(b);
    free(a_path);
    free(b_path);
    pgp_case_teardown(&c);
}

Test(openpgp, another_epoch_gives_a_different_signature_that_still_verifies)
{
    struct pgp_case c;
    pgp_case_setup(&c);
    char *a_path = sign_data(&c, EPOCH, "a.asc");
    char *b_path = sign_data(&c, EPOCH + 1, "b.asc");
    size_t a_len = 0, b_len = 0;
    char *a = slurp(a_path, &a_len), *b = slurp(b_path, &b_len);
    cr_assert(a_len != b_len || memcmp(a, b, a_len) != 0, "the epoch is not in the signature");
    struct ag_error err = {0};
    cr_assert_eq(check(&c, b_path, &err), AG_OK, "%s", err.message);
    free(a);
    free(b);
    free(a_path);
    free(b_path);
    pgp_case_teardown(&c);
}

Test(openpgp, clearsign_makes_a_sha512_signed_message_around_the_text)
{
    struct pgp_case c;
    pgp_case_setup(&c);
    struct signer *signer = open_signer(c.pki.gpg_key, EPOCH);
    const char *text = "Origin: assetgen\nSuite: stable\n";
    char *out = NULL;
    size_t len = 0;
    struct ag_error err = {0};
    cr_assert_eq(signer_clearsign(signer, text, strlen(text), &out, &len, &err), AG_OK, "%s",
                 err.message);
    cr_assert_eq(strlen(out), len);
    cr_assert_eq(strncmp(out, "-----BEGIN PGP SIGNED MESSAGE-----\n", 35), 0, "%s", out);
    cr_assert(strstr(out, "\nHash: SHA256\n") != NULL, "%s", out);
    cr_assert(strstr(out, text) != NULL, "the text is not in the message:\n%s", out);
    cr_assert(strstr(out, "-----BEGIN PGP SIGNATURE-----") != NULL, "%s", out);
    free(out);
    signer_close(signer);
    pgp_case_teardown(&c);
}

Test(openpgp, signer_and_verifier_report_the_same_fingerprint)
{
    struct pgp_case c;
    pgp_case_setup(&c);
    struct signer *signer = open_signer(c.pki.gpg_key, EPOCH);
    struct verifier *verifier = NULL;
    struct ag_error err = {0};
    cr_assert_eq(verifier_open(&verifier, c.pki.gpg_public, &err), AG_OK, "%s", err.message);
    const char *fpr = signer_fingerprint(signer);
    cr_assert_eq(strlen(fpr), 40u, "fingerprint '%s'", fpr);
    for (size_t i = 0; fpr[i] != '\0'; i++)
        cr_assert(isxdigit((unsigned char)fpr[i]), "fingerprint '%s'", fpr);
    cr_assert_str_eq(fpr, verifier_fingerprint(verifier));
    verifier_close(verifier);
    signer_close(signer);
    pgp_case_teardown(&c);
}

Test(openpgp, signer_open_fails_for_a_missing_key_file_naming_it)
{
    struct tmp_file t;
    tmp_file_make(&t, "openpgp", "absent.key");
    struct signer *signer = NULL;
    struct ag_error err = {0};
    cr_assert_eq(signer_open(&signer, t.path, EPOCH, &err), AG_FAIL);
    cr_assert_null(signer);
    cr_assert(strstr(err.message, t.path) != NULL, "%s", err.message);
    cr_assert_eq(tmp_file_free(&t), 0);
}

Test(openpgp, signer_open_fails_for_a_file_holding_no_key)
{
    char *dir = make_tmpdir("openpgp");
    write_file(dir, "garbage.key", "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nnot a key\n", 0600);
    char *path = xasprintf("%s/garbage.key", dir);
    struct signer *signer = NULL;
    struct ag_error err = {0};
    cr_assert_eq(signer_open(&signer, path, EPOCH, &err), AG_FAIL);
    cr_assert_null(signer);
    cr_assert(strstr(err.message, path) != NULL, "%s", err.message);
    free(path);
    remove_tree(dir);
    free(dir);
}

Test(openpgp, signer_open_rejects_an_epoch_before_the_key_creation_time)
{
    struct pgp_case c;
    pgp_case_setup(&c);
    struct signer *signer = NULL;
    struct ag_error err = {0};
    cr_assert_eq(signer_open(&signer, c.pki.gpg_key, OPENPGP_KEY_CREATION_EPOCH - 1, &err),
                 AG_USAGE);
    cr_assert_null(signer);
    cr_assert(strstr(err.message, "946684799") != NULL, "%s", err.message);
    cr_assert(strstr(err.message, "created 2000-01-01 00:00:00 UTC") != NULL, "%s", err.message);
    /* The creation time itself is allowed. */
    signer_close(open_signer(c.pki.gpg_key, OPENPGP_KEY_CREATION_EPOCH));
    pgp_case_teardown(&c);
}

Test(openpgp, verifier_check_fails_for_a_missing_signature_naming_it)
{
    struct pgp_case c;
    pgp_case_setup(&c);
    char *sig = xasprintf("%s/absent.asc", c.dir);
    struct ag_error err = {0};
    cr_assert_eq(check(&c, sig, &err), AG_FAIL);
    cr_assert(strstr(err.message, sig) != NULL, "%s", err.message);
    free(sig);
    pgp_case_teardown(&c);
}

/* The GnuPG homes in /tmp, their names joined by '|'. */
static void list_homes(char *names, size_t cap)
{
    names[0] = '\0';
    DIR *d = opendir("/tmp");
    cr_assert_not_null(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t used = strlen(names), n = strlen(de->d_name);
        if (strncmp(de->d_name, "agpg-", 5) != 0)
            continue;
        cr_assert_lt(used + n + 1, cap, "too many GnuPG homes in /tmp");
        memcpy(names + used, de->d_name, n);
        strcpy(names + used + n, "|");
    }
    closedir(d);
}

/* 1 when /tmp/name is a signer home whose clock is frozen at marker: no
 * other test uses that epoch, so such a home is this test's own. */
static int home_of(const char *name, int64_t marker)
{
    char path[64], conf[512] = "", want[64];
    snprintf(path, sizeof path, "/tmp/%s/gpg.conf", name);
    snprintf(want, sizeof want, "faked-system-time %lld!", (long long)marker);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    size_t n = fread(conf, 1, sizeof conf - 1, f);
    conf[n] = '\0';
    fclose(f);
    return strstr(conf, want) != NULL;
}

/* The homes in after and not in before that belong to marker; returns how
 * many, the last one in found. */
static int new_homes_of(const char *before, const char *after, int64_t marker, char *found)
{
    int count = 0;
    char name[32];
    for (const char *p = after, *bar; (bar = strchr(p, '|')) != NULL; p = bar + 1) {
        snprintf(name, sizeof name, "%.*s", (int)(bar - p), p);
        char entry[40];
        snprintf(entry, sizeof entry, "%s|", name);
        if (strstr(before, entry) == NULL && home_of(name, marker)) {
            strcpy(found, name);
            count++;
        }
    }
    return count;
}

Test(openpgp, signer_close_removes_its_gnupg_home)
{
    const int64_t marker = 1111111111;
    struct pgp_case c;
    pgp_case_setup(&c);
    char before[4096], during[4096], after[4096], home[32] = "";
    list_homes(before, sizeof before);
    struct signer *signer = open_signer(c.pki.gpg_key, marker);
    list_homes(during, sizeof during);
    cr_assert_eq(new_homes_of(before, during, marker, home), 1, "homes: %s", during);
    char *sig = xasprintf("%s/data.txt.asc", c.dir);
    struct ag_error err = {0};
    cr_assert_eq(signer_sign_file(signer, c.data, sig, &err), AG_OK, "%s", err.message);
    signer_close(signer);
    char *path = xasprintf("/tmp/%s", home);
    cr_assert_not(path_exists(path), "%s remains after signer_close", path);
    list_homes(after, sizeof after);
    cr_assert_eq(new_homes_of(before, after, marker, home), 0, "homes: %s", after);
    free(path);
    free(sig);
    pgp_case_teardown(&c);
}

/* A home named for a pid that is gone here may still be a live run's in
 * another pid namespace: while it is held, no sweep takes it; once it is
 * let go, the next home made sweeps it. */
Test(openpgp, a_held_home_is_never_swept_an_unheld_dead_one_is)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/agpg-%ld-heldtest", dead_pid());
    remove_tree(path);
    cr_assert_eq(mkdir(path, 0700), 0);
    int hold = cleanup_hold_dir(path);
    cr_assert_geq(hold, 0);
    struct pgp_case c;
    pgp_case_setup(&c);
    struct signer *signer = open_signer(c.pki.gpg_key, 1700000000);
    signer_close(signer);
    cr_assert(path_is_dir(path), "a held home was swept");
    close(hold);
    signer = open_signer(c.pki.gpg_key, 1700000000);
    signer_close(signer);
    cr_assert_not(path_exists(path), "an unheld home of a dead pid was left");
    pgp_case_teardown(&c);
}

/* rpm's RSAHEADER holds a binary signature packet: the same bytes the
 * armored form carries, and a changed byte of the data fails it. */
Test(openpgp, a_binary_signature_of_a_buffer_verifies_and_a_changed_byte_fails_it)
{
    struct pgp_case c;
    pgp_case_setup(&c);
    static const char payload[] = "assetgen signed payload\n";
    struct signer *signer = open_signer(c.pki.gpg_key, EPOCH);
    char *sig = NULL, *armored = NULL;
    size_t sig_len = 0, armored_len = 0;
    struct ag_error err = {0};
    cr_assert_eq(signer_sign_buffer(signer, payload, sizeof payload - 1, 0, &sig, &sig_len, &err),
                 AG_OK, "%s", err.message);
    cr_assert_eq(
        signer_sign_buffer(signer, payload, sizeof payload - 1, 1, &armored, &armored_len, &err),
        AG_OK, "%s", err.message);
    signer_close(signer);
    /* A new-format or old-format signature packet (tag 2), not armor. */
    cr_assert(sig_len > 64);
    cr_assert((sig[0] & 0x80) != 0, "first byte 0x%02x is no packet tag", (unsigned char)sig[0]);
    cr_assert_eq(strncmp(armored, "-----BEGIN PGP SIGNATURE-----", 29), 0, "%s", armored);
    char *path = xasprintf("%s/data.txt.sig", c.dir);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(sig, 1, sig_len, f), sig_len);
    fclose(f);
    cr_assert_eq(check(&c, path, &err), AG_OK, "%s", err.message);
    write_file(c.dir, "data.txt", "bssetgen signed payload\n", 0644);
    cr_assert_eq(check(&c, path, &err), AG_FAIL);
    free(path);
    free(sig);
    free(armored);
    pgp_case_teardown(&c);
}

/* apt's Signed-By takes a binary keyring: the export must be one the
 * verifier reads as the signing key. */
Test(openpgp, the_binary_public_export_is_the_signing_key)
{
    struct pgp_case c;
    pgp_case_setup(&c);
    struct signer *signer = open_signer(c.pki.gpg_key, EPOCH);
    char *key = NULL;
    size_t len = 0;
    struct ag_error err = {0};
    cr_assert_eq(signer_export_public(signer, 0, &key, &len, &err), AG_OK, "%s", err.message);
    cr_assert((key[0] & 0x80) != 0, "first byte 0x%02x is no packet tag", (unsigned char)key[0]);
    cr_assert(len < 10 || strncmp(key, "-----BEGIN", 10) != 0);
    char *path = xasprintf("%s/keyring.gpg", c.dir);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(key, 1, len, f), len);
    fclose(f);
    struct verifier *verifier = NULL;
    cr_assert_eq(verifier_open(&verifier, path, &err), AG_OK, "%s", err.message);
    cr_assert_str_eq(verifier_fingerprint(verifier), signer_fingerprint(signer));
    verifier_close(verifier);
    signer_close(signer);
    free(path);
    free(key);
    pgp_case_teardown(&c);
}
