#include "common/openpgp.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gpgme.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "common/cleanup.h"
#include "common/ecdsa.h"
#include "common/fsutil.h"
#include "common/openpgp_native.h"
#include "common/strbuf.h"
#include "common/units.h"

extern char **environ;

static pthread_once_t gpgme_once = PTHREAD_ONCE_INIT;
static int gpgme_ready;

static void gpgme_init(void)
{
    gpgme_ready = gpgme_check_version("1.10.0") != NULL &&
                  gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP) == GPG_ERR_NO_ERROR;
}

static int gpg_failed(const char *what, gpgme_error_t code, struct ag_error *err)
{
    return ag_error_set(err, AG_FAIL, "%s: %s", what, gpgme_strerror(code));
}

/* Stops the agent a home started, then removes the home. */
static void home_remove(void *arg)
{
    char *home = arg;
    char *argv[] = {"gpgconf", "--homedir", home, "--kill", "all", NULL};
    pid_t pid;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    if (posix_spawnp(&pid, "gpgconf", &actions, NULL, argv, environ) == 0)
        waitpid(pid, NULL, 0);
    posix_spawn_file_actions_destroy(&actions);
    /* The exiting agent unlinks its own sockets meanwhile; remove_tree
     * tolerates entries that vanish. */
    remove_tree(home);
}

/* A private GnuPG home, held (an flock on the directory) for as long as
 * it is in use, so no other run's sweep takes it, whatever pid namespace
 * either runs in. */
struct gpg_home {
    char *path;
    int hold;
};

static void home_destroy(struct gpg_home *home)
{
    if (home->path == NULL)
        return;
    cleanup_unregister_hook(home_remove, home->path);
    home_remove(home->path);
    if (home->hold >= 0)
        close(home->hold);
    free(home->path);
    home->path = NULL;
    home->hold = -1;
}

#define HOME_PREFIX "agpg-"

/* Homes of runs killed outright (SIGKILL) hold an imported secret key and
 * keep an agent running: stop and remove those whose process is gone. */
static void home_sweep_stale(void)
{
    DIR *d = opendir("/tmp");
    if (d == NULL)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, HOME_PREFIX, strlen(HOME_PREFIX)) != 0)
            continue;
        char *end = NULL;
        long pid = strtol(de->d_name + strlen(HOME_PREFIX), &end, 10);
        struct stat st;
        char *path = xasprintf("/tmp/%s", de->d_name);
        /* A live run holds its home: only an unheld one whose maker is
         * gone here, or that has sat a minute (a pid from another
         * namespace says nothing here), is taken. */
        int gone = end && *end == '-' && pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
            (gone || time(NULL) - st.st_mtime > 60)) {
            int hold = cleanup_hold_dir(path);
            if (hold >= 0) {
                home_remove(path);
                close(hold);
            }
        }
        free(path);
    }
    closedir(d);
}

/* A fresh 0700 home with a gpg.conf. A short path under /tmp: the agent's
 * socket path must fit in 108 bytes. The pid in the name lets a later run
 * tell a dead run's home from a live one's. */
static int home_create(struct gpg_home *home, const char *gpg_conf, struct ag_error *err)
{
    pthread_once(&gpgme_once, gpgme_init);
    if (!gpgme_ready)
        return ag_error_set(err, AG_FAIL,
                            "GPGME or the gpg engine is missing or too old "
                            "(install gnupg and libgpgme11)");
    home_sweep_stale();
    char tmpl[64];
    snprintf(tmpl, sizeof tmpl, "/tmp/" HOME_PREFIX "%ld-XXXXXX", (long)getpid());
    home->path = NULL;
    home->hold = -1;
    if (mkdtemp(tmpl) == NULL)
        return ag_error_set(err, AG_FAIL, "cannot create a GnuPG home in /tmp: %s",
                            strerror(errno));
    home->path = xstrdup(tmpl);
    home->hold = cleanup_hold_dir(home->path);
    cleanup_register_hook(home_remove, home->path);
    char *conf = xasprintf("%s/gpg.conf", home->path);
    int rc = home->hold >= 0
                 ? atomic_write_buffer(conf, gpg_conf, strlen(gpg_conf), err)
                 : ag_error_set(err, AG_FAIL, "cannot hold the GnuPG home %s", home->path);
    free(conf);
    if (rc != AG_OK)
        home_destroy(home);
    return rc;
}

