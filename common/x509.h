#ifndef ASSETGEN_X509_H
#define ASSETGEN_X509_H

#include "common/error.h"

/* Writes a self-signed CA (key + certificate) and a server key and
 * certificate it signs, with subjectAltName DNS:localhost, IP:127.0.0.1,
 * IP:::1. Keys are RSA-3072 (or RSA-4096 when bits says so), PEM, mode
 * 0600; certificates PEM, mode 0644. Files are written atomically. */
struct x509_request {
    const char *ca_key_path;
    const char *ca_cert_path;
    const char *server_key_path;
    const char *server_cert_path;
    int bits;
};

int x509_create_ca_and_server(const struct x509_request *req, struct ag_error *err);

/* A regular file holding a PEM certificate of a CA (usage error
 * otherwise): what is published for clients to trust must be one. */
int x509_check_ca_certificate(const char *path, struct ag_error *err);

#endif
