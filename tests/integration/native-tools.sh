#!/usr/bin/env bash
# native-tools TREE: the distribution formats' own tools read what a tier wrote.
#   deb: dpkg-deb --info, --contents and --extract of every .deb to accept (its data file's
#        sha256 is the manifest's), lintian with no error (its warnings are listed), and gpgv
#        accepts each good suite's InRelease and Release.gpg with the published keyring and
#        refuses the suites signed wrongly on purpose.
#   rpm: rpm -K with the published key imported into a scratch database, rpm -qpi and
#        -qpl (the data file listed), rpm2cpio | cpio -t, rpmlint with no error (warnings
#        listed), and gpgv accepts repomd.xml.asc with the published key.
# A format without rows in the tree is not checked; a tree without either fails.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

tree=${1:?usage: native-tools.sh out/<size>}
manifest=$tree/manifest.json
[ -f "$manifest" ] || fail "$manifest is missing"
fpr=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("signing_key") or "")' "$manifest")
checked=0

rows() { # format -> "path<TAB>expect<TAB>signer<TAB>data path<TAB>data sha256" of its package files
  python3 - "$manifest" "$1" <<'PY'
import json, sys
for a in json.load(open(sys.argv[1]))["artifacts"]:
    if a["format"] != sys.argv[2] or not a["path"].endswith("." + sys.argv[2]):
        continue
    data = a.get("data") or {}
    # Empty fields last: read collapses runs of tabs.
    print("\t".join([a["path"], a.get("expect") or "accept", a.get("signer") or "project",
                     data.get("path") or "", data.get("sha256") or ""]))
PY
}

dearmor() { # armored key -> binary keyring, in a throw-away GnuPG home
  local home rc=0
  home=$(mktemp -d "$SCRATCH/gpg.XXXXXX")
  gpg --homedir "$home" --batch --yes --dearmor -o "$2" "$1" || rc=$?
  gpgconf --homedir "$home" --kill gpg-agent >/dev/null 2>&1 || true
  return "$rc"
}

# gpgv_good KEYRING SIG [DATA]: GOODSIG and VALIDSIG by the manifest's key, not exit 0 alone.
gpgv_good() {
  local status rc=0
  status=$(gpgv --status-fd 1 --keyring "$@" 2>&1) || rc=$?
  if [ "$rc" -ne 0 ] || ! grep -q '^\[GNUPG:\] GOODSIG ' <<<"$status" ||
    ! grep -q "^\[GNUPG:\] VALIDSIG $fpr " <<<"$status"; then
    printf '%s\n' "$status"
    return 1
  fi
}

lint_report() { # tool file log: no error line; warnings listed
  local errors
  errors=$(grep -cE '^E: |: E: ' "$3" || true)
  grep -E '^W: |: W: ' "$3" | sed "s|^|  $1 warning: |" || true
  [ "$errors" -eq 0 ] || { cat "$3"; fail "$1 reports $errors error(s) for $2"; }
}