static gpgme_error_t no_passphrase(void *hook, const char *uid_hint, const char *info, int prev_bad,
                                   int fd)
{
    (void)hook;
    (void)uid_hint;
    (void)info;
    (void)prev_bad;
    return gpgme_io_writen(fd, "\n", 1) == 0 ? 0 : gpgme_error_from_errno(errno);
}

static int context_new(gpgme_ctx_t *ctx, const char *home, struct ag_error *err)
{
    gpgme_error_t e = gpgme_new(ctx);
    if (e == 0)
        e = gpgme_set_protocol(*ctx, GPGME_PROTOCOL_OpenPGP);
    if (e == 0)
        e = gpgme_ctx_set_engine_info(*ctx, GPGME_PROTOCOL_OpenPGP, NULL, home);
    if (e == 0)
        e = gpgme_set_pinentry_mode(*ctx, GPGME_PINENTRY_MODE_LOOPBACK);
    if (e != 0)
        return gpg_failed("GPGME context", e, err);
    gpgme_set_passphrase_cb(*ctx, no_passphrase, NULL);
    gpgme_set_offline(*ctx, 1);
    return AG_OK;
}

static int export_key(gpgme_ctx_t ctx, const char *fpr, gpgme_export_mode_t mode, const char *path,
                      unsigned file_mode, struct ag_error *err)
{
    gpgme_data_t data;
    gpgme_data_new(&data);
    gpgme_set_armor(ctx, 1);
    gpgme_error_t e = gpgme_op_export(ctx, fpr, mode, data);
    size_t len = 0;
    char *bytes = gpgme_data_release_and_get_mem(data, &len);
    int rc = AG_OK;
    if (e != 0 || len == 0)
        rc = gpg_failed("exporting the OpenPGP key", e ? e : GPG_ERR_NO_DATA, err);
    else
        rc = atomic_write_mode(path, bytes, len, file_mode, err);
    gpgme_free(bytes);
    return rc;
}

int openpgp_create_key(const char *algo, const char *user_id, const char *pub_path,
                       const char *key_path, char *fingerprint, struct ag_error *err)
{
    char *conf = xasprintf("faked-system-time %d!\n", OPENPGP_KEY_CREATION_EPOCH);
    struct gpg_home home;
    int rc = home_create(&home, conf, err);
    free(conf);
    if (rc != AG_OK)
        return rc;
    gpgme_ctx_t ctx = NULL;
    rc = context_new(&ctx, home.path, err);
    if (rc == AG_OK) {
        gpgme_error_t e = gpgme_op_createkey(ctx, user_id, algo, 0, 0, NULL,
                                             GPGME_CREATE_SIGN | GPGME_CREATE_NOPASSWD |
                                                 GPGME_CREATE_NOEXPIRE | GPGME_CREATE_FORCE);
        gpgme_genkey_result_t result = e == 0 ? gpgme_op_genkey_result(ctx) : NULL;
        if (e != 0 || result == NULL || result->fpr == NULL) {
            rc = gpg_failed("creating the OpenPGP signing key", e, err);
        } else {
            snprintf(fingerprint, OPENPGP_FPR_MAX, "%s", result->fpr);
            rc = export_key(ctx, fingerprint, 0, pub_path, 0644, err);
            if (rc == AG_OK)
                rc = export_key(ctx, fingerprint, GPGME_EXPORT_MODE_SECRET, key_path, 0600, err);
        }
    }
    gpgme_release(ctx);
    home_destroy(&home);
    return rc;
}

