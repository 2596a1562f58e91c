#!/usr/bin/env bash
# signer-loss: the signing key missing, unusable, behind a passphrase,
# expired or newer than SOURCE_DATE_EPOCH before the run, and the key
# vanishing from the signer's GnuPG home (agent killed) mid-run (with a key
# gpg signs with; an RSA key signs in-process once loaded).
# Expect: exit 1, a clean message, no artifact listed as signed without a
# signature, nothing partial, the previous manifest intact.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

out=$SCRATCH/out
"$BIN" generate --format "$FORMAT_LIST" --size small --out "$out" --pki "$PKI" --quiet
cp "$out/small/manifest.json" "$SCRATCH/before.json"
before=$(visible_files "$out")

expect_clean_failure() { # label [exit status, default 1]
  [ "$rc" -eq "${2:-1}" ] || fail "$1: exit $rc, expected ${2:-1} ($(cat "$SCRATCH/err"))"
  [ "$(wc -l <"$SCRATCH/err")" -le 3 ] || fail "$1: more than a short message"
  assert_no_temporaries "$out"
  [ "$before" = "$(visible_files "$out")" ] || fail "$1: files changed"
  cmp -s "$SCRATCH/before.json" "$out/small/manifest.json" || fail "$1: manifest changed"
  note "$1: $(head -1 "$SCRATCH/err")"
}

# The key file is gone.
cp -r "$PKI" "$SCRATCH/nokey" && rm "$SCRATCH/nokey/gpg-signing.key"
set +e
"$BIN" generate --format "$FORMAT_LIST" --size small --name other --out "$out" --pki "$SCRATCH/nokey" 2>"$SCRATCH/err"
rc=$?; set -e
expect_clean_failure "missing key"

# The key file is garbage.
cp -r "$PKI" "$SCRATCH/badkey" && echo "not a key" >"$SCRATCH/badkey/gpg-signing.key"
set +e
"$BIN" generate --format "$FORMAT_LIST" --size small --name other --out "$out" --pki "$SCRATCH/badkey" 2>"$SCRATCH/err"
rc=$?; set -e
expect_clean_failure "unusable key"

# Keys a user might bring, made with gpg itself: one behind a passphrase,
# one that expired before SOURCE_DATE_EPOCH, one made after it.
gpghome=$SCRATCH/gpghome
mkdir -m 700 "$gpghome"
user_key() { # dir uid faked-time expiry passphrase
  local dir=$SCRATCH/$1
  local -a clock=()
  [ -n "$3" ] && clock=(--faked-system-time "$3!")
  cp -r "$PKI" "$dir"
  gpg --homedir "$gpghome" --batch --quiet "${clock[@]}" --pinentry-mode loopback \
    --passphrase "$5" --quick-gen-key "$2 <$1@example.org>" rsa2048 sign "$4" 2>/dev/null
  gpg --homedir "$gpghome" --batch --quiet --pinentry-mode loopback --passphrase "$5" \
    --armor --export-secret-keys "$1@example.org" >"$dir/gpg-signing.key"
  gpg --homedir "$gpghome" --batch --quiet --armor --export "$1@example.org" >"$dir/gpg-signing.pub"
}
user_key passphrase "With passphrase" 946684800 0 secret
user_key expired "Expired" 946684800 1d ""
user_key recent "Made now" "" 0 ""
gpgconf --homedir "$gpghome" --kill all 2>/dev/null || true
for case in passphrase:1:"protected by a passphrase" expired:1:"expired 2000-01-02" \
  recent:2:"after SOURCE_DATE_EPOCH"; do
  IFS=: read -r dir status want <<<"$case"
  set +e
  "$BIN" generate --format "$FORMAT_LIST" --size small --name other --out "$out" --pki "$SCRATCH/$dir" 2>"$SCRATCH/err"
  rc=$?; set -e
  grep -q "$want" "$SCRATCH/err" || fail "$dir key: the message does not say '$want': $(cat "$SCRATCH/err")"
  expect_clean_failure "$dir key" "$status"
done

# Mid-run: once the run's GnuPG home exists and a large artifact is being
# written, remove the secret key from that home and kill its agent. An
# RSA key is held in the process once loaded (it signs in-process), so
# the case runs with an Ed25519 key, which gpg signs with from that home.
"$BIN" pki init --dir "$SCRATCH/ed25519" --key-type ed25519 >/dev/null
"$BIN" generate --format "$FORMAT_LIST" --size large --out "$out" --pki "$SCRATCH/ed25519" --name other \
  --quiet 2>"$SCRATCH/err" &
pid=$!
home=""
for _ in $(seq 4000); do
  home=$(for d in /tmp/agpg-*; do [ -d "$d/private-keys-v1.d" ] && [ -O "$d" ] && echo "$d"; done 2>/dev/null |
    xargs -r ls -dt 2>/dev/null | head -1 || true)
  [ -n "$home" ] && [ -n "$(find "$out" -name '.*.tmp-*' 2>/dev/null)" ] && break
  sleep 0.005
done
[ -n "$home" ] || fail "mid-run: the signer's home never appeared"
rm -rf "$home/private-keys-v1.d"
gpgconf --homedir "$home" --kill gpg-agent 2>/dev/null || true
set +e; wait "$pid"; rc=$?; set -e
[ "$rc" -eq 1 ] || fail "mid-run: exit $rc, expected 1 ($(cat "$SCRATCH/err"))"
assert_no_temporaries "$out"
assert_manifest_exact "$out/small" >/dev/null
[ ! -e "$out/large/manifest.json" ] || fail "mid-run: a large manifest was written"
[ -z "$(visible_files "$out/large" 2>/dev/null | grep -v '/keys/')" ] ||
  fail "mid-run: files left: $(visible_files "$out/large")"
note "key lost mid-run: $(head -1 "$SCRATCH/err")"
echo "signer-loss: clean in all six cases"