check_deb() {
  local path expect data_path data_sha n=0 x
  while IFS=$'\t' read -r path expect _ data_path data_sha; do
    [ "$expect" = accept ] || continue
    local deb=$tree/$path
    dpkg-deb --info "$deb" >"$SCRATCH/info" || fail "dpkg-deb --info refuses $path"
    grep -q '^ Package: ' "$SCRATCH/info" || fail "dpkg-deb --info shows no Package for $path"
    dpkg-deb --contents "$deb" >"$SCRATCH/contents" || fail "dpkg-deb --contents refuses $path"
    x=$SCRATCH/x-$n
    rm -rf "$x" && mkdir -p "$x"
    dpkg-deb --extract "$deb" "$x" || fail "dpkg-deb --extract refuses $path"
    if [ -n "$data_path" ]; then
      [ -f "$x/$data_path" ] || fail "$path: the data file $data_path is not in what dpkg-deb extracted"
      [ "$(sha256sum <"$x/$data_path" | cut -d' ' -f1)" = "$data_sha" ] ||
        fail "$path: the extracted $data_path does not have the manifest's sha256"
    fi
    rm -rf "$x"
    lintian --no-cfg --allow-root "$deb" >"$SCRATCH/lintian" 2>&1 || true
    lint_report lintian "$path" "$SCRATCH/lintian"
    n=$((n + 1))
  done < <(rows deb)
  [ "$n" -gt 0 ] || return 0
  local keyring=$tree/keys/assetgen-archive-keyring.gpg release suite good=0 refused=0
  [ -f "$keyring" ] || fail "keys/assetgen-archive-keyring.gpg is missing"
  for release in "$tree"/deb/dists/*/Release; do
    suite=$(basename "$(dirname "$release")")
    case "$suite" in
    *bad-signature* | *wrong-signer*)
      if gpgv --keyring "$keyring" "$(dirname "$release")/InRelease" >/dev/null 2>&1; then
        fail "gpgv accepts the InRelease of $suite, signed wrongly on purpose"
      fi
      refused=$((refused + 1))
      ;;
    *)
      gpgv_good "$keyring" "$(dirname "$release")/InRelease" || fail "gpgv refuses the InRelease of $suite"
      gpgv_good "$keyring" "$(dirname "$release")/Release.gpg" "$release" ||
        fail "gpgv refuses Release.gpg of $suite"
      good=$((good + 1))
      ;;
    esac
  done
  [ "$good" -gt 0 ] || fail "no apt suite verified"
  echo "deb: $n packages read by dpkg-deb and lintian; gpgv verified $good suites, refused $refused"
  checked=$((checked + 1))
}

# rpm_persona_refused PKG SIGNER DB: rpm -Kv gives a set's signer persona its own verdict:
# the second key's signature NOKEY, no signature at all, or the project key's BAD.
rpm_persona_refused() {
  local out want
  out=$(rpm --dbpath "$3" -Kv "$1" 2>&1) || true
  case $2 in
    wrong-signer) want='Signature, key ID [0-9a-f]+: NOKEY' ;;
    other-bytes) want='Signature, key ID [0-9a-f]+: BAD' ;;
    unsigned) grep -q 'Signature, key ID' <<<"$out" && { echo "$out"; return 1; }
      want='Header SHA256 digest: OK' ;;
    *) echo "no rpm -K verdict known for signer $2"; return 1 ;;
  esac
  grep -qE "$want" <<<"$out" || { echo "$out"; return 1; }
}

check_rpm() {
  local path expect data_path data_sha signer n=0 personas=0 db=$SCRATCH/rpmdb out
  rm -rf "$db" && mkdir -p "$db"
  while IFS=$'\t' read -r path expect signer data_path data_sha; do
    [ "$expect" = accept ] || continue
    if [ "$n" -eq 0 ] && [ "$personas" -eq 0 ]; then
      rpm --dbpath "$db" --import "$tree/keys/gpg-signing.asc" || fail "rpm --import refuses keys/gpg-signing.asc"
      mkdir -p "$SCRATCH/rpmlint-home"
      printf '%%_dbpath %s\n' "$db" >"$SCRATCH/rpmlint-home/.rpmmacros"
      # rpmlint 2.4 ships no license list (distributions supply one): the licenses the
      # generated packages name.
      printf 'ValidLicenses = ["MIT"]\n' >"$SCRATCH/rpmlint.toml"
    fi
    local pkg=$tree/$path
    if [ "$signer" != project ]; then
      out=$(rpm_persona_refused "$pkg" "$signer" "$db") ||
        fail "rpm -Kv does not give $path (signer $signer) its persona's verdict: $out"
      personas=$((personas + 1))
      continue
    fi
    out=$(rpm --dbpath "$db" -K "$pkg" 2>&1) || fail "rpm -K refuses $path: $out"
    grep -qE 'digests signatures OK$' <<<"$out" || fail "rpm -K does not check both digests and signature of $path: $out"
    rpm --dbpath "$db" -qpi "$pkg" >"$SCRATCH/qpi" 2>&1 || fail "rpm -qpi refuses $path"
    rpm --dbpath "$db" -qpl "$pkg" >"$SCRATCH/qpl" 2>&1 || fail "rpm -qpl refuses $path"
    if [ -n "$data_path" ]; then
      grep -qxF "/$data_path" "$SCRATCH/qpl" || grep -qxF "$data_path" "$SCRATCH/qpl" ||
        fail "rpm -qpl of $path does not list the data file $data_path"
    fi
    rpm2cpio "$pkg" | cpio -t --quiet >"$SCRATCH/cpio" 2>&1 || fail "rpm2cpio | cpio -t refuses $path"
    [ -s "$SCRATCH/cpio" ] || fail "rpm2cpio | cpio -t lists nothing in $path"
    # rpmlint checks signatures against the rpm database its macros name: the scratch one
    # holding the published key, not the host's.
    HOME=$SCRATCH/rpmlint-home rpmlint -c "$SCRATCH/rpmlint.toml" "$pkg" >"$SCRATCH/rpmlint" 2>&1 || true
    lint_report rpmlint "$path" "$SCRATCH/rpmlint"
    n=$((n + 1))
  done < <(rows rpm)
  [ "$n" -gt 0 ] || return 0
  local keyring=$SCRATCH/rpm-key.gpg repomd
  dearmor "$tree/keys/gpg-signing.asc" "$keyring"
  repomd=$tree/rpm/repodata/repomd.xml
  gpgv_good "$keyring" "$repomd.asc" "$repomd" || fail "gpgv refuses rpm/repodata/repomd.xml.asc"
  echo "rpm: $n packages checked by rpm -K, -qpi, -qpl, rpm2cpio and rpmlint; $personas signer \
personas given their own rpm -K verdict; gpgv verified repomd.xml.asc"
  checked=$((checked + 1))
}

check_deb
check_rpm
[ "$checked" -gt 0 ] || fail "$tree has neither deb nor rpm packages"