/* Imports a key file into ctx's home and returns the first fingerprint. */
static int import_key(gpgme_ctx_t ctx, const char *path, char *fingerprint, struct ag_error *err)
{
    gpgme_data_t data;
    gpgme_error_t e = gpgme_data_new_from_file(&data, path, 1);
    if (e != 0)
        return ag_error_set(err, AG_FAIL, "cannot read OpenPGP key %s: %s", path,
                            gpgme_strerror(e));
    e = gpgme_op_import(ctx, data);
    gpgme_data_release(data);
    gpgme_import_result_t result = e == 0 ? gpgme_op_import_result(ctx) : NULL;
    if (result == NULL || result->imports == NULL || result->imports->fpr == NULL)
        return ag_error_set(err, AG_FAIL, "%s holds no usable OpenPGP key%s%s", path, e ? ": " : "",
                            e ? gpgme_strerror(e) : "");
    snprintf(fingerprint, OPENPGP_FPR_MAX, "%s", result->imports->fpr);
    return AG_OK;
}

struct signer {
    struct gpg_home home;
    gpgme_ctx_t ctx;
    pthread_mutex_t lock;
    char fingerprint[OPENPGP_FPR_MAX];
    struct ecdsa_key *registry_key; /* registry signatures (SIGN_REGISTRY), or NULL */
    char *gpg_path;                 /* the engine GPGME runs, run directly for files */
    struct native_signer *native;   /* in-process signing for this key, or NULL */
};

/* Whether the key can sign at the run's fixed time, said in words a user
 * can act on before anything is generated. */
static int signer_check_key(gpgme_key_t key, const char *key_path, int64_t epoch,
                            struct ag_error *err)
{
    /* gpg signs with the newest subkey valid at its clock: the key is
     * fine if any signing subkey is valid at the epoch. Otherwise the
     * message names the nearest miss. */
    gpgme_subkey_t earliest = NULL, latest_expired = NULL;
    for (gpgme_subkey_t sub = key->subkeys; sub; sub = sub->next) {
        if (!sub->can_sign || sub->revoked || sub->disabled)
            continue;
        int born = sub->timestamp <= epoch;
        int alive = sub->expires == 0 || sub->expires > epoch;
        if (born && alive)
            return key->revoked
                       ? ag_error_set(err, AG_FAIL, "the signing key in %s is revoked", key_path)
                       : AG_OK;
        if (!born && (earliest == NULL || sub->timestamp < earliest->timestamp))
            earliest = sub;
        if (born && (latest_expired == NULL || sub->expires > latest_expired->expires))
            latest_expired = sub;
    }
    char when[40], at[40];
    format_utc_readable(epoch, at, sizeof at);
    if (key->revoked)
        return ag_error_set(err, AG_FAIL, "the signing key in %s is revoked", key_path);
    if (latest_expired != NULL) {
        format_utc_readable(latest_expired->expires, when, sizeof when);
        return ag_error_set(err, AG_FAIL,
                            "the signing key in %s expired %s, before SOURCE_DATE_EPOCH (%s); "
                            "extend it (gpg --quick-set-expire) or make a new one with "
                            "'assetgen pki init --force'",
                            key_path, when, at);
    }
    if (earliest != NULL) {
        format_utc_readable(earliest->timestamp, when, sizeof when);
        return ag_error_set(err, AG_USAGE,
                            "the signing key in %s was created %s, after SOURCE_DATE_EPOCH "
                            "%lld (%s); signatures cannot predate their key: set a later "
                            "SOURCE_DATE_EPOCH or use a key made by 'assetgen pki init' (dated "
                            "2000-01-01)",
                            key_path, when, (long long)epoch, at);
    }
    return ag_error_set(err, AG_FAIL, "the key in %s has no subkey that can sign", key_path);
}

/* One signature of nothing, so a key that cannot sign unattended fails
 * here, before any artifact is made. */
static int signer_probe(struct signer *s, const char *key_path, struct ag_error *err)
{
    gpgme_data_t in, sig;
    gpgme_data_new_from_mem(&in, "", 0, 0);
    gpgme_data_new(&sig);
    gpgme_error_t e = gpgme_op_sign(s->ctx, in, sig, GPGME_SIG_MODE_DETACH);
    gpgme_data_release(in);
    gpgme_data_release(sig);
    switch (gpgme_err_code(e)) {
    case GPG_ERR_NO_ERROR:
        return AG_OK;
    case GPG_ERR_NO_PASSPHRASE:
    case GPG_ERR_BAD_PASSPHRASE:
    case GPG_ERR_NO_PIN_ENTRY:
    case GPG_ERR_CANCELED:
        return ag_error_set(err, AG_FAIL,
                            "the signing key in %s is protected by a passphrase, and assetgen "
                            "signs unattended: export it without one (gpg --passwd, then an "
                            "empty passphrase) or make a new key with 'assetgen pki init --force'",
                            key_path);
    default:
        return ag_error_set(err, AG_FAIL, "the signing key in %s cannot sign: %s", key_path,
                            gpgme_strerror(e));
    }
}

int signer_open(struct signer **out, const char *key_path, int64_t epoch, struct ag_error *err)
{
    *out = NULL;
    if (access(key_path, R_OK) != 0)
        return ag_error_set(err, AG_FAIL, "signing key %s: %s", key_path, strerror(errno));
    /* The key is imported on the real clock, so that one made after the
     * run's fixed time can still be read and the problem named. */
    /* SHA-256: every verifier takes it (rpm and apt ask for at least
     * that), and on CPUs with SHA extensions it hashes a large file in
     * about half the time SHA-512 takes. */
    static const char common_conf[] = "digest-algo SHA256\npersonal-digest-preferences SHA256\n"
                                      "no-emit-version\nno-comments\nbatch\n";
    struct signer *s = calloc(1, sizeof *s);
    int rc = home_create(&s->home, common_conf, err);
    if (rc == AG_OK)
        rc = context_new(&s->ctx, s->home.path, err);
    if (rc == AG_OK)
        rc = import_key(s->ctx, key_path, s->fingerprint, err);
    gpgme_key_t key = NULL;
    if (rc == AG_OK) {
        gpgme_error_t e = gpgme_get_key(s->ctx, s->fingerprint, &key, 1);
        if (e != 0)
            rc = ag_error_set(err, AG_FAIL, "%s holds no secret signing key: %s", key_path,
                              gpgme_strerror(e));
    }
    if (rc == AG_OK)
        rc = signer_check_key(key, key_path, epoch, err);
    if (rc == AG_OK) {
        /* From here on a frozen clock and a pinned digest make the
         * signatures reproducible. */
        char *conf = xasprintf("faked-system-time %lld!\n%s", (long long)epoch, common_conf);
        char *conf_path = xasprintf("%s/gpg.conf", s->home.path);
        rc = atomic_write_buffer(conf_path, conf, strlen(conf), err);
        free(conf_path);
        free(conf);
    }
    if (rc == AG_OK) {
        gpgme_signers_add(s->ctx, key);
        gpgme_set_armor(s->ctx, 1);
        rc = signer_probe(s, key_path, err);
    }
    if (key)
        gpgme_key_unref(key);
    if (rc == AG_OK) {
        gpgme_engine_info_t engine = gpgme_ctx_get_engine_info(s->ctx);
        if (engine == NULL || engine->file_name == NULL)
            rc = ag_error_set(err, AG_FAIL, "GPGME names no gpg engine to sign with");
        else
            s->gpg_path = xstrdup(engine->file_name);
    }
    /* An unprotected RSA key is signed with here, not by a gpg process
     * per file; any other key is left to gpg. */
    if (rc == AG_OK)
        rc = native_signer_load(key_path, s->fingerprint, epoch, &s->native, err);
    if (rc == AG_OK) {
        pthread_mutex_init(&s->lock, NULL);
        *out = s;
        return AG_OK;
    }
    gpgme_release(s->ctx);
    home_destroy(&s->home);
    free(s);
    return rc;
}

const char *signer_fingerprint(const struct signer *signer)
{
    return signer->fingerprint;
}

static int check_sign_result(gpgme_ctx_t ctx, gpgme_error_t e, const char *what,
                             struct ag_error *err)
{
    gpgme_sign_result_t result = e == 0 ? gpgme_op_sign_result(ctx) : NULL;
    if (e != 0 || result == NULL || result->signatures == NULL || result->invalid_signers)
        return ag_error_set(err, AG_FAIL, "signing %s failed: %s", what,
                            e ? gpgme_strerror(e) : "the key cannot sign");
    return AG_OK;
}

/* A pipe no other child inherits (threads spawn at the same time). */
static int pipe_cloexec(int fds[2])
{
    if (pipe(fds) != 0)
        return -1;
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
}

/* Reads a child's stdout into *out and its stderr into diag (the tail
 * kept), until both close. */
static void read_child(int out_fd, int err_fd, struct strbuf *out, char *diag, size_t cap)
{
    struct pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    size_t diag_len = 0;
    char buf[4096];
    while (fds[0].fd >= 0 || fds[1].fd >= 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || fds[i].revents == 0)
                continue;
            ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
            } else if (i == 0) {
                strbuf_add(out, buf, (size_t)n);
            } else {
                size_t keep = (size_t)n < cap - 1 ? (size_t)n : cap - 1;
                if (diag_len + keep > cap - 1)
                    diag_len = 0;
                memcpy(diag + diag_len, buf + n - keep, keep);
                diag_len += keep;
                diag[diag_len] = '\0';
            }
        }
    }
}

/* gpg itself reads the file: GPGME would pump it through a pipe in
 * PIPE_BUF pieces, which costs more than the hashing. The home, its
 * gpg.conf (frozen clock, pinned digest) and the agent are the signer's,
 * so the bytes are those GPGME would get. Safe from several threads. */
int signer_sign_file(struct signer *signer, const char *path, const char *sig_path,
                     struct ag_error *err)
{
    if (signer->native != NULL) {
        char *sig = NULL;
        size_t len = 0;
        if (native_sign_file(signer->native, path, &sig, &len, err) != AG_OK)
            return err->status;
        int rc = atomic_write_buffer(sig_path, sig, len, err);
        free(sig);
        return rc;
    }
    if (access(path, R_OK) != 0)
        return ag_error_set(err, AG_FAIL, "cannot read %s: %s", path, strerror(errno));
    char *argv[] = {signer->gpg_path,
                    "--homedir",
                    signer->home.path,
                    "--batch",
                    "--no-tty",
                    "--yes",
                    "--local-user",
                    signer->fingerprint,
                    "--armor",
                    "--detach-sign",
                    "--output",
                    "-",
                    "--",
                    (char *)path,
                    NULL};
    int out_pipe[2], err_pipe[2];
    if (pipe_cloexec(out_pipe) != 0)
        return ag_error_set(err, AG_FAIL, "cannot sign %s: %s", path, strerror(errno));
    if (pipe_cloexec(err_pipe) != 0) {
        close(out_pipe[0]);
        close(out_pipe[1]);
        return ag_error_set(err, AG_FAIL, "cannot sign %s: %s", path, strerror(errno));
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    pid_t pid;
    int spawned = posix_spawn(&pid, signer->gpg_path, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out_pipe[1]);
    close(err_pipe[1]);
    struct strbuf sig = {0};
    char diag[512] = "";
    int status = -1;
    if (spawned == 0) {
        read_child(out_pipe[0], err_pipe[0], &sig, diag, sizeof diag);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
    } else {
        close(out_pipe[0]);
        close(err_pipe[0]);
    }
    int rc;
    if (spawned != 0)
        rc = ag_error_set(err, AG_FAIL, "signing %s failed: cannot run %s: %s", path,
                          signer->gpg_path, strerror(spawned));
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || sig.len == 0) {
        /* gpg's own words, on one line, without its note on the frozen
         * clock (which every run has). */
        char line_buf[sizeof diag] = "";
        for (char *save = NULL, *l = strtok_r(diag, "\n", &save); l;
             l = strtok_r(NULL, "\n", &save)) {
            if (strstr(l, "faked system time") != NULL)
                continue;
            size_t used = strlen(line_buf);
            snprintf(line_buf + used, sizeof line_buf - used, "%s%s", used ? "; " : "", l);
        }
        memcpy(diag, line_buf, sizeof diag);
        rc = ag_error_set(err, AG_FAIL, "signing %s failed: %s", path,
                          diag[0] ? diag : "gpg wrote no signature");
    } else
        rc = atomic_write_buffer(sig_path, sig.data, sig.len, err);
    strbuf_free(&sig);
    return rc;
}

int signer_sign_hashed(struct signer *signer, const char *path, const struct digest_state *sha256,
                       const char *sig_path, struct ag_error *err)
{
    if (signer->native == NULL || sha256 == NULL)
        return signer_sign_file(signer, path, sig_path, err);
    char *sig = NULL;
    size_t len = 0;
    if (native_sign_state(signer->native, sha256, &sig, &len, err) != AG_OK)
        return err->status;
    int rc = atomic_write_buffer(sig_path, sig, len, err);
    free(sig);
    return rc;
}

/* Signs data in one of GPGME's modes into a fresh NUL-terminated copy.
 * The context stays armored for every other caller: armor is switched
 * off only under the lock, for this call. */
static int sign_memory(struct signer *signer, const void *data, size_t len, gpgme_sig_mode_t mode,
                       int armored, const char *what, char **out, size_t *out_len,
                       struct ag_error *err)
{
    gpgme_data_t in, sig;
    gpgme_data_new_from_mem(&in, data, len, 0);
    gpgme_data_new(&sig);
    pthread_mutex_lock(&signer->lock);
    gpgme_set_armor(signer->ctx, armored ? 1 : 0);
    gpgme_error_t e = gpgme_op_sign(signer->ctx, in, sig, mode);
    gpgme_set_armor(signer->ctx, 1);
    int rc = check_sign_result(signer->ctx, e, what, err);
    pthread_mutex_unlock(&signer->lock);
    gpgme_data_release(in);
    size_t n = 0;
    char *bytes = gpgme_data_release_and_get_mem(sig, &n);
    if (rc == AG_OK) {
        *out = xmalloc(n + 1);
        memcpy(*out, bytes, n);
        (*out)[n] = '\0';
        *out_len = n;
    }
    gpgme_free(bytes);
    return rc;
}

int signer_clearsign(struct signer *signer, const char *text, size_t len, char **out,
                     size_t *out_len, struct ag_error *err)
{
    return sign_memory(signer, text, len, GPGME_SIG_MODE_CLEAR, 1, "a clear-signed document", out,
                       out_len, err);
}

int signer_sign_buffer(struct signer *signer, const void *data, size_t len, int armored, char **out,
                       size_t *out_len, struct ag_error *err)
{
    return sign_memory(signer, data, len, GPGME_SIG_MODE_DETACH, armored, "a detached signature",
                       out, out_len, err);
}

int signer_export_public(struct signer *signer, int armored, char **out, size_t *out_len,
                         struct ag_error *err)
{
    gpgme_data_t data;
    gpgme_data_new(&data);
    pthread_mutex_lock(&signer->lock);
    gpgme_set_armor(signer->ctx, armored ? 1 : 0);
    gpgme_error_t e = gpgme_op_export(signer->ctx, signer->fingerprint, 0, data);
    gpgme_set_armor(signer->ctx, 1);
    pthread_mutex_unlock(&signer->lock);
    size_t n = 0;
    char *bytes = gpgme_data_release_and_get_mem(data, &n);
    int rc = e != 0   ? gpg_failed("exporting the public key", e, err)
             : n == 0 ? ag_error_set(err, AG_FAIL, "exporting the public key gave no bytes")
                      : AG_OK;
    if (rc == AG_OK) {
        *out = xmalloc(n + 1);
        memcpy(*out, bytes, n);
        (*out)[n] = '\0';
        *out_len = n;
    }
    gpgme_free(bytes);
    return rc;
}

void signer_close(struct signer *signer)
{
    if (signer == NULL)
        return;
    gpgme_release(signer->ctx);
    free(signer->gpg_path);
    native_signer_free(signer->native);
    ecdsa_key_free(signer->registry_key);
    pthread_mutex_destroy(&signer->lock);
    home_destroy(&signer->home);
    free(signer);
}

int signer_use_registry_key(struct signer *signer, const char *key_path, struct ag_error *err)
{
    struct ecdsa_key *key = NULL;
    if (ecdsa_load_key(key_path, &key, err) != AG_OK) {
        /* Found before anything is written: the user's key to fix. */
        err->status = AG_USAGE;
        return ag_error_prefix(err, "registry key: ");
    }
    ecdsa_key_free(signer->registry_key);
    signer->registry_key = key;
    return AG_OK;
}

int signer_check_public_key(struct signer *signer, const char *pub_path, struct ag_error *err)
{
    struct stat st;
    if (lstat(pub_path, &st) != 0 || !S_ISREG(st.st_mode))
        return ag_error_set(err, AG_USAGE, "public key %s is missing or not a regular file",
                            pub_path);
    char fingerprint[OPENPGP_FPR_MAX];
    pthread_mutex_lock(&signer->lock);
    int rc = import_key(signer->ctx, pub_path, fingerprint, err);
    pthread_mutex_unlock(&signer->lock);
    if (rc != AG_OK) {
        err->status = AG_USAGE;
        return rc;
    }
    if (strcmp(fingerprint, signer->fingerprint) != 0)
        return ag_error_set(err, AG_USAGE,
                            "%s is key %s, but the signing key is %s: signatures would not "
                            "verify against the published key; export the signing key's public "
                            "half or run 'assetgen pki init --force'",
                            pub_path, fingerprint, signer->fingerprint);
    return AG_OK;
}

const struct ecdsa_key *signer_registry_key(const struct signer *signer)
{
    return signer ? signer->registry_key : NULL;
}

struct verifier {
    struct gpg_home home;
    gpgme_ctx_t ctx;
    char fingerprint[OPENPGP_FPR_MAX];
};

int verifier_open(struct verifier **out, const char *pub_path, struct ag_error *err)
{
    *out = NULL;
    struct verifier *v = calloc(1, sizeof *v);
    int rc = home_create(&v->home, "batch\n", err);
    if (rc == AG_OK)
        rc = context_new(&v->ctx, v->home.path, err);
    if (rc == AG_OK)
        rc = import_key(v->ctx, pub_path, v->fingerprint, err);
    if (rc == AG_OK) {
        *out = v;
        return AG_OK;
    }
    verifier_close(v);
    return rc;
}

const char *verifier_fingerprint(const struct verifier *verifier)
{
    return verifier->fingerprint;
}

int verifier_check_file(struct verifier *verifier, const char *path, const char *sig_path,
                        struct ag_error *err)
{
    gpgme_data_t sig, signed_data;
    gpgme_error_t e = gpgme_data_new_from_file(&sig, sig_path, 1);
    if (e != 0)
        return ag_error_set(err, AG_FAIL, "cannot read signature %s: %s", sig_path,
                            gpgme_strerror(e));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        gpgme_data_release(sig);
        return ag_error_set(err, AG_FAIL, "cannot read %s: %s", path, strerror(errno));
    }
    gpgme_data_new_from_fd(&signed_data, fd);
    e = gpgme_op_verify(verifier->ctx, sig, signed_data, NULL);
    gpgme_verify_result_t result = e == 0 ? gpgme_op_verify_result(verifier->ctx) : NULL;
    gpgme_signature_t s = result ? result->signatures : NULL;
    int rc = AG_OK;
    if (s == NULL)
        rc = ag_error_set(err, AG_FAIL, "%s: no signature found: %s", sig_path,
                          gpgme_strerror(e ? e : GPG_ERR_NO_DATA));
    else if (gpgme_err_code(s->status) != GPG_ERR_NO_ERROR)
        rc = ag_error_set(err, AG_FAIL, "%s: BAD signature of %s (%s)", sig_path, path,
                          gpgme_strerror(s->status));
    else if (s->fpr == NULL || strcmp(s->fpr, verifier->fingerprint) != 0)
        rc = ag_error_set(err, AG_FAIL, "%s: signed by %s, not by %s", sig_path,
                          s->fpr ? s->fpr : "an unknown key", verifier->fingerprint);
    gpgme_data_release(sig);
    gpgme_data_release(signed_data);
    close(fd);
    return rc;
}

void verifier_close(struct verifier *verifier)
{
    if (verifier == NULL)
        return;
    gpgme_release(verifier->ctx);
    home_destroy(&verifier->home);
    free(verifier);
}
